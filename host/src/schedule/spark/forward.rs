//! How every `scan` flag reaches a Spark run: the worker's own flags, the launcher's config
//! (budget shares, the shipped component), each job line (locations, homes known absent, folder
//! spellings), or the host itself (users, journal, outputs, credentials). [`ROUTES`] lists every
//! flag of `scan`; a test walks clap's list, so a new flag cannot be dropped silently.

use crate::cli::ScanArgs;

/// Where a `scan` flag takes effect on a Spark run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Passed to every worker as the same flag ([`worker_args`]).
    Worker,
    /// Given to the launcher, which passes each task its share or the shipped file.
    Launcher,
    /// Carried by each job line.
    Job,
    /// Acted on by the host (users, journal, outputs, credentials): the workers need nothing.
    Host,
}

/// Every `scan` flag (long name) and its [`Route`].
pub const ROUTES: &[(&str, Route)] = &[
    // Users: the host lists, filters and sends them as jobs.
    ("users", Route::Host),
    ("users-file", Route::Host),
    ("all-users", Route::Host),
    ("orphans", Route::Host),
    ("list-homes", Route::Job),
    // An account run (`--account-id`) is local: it refuses the Spark flags.
    ("account-id", Route::Host),
    ("workspaces", Route::Host),
    ("max-workspaces", Route::Host),
    ("account-max-in-flight", Route::Host),
    // Outputs and journal: the host is the single writer.
    ("output", Route::Host),
    ("html", Route::Host),
    // The host writes the file; each worker prints its answered jobs' objects (`--objects`).
    ("objects", Route::Worker),
    ("quiet", Route::Host),
    ("journal", Route::Host),
    ("jsonl", Route::Host),
    ("resume", Route::Host),
    ("overwrite", Route::Host),
    ("keep-errors", Route::Host),
    ("force", Route::Host),
    // What is scanned.
    ("dbfs-only", Route::Job),
    ("workspace-only", Route::Job),
    ("locations", Route::Job),
    ("as-of", Route::Worker),
    ("stale-days", Route::Worker),
    ("notebook-sizes", Route::Worker),
    ("batch-size", Route::Worker),
    ("debug", Route::Worker),
    // Budget: shares that add up to the workspace's limits.
    ("concurrency", Route::Launcher),
    ("rate-limit", Route::Launcher),
    ("max-in-flight", Route::Launcher),
    ("retry-attempts", Route::Worker),
    ("retry-base-ms", Route::Worker),
    ("request-timeout", Route::Worker),
    ("max-response-mib", Route::Worker),
    ("guest-memory-mib", Route::Worker),
    ("guest-cpu-secs", Route::Worker),
    ("user-timeout", Route::Worker),
    ("component", Route::Launcher),
    // Spark itself.
    ("spark-master", Route::Launcher),
    ("spark-remote", Route::Launcher),
    ("cluster-id", Route::Launcher),
    ("python", Route::Launcher),
    ("spark-partitions", Route::Launcher),
    ("worker-binary", Route::Launcher),
    ("chunk-size", Route::Host),
    ("wave-secs", Route::Host),
    ("spark-fault", Route::Launcher),
    // `--no-parallel` cannot be combined with Spark (clap refuses it).
    ("no-parallel", Route::Host),
    // Credentials: the host resolves them and hands each wave a token on the tasks' stdin.
    ("host", Route::Host),
    ("token", Route::Host),
    ("token-file", Route::Host),
    ("profile", Route::Host),
    ("auth-type", Route::Host),
    ("list-profiles", Route::Host),
];

