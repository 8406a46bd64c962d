//! `dbx-inventory check`: resolve auth as `scan` does, ask the workspace a handful of questions
//! ([`crate::check`]), print the report; exit 1 (naming what is missing) when a full scan cannot run.

use crate::check;
use crate::cli::CheckArgs;
use crate::connect;
use crate::error::{FatalError, Outcome};

/// `dbx-inventory check`.
pub async fn run(args: CheckArgs) -> anyhow::Result<Outcome> {
    let resolved = match crate::account::resolve(&args.auth, &args.account)? {
        crate::account::Target::Account(account) => return crate::account::check::run(args, account).await,
        crate::account::Target::Workspace(resolved) => resolved,
    };
    let concurrency = 8;
    let allow = connect::scan_allow_list(args.notebook_sizes);
    let rt = connect::runtime_with(&resolved, &args.limits, concurrency, allow)?;
    // Rejected credentials or an unreachable workspace stop here, exactly as for `scan`.
    let identity = connect::preflight(&rt, &resolved).await?;
    let report = check::gather(&rt, resolved.host_str(), resolved.describe(), identity, args.sample).await;
    if let Some(reason) = rt.policy().stop_reason() {
        return Err(FatalError(format!("the check stopped: {reason}")).into());
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report.json())?);
    } else {
        print!("{}", report.text());
    }
    let missing = report.missing();
    if missing.is_empty() {
        Ok(Outcome::Clean)
    } else {
        Err(FatalError(format!(
            "a full scan cannot run with these credentials: missing {}",
            missing.join("; ")
        ))
        .into())
    }
}
