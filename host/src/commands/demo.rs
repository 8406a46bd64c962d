//! `dbx-inventory demo`: a full scan of a simulated workspace, started in-process on
//! loopback with a generated population, realistic latency and the published limits.

use std::sync::Arc;

use crate::cli::{AuthArgs, DemoArgs, JournalArgs, LimitArgs, ScanArgs};
use crate::error::Outcome;
use crate::{connect, run};

/// Runs the demo.
pub async fn run(args: DemoArgs) -> anyhow::Result<Outcome> {
    let sim = dbx_sim::start(dbx_sim::SimConfig {
        fixture: dbx_sim::generate(args.users, args.seed),
        limits: Some(dbx_sim::Limits::default()),
        latency_ms: args.latency_ms,
        ..Default::default()
    })
    .await?;
    println!(
        "Simulated workspace: {} users (seed {}) at {}\n",
        args.users,
        args.seed,
        sim.url()
    );
    let scan_args = ScanArgs {
        users: vec![],
        users_file: None,
        all_users: true,
        orphans: false,
        output: args.output.clone(),
        html: args.html.clone(),
        objects: None,
        dbfs_only: false,
        workspace_only: false,
        locations: None,
        as_of: None,
        stale_days: None,
        concurrency: 32,
        batch_size: 0,
        debug: false,
        quiet: args.quiet,
        notebook_sizes: false,
        list_homes: false,
        // Each demo is a fresh simulated workspace: start a new journal every time.
        journal: JournalArgs {
            overwrite: true,
            ..Default::default()
        },
        spark: Default::default(),
        account: Default::default(),
        auth: AuthArgs {
            host: Some(sim.url()),
            token: Some("dapi-sim".into()),
            ..Default::default()
        },
        limits: default_limits(),
    };
    // The demo ignores the caller's Databricks environment and config file on purpose.
    let resolved = dbx_auth::resolve(
        &connect::auth_flags(&scan_args.auth),
        &dbx_auth::Env::from_pairs(Vec::<(String, String)>::new()),
    )?;
    let run = run::prepare(&scan_args, sim.url(), vec!["Auth: simulator token (demo)".into()])?;
    let rt = Arc::new(connect::runtime(&resolved, &scan_args.limits, scan_args.concurrency)?);
    let outcome = run::run(rt, run).await;
    let stats = sim.stats();
    println!(
        "\nSimulator: {} requests served, {} answered 429, peak concurrency {}",
        stats.total_requests, stats.status_429, stats.peak_concurrency
    );
    sim.shutdown().await;
    outcome
}

fn default_limits() -> LimitArgs {
    use clap::Parser;
    #[derive(Parser)]
    struct L {
        #[command(flatten)]
        l: LimitArgs,
    }
    L::parse_from(["demo"]).l
}
