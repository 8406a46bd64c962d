//! One run per journal: an OS advisory lock on a lock file next to the journal
//! (`<journal>.lock`), exclusive for a scan and held for its whole run, shared for `summary`.
//!
//! The lock, not the file's contents, is the authority: the kernel releases it when the process
//! ends, however it ends (SIGKILL, OOM kill, power cut), so nothing stale can block a later run.
//! The lock file is a stable object: it is never truncated or replaced while anyone may hold it,
//! so `--overwrite` (which recreates the journal) and a journal deleted by hand are covered too.
//! It is removed only by a run that ends without a journal (refused before its first line: a
//! missing output directory, rejected credentials, an unreachable workspace), while it still
//! holds the lock, so a refused run leaves no `*.lock` file behind. A run that opened the file
//! just before it was removed would lock a file no longer in the folder: every lock taken is
//! therefore checked to still be the file at the path, and taken again if not (Unix; elsewhere
//! the file is never removed).
//!
//! The exclusive holder writes one line describing itself (pid, command, start time, machine)
//! into the lock file, so a refused run can name it; the line is emptied when the run ends.
//! It is shown only while the lock is really held exclusively (a reader holding the shared lock
//! is told apart), so a line left by a killed run is never taken for a live one.
//!
//! Locks are `std::fs::File::try_lock` / `try_lock_shared` (`flock(2)` on Unix, `LockFileEx` on
//! Windows): never waited for, a held lock is a refusal at once.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{FatalError, UsageError};

/// The lock file of a journal: the journal's path + `.lock`.
pub fn lock_path(journal: &Path) -> PathBuf {
    let mut s = journal.as_os_str().to_owned();
    s.push(".lock");
    PathBuf::from(s)
}

/// Who holds a journal's exclusive lock (one JSON line in the lock file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// Process id.
    pub pid: u32,
    /// What runs (`dbx-inventory scan`).
    pub command: String,
    /// When it took the lock (UTC).
    pub started: String,
    /// The machine's name, where known (a journal on a shared disk may be locked from another).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<String>,
}

