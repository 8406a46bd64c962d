//! The scan's run, in the order data flows:
//!
//! ```text
//! feed (args | file | SCIM [+ orphaned homes]) → skip_recorded (journal) → schedule (local N
//! sandboxed scans, or Spark waves) → record (the one writer: journal, then console/progress) →
//! outputs (CSV, JSONL, HTML)
//! ```
//!
//! [`config`] validates the flags into a [`ScanRun`] ([`prepare`]); [`run`] is four steps: open
//! the journal ([`open`]), start the feed and the scheduler ([`start`]), collect the rows
//! in the one writer until they end or a stop is asked for ([`collect`], with [`interrupt`]), and
//! finish: the outputs, the console's summary, the exit code and the journal's end mark
//! ([`finish`]).

pub mod collect;
pub mod config;
pub mod finish;
pub mod interrupt;
pub mod open;
pub mod start;

use std::sync::Arc;
use std::time::Instant;

pub use config::{prepare, ScanRun, Written};

use crate::error::Outcome;
use crate::sandbox::Runtime;

/// Runs the scan and returns the outcome (for the exit code).
pub async fn run(rt: Arc<Runtime>, run: ScanRun) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    // Fail early, before any scanning, if an output cannot be written.
    let files = finish::OutputFiles::create(&run)?;
    let (opening, writer) = open::open_journal(&rt, &run)?;
    if !run.quiet {
        open::banner(
            &run,
            &opening,
            &mut crate::output::console::Out::labelled(run.label.as_deref()),
        );
    }
    let (upstream, rows) = start::start(&rt, &run, &opening);
    let collected = collect::collect(&rt, &run, &opening, writer, upstream, rows).await?;
    finish::finish(&rt, &run, opening, collected, files, started).await
}
