//! Reruns (issue 11, part 3): the same `scan … -o results.csv` run again after a run that
//! finished keeps the old journal under a time-stamped name and starts a new one (the weekly
//! cron job); after a run killed with SIGKILL it is still refused until `--resume`.
#![cfg(unix)]

use std::path::PathBuf;

use crate::util::{generated, journal_records, journal_user_lines, wait_rows, Work};

fn scan_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "--users-file",
        "users.txt",
        "-o",
        "results.csv",
        "--rate-limit",
        "workspace=300",
        "--rate-limit",
        "dbfs=300",
    ];
    v.extend_from_slice(extra);
    v
}

/// The archives of `results.csv.journal` in `work`, sorted by name.
fn archives(work: &Work) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(work.dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            n.starts_with("results.csv.journal.") && n != "results.csv.journal.lock"
        })
        .collect();
    v.sort();
    v
}

/// `2026-12-01T07-50-40Z` for `2026-12-01 07:50:40 UTC`.
fn stamp(finished: &str) -> String {
    format!("{}T{}Z", &finished[..10], finished[11..19].replace(':', "-"))
}

#[test]
fn a_rerun_after_a_finished_run_keeps_the_journal_and_starts_a_new_one() {
    let (sim, users) = generated(12, 111);
    let work = Work::new();
    work.write("users.txt", &users.join("\n"));
    let journal = work.path("results.csv.journal");

    let first = work.scan(&sim, &scan_args(&[])).run();
    check!(first, first.code == 0 || first.code == 3);
    check!(first, first.stdout.contains("Journal: results.csv.journal (new)"));
    let recs = journal_records(&journal);
    let end = recs.last().unwrap().clone();
    check!(
        first,
        end["type"] == "end",
        "the finished run's last line is its end mark: {end}"
    );
    let csv_rows = first.csv("results.csv").1;
    let errors = csv_rows.iter().filter(|r| r["status"] == "error").count() as u64;
    let bytes: u128 = csv_rows.iter().map(|r| r["total_size"].parse::<u128>().unwrap()).sum();
    let files: u128 = csv_rows.iter().map(|r| r["file_count"].parse::<u128>().unwrap()).sum();
    check!(
        first,
        end["users"] == 12 && end["errors"] == errors,
        "end counts: {end}"
    );
    check!(
        first,
        end["bytes"] == bytes.to_string().as_str() && end["files"] == files.to_string().as_str(),
        "end totals match the CSV: {end}"
    );
    let first_journal = work.read("results.csv.journal");
    let first_csv = work.read("results.csv");
    let summary = work.run(&["summary", "--journal", "results.csv.journal"]).run();
    check!(
        summary,
        summary.code == 0
            && summary.stdout.contains(&format!(
                "Run finished: {} (12 user(s))",
                end["finished"].as_str().unwrap()
            ))
    );

    // The same command again (the cron job's second week): kept, not refused, not overwritten.
    let second = work.scan(&sim, &scan_args(&[])).run();
    check!(second, second.code == first.code);
    let kept = work.path(&format!(
        "results.csv.journal.{}",
        stamp(end["finished"].as_str().unwrap())
    ));
    check!(
        second,
        second.stdout.contains(&format!(
            "Journal: results.csv.journal (new; the finished run's journal is kept as {})",
            kept.file_name().unwrap().to_string_lossy()
        )),
        "the banner names the kept journal"
    );
    assert_eq!(archives(&work), vec![kept.clone()]);
    second.check_same(
        "the kept journal is the first run's, byte for byte",
        &first_journal,
        std::fs::read(&kept).unwrap(),
    );
    // A new journal: its own header, every user scanned again (none taken from the old one).
    let recs = journal_records(&journal);
    check!(
        second,
        recs[0]["type"] == "header" && recs.last().unwrap()["type"] == "end"
    );
    assert_eq!(journal_user_lines(&journal), 12);
    check!(second, !second.stdout.contains("Taken from the journal"));
    second.check_same(
        "the same workspace gives the same CSV",
        &first_csv,
        work.read("results.csv"),
    );

    // And a third time, at once: the new archive never overwrites the first (a suffix when the
    // two runs finished within the same second), and the names sort by time.
    let second_journal = work.read("results.csv.journal");
    let third = work.scan(&sim, &scan_args(&["-q"])).run();
    check!(third, third.code == first.code);
    let kept_now = archives(&work);
    assert_eq!(kept_now.len(), 2, "{kept_now:?}");
    assert_eq!(kept_now[0], kept);
    third.check_same(
        "the first archive is untouched",
        &first_journal,
        std::fs::read(&kept_now[0]).unwrap(),
    );
    third.check_same(
        "the second archive is the second run's",
        &second_journal,
        std::fs::read(&kept_now[1]).unwrap(),
    );
    // Old journals stay readable by `summary`.
    let old = work
        .run(&["summary", "--journal", kept.file_name().unwrap().to_str().unwrap()])
        .run();
    check!(old, old.code == 0 && old.stdout.contains("Total users processed: 12"));
}

