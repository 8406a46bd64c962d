//! The journal: a JSON Lines file that makes a scan crash-safe and resumable.
//!
//! Line 1 is a header with the run's identity (workspace host, the options that change results,
//! a digest of the input users, the tool version); every further line is one finished user
//! (`{"type":"user","i":<input position>, …UserRow…}`). One run per journal: a scan holds an
//! exclusive [`Lock`] on `<journal>.lock` for its whole run (a second run is refused at once),
//! `summary` reads under a shared one ([`lock`]). Within a run only the collector appends; rows
//! are made durable with `fsync` in batches ([`SYNC_EVERY_ROWS`] rows or
//! [`SYNC_EVERY`], whichever comes first) and a row counts as done only once it is durable
//! ([`Writer`] hands rows back to the caller at that moment).
//!
//! Reading ([`read`]) tolerates a torn last line (a write cut short by a kill or a crash): it is
//! ignored, and truncated away before anything is appended. Any other unreadable line is an
//! error naming the line. [`resolve`] turns the rows into one row per user (case-insensitive
//! username): the last good row wins over earlier ones and over error rows; rows of the same
//! user seen more than once (two good rows, two spellings) are reported, never summed twice.
//!
//! [`open`] (called with the run's [`Lock`] held) applies the rules of a run: the journal of a
//! finished run (its last line is an [`End`], written once the outputs are) is kept under a
//! time-stamped name and a new journal starts ([`archive`]); a journal of an unfinished run
//! holding users is refused without `--resume` (unless `--overwrite`), and one written for
//! another host, other options or another list of users is refused with the differences named
//! (unless `--force`). `--resume` continues any journal, finished or not.

mod archive;
mod format;
mod identity;
pub mod lock;
mod options;
mod resolve;
mod writer;

pub use format::{
    last_header, parse, parse_user_line, read, request_counts, user_line, Contents, End, Entry, Header, Torn, FORMAT,
};
pub use identity::{check_paths, identity, journal_path, users_digest, RunIdentity, UsersIdentity};
pub use lock::{lock_path, Holder, Lock};
pub use options::RunOptions;
pub use resolve::{order_rows, resolve, resolve_owned, Duplicate, Kept, Resolved};
pub use writer::{Writer, SYNC_EVERY, SYNC_EVERY_ROWS};

use std::collections::HashSet;
use std::path::PathBuf;

use anyhow::Context as _;

use crate::model::{Status, UserKey};
use format::{looks_like_journal, Line};
use writer::truncate;

/// How a run wants the journal treated (`--journal`, `--resume`, `--overwrite`, `--force`,
/// `--keep-errors`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Journal file.
    pub path: PathBuf,
    /// Continue an existing journal.
    pub resume: bool,
    /// Replace an existing journal.
    pub overwrite: bool,
    /// Resume even when the identity differs.
    pub force: bool,
    /// Keep `error` rows instead of scanning those users again.
    pub keep_errors: bool,
}

impl Settings {
    /// The settings given by a scan's journal flags.
    pub fn from_args(args: &crate::cli::JournalArgs, path: PathBuf) -> Settings {
        Settings {
            path,
            resume: args.resume,
            overwrite: args.overwrite,
            force: args.force,
            keep_errors: args.keep_errors,
        }
    }
}

/// A journal opened for a run.
pub struct Opened {
    /// Appends this run's rows.
    pub writer: Writer,
    /// Rows from earlier runs (`--resume`), one per user.
    pub previous: Resolved,
    /// Keys of the users this run must not scan again.
    pub skip: HashSet<UserKey>,
    /// Things to tell the user (torn line, `--force`, duplicates, replaced journal).
    pub notes: Vec<String>,
    /// Where the finished run's journal was kept (a plain rerun after a finished run).
    pub archived: Option<PathBuf>,
    /// True when the outputs on disk are a finished run's (its journal ended: archived now,
    /// continued with `--resume`, or discarded with `--overwrite`): a run that does not finish
    /// must not replace them.
    pub after_finished_run: bool,
    /// The journal file was continued (`--resume`, `--force`), not created afresh.
    pub continued: bool,
}

impl Opened {
    /// Forgets the earlier rows of users who are not in `list` (this run's fixed list of users):
    /// they are not taken into this run's outputs, and stay in the journal (`summary` shows
    /// them). Returns their usernames, in recorded order. A run of `--all-users` has no fixed
    /// list and keeps every row.
    pub fn forget_unlisted(&mut self, list: &[String]) -> Vec<String> {
        let listed: HashSet<UserKey> = list.iter().map(|u| UserKey::of(u)).collect();
        let mut outside: Vec<(UserKey, Kept)> = Vec::new();
        self.previous.rows.retain(|key, kept| {
            if listed.contains(key) {
                return true;
            }
            outside.push((key.clone(), kept.clone()));
            false
        });
        outside.sort_by_key(|(_, k)| (k.i, k.seq));
        for (key, _) in &outside {
            self.skip.remove(key);
        }
        outside.into_iter().map(|(_, k)| k.row.username).collect()
    }
}

/// The warning for rows left out by [`Opened::forget_unlisted`]: names them (the first ten).
pub fn unlisted_warning(journal: &std::path::Path, names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(10).map(String::as_str).collect();
    let more = match names.len().saturating_sub(shown.len()) {
        0 => String::new(),
        n => format!(" … and {n} more"),
    };
    format!(
        "journal {j} holds rows for {n} user(s) not in this run's list, left out of this run's outputs \
         (they stay in the journal; `dbx-inventory summary --journal {j}` shows every row): {}{more}",
        shown.join(", "),
        j = journal.display(),
        n = names.len(),
    )
}

