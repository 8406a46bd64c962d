//! `dbx-inventory users`: list the workspace's SCIM users (step 1 of the seed's workflow), and
//! with `--service-principals` its service principals, into a file `scan --users-file` reads, or
//! as CSV/JSON. Nothing is written unless the listing succeeds.

use std::collections::HashSet;
use std::io::Write as _;

use crate::cli::{UsersArgs, UsersFormat};
use crate::connect;
use crate::error::{FatalError, Outcome};
use crate::feed::ScimPager;
use crate::model::Listed;
use crate::model::{Principal, UserKey};
use crate::output::csv::text_cell;
use crate::output::AtomicFile;

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
    let kept = match &args.output {
        Some(p) => format!("; nothing written to {}", p.display()),
        None => String::new(),
    };
    let page_size = args.page_size.clamp(1, 10_000);
    let users = list(ScimPager::new(&rt, page_size), args.max_users, args.active_only)
        .await
        .map_err(|e| FatalError(format!("listing users failed: {e:#}{kept}")))?;
    let sps = if args.service_principals {
        list(
            ScimPager::service_principals(&rt, page_size),
            args.max_users,
            args.active_only,
        )
        .await
        .map_err(|e| FatalError(format!("listing service principals failed: {e:#}{kept}")))?
    } else {
        Vec::new()
    };
    let text = render(&users, &sps, args.service_principals, args.format)?;
    match file {
        Some(mut f) => {
            f.file().write_all(text.as_bytes())?;
            f.commit()?;
            let what = if args.service_principals {
                format!("{} users and {} service principals", users.len(), sps.len())
            } else {
                format!("{} users", users.len())
            };
            println!("✓ Saved {what} to: {}", args.output.as_ref().unwrap().display());
        }
        None => {
            print_numbered(&users);
            println!("\nTotal users: {}", users.len());
            if args.service_principals {
                println!("\nService principals (application id, display name):");
                print_numbered(&sps);
                println!("\nTotal service principals: {}", sps.len());
            }
        }
    }
    Ok(Outcome::Clean)
}

fn print_numbered(list: &[Listed]) {
    for (i, u) in list.iter().enumerate() {
        match &u.display_name {
            Some(d) if !d.is_empty() => println!("{:>5}. {} ({d})", i + 1, u.name),
            _ => println!("{:>5}. {}", i + 1, u.name),
        }
    }
}

/// Lists SCIM users (or service principals) page by page (each page starts where the resources
/// actually returned end; every request retried by the policy), keeping the first spelling of
/// case-insensitive duplicates, optionally only active ones (`active: false` dropped; unknown
/// kept), and stops asking for pages as soon as `max` (0 = all) are kept.
pub async fn list(mut pager: ScimPager<'_>, max: u64, active_only: bool) -> anyhow::Result<Vec<Listed>> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    while let Some(page) = pager.next_page().await? {
        for u in page {
            if active_only && u.active == Some(false) {
                continue;
            }
            if !seen.insert(UserKey::of(&u.name)) {
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

/// The listing in `format`: users then service principals. Without `--service-principals` the
/// output is exactly what it always was; with it, csv gains `principal` and `applicationId`
/// columns (a service principal's `userName` cell is empty) and each json object a `principal`.
fn render(users: &[Listed], sps: &[Listed], with_sps: bool, format: UsersFormat) -> anyhow::Result<String> {
    let all = || users.iter().chain(sps);
    Ok(match format {
        UsersFormat::Txt => all().map(|u| format!("{}\n", u.name)).collect(),
        UsersFormat::Csv => {
            let mut w = csv::Writer::from_writer(vec![]);
            let mut header = vec!["userName", "displayName", "active", "id"];
            if with_sps {
                header.extend(["principal", "applicationId"]);
            }
            w.write_record(&header)?;
            for u in all() {
                let sp = u.principal == Principal::ServicePrincipal;
                let mut record = vec![
                    text_cell(if sp { "" } else { &u.name }).into_owned(),
                    text_cell(u.display_name.as_deref().unwrap_or("")).into_owned(),
                    u.active.map(|a| a.to_string()).unwrap_or_default(),
                    text_cell(u.id.as_deref().unwrap_or("")).into_owned(),
                ];
                if with_sps {
                    record.push(u.principal.as_str().to_string());
                    record.push(text_cell(if sp { &u.name } else { "" }).into_owned());
                }
                w.write_record(&record)?;
            }
            String::from_utf8(w.into_inner()?)?
        }
        UsersFormat::Json => {
            let v: Vec<serde_json::Value> = all()
                .map(|u| {
                    let name = match u.principal {
                        Principal::User => "userName",
                        Principal::ServicePrincipal => "applicationId",
                    };
                    let mut o = serde_json::json!({name: u.name, "displayName": u.display_name, "active": u.active, "id": u.id});
                    if with_sps {
                        o["principal"] = serde_json::json!(u.principal);
                    }
                    o
                })
                .collect();
            serde_json::to_string_pretty(&v)? + "\n"
        }
    })
}
