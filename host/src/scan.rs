//! The `scan` command: users in → sandboxed scans in parallel → one collector records rows in
//! input order → CSV, console summary, exit status.

use std::collections::HashSet;
use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use tokio::sync::{mpsc, Semaphore};

use crate::bindings::scanner::ScanOptions;
use crate::cli::ScanArgs;
use crate::console;
use crate::journal;
use crate::output::{write_csv, AtomicFile};
use crate::progress::{self, Progress};
use crate::record::{self, Recorder};
use crate::report::UserRow;
use crate::runtime::Runtime;
use crate::summary;
use crate::users;
use crate::Outcome;

/// Where the users of a run come from.
#[derive(Clone)]
pub enum UserSource {
    /// A fixed list (arguments, users file), already deduplicated.
    List(Vec<String>),
    /// Every SCIM user, listed while scanning.
    AllUsers {
        /// SCIM page size.
        page_size: u32,
        /// Also scan orphaned homes (`--orphans`, see [`crate::orphans`]).
        orphans: bool,
    },
}

/// One scan for the scheduler.
#[derive(Debug, Clone)]
pub struct Job {
    /// Username (home directory name).
    pub user: String,
    /// Trees to scan when not the run's (orphans are scanned where their home was listed).
    pub options: Option<ScanOptions>,
    /// Mark the row as an orphaned home.
    pub orphan: bool,
}

impl Job {
    /// A plain user scan with the run's options.
    pub fn user(user: String) -> Job {
        Job {
            user,
            options: None,
            orphan: false,
        }
    }
}

/// Options of one scan run, validated.
pub struct ScanRun {
    /// Users.
    pub source: UserSource,
    /// Duplicates dropped from the input.
    pub duplicates: Vec<String>,
    /// Trees and batch size.
    pub options: ScanOptions,
    /// Users in flight.
    pub concurrency: usize,
    /// CSV path.
    pub output: std::path::PathBuf,
    /// HTML report path (`--html`).
    pub html: Option<std::path::PathBuf>,
    /// Quiet console.
    pub quiet: bool,
    /// Workspace shown in the banner.
    pub host_label: String,
    /// Extra banner lines (auth source, runtime).
    pub banner_extra: Vec<String>,
    /// Journal, resume, JSON Lines (see [`crate::record`]).
    pub journal: crate::cli::JournalArgs,
    /// `--debug`: plain progress lines instead of a bar, per-user timing.
    pub debug: bool,
}

/// Validates `scan` arguments into a run (no network yet).
pub fn prepare(args: &ScanArgs, host_label: String, banner_extra: Vec<String>) -> anyhow::Result<ScanRun> {
    let (source, duplicates) = if args.all_users {
        (
            UserSource::AllUsers {
                page_size: 100,
                orphans: args.orphans,
            },
            vec![],
        )
    } else {
        let mut given = args.users.clone();
        if let Some(f) = &args.users_file {
            given.extend(users::read_users_file(f)?);
        }
        let given: Vec<String> = given
            .into_iter()
            .map(|u| users::home_path_to_user(u.trim()).to_string())
            .filter(|u| !u.is_empty())
            .collect();
        if given.is_empty() {
            match &args.users_file {
                Some(f) => anyhow::bail!(
                    "users file {} lists no users (only blank lines or # comments)",
                    f.display()
                ),
                None => {
                    return Err(crate::UsageError(
                        "no users given: name users, or use --users-file FILE or --all-users".into(),
                    )
                    .into())
                }
            }
        }
        let (kept, dropped) = users::dedupe(given);
        (UserSource::List(kept), dropped)
    };
    Ok(ScanRun {
        source,
        duplicates,
        options: options(args),
        concurrency: args.concurrency as usize,
        output: args.output.clone(),
        html: args.html.clone(),
        quiet: args.quiet,
        host_label,
        banner_extra,
        journal: args.journal.clone(),
        debug: args.debug,
    })
}

fn options(args: &ScanArgs) -> ScanOptions {
    ScanOptions {
        dbfs: !args.workspace_only,
        workspace: !args.dbfs_only,
        batch_size: args.batch_size,
    }
}

