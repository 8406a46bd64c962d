//! The spool: a run's objects on disk beside its journal (`<journal>.objects`), appended as
//! scans list them and read once at the end to write the Parquet file.
//!
//! Frames: `u32` length, `u32` CRC-32 of the payload (both little-endian), then the payload, a
//! [`Batch`] as JSON. One `write` per frame, so a kill leaves at most the last frame torn;
//! [`Spool::append_to`] cuts a torn or garbled tail off before appending. The journal's writer
//! syncs the spool before each sync of its own ([`Spool::sync`]), so a row on disk has its
//! objects on disk; after a power loss that still fails (an OS may write the journal's page
//! first), the counts [`Spool::append_to`] reads show the row incomplete and `--resume` scans its user again.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context as _;

use super::{Batch, ObjectRow, ObjectStore};

/// Largest frame payload read back (a guest batch is one listing; far below this).
const MAX_FRAME: u32 = 1 << 30;

/// The spool of a journal at `journal`.
pub fn path_for(journal: &Path) -> PathBuf {
    let mut name = journal.as_os_str().to_os_string();
    name.push(".objects");
    PathBuf::from(name)
}

/// Refuses an output (`flag` `path`) that would be the spool of the journal at `journal`.
pub fn check_output(journal: &Path, flag: &str, path: &Path) -> Result<(), crate::error::UsageError> {
    let spool = path_for(journal);
    let same = |a: &Path, b: &Path| std::path::absolute(a).ok() == std::path::absolute(b).ok();
    if same(path, &spool) {
        return Err(crate::error::UsageError(format!(
            "{flag} {}: that is the journal's objects spool; name another file",
            path.display()
        )));
    }
    Ok(())
}

/// An open spool, appended by every scan of the run.
pub struct Spool {
    path: PathBuf,
    file: Mutex<File>,
}

