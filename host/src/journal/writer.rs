//! The only code that appends to a journal: one write per line, `fsync` in batches, rows handed
//! back once durable.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use super::format::{End, Entry, Header, Line};
use super::identity::RunIdentity;
use crate::model::UserRow;
use crate::objects::spool::Spool;

/// Rows appended before an `fsync` is forced.
pub const SYNC_EVERY_ROWS: usize = 50;
/// Longest a row waits for its `fsync`.
pub const SYNC_EVERY: Duration = Duration::from_millis(200);

pub(super) fn truncate(path: &Path, len: u64) -> anyhow::Result<()> {
    let f = OpenOptions::new()
        .write(true)
        .open(path)
        .with_context(|| format!("cannot open journal {}", path.display()))?;
    if f.metadata()?.len() != len {
        f.set_len(len)
            .with_context(|| format!("cannot truncate the torn last line of journal {}", path.display()))?;
        f.sync_all()?;
    }
    Ok(())
}

/// Makes a new directory entry durable (best effort where directories cannot be synced).
pub(super) fn sync_parent(path: &Path) {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Appends rows and makes them durable in batches. Rows come back from [`Writer::append`],
/// [`Writer::tick`] and [`Writer::sync`] once they are on disk.
pub struct Writer {
    file: File,
    path: PathBuf,
    pending: Vec<(usize, UserRow)>,
    oldest: Option<Instant>,
    written: u64,
    /// The objects spool synced before each sync of the journal (`--objects`): a row never
    /// becomes durable before its objects.
    spool: Option<std::sync::Arc<Spool>>,
}

impl Writer {
    /// Creates (or replaces) the journal with a header for `identity`, durably.
    pub fn create(path: &Path, identity: &RunIdentity) -> anyhow::Result<Writer> {
        let file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(path)
            .with_context(|| format!("cannot create journal {}", path.display()))?;
        let mut w = Writer {
            file,
            path: path.to_path_buf(),
            pending: Vec::new(),
            oldest: None,
            written: 0,
            spool: None,
        };
        w.write_line(&Line::Header(Header::new(identity.clone())))?;
        w.sync_now()?;
        sync_parent(path);
        Ok(w)
    }

    pub(super) fn append_to(path: &Path) -> anyhow::Result<Writer> {
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .with_context(|| format!("cannot open journal {} for appending", path.display()))?;
        Ok(Writer {
            file,
            path: path.to_path_buf(),
            pending: Vec::new(),
            oldest: None,
            written: 0,
            spool: None,
        })
    }

    /// Syncs `spool` before every sync of the journal from now on.
    pub fn sync_spool_first(&mut self, spool: std::sync::Arc<Spool>) {
        self.spool = Some(spool);
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Rows this writer made durable.
    pub fn written(&self) -> u64 {
        self.written
    }

    pub(super) fn write_line(&mut self, line: &Line) -> anyhow::Result<()> {
        let mut buf = serde_json::to_vec(line)?;
        buf.push(b'\n');
        // One write per line: a kill leaves at most the last line torn.
        self.file
            .write_all(&buf)
            .with_context(|| format!("cannot write journal {}", self.path.display()))
    }

    pub(super) fn sync_now(&mut self) -> anyhow::Result<()> {
        self.file
            .sync_data()
            .with_context(|| format!("cannot sync journal {} to disk", self.path.display()))
    }

    /// Appends one row; returns the rows that became durable (this one included once the
    /// batch is full).
    pub fn append(&mut self, i: usize, row: UserRow) -> anyhow::Result<Vec<(usize, UserRow)>> {
        let entry = Entry { i: i as u64, row };
        self.write_line(&Line::User(entry.clone()))?;
        self.pending.push((i, entry.row));
        self.oldest.get_or_insert_with(Instant::now);
        if self.pending.len() >= SYNC_EVERY_ROWS {
            return self.sync();
        }
        Ok(Vec::new())
    }

    /// Syncs when the oldest pending row has waited [`SYNC_EVERY`].
    pub fn tick(&mut self) -> anyhow::Result<Vec<(usize, UserRow)>> {
        match self.oldest {
            Some(t) if t.elapsed() >= SYNC_EVERY => self.sync(),
            _ => Ok(Vec::new()),
        }
    }

    /// Marks the run finished: syncs what is pending, then writes the end line durably. Call it
    /// last, once the outputs are written; a later rerun archives the journal (see
    /// [`super::open`]). Returns the rows that became durable (none when [`Writer::sync`] ran).
    pub fn end_run(&mut self, end: &End) -> anyhow::Result<Vec<(usize, UserRow)>> {
        let durable = self.sync()?;
        self.write_line(&Line::End(end.clone()))?;
        self.sync_now()?;
        Ok(durable)
    }

    /// Syncs now; returns the rows that became durable.
    pub fn sync(&mut self) -> anyhow::Result<Vec<(usize, UserRow)>> {
        if self.pending.is_empty() {
            return Ok(Vec::new());
        }
        if let Some(spool) = &self.spool {
            spool.sync()?;
        }
        self.sync_now()?;
        self.oldest = None;
        self.written += self.pending.len() as u64;
        Ok(std::mem::take(&mut self.pending))
    }
}
