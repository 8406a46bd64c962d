//! A Spark worker's objects store: one temporary file per attempt, read back (and deleted) when
//! the attempt's row is printed, so a worker prints exactly the objects of the rows it answers
//! and holds none of them in memory.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Seek as _, SeekFrom, Write as _};
use std::sync::Mutex;

use anyhow::Context as _;

use super::spool::{encode, Reader};
use super::{Batch, ObjectRow, ObjectStore};

/// Per-attempt spool files in a temporary folder (removed with it).
pub struct AttemptFiles {
    dir: tempfile::TempDir,
    files: Mutex<HashMap<u64, File>>,
}

impl AttemptFiles {
    /// A store in a new temporary folder.
    pub fn new() -> anyhow::Result<AttemptFiles> {
        Ok(AttemptFiles {
            dir: tempfile::Builder::new()
                .prefix("dbx-objects-")
                .tempdir()
                .context("cannot create a temporary folder for the scans' objects")?,
            files: Mutex::new(HashMap::new()),
        })
    }

    /// Hands `attempt`'s batches to `f` in order, then deletes them.
    pub fn drain(&self, attempt: u64, mut f: impl FnMut(Batch) -> anyhow::Result<()>) -> anyhow::Result<()> {
        let Some(mut file) = self.files.lock().expect("not poisoned").remove(&attempt) else {
            return Ok(());
        };
        file.seek(SeekFrom::Start(0))?;
        let path = self.path(attempt);
        let mut reader = Reader::from_file(&path, file);
        while let Some(b) = reader.next_batch()? {
            f(b)?;
        }
        let _ = std::fs::remove_file(&path);
        Ok(())
    }

    fn path(&self, attempt: u64) -> std::path::PathBuf {
        self.dir.path().join(format!("{attempt:016x}"))
    }
}

impl ObjectStore for AttemptFiles {
    fn put(&self, attempt: u64, objects: &[ObjectRow]) -> anyhow::Result<()> {
        let frame = encode(attempt, objects)?;
        let mut files = self.files.lock().expect("not poisoned");
        let file = match files.entry(attempt) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                let path = self.path(attempt);
                let f = std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(true)
                    .read(true)
                    .write(true)
                    .open(&path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                v.insert(f)
            }
        };
        file.write_all(&frame)
            .context("writing a scan's objects to a temporary file")
    }
}