const ALTERNATIVES: &str = "--journal FILE to keep a separate journal";

/// Opens (or creates) the journal for a run with `identity`, applying the refusal rules.
pub fn open(settings: &Settings, identity: &RunIdentity) -> anyhow::Result<Opened> {
    let path = &settings.path;
    let shown = path.display();
    let mut notes = Vec::new();
    let mut after_finished = false;
    if settings.overwrite && !settings.resume {
        // Replace whatever journal is there (even a damaged one), but never another kind of file.
        match std::fs::read(path) {
            Ok(bytes) if !looks_like_journal(&bytes) => anyhow::bail!(
                "{shown} is not a dbx-inventory journal; --overwrite only replaces journals. Choose another --journal FILE"
            ),
            Ok(bytes) => {
                after_finished = bytes.split(|b| *b == b'\n').any(|l| l.starts_with(b"{\"type\":\"end\""));
                let rows = bytes.split(|b| *b == b'\n').filter(|l| l.starts_with(b"{\"type\":\"user\"")).count();
                if rows > 0 {
                    notes.push(format!("--overwrite: discarded journal {shown} ({rows} user row(s))"));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot read journal {shown}")),
        }
        let writer = Writer::create(path, identity)?;
        return Ok(Opened {
            writer,
            previous: Resolved::default(),
            skip: Default::default(),
            notes,
            archived: None,
            after_finished_run: after_finished,
            continued: false,
        });
    }
    let mut previous = Resolved::default();
    let mut keep_file = false;
    let mut archived = None;
    match read(path)? {
        None if settings.resume => notes.push(format!("--resume: no journal at {shown} yet; starting a new one")),
        None => {}
        Some(Contents {
            end: Some(end),
            entries,
            ..
        }) if !settings.resume && !entries.is_empty() => {
            // A finished run: keep its journal, start a new one (the weekly rerun).
            archived = Some(archive::archive(path, &end.finished)?);
        }
        Some(c) if !settings.resume => {
            if let (Some(h), users @ 1..) = (&c.header, c.entries.len()) {
                return Err(crate::error::UsageError(format!(
                    "journal {shown} already holds {users} user row(s) from an unfinished run started {} on {} \
                     (no end mark). Add --resume to continue it (users already recorded are not scanned again), \
                     --overwrite to discard it and start over, or {ALTERNATIVES}",
                    h.started, h.identity.host
                ))
                .into());
            }
            // A header and no user yet: nothing to lose; start afresh.
        }
        Some(Contents {
            header: None,
            torn: Some(_),
            ..
        }) => {
            notes.push(format!(
                "journal {shown}: ignored an unfinished header line; starting the journal afresh"
            ));
        }
        Some(Contents { header: None, .. }) => {}
        // Resuming a journal that holds no user yet (stopped during start-up): nothing to keep.
        Some(c) if c.entries.is_empty() && c.torn.is_some() => {
            notes.push(format!(
                "journal {shown}: ignored a torn last line; the journal held no user yet"
            ));
        }
        Some(c) if c.entries.is_empty() => {}
        Some(mut c) => {
            let h = c.header.as_ref().expect("matched above");
            let diffs = identity.differences(&h.identity);
            if !diffs.is_empty() && !settings.force {
                return Err(crate::error::UsageError(format!(
                    "cannot resume from journal {shown}: it was written for another run:\n  - {}\n\
                     Use --force to add this run's results to it anyway, --overwrite to start a new journal, or {ALTERNATIVES}",
                    diffs.join("\n  - ")
                ))
                .into());
            }
            if !diffs.is_empty() {
                notes.push(format!(
                    "--force: continuing journal {shown} although it was written for another run ({})",
                    diffs.join("; ")
                ));
            }
            if let Some(end) = &c.end {
                after_finished = true;
                notes.push(format!(
                    "--resume: journal {shown} is of a run that finished {} ({} user(s)); it is continued \
                     (a rerun without --resume would keep it and start a new journal)",
                    end.finished, end.users
                ));
            }
            if let Some(t) = &c.torn {
                notes.push(format!(
                    "journal {shown}: ignored a torn last line (line {}, {} bytes: a write cut short when a run was killed)",
                    t.line, t.bytes
                ));
            }
            previous = resolve_owned(std::mem::take(&mut c.entries));
            if let Some(d) = previous.duplicate_report() {
                notes.push(format!("journal {shown}: {d}"));
            }
            // Keep the file: truncate a torn tail, add a header when the identity changed.
            truncate(path, c.good_len)?;
            keep_file = true;
            if !diffs.is_empty() {
                let mut w = Writer::append_to(path)?;
                w.write_line(&Line::Header(Header::new(identity.clone())))?;
                w.sync_now()?;
            }
        }
    }
    let writer = if keep_file {
        Writer::append_to(path)?
    } else {
        Writer::create(path, identity)?
    };
    let skip = previous
        .rows
        .iter()
        .filter(|(_, k)| k.row.status != Status::Error || settings.keep_errors)
        .map(|(key, _)| key.clone())
        .collect();
    Ok(Opened {
        writer,
        previous,
        skip,
        after_finished_run: after_finished || archived.is_some(),
        notes,
        archived,
        continued: keep_file,
    })
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_open;