impl Holder {
    fn this_process(command: &str) -> Holder {
        Holder {
            pid: std::process::id(),
            command: command.to_string(),
            started: crate::format::now_string(),
            machine: machine_name(),
        }
    }
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`, pid {}", self.command, self.pid)?;
        if let Some(m) = &self.machine {
            write!(f, " on {m}")?;
        }
        write!(f, ", started {}", self.started)
    }
}

fn machine_name() -> Option<String> {
    #[cfg(target_os = "linux")]
    if let Ok(s) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        let s = s.trim();
        if !s.is_empty() {
            return Some(s.to_string());
        }
    }
    ["HOSTNAME", "COMPUTERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
}

/// A held journal lock; released when dropped (or by the kernel when the process ends).
#[derive(Debug)]
pub struct Lock {
    file: File,
    journal: PathBuf,
    exclusive: bool,
}

impl Lock {
    /// The exclusive lock a scan holds for its whole run. A journal locked by another run (or
    /// being read by `summary`) is refused at once with a [`UsageError`] naming the journal and,
    /// when known, the other process.
    pub fn exclusive(journal: &Path, command: &str) -> anyhow::Result<Lock> {
        let path = lock_path(journal);
        let mut attempts = 0;
        let mut file = loop {
            let file = Self::exclusive_once(journal, &path)?;
            attempts += 1;
            if is_at(&file, &path) || attempts == 10 {
                break file;
            }
        };
        // Say who holds it (best effort: the lock is what counts).
        let mut line = serde_json::to_vec(&Holder::this_process(command))?;
        line.push(b'\n');
        let _ = file
            .set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(&line));
        Ok(Lock {
            file,
            journal: journal.to_path_buf(),
            exclusive: true,
        })
    }

    /// The exclusive locks on a scan's outputs (`(flag, path)`), so that two runs never write
    /// one output even with two journals. The CSV's lock is the lock file of its default journal
    /// (`results.csv.journal.lock`, which the run already holds when it uses that journal); the
    /// others' is `<output>.lock`. Refused at once with a [`UsageError`] naming the output.
    pub fn outputs(journal: &Path, outputs: &[(&str, Option<&Path>)], command: &str) -> anyhow::Result<Vec<Lock>> {
        let own = lock_path(journal);
        let mut locks = Vec::new();
        for (flag, p) in outputs {
            let Some(p) = p else { continue };
            let guard = if *flag == "--output" {
                let mut s = p.as_os_str().to_owned();
                s.push(".journal");
                PathBuf::from(s)
            } else {
                p.to_path_buf()
            };
            if std::path::absolute(lock_path(&guard)).ok() == std::path::absolute(&own).ok() {
                continue;
            }
            match Lock::exclusive(&guard, command) {
                Ok(l) => locks.push(l),
                Err(e) if e.downcast_ref::<UsageError>().is_some() => {
                    let holder = wait_for_holder(&lock_path(&guard))
                        .map(|h| format!(" ({h})"))
                        .unwrap_or_default();
                    return Err(UsageError(format!(
                        "{flag} {} is being written by another run{holder}: one run per output, whatever its \
                         journal. Wait for that run to end, or give this run its own {flag} FILE",
                        p.display()
                    ))
                    .into());
                }
                Err(e) => return Err(e),
            }
        }
        Ok(locks)
    }

    /// Opens (creating) and locks the lock file once.
    fn exclusive_once(journal: &Path, path: &Path) -> anyhow::Result<File> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| {
                FatalError(format!(
                    "cannot create the lock file {} of journal {} ({e}); it keeps two runs off one journal",
                    path.display(),
                    journal.display()
                ))
            })?;
        match file.try_lock() {
            Ok(()) => Ok(file),
            Err(TryLockError::WouldBlock) => Err(refusal(journal, path).into()),
            Err(TryLockError::Error(e)) => Err(FatalError(format!(
                "cannot lock {} ({e}): the journal {} needs a file system with file locks; choose --journal FILE on a local disk",
                path.display(),
                journal.display()
            ))
            .into()),
        }
    }

    /// The shared lock `summary` reads under: `None` when the journal has no lock file (no scan
    /// has run on it with a lock); refused at once with a [`UsageError`] while a scan holds it.
    pub fn shared(journal: &Path) -> anyhow::Result<Option<Lock>> {
        let path = lock_path(journal);
        for _ in 0..9 {
            match Self::shared_once(journal, &path)? {
                Some(lock) if !is_at(&lock.file, &path) => continue,
                got => return Ok(got),
            }
        }
        Self::shared_once(journal, &path)
    }

    /// Opens and share-locks the lock file once.
    fn shared_once(journal: &Path, path: &Path) -> anyhow::Result<Option<Lock>> {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(FatalError(format!(
                    "cannot open the lock file {} of journal {} ({e})",
                    path.display(),
                    journal.display()
                ))
                .into())
            }
        };
        match file.try_lock_shared() {
            Ok(()) => Ok(Some(Lock {
                file,
                journal: journal.to_path_buf(),
                exclusive: false,
            })),
            Err(TryLockError::WouldBlock) => {
                let holder = wait_for_holder(path).map(|h| format!(" ({h})")).unwrap_or_default();
                Err(UsageError(format!(
                    "journal {} is being written by a running scan{holder}; `summary` reads a journal only when no \
                     scan writes it. Run it again once the scan has ended (Ctrl-C stops a scan cleanly, keeping \
                     every user it recorded)",
                    journal.display()
                ))
                .into())
            }
            Err(TryLockError::Error(e)) => Err(FatalError(format!("cannot lock {} ({e})", path.display())).into()),
        }
    }

    /// The journal this lock is for.
    pub fn journal(&self) -> &Path {
        &self.journal
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Empty the holder line before the lock goes (closing the file releases it).
        if self.exclusive {
            let _ = self.file.set_len(0);
            // A run that ends without a journal (refused before its first line) leaves no lock
            // file: removed while still locked (see the module comment).
            let path = lock_path(&self.journal);
            if cfg!(unix) && !self.journal.exists() && is_at(&self.file, &path) {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}

/// True when `file` is still the file at `path` (not removed, nor replaced by another); always
/// true where that cannot be told (not Unix).
fn is_at(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

/// The refusal of a second run: names the journal and the process that holds it, if known.
fn refusal(journal: &Path, path: &Path) -> UsageError {
    let shown = journal.display();
    // A shared lock granted now means the holders are readers (`summary`), not a scan.
    let readers = File::open(path).is_ok_and(|f| f.try_lock_shared().is_ok());
    if readers {
        return UsageError(format!(
            "journal {shown} is being read by `dbx-inventory summary` right now; run the scan again in a moment"
        ));
    }
    let holder = match wait_for_holder(path) {
        Some(h) => format!(" ({h})"),
        None => String::new(),
    };
    UsageError(format!(
        "journal {shown} is in use by another run{holder}: one run per journal. Wait for that run to end \
         (then add --resume to continue its journal), or give this run its own -o FILE (its journal follows it)"
    ))
}

/// The holder line of a lock file, waiting briefly for it: a run that has just taken the lock
/// writes it a moment later (two runs started together meet exactly then).
fn wait_for_holder(path: &Path) -> Option<Holder> {
    for _ in 0..25 {
        if let Some(h) = read_holder(path) {
            return Some(h);
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    None
}

/// The holder line of a lock file, if it reads as one (not while being written, not on
/// systems where a locked file cannot be read) and, where that can be checked, its process lives.
fn read_holder(path: &Path) -> Option<Holder> {
    let mut text = String::new();
    File::open(path).ok()?.take(4096).read_to_string(&mut text).ok()?;
    let h: Holder = serde_json::from_str(text.strip_suffix('\n')?).ok()?;
    #[cfg(target_os = "linux")]
    if h.machine == machine_name() && !Path::new(&format!("/proc/{}", h.pid)).exists() {
        return None;
    }
    Some(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A journal that exists (a run that ends without one removes its lock file).
    fn journal() -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let j = d.path().join("r.csv.journal");
        std::fs::write(&j, "").unwrap();
        (d, j)
    }

    #[cfg(unix)]
    #[test]
    fn a_run_that_ends_without_a_journal_leaves_no_lock_file() {
        let d = tempfile::tempdir().unwrap();
        let j = d.path().join("r.csv.journal");
        let held = Lock::exclusive(&j, "dbx-inventory scan").unwrap();
        assert!(lock_path(&j).exists());
        drop(held);
        assert!(
            !lock_path(&j).exists(),
            "no journal was written: the lock file goes too"
        );
        // A lock taken on a file that was removed meanwhile is taken again on the new file.
        let held = Lock::exclusive(&j, "dbx-inventory scan").unwrap();
        let stale = File::open(lock_path(&j)).unwrap();
        drop(held);
        assert!(stale.try_lock().is_ok() && !is_at(&stale, &lock_path(&j)));
        let again = Lock::exclusive(&j, "dbx-inventory scan").unwrap();
        assert!(is_at(&again.file, &lock_path(&j)));
        let e = usage(Lock::exclusive(&j, "dbx-inventory scan").unwrap_err());
        assert!(e.contains("in use by another run"), "{e}");
        // With a journal, the lock file stays (emptied).
        std::fs::write(&j, "").unwrap();
        drop(again);
        assert_eq!(std::fs::read(lock_path(&j)).unwrap(), b"");
    }

    fn usage(e: anyhow::Error) -> String {
        assert!(e.downcast_ref::<UsageError>().is_some(), "a usage error: {e:#}");
        e.to_string()
    }

    #[test]
    fn the_lock_file_sits_next_to_the_journal() {
        assert_eq!(
            lock_path(Path::new("out/r.csv.journal")),
            Path::new("out/r.csv.journal.lock")
        );
    }

    #[test]
    fn a_second_exclusive_lock_is_refused_naming_the_journal_and_the_holder() {
        let (_d, j) = journal();
        let held = Lock::exclusive(&j, "dbx-inventory scan").unwrap();
        assert_eq!(held.journal(), j);
        let e = usage(Lock::exclusive(&j, "dbx-inventory scan").unwrap_err());
        assert!(e.contains(&j.display().to_string()), "{e}");
        assert!(e.contains("in use by another run"), "{e}");
        assert!(
            e.contains(&format!("pid {}", std::process::id())) && e.contains("`dbx-inventory scan`"),
            "{e}"
        );
        drop(held);
        // Released: the next run gets it, and the holder line was emptied.
        assert_eq!(std::fs::read(lock_path(&j)).unwrap(), b"");
        let again = Lock::exclusive(&j, "dbx-inventory scan").unwrap();
        drop(again);
    }

    #[test]
    fn summary_is_refused_while_a_scan_holds_the_lock_and_a_scan_while_summary_reads() {
        let (_d, j) = journal();
        assert!(Lock::shared(&j).unwrap().is_none(), "no lock file: nothing to wait for");
        let scan = Lock::exclusive(&j, "dbx-inventory scan").unwrap();
        let e = usage(Lock::shared(&j).unwrap_err());
        assert!(
            e.contains("being written by a running scan") && e.contains("pid"),
            "{e}"
        );
        drop(scan);
        let r1 = Lock::shared(&j).unwrap().expect("lock file exists now");
        let r2 = Lock::shared(&j).unwrap().expect("readers share");
        let e = usage(Lock::exclusive(&j, "dbx-inventory scan").unwrap_err());
        assert!(e.contains("being read by `dbx-inventory summary`"), "{e}");
        drop((r1, r2));
        assert!(Lock::exclusive(&j, "dbx-inventory scan").is_ok());
    }

    #[test]
    fn a_holder_line_left_behind_is_never_shown_without_the_lock() {
        let (_d, j) = journal();
        // A killed run left its line; nobody holds the lock: a run takes it at once.
        let stale = Holder {
            pid: 999_999_999,
            command: "dbx-inventory scan".into(),
            started: "2000-01-01 00:00:00 UTC".into(),
            machine: machine_name(),
        };
        std::fs::write(lock_path(&j), serde_json::to_string(&stale).unwrap() + "\n").unwrap();
        let held = Lock::exclusive(&j, "dbx-inventory scan").unwrap();
        let text = std::fs::read_to_string(lock_path(&j)).unwrap();
        assert!(text.contains(&format!("\"pid\":{}", std::process::id())), "{text}");
        drop(held);
        // A line whose process is gone is not shown even if read while the lock is held.
        std::fs::write(lock_path(&j), serde_json::to_string(&stale).unwrap() + "\n").unwrap();
        #[cfg(target_os = "linux")]
        assert_eq!(read_holder(&lock_path(&j)), None);
        // A half-written line neither.
        std::fs::write(lock_path(&j), "{\"pid\":12").unwrap();
        assert_eq!(read_holder(&lock_path(&j)), None);
    }
}
