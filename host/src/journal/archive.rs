//! Keeping the journal of a finished run when the same scan runs again: it moves, never
//! overwritten and never deleted, to `<journal>.<finished time>` (e.g.
//! `results.csv.journal.2026-12-01T07-50-40Z`), which sorts by time next to the journal.
//!
//! Called by [`super::open`] only, with the run's exclusive [`super::Lock`] held: no other scan
//! writes the journal and no `summary` reads it while it moves. The lock file stays where it is
//! (it is never moved or removed, see [`super::lock`]).

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::writer::sync_parent;
use crate::format::now_string;

/// Archive names tried before giving up (`…Z`, `…Z.1`, … `…Z.999`).
const MAX_SUFFIX: u32 = 1000;

/// `2026-12-01T07-50-40Z` from `2026-12-01 07:50:40 UTC` (the journal's time format); `None`
/// for anything else. The time comes from the journal file, so it is checked strictly before it
/// becomes part of a file name.
pub(super) fn stamp(time: &str) -> Option<String> {
    let b = time.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let shape = b.len() == 23
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b' '
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && &b[19..] == b" UTC";
    shape.then(|| format!("{}T{}-{}-{}Z", &time[..10], &time[11..13], &time[14..16], &time[17..19]))
}

/// The `n`-th candidate name: `<journal>.<stamp>`, then `<journal>.<stamp>.<n>`.
fn candidate(journal: &Path, stamp: &str, n: u32) -> PathBuf {
    let mut s = journal.as_os_str().to_owned();
    s.push(".");
    s.push(stamp);
    if n > 0 {
        s.push(format!(".{n}"));
    }
    PathBuf::from(s)
}

/// Moves the finished run's journal to its archive name and returns that name. The name is the
/// run's end time (`finished`), or now when the journal's time is unreadable; a name already
/// taken gets a suffix (`.1`, `.2`, …): no file is ever overwritten.
pub(super) fn archive(journal: &Path, finished: &str) -> anyhow::Result<PathBuf> {
    let stamp = stamp(finished)
        .or_else(|| stamp(&now_string()))
        .expect("now_string has the journal's time format");
    for n in 0..MAX_SUFFIX {
        let to = candidate(journal, &stamp, n);
        // A hard link and then unlinking the old name moves without overwriting (link fails on
        // an existing name); where hard links are not supported, a checked rename.
        match std::fs::hard_link(journal, &to) {
            Ok(()) => {
                std::fs::remove_file(journal).with_context(|| {
                    format!(
                        "kept the finished journal {} as {} but cannot remove the old name",
                        journal.display(),
                        to.display()
                    )
                })?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(_) if to.symlink_metadata().is_ok() => continue,
            Err(_) => std::fs::rename(journal, &to).with_context(|| {
                format!(
                    "cannot keep the finished run's journal {} as {}",
                    journal.display(),
                    to.display()
                )
            })?,
        }
        sync_parent(&to);
        return Ok(to);
    }
    anyhow::bail!(
        "cannot keep the finished run's journal {}: {} archive names {} … are all taken; move some away, \
         or run with --overwrite to discard the journal",
        journal.display(),
        MAX_SUFFIX,
        candidate(journal, &stamp, 0).display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stamp_is_the_journal_time_in_a_file_name() {
        assert_eq!(
            stamp("2026-12-01 07:50:40 UTC").as_deref(),
            Some("2026-12-01T07-50-40Z")
        );
        for bad in [
            "",
            "2026-12-01 07:50:40",
            "2026-12-01 07:50:40 UTC/../x",
            "../../etc/passwdXXXXXXX",
            "2026-12-0a 07:50:40 UTC",
        ] {
            assert_eq!(stamp(bad), None, "{bad:?}");
        }
        assert!(stamp(&now_string()).is_some());
    }

    #[test]
    fn an_archive_never_overwrites_and_keeps_the_bytes() {
        let d = tempfile::tempdir().unwrap();
        let j = d.path().join("r.csv.journal");
        let t = "2026-12-01 07:50:40 UTC";
        std::fs::write(&j, "first").unwrap();
        let a = archive(&j, t).unwrap();
        assert_eq!(a, d.path().join("r.csv.journal.2026-12-01T07-50-40Z"));
        assert!(!j.exists());
        std::fs::write(&j, "second").unwrap();
        let b = archive(&j, t).unwrap();
        assert_eq!(b, d.path().join("r.csv.journal.2026-12-01T07-50-40Z.1"));
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "first");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "second");
        // An unreadable time: named by now instead, still next to the journal.
        std::fs::write(&j, "third").unwrap();
        let c = archive(&j, "yesterday").unwrap();
        let name = c.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("r.csv.journal.20") && name.ends_with('Z'), "{name}");
    }
}