/// The flags every worker of the run gets besides its budget share and the wave's time box:
/// the run's retry and timeout settings, the guest limits, what is measured. (`--as-of`
/// arrives as `--as-of-ms` once the run's ages are known: [`super::super::run`].)
pub fn worker_args(args: &ScanArgs) -> Vec<String> {
    let l = &args.limits;
    let mut out: Vec<String> = Vec::new();
    let mut flag = |name: &str, value: String| {
        out.push(format!("--{name}"));
        out.push(value);
    };
    flag("retry-attempts", l.retry_attempts.to_string());
    flag("retry-base-ms", l.retry_base_ms.to_string());
    flag("request-timeout", l.request_timeout.to_string());
    flag("max-response-mib", l.max_response_mib.to_string());
    flag("guest-memory-mib", l.guest_memory_mib.to_string());
    flag("guest-cpu-secs", l.guest_cpu_secs.to_string());
    flag("user-timeout", l.user_timeout.to_string());
    if args.batch_size > 0 {
        flag("batch-size", args.batch_size.to_string());
    }
    if args.debug {
        out.push("--debug".into());
    }
    if args.notebook_sizes {
        out.push("--notebook-sizes".into());
    }
    if args.objects.is_some() {
        out.push("--objects".into());
    }
    // The host checked the credentials (SCIM `Me`) before the first wave.
    out.push("--skip-preflight".into());
    out
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory as _, Parser as _};

    use super::*;
    use crate::cli::{Cli, Command, WorkerArgs};

    fn scan_command() -> clap::Command {
        Cli::command()
            .find_subcommand("scan")
            .expect("scan is a subcommand")
            .clone()
    }

    /// The flag walk: every `scan` flag has a route, and every route names a `scan` flag.
    #[test]
    fn every_scan_flag_has_a_route_to_the_workers() {
        let cmd = scan_command();
        let flags: Vec<String> = cmd
            .get_arguments()
            .filter(|a| a.get_id() != "help")
            .map(|a| {
                a.get_long()
                    .map(str::to_string)
                    .unwrap_or_else(|| a.get_id().to_string())
            })
            .collect();
        let missing: Vec<&String> = flags.iter().filter(|f| !ROUTES.iter().any(|(n, _)| n == f)).collect();
        assert!(
            missing.is_empty(),
            "scan flags with no Spark route (add them to ROUTES and forward them, or refuse them with Spark): {missing:?}"
        );
        let stale: Vec<&str> = ROUTES
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| !flags.iter().any(|f| f == n))
            .collect();
        assert!(stale.is_empty(), "ROUTES names flags scan does not have: {stale:?}");
    }

    /// Every flag routed to the worker reaches it with the value given to `scan`: a scan with
    /// every such flag away from its default, its worker arguments parsed by `worker`.
    #[test]
    fn worker_routed_flags_arrive_with_their_values() {
        let scan = Cli::try_parse_from([
            "dbx-inventory",
            "scan",
            "a@x.com",
            "--retry-attempts",
            "3",
            "--retry-base-ms",
            "7",
            "--request-timeout",
            "9",
            "--max-response-mib",
            "5",
            "--guest-memory-mib",
            "77",
            "--guest-cpu-secs",
            "2.5",
            "--user-timeout",
            "11",
            "--batch-size",
            "4",
            "--debug",
            "--notebook-sizes",
            "--stale-days",
            "30",
        ])
        .unwrap();
        let Command::Scan(scan) = scan.command else { panic!() };
        let mut argv = vec!["dbx-inventory".to_string(), "worker".to_string()];
        argv.extend(worker_args(&scan));
        // What scan::run appends once the ages are known.
        argv.extend(["--as-of-ms".into(), "5".into(), "--stale-days".into(), "30".into()]);
        let Command::Worker(w) = Cli::try_parse_from(argv).unwrap().command else {
            panic!()
        };
        let w: WorkerArgs = w;
        let (sl, wl) = (&scan.limits, &w.limits);
        assert_eq!(
            (
                sl.retry_attempts,
                sl.retry_base_ms,
                sl.request_timeout,
                sl.max_response_mib
            ),
            (
                wl.retry_attempts,
                wl.retry_base_ms,
                wl.request_timeout,
                wl.max_response_mib
            )
        );
        assert_eq!(
            (sl.guest_memory_mib, sl.guest_cpu_secs, sl.user_timeout),
            (wl.guest_memory_mib, wl.guest_cpu_secs, wl.user_timeout)
        );
        assert_eq!(
            (scan.batch_size, scan.debug, scan.notebook_sizes),
            (w.batch_size, w.debug, w.notebook_sizes)
        );
        assert_eq!((Some(w.stale_days), w.as_of_ms), (scan.stale_days, Some(5)));
        assert!(w.skip_preflight);
        // Every flag routed to the worker is one the worker has.
        let worker = Cli::command().find_subcommand("worker").unwrap().clone();
        for (name, route) in ROUTES {
            if *route == Route::Worker && *name != "as-of" {
                assert!(
                    worker.get_arguments().any(|a| a.get_long() == Some(name)),
                    "--{name} is routed to the worker, which has no such flag"
                );
            }
        }
    }
}
