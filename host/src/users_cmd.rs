//! Entry points of `scan`, `users` and `profiles`: resolve auth, build the runtime, run.

use std::io::Write as _;
use std::sync::Arc;

use anyhow::Context as _;

use crate::cli::{ScanArgs, UsersArgs, UsersFormat};
use crate::connect;
use crate::output::AtomicFile;
use crate::scan;
use crate::{FatalError, Outcome};

/// `dbx-inventory scan`.
pub async fn scan(args: ScanArgs) -> anyhow::Result<Outcome> {
    if args.orphans && !args.all_users {
        return Err(crate::UsageError(
            "--orphans needs --all-users: orphaned homes are those with no active user among all workspace users"
                .into(),
        )
        .into());
    }
    let resolved = connect::resolve_auth(&args.auth).map_err(|e| FatalError(format!("{e:#}")))?;
    let desc = resolved.describe();
    let mut extra = vec![format!("Auth: {desc}")];
    if resolved.in_databricks_runtime {
        extra.push("Running inside a Databricks cluster (DATABRICKS_RUNTIME_VERSION set)".into());
    }
    let run = scan::prepare(&args, resolved.host_str(), extra)?;
    let rt = Arc::new(connect::runtime(&resolved, &args.limits, args.concurrency)?);
    scan::preflight(&rt, &resolved).await?;
    scan::run(rt, run).await
}

/// `dbx-inventory users`.
pub async fn users(args: UsersArgs) -> anyhow::Result<Outcome> {
    let resolved = connect::resolve_auth(&args.auth).map_err(|e| FatalError(format!("{e:#}")))?;
    // Fail before listing if the output cannot be written; nothing partial is left behind.
    let file = match &args.output {
        Some(p) => Some(AtomicFile::create(p)?),
        None => None,
    };
    let rt = connect::runtime(&resolved, &args.limits, 1)?;
    scan::preflight(&rt, &resolved).await?;
    let users = list_users(&rt, args.page_size.clamp(1, 10_000), args.max_users, args.active_only)
        .await
        .map_err(|e| {
            let kept = match &args.output {
                Some(p) => format!("; nothing written to {}", p.display()),
                None => String::new(),
            };
            FatalError(format!("listing users failed: {e:#}{kept}"))
        })?;
    let text = render_users(&users, args.format)?;
    match file {
        Some(mut f) => {
            f.file().write_all(text.as_bytes())?;
            f.commit()?;
            println!(
                "✓ Saved {} users to: {}",
                users.len(),
                args.output.as_ref().unwrap().display()
            );
        }
        None => {
            for (i, u) in users.iter().enumerate() {
                match &u.display_name {
                    Some(d) if !d.is_empty() => println!("{:>5}. {} ({d})", i + 1, u.user_name),
                    _ => println!("{:>5}. {}", i + 1, u.user_name),
                }
            }
            println!("\nTotal users: {}", users.len());
        }
    }
    Ok(Outcome::Clean)
}

/// Lists SCIM users page by page (each page starts where the users actually returned end; every
/// request retried by the policy), keeping the first spelling of case-insensitive duplicates,
/// optionally only active users (`active: false` dropped; unknown kept), and stops asking for
/// pages as soon as `max` users (0 = all) are kept.
pub async fn list_users(
    rt: &crate::runtime::Runtime,
    page_size: u32,
    max: u64,
    active_only: bool,
) -> anyhow::Result<Vec<crate::bindings::scanner::User>> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut start = 1u32;
    loop {
        let page = rt
            .list_users(start, page_size)
            .await?
            .map_err(|f| anyhow::anyhow!("{}", f.message))?;
        for u in page.users {
            if active_only && u.active == Some(false) {
                continue;
            }
            if !seen.insert(u.user_name.to_lowercase()) {
                continue;
            }
            out.push(u);
            if max > 0 && out.len() as u64 >= max {
                return Ok(out);
            }
        }
        match page.next_start_index {
            Some(n) if n > start => start = n,
            _ => return Ok(out),
        }
    }
}

fn render_users(users: &[crate::bindings::scanner::User], format: UsersFormat) -> anyhow::Result<String> {
    Ok(match format {
        UsersFormat::Txt => users.iter().map(|u| format!("{}\n", u.user_name)).collect(),
        UsersFormat::Csv => {
            let mut w = csv::Writer::from_writer(vec![]);
            w.write_record(["userName", "displayName", "active", "id"])?;
            for u in users {
                w.write_record([
                    u.user_name.as_str(),
                    u.display_name.as_deref().unwrap_or(""),
                    &u.active.map(|a| a.to_string()).unwrap_or_default(),
                    u.id.as_deref().unwrap_or(""),
                ])?;
            }
            String::from_utf8(w.into_inner()?)?
        }
        UsersFormat::Json => {
            let v: Vec<serde_json::Value> = users
                .iter()
                .map(|u| serde_json::json!({"userName": u.user_name, "displayName": u.display_name, "active": u.active, "id": u.id}))
                .collect();
            serde_json::to_string_pretty(&v)? + "\n"
        }
    })
}

/// `--list-profiles` / `dbx-inventory profiles`.
pub fn list_profiles() -> anyhow::Result<Outcome> {
    let env = dbx_auth::Env::from_process();
    let path = dbx_auth::config_file_path(&env)?;
    let profiles = dbx_auth::list_profiles(&env).context("reading the Databricks config file")?;
    if profiles.is_empty() {
        let why = if path.exists() {
            "has no profiles"
        } else {
            "does not exist"
        };
        println!(
            "No profiles: {} {why}. Create one with `dbx-inventory init --profile NAME --host URL` \
             (or `databricks configure`), or point DATABRICKS_CONFIG_FILE at your config file.",
            path.display()
        );
        return Ok(Outcome::Clean);
    }
    println!(
        "Profiles in {} (* = used when no profile is asked for):",
        path.display()
    );
    for p in profiles {
        println!(
            "{} {:<20} {:<45} {}",
            if p.is_default { "*" } else { " " },
            p.name,
            p.host.as_deref().unwrap_or("(no host)"),
            p.auth_type
        );
    }
    Ok(Outcome::Clean)
}
