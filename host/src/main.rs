//! The `dbx-inventory` binary: parse → run → print errors once → exit code (decided here).

use std::process::ExitCode;

use clap::Parser as _;
use dbx_inventory::cli::{Cli, Command};
use dbx_inventory::commands;
use dbx_inventory::{Interrupted, Outcome, UsageError};

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
        Command::Worker(a) => a.debug,
        Command::Check(a) => a.debug,
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
                ExitCode::from(dbx_inventory::run::interrupt::EXIT_CODE)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Scan(args) if args.auth.list_profiles => commands::profiles::run(),
        Command::Scan(args) => commands::scan::run(args).await,
        Command::Users(args) if args.auth.list_profiles => commands::profiles::run(),
        Command::Users(args) => commands::users::run(args).await,
        Command::Demo(args) => commands::demo::run(args).await,
        Command::Profiles(_) => commands::profiles::run(),
        Command::Init(args) => commands::init::run(args),
        Command::Summary(args) => commands::summary::run(args),
        Command::Worker(args) => commands::worker::run(args).await,
        Command::CsvRows(args) => commands::csv_rows::run(args),
        Command::AuthToken(args) => commands::auth_token::run(args).await,
        Command::SparkLauncher(args) => commands::spark_launcher::run(args),
        Command::Component(args) => commands::component::run(args),
        Command::Diff(args) => commands::diff::run(args),
        Command::Top(args) => commands::top::run(args),
        Command::Check(args) if args.auth.list_profiles => commands::profiles::run(),
        Command::Check(args) => commands::check::run(args).await,
    }
}

fn init_tracing(debug: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if debug { "warn,dbx_inventory=debug" } else { "warn" };
    let filter = EnvFilter::try_from_env("DBX_INVENTORY_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only on a terminal: a log file or a pipe gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .without_time()
        .init();
}
