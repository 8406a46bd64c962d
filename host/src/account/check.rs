//! `check --account-id`: the `check` report of every running workspace of the account (each
//! with its workspace token, as `scan --account-id` would scan it), and the workspaces that
//! cannot be scanned at all, named with why.

use std::sync::Arc;

use futures::stream::{self, StreamExt as _};

use super::{Account, Listed};
use crate::check;
use crate::cli::CheckArgs;
use crate::connect;
use crate::error::{FatalError, Outcome};
use crate::output::console;

/// Workspaces checked at once.
const AT_ONCE: usize = 4;

/// One workspace's answer: its report, or why there is none.
type Checked = (Listed, Result<check::report::Report, String>);

/// `dbx-inventory check --account-id`.
pub async fn run(args: CheckArgs, resolved: dbx_auth::ResolvedAuth) -> anyhow::Result<Outcome> {
    let account = Account::open(resolved, &args.limits).await?;
    let (chosen, skipped) = account.choose(&args.account.workspaces)?;
    let allow = connect::scan_allow_list(args.notebook_sizes);
    let base = Arc::new(account.engine(&args.limits, allow, (AT_ONCE * 16) as u32)?);
    let checked: Vec<Checked> = stream::iter(chosen)
        .map(|w| {
            let (account, base, args, allow) = (&account, base.clone(), &args, allow);
            async move {
                let report = check_one(account, &base, args, allow, &w).await;
                (w, report)
            }
        })
        .buffered(AT_ONCE)
        .collect()
        .await;
    let mut blocking = Vec::new();
    for (w, r) in &checked {
        match r {
            Ok(report) if !report.missing().is_empty() => blocking.push(format!(
                "{}: missing {}",
                w.deployment_name,
                report.missing().join("; ")
            )),
            Ok(_) => {}
            Err(why) => blocking.push(format!("{}: {why}", w.deployment_name)),
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&json(&account, &checked, &skipped))?);
    } else {
        println!(
            "Account {} at {}: {} workspace(s)",
            account.id,
            account.resolved.host_str(),
            account.listed.len()
        );
        for (w, r) in &checked {
            match r {
                Ok(report) => console::print_labelled(&w.deployment_name, &report.text()),
                Err(why) => console::print_labelled(&w.deployment_name, &format!("cannot be scanned: {why}\n")),
            }
        }
        for (w, why) in &skipped {
            println!("[{}] skipped: {why}", w.shown());
        }
    }
    if blocking.is_empty() {
        Ok(Outcome::Clean)
    } else {
        Err(FatalError(format!(
            "a full account scan cannot run with these credentials: {}",
            blocking.join(" | ")
        ))
        .into())
    }
}

async fn check_one(
    account: &Account,
    base: &crate::sandbox::Runtime,
    args: &CheckArgs,
    allow: crate::policy::allow_list::AllowList,
    w: &Listed,
) -> Result<check::report::Report, String> {
    let ws = account.workspace(w).await?;
    let (rt, identity) = account.runtime(base, &ws, &args.limits, allow, None).await?;
    let report = check::gather(
        &rt,
        ws.resolved.host_str(),
        ws.resolved.describe(),
        identity,
        args.sample,
    )
    .await;
    match rt.policy().stop_reason() {
        Some(reason) => Err(format!("the check stopped: {reason}")),
        None => Ok(report),
    }
}

fn json(account: &Account, checked: &[Checked], skipped: &[(Listed, String)]) -> serde_json::Value {
    let workspaces: Vec<serde_json::Value> = checked
        .iter()
        .map(|(w, r)| match r {
            Ok(report) => serde_json::json!({
                "workspace": w.deployment_name, "workspace_id": w.id, "workspace_name": w.name, "report": report.json(),
            }),
            Err(why) => serde_json::json!({
                "workspace": w.deployment_name, "workspace_id": w.id, "workspace_name": w.name, "error": why,
            }),
        })
        .collect();
    let skipped: Vec<serde_json::Value> = skipped
        .iter()
        .map(|(w, why)| serde_json::json!({"workspace": w.shown(), "workspace_id": w.id, "skipped": why}))
        .collect();
    serde_json::json!({
        "account_id": account.id,
        "host": account.resolved.host_str(),
        "workspaces": workspaces,
        "skipped": skipped,
    })
}
