//! The run's second phase: the one writer. Rows are recorded as they arrive (journal first,
//! then console and progress) until the scheduler ends; Ctrl-C or SIGTERM stops the tasks
//! upstream and drains what is in flight for a moment ([`DRAIN`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::config::ScanRun;
use super::interrupt;
use super::open::Opening;
use super::start::Upstream;
use crate::error::FatalError;
use crate::journal::{Kept, Writer};
use crate::model::{UserKey, UserRow};
use crate::output::progress::{self, Progress};
use crate::record::Recorder;
use crate::sandbox::Runtime;

/// Longest the writer waits for scans in flight after a stop was asked for.
const DRAIN: Duration = Duration::from_secs(5);

/// What the writer gathered.
pub struct Collected {
    /// This run's rows, one per user.
    pub new_rows: HashMap<UserKey, Kept>,
    /// The journal's writer (for the end mark).
    pub writer: Writer,
    /// Rows delivered twice (a retried Spark task) and dropped.
    pub repeats: usize,
    /// The signal that stopped the run, if one did.
    pub interrupted: Option<&'static str>,
    /// Whether listing the users succeeded.
    pub listing: anyhow::Result<()>,
    /// Whether the scans ran (a Spark backend can fail as a whole).
    pub scans: anyhow::Result<()>,
    /// Every user of the input, in input order (`--all-users`: as listed).
    pub input_order: Vec<String>,
}

/// Records rows until the scheduler ends or a stop is asked for. A failure to record is fatal
/// and names the journal, where everything recorded before stays.
pub async fn collect(
    rt: &Arc<Runtime>,
    run: &ScanRun,
    o: &Opening,
    writer: Writer,
    upstream: Upstream,
    mut row_rx: mpsc::Receiver<(usize, UserRow)>,
) -> anyhow::Result<Collected> {
    // An account run's workspaces share the terminal: plain lines, each under its workspace.
    let display = match run.label {
        Some(_) if !run.quiet => progress::Display::Plain,
        _ => progress::Display::choose(run.quiet, run.debug),
    };
    let bar = Progress::new(display, o.to_scan_fixed.map(|n| n as u64), Some(rt.policy().clone()))
        .labelled(run.label.as_deref());
    let mut recorder = Recorder::new(writer, bar, run.visibility.clone());
    recorder.reserve_total(o.to_scan_fixed.unwrap_or(0));
    let mut stop = interrupt::listen();
    let mut interrupted: Option<&'static str> = None;
    let mut drain_until: Option<Instant> = None;
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let to_scan = upstream.to_scan.clone();
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
    let (new_rows, writer) = match collected.and_then(|()| recorder.finish()) {
        Ok(done) => done,
        Err(e) => {
            upstream.abort();
            return Err(FatalError(format!(
                "{e:#}. The {recorded_now} user(s) recorded before are in the journal {}; once fixed, run again with --resume",
                o.journal_path.display()
            ))
            .into());
        }
    };
    let input_order = upstream.input_order.clone();
    let (listing, scans) = if interrupted.is_some() {
        (Ok(()), Ok(()))
    } else {
        upstream.join().await?
    };
    let input_order = std::mem::take(&mut *input_order.lock().expect("not poisoned"));
    Ok(Collected {
        new_rows,
        writer,
        repeats,
        interrupted,
        listing,
        scans,
        input_order,
    })
}