#[test]
fn a_rerun_after_a_killed_run_is_refused_until_resumed() {
    let (sim, users) = generated(40, 112);
    let work = Work::new();
    work.write("users.txt", &users.join("\n"));
    let journal = work.path("results.csv.journal");
    // A low rate limit keeps the scan running until it is killed.
    let mut slow = scan_args(&["-q"]);
    slow.extend_from_slice(&["--rate-limit", "workspace=5", "--rate-limit", "dbfs=5"]);
    let mut scan = work.scan(&sim, &slow).spawn();
    wait_rows(&mut scan, &journal, 2);
    let killed = scan.kill();
    check!(killed, killed.signal == Some(9), "killed with SIGKILL");
    let before = work.read("results.csv.journal");
    check!(
        killed,
        !String::from_utf8_lossy(&before).contains("\"type\":\"end\""),
        "a killed run has no end mark"
    );

    let again = work.scan(&sim, &scan_args(&[])).run();
    check!(again, again.code == 2);
    check!(
        again,
        again.stderr.contains("journal results.csv.journal already holds")
            && again.stderr.contains("from an unfinished run")
            && again.stderr.contains("--resume")
            && again.stderr.contains("--overwrite")
    );
    again.check_same(
        "the refused run left the journal alone",
        &before,
        work.read("results.csv.journal"),
    );
    assert_eq!(archives(&work), Vec::<PathBuf>::new(), "nothing archived");
    check!(again, !work.path("results.csv").exists(), "no CSV claiming results");

    // --resume finishes it; then it is a finished run, and the next plain run keeps it.
    let resumed = work.scan(&sim, &scan_args(&["--resume"])).run();
    check!(resumed, resumed.code == 0 || resumed.code == 3);
    let recs = journal_records(&journal);
    check!(
        resumed,
        recs.last().unwrap()["type"] == "end" && recs.last().unwrap()["users"] == 40
    );
    let next = work.scan(&sim, &scan_args(&[])).run();
    check!(next, next.code == resumed.code);
    check!(
        next,
        next.stdout
            .contains("the finished run's journal is kept as results.csv.journal.20")
    );
    assert_eq!(archives(&work).len(), 1);
}

#[test]
fn resume_continues_a_finished_journal_and_marks_it_finished_again() {
    let (sim, users) = generated(6, 113);
    let work = Work::new();
    work.write("users.txt", &users.join("\n"));
    let journal = work.path("results.csv.journal");
    let first = work.scan(&sim, &scan_args(&[])).run();
    check!(first, first.code == 0 || first.code == 3);
    let csv = work.read("results.csv");
    let resumed = work.scan(&sim, &scan_args(&["--resume", "--keep-errors"])).run();
    check!(resumed, resumed.code == first.code);
    check!(
        resumed,
        resumed
            .stderr
            .contains("--resume: journal results.csv.journal is of a run that finished")
            && resumed
                .stdout
                .contains("resuming: 6 user(s) already recorded, 0 to scan")
    );
    resumed.check_same("rebuilt from the journal", &csv, work.read("results.csv"));
    assert_eq!(archives(&work), Vec::<PathBuf>::new(), "--resume keeps the one journal");
    let recs = journal_records(&journal);
    let ends = recs.iter().filter(|r| r["type"] == "end").count();
    check!(resumed, ends == 2 && recs.last().unwrap()["type"] == "end", "{recs:?}");
    assert_eq!(journal_user_lines(&journal), 6);
}