impl Spool {
    /// Creates (or empties) the spool at `path`.
    pub fn create(path: &Path) -> anyhow::Result<Spool> {
        let file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(path)
            .with_context(|| format!("cannot create the objects spool {}", path.display()))?;
        Ok(Spool {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    /// Opens the spool at `path` to append after its last whole frame (a torn tail is cut off;
    /// a missing spool is created), with how many objects it holds for each of `attempts` (read
    /// in the same pass).
    pub fn append_to(path: &Path, attempts: &HashSet<u64>) -> anyhow::Result<(Spool, HashMap<u64, u64>)> {
        if !path.exists() {
            return Ok((Spool::create(path)?, HashMap::new()));
        }
        let (whole, counts) = Reader::open(path)?.tally(attempts)?;
        let file = OpenOptions::new()
            .write(true)
            .open(path)
            .with_context(|| format!("cannot open the objects spool {}", path.display()))?;
        if file.metadata()?.len() != whole {
            file.set_len(whole)
                .with_context(|| format!("cannot cut the torn end of the objects spool {}", path.display()))?;
            file.sync_all()?;
        }
        let mut file = file;
        std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(whole))?;
        let spool = Spool {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        };
        Ok((spool, counts))
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Makes every frame written so far durable.
    pub fn sync(&self) -> anyhow::Result<()> {
        let file = self.file.lock().expect("not poisoned");
        file.sync_data()
            .with_context(|| format!("cannot sync the objects spool {} to disk", self.path.display()))
    }
}

impl ObjectStore for Spool {
    fn put(&self, attempt: u64, objects: &[ObjectRow]) -> anyhow::Result<()> {
        let frame = encode(attempt, objects)?;
        let mut file = self.file.lock().expect("not poisoned");
        file.write_all(&frame)
            .with_context(|| format!("cannot write the objects spool {}", self.path.display()))
    }
}

/// One frame: length, CRC-32, payload.
pub fn encode(attempt: u64, objects: &[ObjectRow]) -> anyhow::Result<Vec<u8>> {
    #[derive(serde::Serialize)]
    struct BatchRef<'a> {
        attempt: u64,
        objects: &'a [ObjectRow],
    }
    let payload = serde_json::to_vec(&BatchRef { attempt, objects })?;
    let len = u32::try_from(payload.len())
        .ok()
        .filter(|n| *n <= MAX_FRAME)
        .context("a batch of objects too large for one spool frame")?;
    let mut frame = Vec::with_capacity(payload.len() + 8);
    frame.extend_from_slice(&len.to_le_bytes());
    frame.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    frame.extend_from_slice(&payload);
    Ok(frame)
}

/// Reads a spool's frames in order.
pub struct Reader {
    path: PathBuf,
    input: BufReader<File>,
    /// Bytes of whole frames read so far.
    offset: u64,
}

impl Reader {
    /// Opens the spool at `path`.
    pub fn open(path: &Path) -> anyhow::Result<Reader> {
        let file = File::open(path).with_context(|| format!("cannot open the objects spool {}", path.display()))?;
        Ok(Reader::from_file(path, file))
    }

    /// Reads `file` (at `path`) from its current position.
    pub fn from_file(path: &Path, file: File) -> Reader {
        Reader {
            path: path.to_path_buf(),
            input: BufReader::with_capacity(1 << 20, file),
            offset: 0,
        }
    }

    /// The next whole frame; `None` at the end or at a torn or garbled frame (where a kill
    /// stopped the writing).
    pub fn next_batch(&mut self) -> anyhow::Result<Option<Batch>> {
        let mut head = [0u8; 8];
        if !read_full(&mut self.input, &mut head)? {
            return Ok(None);
        }
        let len = u32::from_le_bytes(head[..4].try_into().expect("4 bytes"));
        let crc = u32::from_le_bytes(head[4..].try_into().expect("4 bytes"));
        if len > MAX_FRAME {
            return Ok(None);
        }
        let mut payload = vec![0u8; len as usize];
        if !read_full(&mut self.input, &mut payload)? || crc32fast::hash(&payload) != crc {
            return Ok(None);
        }
        let Ok(batch) = serde_json::from_slice::<Batch>(&payload) else {
            return Ok(None);
        };
        self.offset += 8 + u64::from(len);
        Ok(Some(batch))
    }

    /// Reads to the end: the length of the whole frames, and how many objects they hold for each
    /// of `attempts` (0 for one they lack).
    pub fn tally(mut self, attempts: &HashSet<u64>) -> anyhow::Result<(u64, HashMap<u64, u64>)> {
        let mut n: HashMap<u64, u64> = attempts.iter().map(|a| (*a, 0)).collect();
        while let Some(b) = self.next_batch()? {
            if let Some(c) = n.get_mut(&b.attempt) {
                *c = c.saturating_add(b.objects.len() as u64);
            }
        }
        Ok((self.offset, n))
    }

    /// The spool's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Fills `buf`; false when the input ended first (at a frame's start or inside it).
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> anyhow::Result<bool> {
    let mut got = 0;
    while got < buf.len() {
        match input.read(&mut buf[got..]) {
            Ok(0) => return Ok(false),
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e).context("reading the objects spool"),
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Location;

    fn obj(path: &str, size: Option<u64>) -> ObjectRow {
        ObjectRow {
            location: Location::Dbfs,
            path: Some(path.to_string()),
            object_type: "FILE".into(),
            size,
            modified_ms: Some(1),
            language: None,
        }
    }

    #[test]
    fn frames_read_back_in_order_and_a_torn_tail_is_cut_before_appending() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j.objects");
        let s = Spool::create(&p).unwrap();
        s.put(7, &[obj("/a", Some(1)), obj("/b", None)]).unwrap();
        s.put(8, &[obj("/c", Some(3))]).unwrap();
        s.sync().unwrap();
        drop(s);
        let whole = std::fs::metadata(&p).unwrap().len();
        // A kill in the middle of a frame.
        let torn = encode(9, &[obj("/d", Some(4))]).unwrap();
        let mut f = OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(&torn[..torn.len() - 3]).unwrap();
        drop(f);
        let wanted = HashSet::from([7, 8, 9]);
        let (s, counts) = Spool::append_to(&p, &wanted).unwrap();
        assert_eq!(counts, HashMap::from([(7, 2), (8, 1), (9, 0)]));
        assert_eq!(std::fs::metadata(&p).unwrap().len(), whole);
        s.put(9, &[obj("/e", Some(5))]).unwrap();
        drop(s);
        let mut r = Reader::open(&p).unwrap();
        let mut seen = Vec::new();
        while let Some(b) = r.next_batch().unwrap() {
            seen.extend(b.objects.into_iter().map(|o| (b.attempt, o.path.unwrap())));
        }
        let want: Vec<(u64, String)> = [(7, "/a"), (7, "/b"), (8, "/c"), (9, "/e")]
            .iter()
            .map(|(a, p)| (*a, p.to_string()))
            .collect();
        assert_eq!(seen, want);
    }

    #[test]
    fn a_garbled_frame_ends_the_spool() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j.objects");
        let s = Spool::create(&p).unwrap();
        s.put(1, &[obj("/a", Some(1))]).unwrap();
        drop(s);
        let mut bytes = std::fs::read(&p).unwrap();
        let whole = bytes.len();
        bytes.extend(encode(2, &[obj("/b", Some(2))]).unwrap());
        let last = bytes.len() - 2;
        bytes[last] ^= 0xff; // the CRC no longer matches
        std::fs::write(&p, &bytes).unwrap();
        assert_eq!(
            Reader::open(&p).unwrap().tally(&HashSet::new()).unwrap().0,
            whole as u64
        );
    }
}
