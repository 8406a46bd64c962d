//! What a scan run is asked to do: the validated run ([`ScanRun`], from `scan` flags by
//! [`prepare`], which also takes the journal's and outputs' locks) and, for a Spark run, its plan.

use std::path::PathBuf;

use crate::cli::{JournalArgs, ScanArgs};
use crate::error::{missing_directory, UsageError};
use crate::feed::{self, UserSource};
use crate::journal;
use crate::model::Trees;
use crate::record::Visibility;
#[cfg(feature = "test-hooks")]
use crate::schedule::spark::protocol::Fault;
use crate::schedule::spark::{forward, Backend, SparkPlan, DEFAULT_WAVE_SECS};

/// Options of one scan run, validated.
pub struct ScanRun {
    /// Users.
    pub source: UserSource,
    /// Duplicates dropped from the input.
    pub duplicates: Vec<String>,
    /// Trees scanned.
    pub trees: Trees,
    /// Requests a scanner puts in one batch (0: the scanner's default).
    pub batch_size: u32,
    /// Users in flight.
    pub concurrency: usize,
    /// CSV path.
    pub output: PathBuf,
    /// HTML report path (`--html`).
    pub html: Option<PathBuf>,
    /// The object inventory's path (`--objects`).
    pub objects: Option<PathBuf>,
    /// Quiet console.
    pub quiet: bool,
    /// Workspace shown in the banner.
    pub host_label: String,
    /// Extra banner lines (auth source, runtime).
    pub banner_extra: Vec<String>,
    /// Journal, resume, JSON Lines (see [`crate::journal`]).
    pub journal: JournalArgs,
    /// `--debug`: plain progress lines instead of a bar, per-user timing.
    pub debug: bool,
    /// The journal's exclusive lock, held for the whole run (one run per journal).
    pub lock: journal::Lock,
    /// The outputs' exclusive locks, held for the whole run (one run per output).
    pub output_locks: Vec<journal::Lock>,
    /// What was skipped from the input and why (printed as notes).
    pub notes: Vec<String>,
    /// Scan on Spark executors instead of locally (`--spark-master`, `--spark-remote`, `--cluster-id`).
    pub spark: Option<SparkPlan>,
    /// Which homes the credentials cannot see (set once SCIM `Me` has answered).
    pub visibility: Visibility,
    /// List `/Users` and request no home it does not list (`--list-homes`, default with `--all-users`).
    pub list_homes: bool,
    /// `--as-of` (ms), when given.
    pub as_of: Option<i64>,
    /// `--stale-days`, when given.
    pub stale_days: Option<u32>,
    /// An account run's workspace (its deployment name): its console lines and progress carry it.
    pub label: Option<String>,
    /// The outputs the run wrote, once written (an account run merges them).
    pub written: std::sync::Arc<std::sync::OnceLock<Written>>,
}

/// The outputs a run wrote (their final names, or the `.partial` siblings), for an account
/// run, which merges its workspaces' outputs.
#[derive(Debug, Clone)]
pub struct Written {
    /// The CSV.
    pub csv: PathBuf,
    /// The JSON Lines file (`--jsonl`).
    pub jsonl: Option<PathBuf>,
    /// The objects file (`--objects`).
    pub objects: Option<PathBuf>,
    /// Whether the run finished (`false`: interrupted, or stopped by a failure).
    pub finished: bool,
}

/// Validates `scan` arguments into a run (no network yet) and takes the journal's lock: a
/// journal another run holds is refused here, before anything is contacted.
pub fn prepare(args: &ScanArgs, host_label: String, banner_extra: Vec<String>) -> anyhow::Result<ScanRun> {
    let spark = spark_plan(args, &host_label)?;
    let trees = trees_of(args)?;
    let as_of = args
        .as_of
        .as_deref()
        .map(|s| crate::format::parse_as_of(s).map_err(|e| UsageError(format!("--as-of {e}"))))
        .transpose()?;
    let mut notes = Vec::new();
    let (source, duplicates) = if args.all_users {
        (
            UserSource::AllUsers {
                page_size: 100,
                orphans: args.orphans,
            },
            vec![],
        )
    } else {
        let given = feed::given_users(&args.users, args.users_file.as_deref())?;
        notes = given.notes;
        if given.users.is_empty() {
            let skipped = notes.iter().map(|n| format!(" ({n})")).collect::<String>();
            match &args.users_file {
                Some(f) => anyhow::bail!(
                    "users file {} lists no users (only blank lines, # comments or a header){skipped}",
                    f.display()
                ),
                None => {
                    return Err(UsageError(format!(
                        "no users given{skipped}: name users, or use --users-file FILE or --all-users"
                    ))
                    .into())
                }
            }
        }
        let (kept, dropped) = feed::dedupe(given.users);
        (UserSource::List(kept), dropped)
    };
    let journal_path = journal::journal_path(&args.journal, &args.output);
    let outputs = [
        ("--output", Some(args.output.as_path())),
        ("--jsonl", args.journal.jsonl.as_deref()),
        ("--html", args.html.as_deref()),
        ("--objects", args.objects.as_deref()),
    ];
    journal::check_paths(&journal_path, &outputs)?;
    if let Some(p) = args.objects.as_deref() {
        crate::objects::spool::check_output(&journal_path, "--objects", p)?;
    }
    if let Some(e) = args
        .journal
        .journal
        .as_deref()
        .and_then(|j| missing_directory("--journal", j))
    {
        return Err(e.into());
    }
    let lock = journal::Lock::exclusive(&journal_path, "dbx-inventory scan")?;
    // The outputs too: another run with its own --journal must not write the same files.
    let output_locks = journal::Lock::outputs(&journal_path, &outputs, "dbx-inventory scan")?;
    Ok(ScanRun {
        source,
        duplicates,
        trees,
        batch_size: args.batch_size,
        concurrency: if args.spark.no_parallel {
            1
        } else {
            args.concurrency as usize
        },
        output: args.output.clone(),
        html: args.html.clone(),
        objects: args.objects.clone(),
        quiet: args.quiet,
        host_label,
        banner_extra,
        journal: args.journal.clone(),
        debug: args.debug,
        spark,
        lock,
        output_locks,
        notes,
        visibility: Visibility::unrestricted(),
        list_homes: args.list_homes || args.all_users,
        as_of,
        stale_days: args.stale_days,
        label: None,
        written: Default::default(),
    })
}

