//! `dbx-sim`: serve a simulated Databricks workspace, or print a generated fixture.
//!
//! `main` → `run` → one function per subcommand; errors are printed once, with their context
//! chain, and exit with status 1 (clap's own usage errors exit with 2).

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use dbx_sim::{AccountConfig, Fixture, Limits, SimConfig};

/// A simulated Databricks workspace (Workspace, DBFS, Files, SCIM, OAuth M2M) for tests and demos.
#[derive(Debug, Parser)]
#[command(name = "dbx-sim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve a workspace (or, with --account, an account of workspaces) over HTTP; the first stdout
    /// line is `listening on http://HOST:PORT`.
    Serve(ServeArgs),
    /// Print the fixture `serve --generate SPEC` would serve, e.g. `generate users=100,seed=7`.
    Generate {
        /// `users=N,seed=S`.
        spec: String,
    },
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Serve this fixture file (JSON; see sim/README.md).
    #[arg(long, value_name = "FILE", conflicts_with = "generate", help_heading = "Content")]
    fixture: Option<PathBuf>,

    /// Serve a generated workspace: `users=N,seed=S`.
    #[arg(long, value_name = "SPEC", help_heading = "Content")]
    generate: Option<String>,

    /// Serve an account (JSON; see sim/README.md): the Accounts API at accounts.localhost and each
    /// workspace at <deployment_name>.localhost, all on one port; the other flags apply to every
    /// workspace.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["fixture", "generate", "clients"], help_heading = "Content")]
    account: Option<PathBuf>,

    /// A workspace without DBFS (GCP's default, or "disable legacy DBFS"): every DBFS request
    /// answers 403 PERMISSION_DENIED "Public DBFS root is disabled. …".
    #[arg(long, help_heading = "Content")]
    no_dbfs: bool,

    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0", help_heading = "Server")]
    addr: SocketAddr,

    /// Accepted personal access token (repeatable; default `dapi-sim`).
    #[arg(long = "token", value_name = "TOKEN", help_heading = "Auth")]
    tokens: Vec<String>,

    /// OAuth M2M client as ID:SECRET (repeatable).
    #[arg(long = "client", value_name = "ID:SECRET", value_parser = parse_client, help_heading = "Auth")]
    clients: Vec<(String, String)>,

    /// A non-admin user's token as TOKEN=USERNAME (repeatable): sees only its own folders of
    /// /Users and /Repos.
    #[arg(long = "user-token", value_name = "TOKEN=USERNAME", help_heading = "Auth")]
    user_tokens: Vec<String>,

    /// Lifetime of issued OAuth access tokens, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600, help_heading = "Auth")]
    oauth_token_ttl: u64,

    /// Mean added latency per request in ms (log-normal jitter, plus a per-entry cost).
    #[arg(long, value_name = "MS", default_value_t = 0, help_heading = "Behaviour")]
    latency_ms: u64,

    /// Added latency per listed entry in µs (only with --latency-ms).
    #[arg(long, value_name = "US", default_value_t = 20, help_heading = "Behaviour")]
    latency_per_entry_us: u64,

    /// Probability (0–1) that an API request fails at random (500, 503, 504, reset, truncated
    /// body, very slow answer, HTML proxy page).
    #[arg(long, value_name = "P", default_value_t = 0.0, help_heading = "Behaviour")]
    fault_rate: f64,

    /// Seed for latency jitter and random faults.
    #[arg(long, value_name = "N", default_value_t = 0, help_heading = "Behaviour")]
    seed: u64,

    /// How long a "slow" fault stalls, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 120, help_heading = "Behaviour")]
    slow_fault_secs: u64,

    /// Largest SCIM page returned, whatever `count` asks for.
    #[arg(long, value_name = "N", default_value_t = 100, help_heading = "Behaviour")]
    scim_max_page: usize,

    /// Largest object `workspace/export` returns, in bytes (a larger notebook answers
    /// 400 MAX_NOTEBOOK_SIZE_EXCEEDED).
    #[arg(long, value_name = "BYTES", default_value_t = 10 * 1024 * 1024, help_heading = "Behaviour")]
    max_export_bytes: u64,

    /// Rate limits, e.g. `workspace=50,dbfs=30,scim=255/60s` (unnamed families keep defaults).
    #[arg(long, value_name = "SPEC", value_parser = dbx_api::parse_rate_spec, help_heading = "Limits")]
    rate_limits: Option<dbx_api::RateSpec>,

    /// Most requests in flight at once (0 = no cap).
    #[arg(long, value_name = "N", help_heading = "Limits")]
    max_concurrent: Option<usize>,

    /// Disable rate limits and the concurrency cap.
    #[arg(long, conflicts_with_all = ["rate_limits", "max_concurrent"], help_heading = "Limits")]
    no_limits: bool,

    /// Send 429s without a Retry-After header.
    #[arg(long, help_heading = "Limits")]
    no_retry_after: bool,
}

