//! `dbx-inventory scan`: resolve auth, build the runtime, check the credentials, run the scan.

use std::sync::Arc;

use crate::cli::ScanArgs;
use crate::connect;
use crate::error::{Outcome, UsageError};
use crate::{record, run};

/// `dbx-inventory scan`.
pub async fn run(args: ScanArgs) -> anyhow::Result<Outcome> {
    if args.orphans && !args.all_users {
        return Err(UsageError(
            "--orphans needs --all-users: orphaned homes are those with no active user among all workspace users"
                .into(),
        )
        .into());
    }
    let stdin = std::path::Path::new("-");
    if args.auth.token_file.as_deref() == Some(stdin) && args.users_file.as_deref() == Some(stdin) {
        return Err(UsageError(
            "--token-file - and --users-file - both read standard input; give one of them a file".into(),
        )
        .into());
    }
    let resolved = match crate::account::resolve(&args.auth, &args.account)? {
        crate::account::Target::Account(account) => return crate::account::scan::run(args, account).await,
        crate::account::Target::Workspace(resolved) => resolved,
    };
    let desc = resolved.describe();
    let mut extra = vec![format!("Auth: {desc}")];
    if resolved.in_databricks_runtime {
        extra.push("Running inside a Databricks cluster (DATABRICKS_RUNTIME_VERSION set)".into());
    }
    let mut run = run::prepare(&args, resolved.host_str(), extra)?;
    if let Some(plan) = &mut run.spark {
        plan.credential = resolved.source.to_string();
        let waves = match plan.wave {
            Some(n) => format!("waves of up to {n} user(s)"),
            None => format!("waves of up to {} s", plan.wave_secs),
        };
        let tasks = match plan.partitions {
            1 => "one task holding the whole budget".to_string(),
            n => format!("{n} tasks per wave, each with 1/{n} of the budget"),
        };
        run.banner_extra.push(format!(
            "Backend: {}, {tasks}, {waves}; this process records the results",
            plan.backend.describe(),
        ));
    }
    let allow = connect::scan_allow_list(args.notebook_sizes);
    let rt = Arc::new(connect::runtime_with(&resolved, &args.limits, args.concurrency, allow)?);
    let identity = connect::preflight(&rt, &resolved).await?;
    run.banner_extra.push(identity.banner_line());
    run.visibility = record::Visibility::of(&identity);
    run::run(rt, run).await
}
