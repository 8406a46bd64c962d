//! One run per journal (issue 9, item 6): two scans (or two `--resume`s) started together on one
//! output — exactly one runs, the other is refused at once (exit 2) naming the journal and the
//! process that holds it, and the journal stays valid; `--overwrite` and `summary` are refused
//! while a scan writes; a scan killed with SIGKILL leaves no lock behind.
#![cfg(unix)]

use crate::util::{generated, journal_counts, journal_user_lines, wait_rows, Done, Sim, Work};

const SCAN: &[&str] = &[
    "--users-file",
    "users.txt",
    "-o",
    "out.csv",
    "-q",
    "--rate-limit",
    "workspace=300",
    "--rate-limit",
    "dbfs=300",
];

fn scan_args(extra: &[&'static str]) -> Vec<&'static str> {
    let mut v = SCAN.to_vec();
    v.extend_from_slice(extra);
    v
}

/// Starts two runs together; returns them as (finished cleanly, refused), checking exactly one
/// of each and that the refusal names the journal and the other process.
fn race(work: &Work, sim: &Sim, args: &[&str]) -> (Done, Done) {
    let a = work.scan(sim, args).spawn();
    let b = work.scan(sim, args).spawn();
    let (pa, pb) = (a.id(), b.id());
    let (a, b) = (a.wait(), b.wait());
    let (ok, refused, other) = match (a.code, b.code) {
        (0, 2) => (a, b, pa),
        (2, 0) => (b, a, pb),
        _ => panic!(
            "exactly one of two runs on one journal runs, the other is refused (exit 2):\n--- first\n{}\n--- second\n{}",
            a.explain(),
            b.explain()
        ),
    };
    check!(
        refused,
        refused
            .stderr
            .contains("journal out.csv.journal is in use by another run"),
        "the refusal names the journal"
    );
    check!(
        refused,
        refused.stderr.contains(&format!("pid {other}")) && refused.stderr.contains("`dbx-inventory scan`"),
        "the refusal names the other process (pid {other})"
    );
    check!(
        refused,
        !refused.stdout.contains("Total users processed"),
        "the refused run scanned nothing"
    );
    (ok, refused)
}

/// The journal is valid and complete: `summary` reads it, every user exactly once.
fn journal_is_valid(work: &Work, users: &[String]) {
    let journal = work.path("out.csv.journal");
    let counts = journal_counts(&journal);
    assert_eq!(counts.len(), users.len(), "every user is in the journal");
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "users recorded more than once: {twice:?}");
    let summary = work
        .run(&["summary", "--journal", "out.csv.journal", "-o", "again.csv"])
        .run();
    check!(summary, summary.code == 0);
    check!(
        summary,
        summary
            .stdout
            .contains(&format!("Total users processed: {}", users.len()))
    );
    summary.check_same(
        "summary rebuilds the scan's CSV",
        work.read("out.csv"),
        work.read("again.csv"),
    );
}

#[test]
fn two_scans_started_together_on_one_output_one_runs_the_other_is_refused() {
    let (sim, users) = generated(120, 61);
    let work = Work::new();
    work.write("users.txt", &users.join("\n"));
    let (ok, _) = race(&work, &sim, &scan_args(&[]));
    check!(ok, ok.code == 0);
    journal_is_valid(&work, &users);
}

#[test]
fn two_resumes_at_once_one_runs_the_other_is_refused() {
    let (sim, users) = generated(120, 62);
    let work = Work::new();
    work.write("users.txt", &users.join("\n"));
    let journal = work.path("out.csv.journal");
    // A scan killed part-way leaves a journal to resume.
    let mut first = work.scan(&sim, &scan_args(&[])).spawn();
    wait_rows(&mut first, &journal, 10);
    let killed = first.kill();
    check!(killed, killed.signal == Some(9));
    let (ok, _) = race(&work, &sim, &scan_args(&["--resume"]));
    check!(
        ok,
        ok.stdout.contains("Taken from the journal: "),
        "the winner resumed the journal"
    );
    journal_is_valid(&work, &users);
}

#[test]
fn a_scan_killed_with_sigkill_leaves_no_lock_behind() {
    let (sim, users) = generated(60, 63);
    let work = Work::new();
    work.write("users.txt", &users.join("\n"));
    let journal = work.path("out.csv.journal");
    let mut first = work.scan(&sim, &scan_args(&[])).spawn();
    let pid = first.id();
    wait_rows(&mut first, &journal, 5);
    let killed = first.kill();
    check!(killed, killed.signal == Some(9));
    // The killed run's holder line is still in the lock file; the lock itself died with it.
    let lock = String::from_utf8(work.read("out.csv.journal.lock")).unwrap();
    assert!(lock.contains(&format!("\"pid\":{pid}")), "{lock}");
    let resumed = work.scan(&sim, &scan_args(&["--resume"])).run();
    check!(
        resumed,
        resumed.code == 0,
        "a new --resume runs at once after a SIGKILL"
    );
    check!(resumed, !resumed.stderr.contains("in use"));
    journal_is_valid(&work, &users);
    // A clean end empties the holder line.
    assert_eq!(work.read("out.csv.journal.lock"), b"");
}

#[test]
fn summary_and_overwrite_are_refused_while_a_scan_writes_the_journal() {
    let (sim, users) = generated(60, 64);
    let work = Work::new();
    work.write("users.txt", &users.join("\n"));
    let journal = work.path("out.csv.journal");
    // A low rate limit keeps this scan running while the others try.
    let mut slow: Vec<&str> = SCAN[..5].to_vec();
    slow.extend_from_slice(&["--rate-limit", "workspace=5", "--rate-limit", "dbfs=5"]);
    let mut scan = work.scan(&sim, &slow).spawn();
    let pid = scan.id();
    wait_rows(&mut scan, &journal, 2);

    let summary = work.run(&["summary", "--journal", "out.csv.journal"]).run();
    check!(summary, summary.code == 2);
    check!(
        summary,
        summary
            .stderr
            .contains("journal out.csv.journal is being written by a running scan")
            && summary.stderr.contains(&format!("pid {pid}")),
        "summary is refused, naming the scan"
    );

    let before = journal_user_lines(&journal);
    let overwrite = work.scan(&sim, &scan_args(&["--overwrite"])).run();
    check!(overwrite, overwrite.code == 2);
    check!(overwrite, overwrite.stderr.contains("in use by another run"));
    assert!(
        journal_user_lines(&journal) >= before,
        "--overwrite of a journal in use discarded nothing"
    );
    let mut elsewhere: Vec<&str> = SCAN.to_vec();
    elsewhere[3] = "other.csv";
    let other = work.scan(&sim, &elsewhere).run();
    check!(other, other.code == 0, "another output has its own journal and runs");

    scan.signal("TERM");
    let stopped = scan.wait();
    check!(stopped, stopped.code == 130);
    let summary = work.run(&["summary", "--journal", "out.csv.journal"]).run();
    check!(
        summary,
        summary.code == 0,
        "once the scan has ended, summary reads the journal"
    );
}
