//! When a journal is refused (issue 5): an existing one without --resume or --overwrite, one from
//! another workspace, other options or users; and rows of users not in the list left out.
#![cfg(unix)]

use crate::resume::{three, THREE};
use crate::util::{fixture, journal_user_lines, Sim, Work};

#[test]
fn an_existing_journal_is_refused_without_resume_or_overwrite() {
    let sim = Sim::start(fixture("semantics"));
    let work = Work::new();
    let first = work.scan(&sim, &three(&[])).run();
    check!(first, first.code == 0);
    check!(first, first.stdout.contains("Journal: out.csv.journal (new)"));
    let csv = work.read("out.csv");
    // Without its end line the journal reads as an unfinished run (as journals written before
    // end lines existed do): a plain rerun is refused (a finished one is kept: tests/rerun.rs).
    let journal = work.path("out.csv.journal");
    let text = std::fs::read_to_string(&journal).unwrap();
    let last = text.trim_end().rsplit('\n').next().unwrap();
    assert!(
        last.starts_with("{\"type\":\"end\""),
        "the run ended with its end line: {last}"
    );
    std::fs::write(&journal, &text[..text.len() - last.len() - 1]).unwrap();
    let again = work.scan(&sim, &three(&[])).run();
    check!(again, again.code == 2);
    check!(
        again,
        again
            .stderr
            .contains("journal out.csv.journal already holds 3 user row(s)")
    );
    check!(
        again,
        again.stderr.contains("--resume") && again.stderr.contains("--overwrite")
    );
    again.check_same("the refused run left the CSV alone", &csv, work.read("out.csv"));
    assert_eq!(journal_user_lines(&work.path("out.csv.journal")), 3);

    let over = work.scan(&sim, &three(&["--overwrite"])).run();
    check!(over, over.code == 0);
    check!(
        over,
        over.stderr
            .contains("--overwrite: discarded journal out.csv.journal (3 user row(s))")
    );
    assert_eq!(journal_user_lines(&work.path("out.csv.journal")), 3, "a fresh journal");

    // --resume of a finished journal scans nothing and rewrites the same CSV.
    let resumed = work.scan(&sim, &three(&["--resume"])).run();
    check!(resumed, resumed.code == 0);
    check!(
        resumed,
        resumed
            .stdout
            .contains("resuming: 3 user(s) already recorded, 0 to scan")
    );
    check!(resumed, !resumed.stdout.contains("[1/"), "nobody scanned");
    resumed.check_same("the resumed CSV equals the first", &csv, work.read("out.csv"));
    assert_eq!(journal_user_lines(&work.path("out.csv.journal")), 3);

    // --journal FILE keeps a separate one.
    let separate = work.scan(&sim, &three(&["--journal", "other.journal"])).run();
    check!(separate, separate.code == 0);
    assert_eq!(journal_user_lines(&work.path("other.journal")), 3);
}

#[test]
fn a_journal_from_another_workspace_is_refused_unless_forced() {
    let a = Sim::start(fixture("semantics"));
    let b = Sim::start(fixture("semantics"));
    let work = Work::new();
    let first = work.scan(&a, &three(&[])).run();
    check!(first, first.code == 0);
    let other = work.scan(&b, &three(&["--resume"])).run();
    check!(other, other.code == 2);
    check!(other, other.stderr.contains("written for another run"));
    check!(
        other,
        other.stderr.contains(&format!(
            "host: the journal is for {}, this run is for {}",
            a.url, b.url
        ))
    );
    check!(other, other.stderr.contains("--force"));
    let forced = work.scan(&b, &three(&["--resume", "--force"])).run();
    check!(forced, forced.code == 0);
    check!(forced, forced.stderr.contains("--force: continuing journal"));
    // The journal now records the new identity: resuming against b again needs no --force.
    let again = work.scan(&b, &three(&["--resume"])).run();
    check!(again, again.code == 0);
    assert_eq!(
        journal_user_lines(&work.path("out.csv.journal")),
        3,
        "nobody scanned twice"
    );
}

