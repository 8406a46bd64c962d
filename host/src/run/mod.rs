//! The scan pipeline, in the order data flows:
//!
//! ```text
//! feed (args | file | SCIM [+ orphaned homes]) → skip_recorded (journal) → schedule (N sandboxed
//! scans) → record (the one writer: journal, then console/progress) → outputs (CSV, JSONL, HTML)
//! ```
//!
//! [`job`] says what a run is asked to do, [`feed`] brings the users in ([`homes`]: which homes
//! need no request), [`schedule`] runs the scans, [`record`] is the single writer, [`principals`]
//! lists users and service principals, [`orphans`] plans the extra scans of `--orphans`,
//! [`interrupt`] turns Ctrl-C/SIGTERM into a clean stop, and [`visibility`] says which homes the
//! credentials cannot see. [`run`] wires them together.

pub mod config;
pub mod interrupt;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub use config::{prepare, ScanRun};

use crate::error::{FatalError, Interrupted, Outcome};
use crate::feed::{self, UserSource};
use crate::journal;
use crate::model::{Job, UserRow};
use crate::output::progress::{self, Progress};
use crate::output::{console, csv, html, jsonl, AtomicFile};
use crate::record::Recorder;
use crate::sandbox::Runtime;
use crate::schedule::{self, spark};

/// Longest the writer waits for scans in flight after a stop was asked for.
const DRAIN: Duration = Duration::from_secs(5);

/// The tasks upstream of the writer.
struct Upstream {
    feed: JoinHandle<anyhow::Result<()>>,
    filter: JoinHandle<()>,
    /// The local scheduler or the Spark backend.
    scheduler: JoinHandle<anyhow::Result<()>>,
}

impl Upstream {
    fn abort(&self) {
        self.feed.abort();
        self.filter.abort();
        self.scheduler.abort();
    }

    /// Waits for every task: whether listing the users succeeded, and whether the scans ran
    /// (a Spark backend can fail as a whole).
    async fn join(self) -> anyhow::Result<(anyhow::Result<()>, anyhow::Result<()>)> {
        let scans = self.scheduler.await.context("scheduler task")?;
        self.filter.await.context("journal filter task")?;
        Ok((self.feed.await.context("user listing task")?, scans))
    }
}

