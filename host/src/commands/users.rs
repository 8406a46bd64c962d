//! `dbx-inventory users`: list the workspace's SCIM users (step 1 of the seed's workflow) into a
//! file `scan --users-file` reads, or as CSV/JSON. Nothing is written unless the listing succeeds.

use std::collections::HashSet;
use std::io::Write as _;

use crate::cli::{UsersArgs, UsersFormat};
use crate::connect;
use crate::error::{FatalError, Outcome};
use crate::model::UserKey;
use crate::output::csv::text_cell;
use crate::output::AtomicFile;
use crate::sandbox::bindings::scanner::User;
use crate::sandbox::Runtime;
use crate::scan::feed::ScimPager;

/// `dbx-inventory users`.
pub async fn run(args: UsersArgs) -> anyhow::Result<Outcome> {
    let resolved = connect::resolve_auth(&args.auth).map_err(|e| FatalError(format!("{e:#}")))?;
    // Fail before listing if the output cannot be written; nothing partial is left behind.
    let file = match &args.output {
        Some(p) => Some(AtomicFile::create(p)?),
        None => None,
    };
    let rt = connect::runtime(&resolved, &args.limits, 1)?;
    connect::preflight(&rt, &resolved).await?;
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
pub async fn list_users(rt: &Runtime, page_size: u32, max: u64, active_only: bool) -> anyhow::Result<Vec<User>> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut pager = ScimPager::new(rt, page_size);
    while let Some(users) = pager.next_page().await? {
        for u in users {
            if active_only && u.active == Some(false) {
                continue;
            }
            if !seen.insert(UserKey::of(&u.user_name)) {
                continue;
            }
            out.push(u);
            if max > 0 && out.len() as u64 >= max {
                return Ok(out);
            }
        }
    }
    Ok(out)
}

fn render_users(users: &[User], format: UsersFormat) -> anyhow::Result<String> {
    Ok(match format {
        UsersFormat::Txt => users.iter().map(|u| format!("{}\n", u.user_name)).collect(),
        UsersFormat::Csv => {
            let mut w = csv::Writer::from_writer(vec![]);
            w.write_record(["userName", "displayName", "active", "id"])?;
            for u in users {
                w.write_record([
                    text_cell(&u.user_name).as_ref(),
                    text_cell(u.display_name.as_deref().unwrap_or("")).as_ref(),
                    &u.active.map(|a| a.to_string()).unwrap_or_default(),
                    text_cell(u.id.as_deref().unwrap_or("")).as_ref(),
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
