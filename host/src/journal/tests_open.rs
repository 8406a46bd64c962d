//! Opening a journal: what is refused (another run's journal, a file that is not a journal),
//! what is replaced, and what `--resume` keeps.

use super::tests::{identity, journal_text, row, settings};
use super::*;

#[test]
fn an_existing_journal_is_refused_without_resume_or_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("j");
    std::fs::write(&p, journal_text(&[(0, row("a@x.com", Status::Success))])).unwrap();
    let e = open(&settings(&p), &identity()).err().unwrap();
    assert!(e.downcast_ref::<crate::UsageError>().is_some());
    let e = e.to_string();
    assert!(
        e.contains("already holds 1 user row") && e.contains("--resume") && e.contains("--overwrite"),
        "{e}"
    );
    // --overwrite starts afresh.
    let o = open(
        &Settings {
            overwrite: true,
            ..settings(&p)
        },
        &identity(),
    )
    .unwrap();
    assert!(o.previous.rows.is_empty() && o.notes[0].contains("discarded"));
    assert_eq!(read(&p).unwrap().unwrap().entries.len(), 0);
}

#[test]
fn a_journal_with_no_user_yet_is_simply_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("j");
    std::fs::write(&p, journal_text(&[])).unwrap();
    assert!(open(&settings(&p), &identity()).is_ok());
}

#[test]
fn overwrite_never_replaces_a_file_that_is_not_a_journal() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("results.csv");
    std::fs::write(&p, "username,file_count\nalice,3\n").unwrap();
    let e = open(
        &Settings {
            overwrite: true,
            ..settings(&p)
        },
        &identity(),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("not a dbx-inventory journal"), "{e}");
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "username,file_count\nalice,3\n");
}

#[test]
fn resume_skips_recorded_users_and_truncates_a_torn_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("j");
    let good = journal_text(&[(0, row("a@x.com", Status::Success)), (1, row("b@x.com", Status::Error))]);
    std::fs::write(&p, format!("{good}{{\"type\":\"user\",\"i\":2,\"userna")).unwrap();
    let resume = Settings {
        resume: true,
        ..settings(&p)
    };
    let mut o = open(&resume, &identity()).unwrap();
    assert!(
        o.notes.iter().any(|n| n.contains("torn last line (line 4")),
        "{:?}",
        o.notes
    );
    assert_eq!(o.skip, [UserKey::of("a@x.com")].into_iter().collect());
    assert_eq!(std::fs::read_to_string(&p).unwrap(), good, "torn tail truncated");
    o.writer.append(1, row("b@x.com", Status::Success)).unwrap();
    o.writer.sync().unwrap();
    let c = read(&p).unwrap().unwrap();
    assert_eq!((c.entries.len(), c.headers, c.torn), (3, 1, None));
    // --keep-errors keeps the error row instead.
    std::fs::write(&p, &good).unwrap();
    let o = open(
        &Settings {
            keep_errors: true,
            ..resume
        },
        &identity(),
    )
    .unwrap();
    assert_eq!(o.skip.len(), 2);
}

#[test]
fn resume_refuses_another_run_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("j");
    std::fs::write(&p, journal_text(&[(0, row("a@x.com", Status::Success))])).unwrap();
    let mut other = identity();
    other.host = "https://other.cloud.databricks.com".into();
    let resume = Settings {
        resume: true,
        ..settings(&p)
    };
    let e = open(&resume, &other).err().unwrap().to_string();
    assert!(
        e.contains("written for another run") && e.contains("other.cloud") && e.contains("--force"),
        "{e}"
    );
    let o = open(
        &Settings {
            force: true,
            ..resume.clone()
        },
        &other,
    )
    .unwrap();
    assert!(o.notes[0].starts_with("--force"));
    assert_eq!(o.skip.len(), 1);
    let c = read(&p).unwrap().unwrap();
    assert_eq!(c.headers, 2, "a new header records the new identity");
    assert_eq!(c.header.unwrap().identity, other);
    // The next resume compares with the latest header.
    assert!(open(&resume, &other).is_ok());
}

#[test]
fn resuming_a_journal_with_no_user_yet_starts_afresh_whatever_its_identity() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("j");
    std::fs::write(&p, journal_text(&[])).unwrap();
    let mut other = identity();
    other.host = "https://other".into();
    let o = open(
        &Settings {
            resume: true,
            ..settings(&p)
        },
        &other,
    )
    .unwrap();
    assert!(o.skip.is_empty());
    let c = read(&p).unwrap().unwrap();
    assert_eq!((c.headers, c.header.unwrap().identity), (1, other));
}

#[test]
fn resume_without_a_journal_starts_one() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("j");
    let o = open(
        &Settings {
            resume: true,
            ..settings(&p)
        },
        &identity(),
    )
    .unwrap();
    assert!(o.notes[0].contains("no journal"));
    assert_eq!(read(&p).unwrap().unwrap().headers, 1);
}