/// Runs the scan and returns the outcome (for the exit code).
pub async fn run(rt: Arc<Runtime>, run: ScanRun) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    // `prepare` checked the paths and holds the journal's lock; it lives in `run` to the end.
    let journal_path = run.lock.journal().to_path_buf();
    let jsonl_path = run.journal.jsonl.as_deref();
    // Fail early, before any scanning, if an output cannot be written.
    let csv_file = AtomicFile::create(&run.output)?;
    let html_file = run.html.as_deref().map(AtomicFile::create).transpose()?;
    let jsonl_file = jsonl_path.map(AtomicFile::create).transpose()?;
    // The journal: refusals (another run's journal, one not to be discarded) happen here.
    let list = run.source.list();
    let mut identity = journal::identity(&run.host_label, run.trees, run.source.orphans(), list);
    // Rows with and without notebook bytes are not the same results.
    identity.options.notebook_sizes = rt.notebook_sizes();
    // The ages' reference is part of the results: a --resume keeps its journal's.
    let ages = run_ages(&run, &journal_path);
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
    let skip = Arc::new(opened.skip);
    let to_scan_fixed = list.map(|l| {
        l.iter()
            .filter(|u| !skip.contains(&crate::model::UserKey::of(u)))
            .count()
    });
    let mut stdout = std::io::stdout();
    for note in run.notes.iter().chain(&opened.notes) {
        eprintln!("note: {note}");
    }
    if !run.quiet {
        let mut extra = run.banner_extra.clone();
        extra.push(format!(
            "Ages: as of {}; stale = last modified more than {} days before",
            crate::format::rfc3339_ms(ages.as_of_ms),
            ages.stale_days
        ));
        extra.push(console::journal_line(
            &journal_path,
            opened.previous.rows.len(),
            skip.len(),
            to_scan_fixed,
            opened.archived.as_deref(),
        ));
        console::banner(
            &mut stdout,
            &run.source.banner_label(),
            &run.trees.banner_mode(),
            &run.host_label,
            &extra,
        );
        if !run.duplicates.is_empty() {
            let _ = writeln!(
                stdout,
                "Skipping {} duplicate user(s): {}\n",
                run.duplicates.len(),
                run.duplicates.join(", ")
            );
        }
    }

    // Users → (skip those already in the journal) → scheduler → rows.
    let (feed_tx, feed_rx) = mpsc::channel::<(usize, Job)>(1024);
    let (job_tx, job_rx) = mpsc::channel::<(usize, Job)>(1024);
    let (row_tx, mut row_rx) = mpsc::channel::<(usize, UserRow)>(1024);
    let input_order = Arc::new(Mutex::new(Vec::new()));
    let to_scan = Arc::new(Mutex::new(to_scan_fixed));
    // A fixed list placed without /Users: a user with no home anywhere is looked up there for
    // another spelling (scan::schedule; on Spark the host looks and sends the job again).
    let case = match (&run.source, run.list_homes) {
        (UserSource::List(_), false) => schedule::CaseLookup::Lazy(run.trees),
        _ => schedule::CaseLookup::Off,
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
            skip.clone(),
            input_order.clone(),
            to_scan.clone(),
        )),
        scheduler: match run.spark.clone() {
            Some(mut plan) => {
                if let Some(last) = &opened.archived {
                    plan.weights = journal::request_counts(last);
                }
                // The executors measure ages from the run's reference.
                plan.worker_args.extend([
                    "--as-of-ms".to_string(),
                    ages.as_of_ms.to_string(),
                    "--stale-days".to_string(),
                    ages.stale_days.to_string(),
                ]);
                spark::spawn(rt.clone(), plan, case, job_rx, row_tx)
            }
            None => schedule::local::spawn(rt.clone(), run.batch_size, run.concurrency, case, job_rx, row_tx),
        },
    };

    // The one writer (phase two): journal (durable) → console and progress → outputs.
    let display = progress::Display::choose(run.quiet, run.debug);
    let bar = Progress::new(display, to_scan_fixed.map(|n| n as u64), Some(rt.policy().clone()));
    let mut recorder = Recorder::new(opened.writer, bar, run.visibility.clone());
    recorder.reserve_total(to_scan_fixed.unwrap_or(0));
    let mut stop = interrupt::listen();
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
                    if let Some(n) = *to_scan.lock().expect("not poisoned") {
                        recorder.progress().set_total(n as u64);
                        // --all-users: known once the listing ends, usually long before the rows.
                        recorder.reserve_total(n);
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
                    upstream.abort();
                    drain_until = Some(Instant::now() + DRAIN);
                }
            }
        }
        Ok(())
    }
    .await;
    let recorded_now = recorder.recorded();
    let repeats = recorder.repeats();
    let (new_rows, mut writer) = match collected.and_then(|()| recorder.finish()) {
        Ok(done) => done,
        Err(e) => {
            upstream.abort();
            return Err(FatalError(format!(
                "{e:#}. The {recorded_now} user(s) recorded before are in the journal {}; once fixed, run again with --resume",
                journal_path.display()
            ))
            .into());
        }
    };
    let (listing, scans) = if interrupted.is_some() {
        (Ok(()), Ok(()))
    } else {
        upstream.join().await?
    };

    // Why the run did not finish (None: it did). Decided before the outputs are written: a run
    // that did not finish never replaces a finished run's outputs.
    let stop_reason = rt.policy().stop_reason();
    let unfinished = interrupted.is_some() || stop_reason.is_some() || listing.is_err() || scans.is_err();
    let outputs = Outputs::new(
        &run,
        jsonl_path,
        unfinished && (opened.after_finished_run || partial_exists(&run, jsonl_path)),
    );

    // Outputs from the journal's rows and this run's, one per user, in input order.
    let listed_order;
    let input: &[String] = match &run.source {
        UserSource::List(u) => u,
        UserSource::AllUsers { .. } => {
            listed_order = std::mem::take(&mut *input_order.lock().expect("not poisoned"));
            &listed_order
        }
    };
    let scanned_now = new_rows.len();
    // One map of all rows: this run's as it is when the journal had none (no second copy).
    let mut all = opened.previous.rows;
    if all.is_empty() {
        all = new_rows;
    } else {
        all.reserve(new_rows.len());
        all.extend(new_rows);
    }
    let from_journal = all.len() - scanned_now;
    let ordered: Vec<&UserRow> = journal::order_rows(&all, input);
    csv::write_csv(csv_file.redirect(&outputs.csv), &ordered)?;
    if let (Some(f), Some(p)) = (html_file, &outputs.html) {
        let notes = run
            .source
            .orphans()
            .then(|| run.visibility.orphans_note())
            .flatten()
            .into_iter()
            .collect();
        html::write(
            f.redirect(p),
            &ordered,
            &html::HtmlMeta::now(&run.host_label, run.trees)
                .with_notes(notes)
                .with_ages(Some(rt.ages())),
        )?;
    }
    if let (Some(f), Some(p)) = (jsonl_file, &outputs.jsonl) {
        jsonl::write_jsonl(f.redirect(p), &ordered)?;
    }
    let totals = console::Totals::of(ordered.iter().copied());
    console::summary(&mut stdout, &totals, run.duplicates.len());
    if let Some(note) = run.source.orphans().then(|| run.visibility.orphans_note()).flatten() {
        let _ = writeln!(stdout, "Note: {note}");
    }
    if !unfinished && matches!(run.source, UserSource::List(_)) {
        not_workspace_users(&rt, &ordered, &mut stdout).await;
    }
    if let Some(t) = rt.policy().throttling() {
        let _ = writeln!(
            stdout,
            "Throttled by the workspace: {}; {}",
            t.share(),
            crate::policy::Throttling::cause(rt.policy().limits())
        );
    }
    if from_journal > 0 {
        let _ = writeln!(
            stdout,
            "Taken from the journal: {from_journal} user(s); scanned in this run: {scanned_now}"
        );
    }
    if repeats > 0 {
        let _ = writeln!(
            stdout,
            "Repeats dropped: {repeats} user(s) delivered twice (a retried Spark task); the first row of each was kept"
        );
    }
    console::saved_lines(
        &mut stdout,
        Some(&outputs.csv),
        outputs.jsonl.as_deref(),
        outputs.html.as_deref(),
    );
    let _ = writeln!(stdout, "Journal: {}", journal_path.display());

    let mut recorded = format!(
        "{} user(s) recorded in {} (journal {})",
        ordered.len(),
        outputs.csv.display(),
        journal_path.display()
    );
    if outputs.partial {
        recorded.push_str(&outputs.kept_note(&run, jsonl_path, &journal_path, opened.archived.as_deref()));
    }
    if let Some(signal) = interrupted {
        return Err(Interrupted(format!(
            "stopped by {signal}: {recorded}. To scan the rest, run the same command again with --resume"
        ))
        .into());
    }
    if let Some(reason) = stop_reason {
        return Err(FatalError(format!(
            "the run stopped: {reason}. {recorded} before it stopped; once fixed, run again with --resume to scan the rest"
        ))
        .into());
    }
    if let Err(e) = listing {
        return Err(FatalError(format!(
            "listing workspace users failed: {e:#}. {recorded}; run again with --resume to scan the rest"
        ))
        .into());
    }
    if let Err(e) = scans {
        return Err(FatalError(format!(
            "{e:#}\n{recorded}; once fixed, run again with --resume (on Spark or locally) to scan the rest"
        ))
        .into());
    }
    // Finished: partial outputs of earlier unfinished runs are stale now.
    for p in outputs.partials(&run, jsonl_path) {
        let _ = std::fs::remove_file(p);
    }
    // Every user of the run is recorded and the outputs are written: mark the run finished, so
    // the next plain run of the same command keeps this journal and starts a new one. A run with
    // `error` rows is finished too (`--resume` scans just those again).
    writer
        .end_run(&journal::End::now(
            totals.users,
            totals.errors,
            totals.files,
            totals.bytes,
        ))
        .map_err(|e| {
            FatalError(format!(
                "{e:#}. The outputs are written; the journal lacks its end mark, so the next run needs --resume or --overwrite"
            ))
        })?;
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