fn parse_client(s: &str) -> Result<(String, String), String> {
    match s.split_once(':') {
        Some((id, secret)) if !id.is_empty() && !secret.is_empty() => Ok((id.into(), secret.into())),
        _ => Err(format!("{s:?} is not ID:SECRET")),
    }
}

impl ServeArgs {
    /// Validates the flags into a config (reads the fixture file).
    fn into_config(self) -> anyhow::Result<SimConfig> {
        if !(0.0..=1.0).contains(&self.fault_rate) {
            anyhow::bail!(
                "invalid --fault-rate {}: expected a probability between 0 and 1",
                self.fault_rate
            );
        }
        if self.scim_max_page == 0 {
            anyhow::bail!("invalid --scim-max-page 0: expected at least 1");
        }
        // Parsed here, not by clap, whose error would echo the whole value (a token).
        let user_tokens = self
            .user_tokens
            .iter()
            .map(|v| dbx_sim::parse_user_token(v).map_err(|e| anyhow::anyhow!("invalid --user-token: {e}")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let limits = if self.no_limits {
            None
        } else {
            let mut l = Limits {
                retry_after: !self.no_retry_after,
                ..Limits::default()
            };
            if let Some(spec) = &self.rate_limits {
                l.apply(spec);
            }
            if let Some(n) = self.max_concurrent {
                l.max_concurrent = n;
            }
            Some(l)
        };
        let fixture = match (&self.fixture, &self.generate) {
            (Some(path), _) => Fixture::load(path)?,
            (None, Some(spec)) => {
                let (users, seed) = dbx_sim::parse_generate_spec(spec)?;
                dbx_sim::generate(users, seed)
            }
            (None, None) if self.account.is_some() => Fixture::default(),
            (None, None) => {
                eprintln!("dbx-sim: no --fixture or --generate given: serving an empty workspace");
                Fixture::default()
            }
        };
        Ok(SimConfig {
            fixture,
            limits,
            latency_ms: self.latency_ms,
            latency_per_entry_us: self.latency_per_entry_us,
            fault_rate: self.fault_rate,
            seed: self.seed,
            tokens: if self.tokens.is_empty() {
                vec!["dapi-sim".into()]
            } else {
                self.tokens
            },
            clients: self.clients,
            user_tokens,
            non_admin_clients: Vec::new(),
            oauth_token_ttl_secs: self.oauth_token_ttl,
            scim_max_page: self.scim_max_page,
            slow_fault_secs: self.slow_fault_secs,
            max_export_bytes: self.max_export_bytes,
            dbfs_disabled: self.no_dbfs,
        })
    }
}

fn main() {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DBX_SIM_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = run(cli) {
        eprintln!("dbx-sim: error: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Generate { spec } => generate(&spec),
        Command::Serve(args) => serve(args),
    }
}

fn generate(spec: &str) -> anyhow::Result<()> {
    let (users, seed) = dbx_sim::parse_generate_spec(spec)?;
    let json = dbx_sim::generate(users, seed).to_json();
    let mut out = std::io::stdout().lock();
    out.write_all(json.as_bytes()).context("cannot write to stdout")?;
    out.flush().context("cannot write to stdout")?;
    Ok(())
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let addr = args.addr;
    if let Some(file) = args.account.clone() {
        let config = AccountConfig::load(&file, args.into_config()?)?;
        return serve_account(config, addr);
    }
    let config = args.into_config()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let sim = dbx_sim::start_on(config, addr).await?;
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "listening on {}", sim.url())?;
            out.flush()?;
        }
        wait_for_signal().await;
        sim.shutdown().await;
        Ok(())
    })
}