fn mode(o: &ScanOptions) -> &'static str {
    match (o.dbfs, o.workspace) {
        (true, true) => "DBFS + Workspace homes",
        (true, false) => "DBFS homes only (--dbfs-only)",
        (false, true) => "Workspace homes only (--workspace-only)",
        (false, false) => "nothing",
    }
}

/// Checks the credentials before scanning: a rejected token stops the run with no rows.
pub async fn preflight(rt: &Runtime, auth: &dbx_auth::ResolvedAuth) -> anyhow::Result<String> {
    let auth_desc = auth.describe();
    match rt.whoami().await? {
        Ok(me) => Ok(me),
        Err(f) if matches!(f.status, Some(401)) => Err(crate::FatalError(format!(
            "authentication failed: {}\nDetail: {}",
            auth.rejection_message(401),
            f.message
        ))
        .into()),
        // The host stopped the run before sending (e.g. the OAuth token endpoint refused the
        // client credentials): its reason is complete and already names the source.
        Err(f) if f.status.is_none() && rt.policy().stop_reason().is_some() => Err(crate::FatalError(format!(
            "cannot authenticate: {}",
            rt.policy().stop_reason().unwrap_or(f.message)
        ))
        .into()),
        Err(f) if f.status.is_none() => {
            Err(crate::FatalError(format!("cannot reach the workspace ({auth_desc}): {}", f.message)).into())
        }
        // 403 and the like: SCIM may be closed to this principal; the scan itself may still work.
        Err(f) => {
            tracing::warn!("could not identify the caller: {}", f.message);
            Ok(String::from("(unknown)"))
        }
    }
}