/// Where this run's outputs go: the final names, or (a run that did not finish while the final
/// names hold a finished run's outputs) their `.partial` siblings.
struct Outputs {
    csv: std::path::PathBuf,
    jsonl: Option<std::path::PathBuf>,
    html: Option<std::path::PathBuf>,
    partial: bool,
}

impl Outputs {
    fn new(run: &ScanRun, jsonl: Option<&std::path::Path>, partial: bool) -> Outputs {
        let name = |p: &std::path::Path| {
            if partial {
                crate::output::partial_path(p)
            } else {
                p.to_path_buf()
            }
        };
        Outputs {
            csv: name(&run.output),
            jsonl: jsonl.map(name),
            html: run.html.as_deref().map(name),
            partial,
        }
    }

    /// The `.partial` siblings of the final outputs.
    fn partials(&self, run: &ScanRun, jsonl: Option<&std::path::Path>) -> Vec<std::path::PathBuf> {
        std::iter::once(run.output.as_path())
            .chain(jsonl)
            .chain(run.html.as_deref())
            .map(crate::output::partial_path)
            .collect()
    }

    /// What was kept and how to get both results back.
    fn kept_note(
        &self,
        run: &ScanRun,
        jsonl: Option<&std::path::Path>,
        journal: &std::path::Path,
        archived: Option<&std::path::Path>,
    ) -> String {
        let finals: Vec<String> = std::iter::once(run.output.as_path())
            .chain(jsonl)
            .chain(run.html.as_deref())
            .map(|p| p.display().to_string())
            .collect();
        let rebuild = match archived {
            Some(a) => format!(
                "; `dbx-inventory summary --journal {} -o FILE` rebuilds them from the finished run's journal",
                a.display()
            ),
            None => String::new(),
        };
        format!(
            ". This run did not finish, so the finished run's outputs were kept unchanged ({}){rebuild}; \
             this run's partial results are in the .partial files (`dbx-inventory summary --journal {} -o FILE` \
             rebuilds them too)",
            finals.join(", "),
            journal.display()
        )
    }
}

