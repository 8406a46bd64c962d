//! The `dbx-inventory` binary: parse → run → print errors once → exit code (decided here).

use std::process::ExitCode;

use clap::Parser as _;
use dbx_inventory::cli::{Cli, Command};
use dbx_inventory::{demo, users_cmd, Interrupted, Outcome, UsageError};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let debug = match &cli.command {
        Command::Scan(a) => a.debug,
        Command::Users(a) => a.debug,
        _ => false,
    };
    init_tracing(debug);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::SomeUsersFailed) => ExitCode::from(3),
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else if e.downcast_ref::<Interrupted>().is_some() {
                ExitCode::from(dbx_inventory::interrupt::EXIT_CODE)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Scan(args) => {
            if args.auth.list_profiles {
                return users_cmd::list_profiles();
            }
            users_cmd::scan(args).await
        }
        Command::Users(args) => {
            if args.auth.list_profiles {
                return users_cmd::list_profiles();
            }
            users_cmd::users(args).await
        }
        Command::Demo(args) => demo::run(args).await,
        Command::Profiles(_) => users_cmd::list_profiles(),
        Command::Init(args) => dbx_inventory::init_cmd::run(args),
        Command::Summary(args) => dbx_inventory::summary::run(args),
    }
}

fn init_tracing(debug: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if debug { "warn,dbx_inventory=debug" } else { "warn" };
    let filter = EnvFilter::try_from_env("DBX_INVENTORY_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .init();
}