fn serve_account(config: AccountConfig, addr: SocketAddr) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let lines: Vec<(String, u64, String)> = config
            .workspaces
            .iter()
            .map(|w| (w.deployment_name.clone(), w.workspace_id, w.workspace_status.clone()))
            .collect();
        let account = dbx_sim::start_account_on(config, addr).await?;
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "listening on {}", account.url())?;
            for (name, id, status) in &lines {
                writeln!(
                    out,
                    "workspace {name} ({id}, {status}) at {}",
                    account.workspace_url(name)
                )?;
            }
            out.flush()?;
        }
        wait_for_signal().await;
        account.shutdown().await;
        Ok(())
    })
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("dbx-sim").chain(args.iter().copied()))
    }

    #[test]
    fn client_flag_needs_id_and_secret() {
        let cli = parse(&["serve", "--client", "id:se:cret"]).unwrap();
        let Command::Serve(a) = cli.command else { panic!() };
        assert_eq!(a.clients, vec![("id".to_string(), "se:cret".to_string())]);
        assert!(parse(&["serve", "--client", "nosecret"]).is_err());
    }

    #[test]
    fn user_token_flag_needs_token_and_username_and_never_echoes_the_token() {
        let Command::Serve(a) = parse(&["serve", "--user-token", "dapi-b=b@x.com", "--user-token", "t=c@x.com"])
            .unwrap()
            .command
        else {
            panic!()
        };
        let c = a.into_config().unwrap();
        assert_eq!(
            c.user_tokens,
            [("dapi-b".into(), "b@x.com".into()), ("t".into(), "c@x.com".into())]
        );
        let Command::Serve(a) = parse(&["serve", "--user-token", "dapi-secret-value"]).unwrap().command else {
            panic!()
        };
        let e = format!("{:#}", a.into_config().unwrap_err());
        assert!(
            e.contains("invalid --user-token") && e.contains("TOKEN=USERNAME"),
            "{e}"
        );
        assert!(!e.contains("secret-value"), "{e}");
    }

    #[test]
    fn fixture_and_generate_conflict() {
        assert!(parse(&["serve", "--fixture", "f.json", "--generate", "users=1"]).is_err());
        for other in [
            &["--fixture", "f.json"][..],
            &["--generate", "users=1"],
            &["--client", "a:b"],
        ] {
            let args: Vec<&str> = ["serve", "--account", "a.json"].iter().chain(other).copied().collect();
            assert!(parse(&args).is_err(), "{args:?}");
        }
        let Command::Serve(a) = parse(&["serve", "--account", "a.json", "--no-limits", "--token", "t"])
            .unwrap()
            .command
        else {
            panic!()
        };
        assert_eq!(a.account.as_deref(), Some(std::path::Path::new("a.json")));
        assert!(parse(&["serve", "--no-limits", "--max-concurrent", "3"]).is_err());
    }

    #[test]
    fn defaults_give_published_limits_and_default_token() {
        let Command::Serve(a) = parse(&["serve"]).unwrap().command else {
            panic!()
        };
        let c = a.into_config().unwrap();
        assert_eq!(c.limits, Some(Limits::default()));
        assert_eq!(c.tokens, ["dapi-sim"]);
    }

    #[test]
    fn bad_rate_limits_and_missing_fixture_name_the_input() {
        let e = parse(&["serve", "--rate-limits", "jobs=1"]).unwrap_err().to_string();
        assert!(e.contains("--rate-limits") && e.contains("jobs"), "{e}");
        let Command::Serve(a) = parse(&["serve", "--fixture", "/nonexistent/f.json"]).unwrap().command else {
            panic!()
        };
        assert!(format!("{:#}", a.into_config().unwrap_err()).contains("/nonexistent/f.json"));
    }
}
