//! The scan's run, in the order data flows:
//!
//! ```text
//! feed (args | file | SCIM [+ orphaned homes]) → skip_recorded (journal) → schedule (local N
//! sandboxed scans, or Spark waves) → record (the one writer: journal, then console/progress) →
//! outputs (CSV, JSONL, HTML)
//! ```
//!
//! [`config`] validates the flags into a [`ScanRun`] ([`prepare`]); [`run`] is four steps: open
//! the journal ([`open_journal`]), start the feed and the scheduler ([`start`]), collect the rows
//! in the one writer until they end or a stop is asked for ([`collect`], with [`interrupt`]), and
//! finish: the outputs, the console's summary, the exit code and the journal's end mark
//! ([`finish`]).

pub mod collect;
pub mod config;
pub mod finish;
pub mod interrupt;

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context as _;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub use config::{prepare, ScanRun};

use crate::error::Outcome;
use crate::feed::{self, UserSource};
use crate::journal;
use crate::model::{Ages, Job, UserKey, UserRow};
use crate::output::console;
use crate::sandbox::Runtime;
use crate::schedule::{self, spark};

/// Runs the scan and returns the outcome (for the exit code).
pub async fn run(rt: Arc<Runtime>, run: ScanRun) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    // Fail early, before any scanning, if an output cannot be written.
    let files = finish::OutputFiles::create(&run)?;
    let (opening, writer) = open_journal(&rt, &run)?;
    if !run.quiet {
        banner(&run, &opening, &mut std::io::stdout());
    }
    let (upstream, rows) = start(&rt, &run, &opening);
    let collected = collect::collect(&rt, &run, &opening, writer, upstream, rows).await?;
    finish::finish(&rt, &run, opening, collected, files, started).await
}

/// The journal as this run found it, and what follows from it.
pub struct Opening {
    /// The journal's path (`prepare` holds its lock until the run ends).
    pub journal_path: PathBuf,
    /// The journal's rows before this run.
    pub previous: journal::Resolved,
    /// The finished run's journal, when this run started a new one beside it.
    pub archived: Option<PathBuf>,
    /// The journal followed a finished run (its outputs are kept if this run does not finish).
    pub after_finished_run: bool,
    /// Users the journal already has (not scanned again).
    pub skip: Arc<HashSet<UserKey>>,
    /// Users to scan, when the list is fixed.
    pub to_scan_fixed: Option<usize>,
    /// The ages' reference of the run.
    pub ages: Ages,
}

/// Opens the journal under the run's identity: refusals (another run's journal, one not to be
/// discarded) happen here; a `--resume` keeps the journal's ages.
pub fn open_journal(rt: &Runtime, run: &ScanRun) -> anyhow::Result<(Opening, journal::Writer)> {
    let journal_path = run.lock.journal().to_path_buf();
    let list = run.source.list();
    let mut identity = journal::identity(&run.host_label, run.trees, run.source.orphans(), list);
    // Rows with and without notebook bytes are not the same results.
    identity.options.notebook_sizes = rt.notebook_sizes();
    // The ages' reference is part of the results: a --resume keeps its journal's.
    let ages = run_ages(run, &journal_path);
    rt.set_ages(ages);
    identity.options.set_ages(ages);
    let mut opened = journal::open(
        &journal::Settings::from_args(&run.journal, journal_path.clone()),
        &identity,
    )?;
    // A fixed list decides the outputs: earlier rows of users not in it (a journal continued
    // with --force, or edited) are left out, by name. --all-users has no fixed list.
    let unlisted = list.map(|l| opened.forget_unlisted(l)).unwrap_or_default();
    if !unlisted.is_empty() {
        eprintln!("warning: {}", journal::unlisted_warning(&journal_path, &unlisted));
    }
    let skip = Arc::new(std::mem::take(&mut opened.skip));
    let to_scan_fixed = list.map(|l| l.iter().filter(|u| !skip.contains(&UserKey::of(u))).count());
    for note in run.notes.iter().chain(&opened.notes) {
        eprintln!("note: {note}");
    }
    let opening = Opening {
        journal_path,
        previous: opened.previous,
        archived: opened.archived,
        after_finished_run: opened.after_finished_run,
        skip,
        to_scan_fixed,
        ages,
    };
    Ok((opening, opened.writer))
}