/// Runs the scan and returns the outcome (for the exit code).
pub async fn run(rt: Arc<Runtime>, run: ScanRun) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let journal_path = record::journal_path(&run.journal, &run.output);
    let jsonl = run.journal.jsonl.as_deref();
    record::check_paths(
        &journal_path,
        &[
            ("--output", Some(&run.output)),
            ("--jsonl", jsonl),
            ("--html", run.html.as_deref()),
        ],
    )?;
    // Fail early, before any scanning, if the output cannot be written.
    let out_file = AtomicFile::create(&run.output)?;
    let html_file = run.html.as_deref().map(AtomicFile::create).transpose()?;
    let jsonl_file = jsonl.map(AtomicFile::create).transpose()?;
    // The journal: refusals (another run's journal, one not to be discarded) happen here.
    let (list, orphans) = match &run.source {
        UserSource::List(u) => (Some(u.as_slice()), false),
        UserSource::AllUsers { orphans, .. } => (None, *orphans),
    };
    let identity = record::identity(&run.host_label, run.options.dbfs, run.options.workspace, orphans, list);
    let opened = record::open_journal(&run.journal, journal_path.clone(), &identity)?;
    let skip = Arc::new(opened.skip);
    let to_scan_fixed = list.map(|l| l.iter().filter(|u| !skip.contains(&journal::user_key(u))).count());
    let (total_label, fixed_total) = match &run.source {
        UserSource::List(u) => (crate::report::thousands(u.len() as u64), Some(u.len())),
        UserSource::AllUsers { orphans: false, .. } => ("all workspace users (listing via SCIM)".to_string(), None),
        UserSource::AllUsers { orphans: true, .. } => (
            "all workspace users (listing via SCIM) + orphaned homes under /Users".to_string(),
            None,
        ),
    };
    let mut stdout = std::io::stdout();
    for note in &opened.notes {
        eprintln!("note: {note}");
    }
    if !run.quiet {
        let mut extra = run.banner_extra.clone();
        extra.push(record::banner_line(
            &journal_path,
            &opened.previous,
            skip.len(),
            to_scan_fixed,
        ));
        console::banner(&mut stdout, &total_label, mode(&run.options), &run.host_label, &extra);
        if !run.duplicates.is_empty() {
            let _ = writeln!(
                stdout,
                "Skipping {} duplicate user(s): {}\n",
                run.duplicates.len(),
                run.duplicates.join(", ")
            );
        }
    }

    // Users → (skip those already in the journal) → scanners.
    let (feed_tx, feed_rx) = mpsc::channel::<(usize, Job)>(1024);
    let (user_tx, mut user_rx) = mpsc::channel::<(usize, Job)>(1024);
    let (row_tx, mut row_rx) = mpsc::channel::<(usize, UserRow)>(1024);
    let listed_total = Arc::new(std::sync::Mutex::new(fixed_total));
    let lister = {
        let rt = rt.clone();
        let listed_total = listed_total.clone();
        let source = run.source.clone();
        let options = run.options;
        tokio::spawn(async move { feed_users(&rt, source, options, feed_tx, listed_total).await })
    };
    let input_order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let to_scan = Arc::new(std::sync::Mutex::new(to_scan_fixed));
    let filter = tokio::spawn(record::skip_recorded(
        feed_rx,
        user_tx,
        skip.clone(),
        input_order.clone(),
        to_scan.clone(),
    ));
    let scheduler = {
        let rt = rt.clone();
        let options = run.options;
        let permits = Arc::new(Semaphore::new(run.concurrency));
        tokio::spawn(async move {
            let mut tasks = tokio::task::JoinSet::new();
            while let Some((idx, job)) = user_rx.recv().await {
                let permit = permits.clone().acquire_owned().await.expect("open");
                let rt = rt.clone();
                let tx = row_tx.clone();
                tasks.spawn(async move {
                    let mut row = rt.scan_user(&job.user, job.options.unwrap_or(options)).await;
                    row.orphan = job.orphan;
                    drop(permit);
                    let _ = tx.send((idx, row)).await;
                });
                while tasks.try_join_next().is_some() {}
            }
            while tasks.join_next().await.is_some() {}
        })
    };

    // The one writer (phase two): journal (durable) → console and progress → outputs.
    let display = progress::Display::choose(run.quiet, run.debug);
    let bar = Progress::new(display, to_scan_fixed.map(|n| n as u64), Some(rt.policy().clone()));
    let mut recorder = Recorder::new(opened.writer, bar);
    let mut stop = crate::interrupt::listen();
    let mut interrupted: Option<&'static str> = None;
    let mut drain_until: Option<Instant> = None;
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let collected: anyhow::Result<()> = async {
        loop {
            tokio::select! {
                row = row_rx.recv() => match row {
                    Some((idx, row)) => recorder.add(idx, row)?,
                    None => break,
                },
                _ = tick.tick() => {
                    let known = *to_scan.lock().expect("not poisoned");
                    if let Some(n) = known {
                        recorder.progress().set_total(n as u64);
                    }
                    recorder.tick()?;
                    if drain_until.is_some_and(|t| Instant::now() >= t) {
                        break;
                    }
                }
                signal = stop.requested(), if interrupted.is_none() => {
                    interrupted = Some(signal);
                    recorder.progress().note(&format!(
                        "\n{signal}: stopping. No new user is started; finished users are being recorded \
                         (press Ctrl-C again to quit at once)"
                    ));
                    lister.abort();
                    filter.abort();
                    scheduler.abort();
                    drain_until = Some(Instant::now() + Duration::from_secs(5));
                }
            }
        }
        Ok(())
    }
    .await;
    let recorded_now = recorder.recorded();
    let new_rows = match collected.and_then(|()| recorder.finish()) {
        Ok(rows) => rows,
        Err(e) => {
            lister.abort();
            filter.abort();
            scheduler.abort();
            return Err(crate::FatalError(format!(
                "{e:#}. The {recorded_now} user(s) recorded before are in the journal {}; once fixed, run again with --resume",
                journal_path.display()
            ))
            .into());
        }
    };
    let listing = if interrupted.is_some() {
        Ok(())
    } else {
        scheduler.await.context("scheduler task")?;
        filter.await.context("journal filter task")?;
        lister.await.context("user listing task")?
    };

    // Outputs from the journal's rows and this run's, one per user, in input order.
    let input = match &run.source {
        UserSource::List(u) => u.clone(),
        UserSource::AllUsers { .. } => std::mem::take(&mut *input_order.lock().expect("not poisoned")),
    };
    let scanned_now = new_rows.len();
    let mut all = opened.previous.rows;
    all.extend(new_rows);
    let from_journal = all.len() - scanned_now;
    let rows = summary::order_rows(all, &input);
    let ordered: Vec<&UserRow> = rows.iter().collect();
    write_csv(out_file, &ordered)?;
    if let Some(f) = html_file {
        let meta = crate::html::HtmlMeta::now(&run.host_label, run.options.dbfs, run.options.workspace);
        crate::html::write(f, &ordered, &meta)?;
    }
    if let Some(f) = jsonl_file {
        summary::write_jsonl(f, &ordered)?;
    }
    let totals = summary::totals(ordered.iter().copied());
    console::summary(&mut stdout, &totals, run.duplicates.len());
    if from_journal > 0 {
        let _ = writeln!(
            stdout,
            "Taken from the journal: {from_journal} user(s); scanned in this run: {scanned_now}"
        );
    }
    summary::saved_lines(&mut stdout, Some(&run.output), jsonl, run.html.as_deref());
    let _ = writeln!(stdout, "Journal: {}", journal_path.display());

    let recorded = format!(
        "{} user(s) recorded in {} (journal {})",
        ordered.len(),
        run.output.display(),
        journal_path.display()
    );
    if let Some(signal) = interrupted {
        return Err(crate::Interrupted(format!(
            "stopped by {signal}: {recorded}. To scan the rest, run the same command again with --resume"
        ))
        .into());
    }
    if let Some(reason) = rt.policy().stop_reason() {
        return Err(crate::FatalError(format!(
            "the run stopped: {reason}. {recorded} before it stopped; once fixed, run again with --resume to scan the rest"
        ))
        .into());
    }
    if let Err(e) = listing {
        return Err(crate::FatalError(format!(
            "listing workspace users failed: {e:#}. {recorded}; run again with --resume to scan the rest"
        ))
        .into());
    }
    if !run.quiet {
        console::footer(
            &mut stdout,
            totals.errors == 0,
            started.elapsed(),
            totals.users,
            &run.output.display().to_string(),
        );
    }
    Ok(if totals.errors > 0 {
        Outcome::SomeUsersFailed
    } else {
        Outcome::Clean
    })
}