/// True when an earlier unfinished run left `.partial` outputs: the final names still hold a
/// finished run's outputs, which this unfinished run must keep too.
fn partial_exists(run: &ScanRun, jsonl: Option<&std::path::Path>) -> bool {
    crate::output::partial_path(&run.output).exists()
        || jsonl.is_some_and(|p| crate::output::partial_path(p).exists())
        || run
            .html
            .as_deref()
            .is_some_and(|p| crate::output::partial_path(p).exists())
}

/// The users given by name who have no home anywhere and are neither a SCIM user nor a service
/// principal, said once at the end: a typo or someone who left, not an empty home.
async fn not_workspace_users(rt: &Runtime, rows: &[&UserRow], out: &mut impl Write) {
    let homeless: Vec<String> = rows
        .iter()
        .filter(|r| r.status == crate::model::Status::NoHome && r.orphan == crate::model::Orphan::No)
        .map(|r| r.username.clone())
        .collect();
    if homeless.is_empty() {
        return;
    }
    let shown = |names: &[String]| {
        let more = names.len().saturating_sub(20);
        let mut s = names.iter().take(20).cloned().collect::<Vec<_>>().join(", ");
        if more > 0 {
            s.push_str(&format!(" … and {more} more"));
        }
        s
    };
    match feed::principals::not_workspace_users(rt, &homeless).await {
        Ok(strangers) if strangers.is_empty() => {}
        Ok(strangers) => {
            let _ = writeln!(
                out,
                "Not workspace users ({} name(s) that are neither a SCIM user nor a service principal; no_home in the CSV): {}",
                strangers.len(),
                shown(&strangers)
            );
        }
        Err(why) => {
            let _ = writeln!(
                out,
                "Not checked whether the {} user(s) with no home are workspace users: {why}",
                homeless.len()
            );
        }
    }
}