/// The banner: what is scanned, where, as of when, and the journal's state.
fn banner(run: &ScanRun, o: &Opening, out: &mut impl Write) {
    let mut extra = run.banner_extra.clone();
    extra.push(format!(
        "Ages: as of {}; stale = last modified more than {} days before",
        crate::format::rfc3339_ms(o.ages.as_of_ms),
        o.ages.stale_days
    ));
    extra.push(console::journal_line(
        &o.journal_path,
        o.previous.rows.len(),
        o.skip.len(),
        o.to_scan_fixed,
        o.archived.as_deref(),
    ));
    console::banner(
        out,
        &run.source.banner_label(),
        &run.trees.banner_mode(),
        &run.host_label,
        &extra,
    );
    if !run.duplicates.is_empty() {
        let _ = writeln!(
            out,
            "Skipping {} duplicate user(s): {}\n",
            run.duplicates.len(),
            run.duplicates.join(", ")
        );
    }
}

/// The tasks upstream of the writer.
pub struct Upstream {
    feed: JoinHandle<anyhow::Result<()>>,
    filter: JoinHandle<()>,
    /// The local scheduler or the Spark backend.
    scheduler: JoinHandle<anyhow::Result<()>>,
    /// Every user of the input, in input order (for the outputs).
    pub input_order: Arc<Mutex<Vec<String>>>,
    /// Users to scan, once the input has ended.
    pub to_scan: Arc<Mutex<Option<usize>>>,
}

impl Upstream {
    /// Stops every task upstream of the writer.
    pub fn abort(&self) {
        self.feed.abort();
        self.filter.abort();
        self.scheduler.abort();
    }

    /// Waits for every task: whether listing the users succeeded, and whether the scans ran
    /// (a Spark backend can fail as a whole).
    pub async fn join(self) -> anyhow::Result<(anyhow::Result<()>, anyhow::Result<()>)> {
        let scans = self.scheduler.await.context("scheduler task")?;
        self.filter.await.context("journal filter task")?;
        Ok((self.feed.await.context("user listing task")?, scans))
    }
}

/// Starts users → (skip those already in the journal) → scheduler → rows; the rows arrive on
/// the returned receiver with their input positions.
pub fn start(rt: &Arc<Runtime>, run: &ScanRun, o: &Opening) -> (Upstream, mpsc::Receiver<(usize, UserRow)>) {
    let (feed_tx, feed_rx) = mpsc::channel::<(usize, Job)>(1024);
    let (job_tx, job_rx) = mpsc::channel::<(usize, Job)>(1024);
    let (row_tx, row_rx) = mpsc::channel::<(usize, UserRow)>(1024);
    let input_order = Arc::new(Mutex::new(Vec::new()));
    let to_scan = Arc::new(Mutex::new(o.to_scan_fixed));
    // A fixed list placed without /Users: a user with no home anywhere is looked up there for
    // another spelling (schedule::respelled; on Spark the host looks and sends the job again).
    let case = match (&run.source, run.list_homes) {
        (UserSource::List(_), false) => schedule::CaseLookup::Lazy(run.trees),
        _ => schedule::CaseLookup::Off,
    };
    let scheduler = match run.spark.clone() {
        Some(mut plan) => {
            if let Some(last) = &o.archived {
                plan.weights = journal::request_counts(last);
            }
            // The executors measure ages from the run's reference.
            plan.worker_args.extend([
                "--as-of-ms".to_string(),
                o.ages.as_of_ms.to_string(),
                "--stale-days".to_string(),
                o.ages.stale_days.to_string(),
            ]);
            spark::spawn(rt.clone(), plan, case, job_rx, row_tx)
        }
        None => schedule::local::spawn(rt.clone(), run.batch_size, run.concurrency, case, job_rx, row_tx),
    };
    let upstream = Upstream {
        feed: tokio::spawn({
            let trees = run.trees;
            let (rt, source, list_homes) = (rt.clone(), run.source.clone(), run.list_homes);
            async move { feed::feed_users(&rt, source, trees, list_homes, feed_tx).await }
        }),
        filter: tokio::spawn(feed::skip_recorded(
            feed_rx,
            job_tx,
            o.skip.clone(),
            input_order.clone(),
            to_scan.clone(),
        )),
        scheduler,
        input_order,
        to_scan,
    };
    (upstream, row_rx)
}

/// The run's ages: `--as-of`/`--stale-days` when given; else, on `--resume`, what the journal
/// recorded; else now and 365 days.
fn run_ages(run: &ScanRun, journal: &std::path::Path) -> crate::model::Ages {
    let header = run.journal.resume.then(|| journal::last_header(journal)).flatten();
    let recorded = header.map(|h| h.identity.options).unwrap_or_default();
    crate::model::Ages {
        as_of_ms: run.as_of.or(recorded.as_of_ms).unwrap_or_else(crate::format::now_ms),
        stale_days: run
            .stale_days
            .or(recorded.stale_days)
            .unwrap_or(crate::model::Ages::DEFAULT_STALE_DAYS),
    }
}