/// Sends users to the scheduler: a fixed list, or SCIM pages as they arrive (deduplicated).
async fn feed_users(
    rt: &Runtime,
    source: UserSource,
    options: ScanOptions,
    tx: mpsc::Sender<(usize, Job)>,
    total: Arc<std::sync::Mutex<Option<usize>>>,
) -> anyhow::Result<()> {
    match source {
        UserSource::List(list) => {
            for (i, u) in list.into_iter().enumerate() {
                if tx.send((i, Job::user(u))).await.is_err() {
                    break;
                }
            }
            Ok(())
        }
        UserSource::AllUsers { page_size, orphans } => {
            let mut seen = HashSet::new();
            // With --orphans, inactive users' homes are orphans: they wait for the home listing.
            let mut inactive = Vec::new();
            let mut scanned = Vec::new();
            let mut idx = 0usize;
            let scim = async {
                let mut start = 1u32;
                loop {
                    let page = rt
                        .list_users(start, page_size)
                        .await?
                        .map_err(|f| anyhow::anyhow!("{}", f.message))?;
                    for u in page.users {
                        if orphans && u.active == Some(false) {
                            inactive.push(u.user_name);
                        } else if seen.insert(u.user_name.to_lowercase()) {
                            if orphans {
                                scanned.push(u.user_name.clone());
                            }
                            tx.send((idx, Job::user(u.user_name))).await.ok();
                            idx += 1;
                        }
                    }
                    match page.next_start_index {
                        Some(n) if n > start => start = n,
                        _ => break,
                    }
                }
                anyhow::Ok(())
            };
            let homes = async {
                if orphans {
                    crate::orphans::list_homes(rt, options).await.map(Some)
                } else {
                    Ok(None)
                }
            };
            let (scim, homes) = tokio::join!(scim, homes);
            scim?;
            if let Some(homes) = homes? {
                for job in crate::orphans::plan(&homes, &scanned, &inactive, options) {
                    tx.send((idx, job)).await.ok();
                    idx += 1;
                }
            }
            *total.lock().unwrap() = Some(idx);
            Ok(())
        }
    }
}