#[test]
fn rows_of_users_not_in_the_list_are_left_out_of_the_outputs_naming_them() {
    let sim = Sim::start(fixture("semantics"));
    let work = Work::new();
    let first = work.scan(&sim, &three(&[])).run();
    check!(first, first.code == 0);
    // A row for a user the list does not hold (added by hand, same identity): not in the CSV.
    let journal = work.path("out.csv.journal");
    let text = std::fs::read_to_string(&journal).unwrap();
    let alice = text
        .lines()
        .find(|l| l.contains("\"username\":\"alice@example.com\""))
        .unwrap();
    let frank = alice
        .replace("alice@example.com", "frank@example.com")
        .replace("\"i\":0,", "\"i\":7,");
    std::fs::write(&journal, format!("{text}{frank}\n")).unwrap();
    let resumed = work.scan(&sim, &three(&["--resume"])).run();
    check!(resumed, resumed.code == 0);
    check!(
        resumed,
        resumed.stderr.contains(
            "warning: journal out.csv.journal holds rows for 1 user(s) not in this run's list, left out of this run's outputs"
        ) && resumed.stderr.contains("): frank@example.com"),
        "the row left out is named"
    );
    let (_, rows) = resumed.csv("out.csv");
    let names: Vec<&str> = rows.iter().map(|r| r["username"].as_str()).collect();
    assert_eq!(names, THREE, "{}", resumed.explain());
    check!(
        resumed,
        resumed
            .stdout
            .contains("resuming: 3 user(s) already recorded, 0 to scan")
    );

    // --force continues the journal for another list: the CSV is that list, the rest is named.
    let forced = work
        .scan(
            &sim,
            &[
                "alice@example.com",
                "carol@example.com",
                "-o",
                "out.csv",
                "--resume",
                "--force",
            ],
        )
        .run();
    check!(forced, forced.code == 0);
    check!(
        forced,
        forced
            .stderr
            .contains("holds rows for 3 user(s) not in this run's list")
            && forced
                .stderr
                .contains("): dave@example.com, erin@example.com, frank@example.com")
    );
    check!(
        forced,
        forced
            .stdout
            .contains("resuming: 1 user(s) already recorded, 1 to scan")
    );
    let (_, rows) = forced.csv("out.csv");
    let names: Vec<&str> = rows.iter().map(|r| r["username"].as_str()).collect();
    assert_eq!(
        names,
        ["alice@example.com", "carol@example.com"],
        "{}",
        forced.explain()
    );
    // They stay in the journal: summary shows every row.
    let summary = work.run(&["summary", "--journal", "out.csv.journal"]).run();
    check!(
        summary,
        summary.code == 0 && summary.stdout.contains("Total users processed: 5")
    );
}

#[test]
fn a_journal_with_other_options_or_users_is_refused() {
    let sim = Sim::start(fixture("semantics"));
    let work = Work::new();
    let first = work.scan(&sim, &three(&[])).run();
    check!(first, first.code == 0);

    let trees = work.scan(&sim, &three(&["--resume", "--dbfs-only"])).run();
    check!(trees, trees.code == 2);
    check!(
        trees,
        trees
            .stderr
            .contains("trees: the journal has dbfs+uploads+workspace+repos, this run has dbfs+uploads")
    );

    let more = work
        .scan(
            &sim,
            &[
                "alice@example.com",
                "dave@example.com",
                "erin@example.com",
                "frank@example.com",
                "-o",
                "out.csv",
                "--resume",
            ],
        )
        .run();
    check!(more, more.code == 2);
    check!(
        more,
        more.stderr.contains("users: the journal is for a list of 3 user(s)")
            && more.stderr.contains("a list of 4 user(s)")
    );

    let all = work.scan(&sim, &["--all-users", "-o", "out.csv", "--resume"]).run();
    check!(all, all.code == 2);
    check!(all, all.stderr.contains("all workspace users"));

    // Case does not make another list; concurrency and limits are not part of the identity.
    let same = work
        .scan(
            &sim,
            &[
                "ALICE@example.com",
                "dave@example.com",
                "erin@example.com",
                "-o",
                "out.csv",
                "--resume",
                "--concurrency",
                "2",
                "--max-in-flight",
                "3",
            ],
        )
        .run();
    check!(same, same.code == 0);
    assert_eq!(journal_user_lines(&work.path("out.csv.journal")), 3);
}
