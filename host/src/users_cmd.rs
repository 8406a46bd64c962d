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
    let resolved = connect::resolve_auth(&args.auth).map_err(|e| FatalError(format!("{e:#}")))?;
    let desc = resolved.describe();
    let mut extra = vec![format!("Auth: {desc}")];
    if resolved.in_databricks_runtime {
        extra.push("Running inside a Databricks cluster (DATABRICKS_RUNTIME_VERSION set)".into());
    }
    let run = scan::prepare(&args, resolved.host.to_string(), extra)?;
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
    let mut users = scan::list_all_users(&rt, args.page_size.clamp(1, 10_000), 0)
        .await
        .map_err(|e| FatalError(format!("listing users failed: {e:#}; no file written")))?;
    if args.active_only {
        users.retain(|u| u.active != Some(false));
    }
    if args.max_users > 0 {
        users.truncate(args.max_users as usize);
    }
    let text = render_users(&users, args.format)?;
    match file {
        Some(mut f) => {
            f.file().write_all(text.as_bytes())?;
            f.commit()?;
            println!("✓ Saved {} users to: {}", users.len(), args.output.as_ref().unwrap().display());
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
    let profiles = dbx_auth::list_profiles(&env).context("reading the Databricks config file")?;
    if profiles.is_empty() {
        println!("No profiles found. Create one with `databricks configure` or see the README (Authentication).");
    }
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