/// The locations a scan covers: `--locations`, else `--dbfs-only`/`--workspace-only`.
pub fn trees_of(args: &ScanArgs) -> anyhow::Result<Trees> {
    Ok(match &args.locations {
        Some(list) => Trees::parse_list(list).map_err(|e| UsageError(format!("--locations {list}: {e}")))?,
        None => Trees::from_flags(args.dbfs_only, args.workspace_only),
    })
}

/// The Spark plan of `scan --spark-master/--spark-remote/--cluster-id`; `None` for a local scan.
fn spark_plan(args: &ScanArgs, host: &str) -> anyhow::Result<Option<SparkPlan>> {
    let s = &args.spark;
    let backend = match (&s.spark_master, &s.spark_remote, &s.cluster_id) {
        (Some(m), _, _) => Backend::Classic(m.clone()),
        (_, Some(r), _) if !r.starts_with("sc://") => {
            return Err(UsageError(format!(
                "--spark-remote {r}: a Spark Connect URL starts with sc:// (e.g. sc://127.0.0.1:15002)"
            ))
            .into())
        }
        (_, Some(r), _) => Backend::Connect(r.clone()),
        (_, _, Some(c)) => Backend::Databricks {
            cluster_id: c.clone(),
            profile: args.auth.profile.clone(),
        },
        _ => {
            if let Some(n) = s.chunk_size {
                // The seed's chunks were for its cluster mode; a local scan journals every user.
                tracing::warn!("--chunk-size {n} only sizes Spark waves; a local scan ignores it");
            }
            return Ok(None);
        }
    };
    let worker_binary = match &s.worker_binary {
        Some(p) => std::path::absolute(p).unwrap_or_else(|_| p.clone()),
        None => std::env::current_exe()
            .map_err(|e| anyhow::anyhow!("cannot find this binary for the executors ({e}); pass --worker-binary"))?,
    };
    if !worker_binary.is_file() {
        return Err(UsageError(format!(
            "--worker-binary {}: no such file (a Linux build of dbx-inventory for the executors)",
            worker_binary.display()
        ))
        .into());
    }
    #[cfg(feature = "test-hooks")]
    let (fault, wave_secs) = (spark_fault(&s.spark_fault)?, s.wave_secs);
    #[cfg(not(feature = "test-hooks"))]
    let (fault, wave_secs) = (None, None);
    let component = match &args.limits.component {
        Some(p) if !p.is_file() => return Err(UsageError(format!("--component {}: no such file", p.display())).into()),
        Some(p) => Some(std::path::absolute(p).unwrap_or_else(|_| p.clone())),
        None => None,
    };
    // One budget whatever N: each task's share is at least one request and one user in flight.
    let (max_in_flight, concurrency) = (args.limits.max_in_flight, args.concurrency);
    let partitions = s.spark_partitions.min(max_in_flight).min(concurrency);
    if partitions < s.spark_partitions {
        let (flag, cap) = if max_in_flight <= concurrency {
            ("--max-in-flight", max_in_flight)
        } else {
            ("--concurrency", concurrency)
        };
        tracing::warn!(
            "--spark-partitions {} is more than {flag} {cap}: using {partitions} task(s) per wave, \
             each with one request in flight (the workspace's cap is shared by all tasks)",
            s.spark_partitions
        );
    }
    Ok(Some(SparkPlan {
        backend,
        python: s.python.clone(),
        partitions,
        worker_binary,
        wave: s.chunk_size.map(|n| n as usize),
        wave_secs: wave_secs.unwrap_or(DEFAULT_WAVE_SECS).max(1),
        host: host.to_string(),
        worker_args: forward::worker_args(args),
        concurrency: args.concurrency,
        component,
        debug: args.debug,
        fault,
        credential: String::new(),
        weights: Default::default(),
    }))
}

/// Test only: `--spark-fault N MARKER`.
#[cfg(feature = "test-hooks")]
fn spark_fault(args: &[String]) -> anyhow::Result<Option<Fault>> {
    Ok(match args {
        [] => None,
        [n, m] => Some(Fault {
            fail_after: n
                .parse()
                .map_err(|_| UsageError(format!("--spark-fault {n}: not a number")))?,
            marker: PathBuf::from(m),
        }),
        _ => return Err(UsageError("--spark-fault takes N and a marker file".into()).into()),
    })
}
