//! The one writer of a scan (phase two of the two-phase model): scans run in parallel and
//! send their rows here; the [`Recorder`] appends each to the journal, and once the journal has
//! made it durable, counts it, prints its lines and keeps it for the final outputs. Every row,
//! local or from Spark, passes [`Visibility::apply`] first.

pub mod visibility;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::journal::{Kept, Writer};
use crate::model::{Status, UserKey, UserRow};
use crate::output::console;
use crate::output::progress::Progress;
pub use visibility::Visibility;

/// Records rows: journal first, then (once durable) console, progress, totals.
pub struct Recorder {
    writer: Writer,
    progress: Progress,
    visibility: Visibility,
    seen: HashSet<UserKey>,
    rows: HashMap<UserKey, Kept>,
    recorded: usize,
    repeats: usize,
}

impl Recorder {
    /// A recorder appending to `writer`.
    pub fn new(writer: Writer, progress: Progress, visibility: Visibility) -> Recorder {
        Recorder {
            writer,
            progress,
            visibility,
            seen: HashSet::new(),
            rows: HashMap::new(),
            recorded: 0,
            repeats: 0,
        }
    }

    /// Room for `total` rows in all, once the number is known: a map regrowing holds its old and
    /// new tables at once (about 60 MB at 100k users). A no-op once there is room.
    pub fn reserve_total(&mut self, total: usize) {
        self.seen.reserve(total.saturating_sub(self.seen.len()));
        self.rows.reserve(total.saturating_sub(self.rows.len()));
    }

    /// The progress display.
    pub fn progress(&mut self) -> &mut Progress {
        &mut self.progress
    }

    /// Users recorded (durably) in this run.
    pub fn recorded(&self) -> usize {
        self.recorded
    }

    /// Rows dropped because their user was already recorded in this run.
    pub fn repeats(&self) -> usize {
        self.repeats
    }

    /// The journal's path.
    pub fn journal_path(&self) -> &Path {
        self.writer.path()
    }

    /// Takes a finished scan (`idx`: input position).
    pub fn add(&mut self, idx: usize, mut row: UserRow) -> anyhow::Result<()> {
        if !self.seen.insert(UserKey::of(&row.username)) {
            // The feeder deduplicates, so only a retried Spark task delivers a user twice: the
            // first recorded row wins, nothing is counted twice.
            self.repeats += 1;
            tracing::debug!("{} delivered twice; the first row is kept", row.username);
            return Ok(());
        }
        self.visibility.apply(&mut row);
        row.settle_status();
        let durable = self.writer.append(idx, row)?;
        self.accept(durable);
        Ok(())
    }

    /// Periodic work: syncs the journal when due, refreshes progress.
    pub fn tick(&mut self) -> anyhow::Result<()> {
        let durable = self.writer.tick()?;
        self.accept(durable);
        self.progress.tick();
        Ok(())
    }

    fn accept(&mut self, durable: Vec<(usize, UserRow)>) {
        for (i, row) in durable {
            self.recorded += 1;
            let n = self.progress.total().map_or("?".to_string(), |t| t.to_string());
            let text = console::user_lines(self.recorded, &n, &row);
            self.progress.user_recorded(&text, row.status == Status::Error);
            tracing::debug!("{}", row.timing());
            let seq = self.recorded;
            self.rows.insert(
                UserKey::of(&row.username),
                Kept {
                    i: i as u64,
                    seq,
                    row: Box::new(row),
                },
            );
        }
    }

    /// Syncs what is left and ends the progress display; returns this run's rows by user key,
    /// and the journal's writer (for the end mark, once the outputs are written).
    pub fn finish(mut self) -> anyhow::Result<(HashMap<UserKey, Kept>, Writer)> {
        let durable = self.writer.sync()?;
        self.accept(durable);
        self.progress.finish();
        Ok((self.rows, self.writer))
    }
}
