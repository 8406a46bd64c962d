//! The journal and resume (issue 5): SIGKILL at random moments loses and duplicates nothing,
//! SIGTERM stops cleanly, every refusal, the torn last line, --keep-errors, `summary`, --jsonl
//! and the progress lines.
//!
//! Several runs share one working folder here (a `Work`: that is what resuming is); some are
//! started with `Run::spawn` and stopped by the test.
#![cfg(unix)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::util::{fixture, generated, journal_counts, journal_user_lines, Sim, Work};

/// A small deterministic generator (splitmix64) for kill moments; the seed is printed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Client limits well above the published ones (the simulator has none here) keep tests short.
const FAST: [&str; 4] = ["--rate-limit", "workspace=300", "--rate-limit", "dbfs=300"];

fn args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut v: Vec<&str> = FAST.to_vec();
    v.extend_from_slice(extra);
    v
}

#[test]
fn sigkill_at_random_moments_loses_and_duplicates_nothing() {
    const USERS: usize = 300;
    const KILLS: usize = 20;
    // At most this many new rows per killed run, so the scan outlasts the kills.
    const MAX_ROWS_PER_RUN: usize = USERS / (KILLS + 5);
    let (sim, users) = generated(USERS, 21);
    let seed = std::env::var("DBX_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("kill moments from seed {seed} (DBX_KILL_SEED={seed} repeats them)");
    let mut rng = Rng(seed);

    let base = Work::new();
    base.write("users.txt", &users.join("\n"));
    let full = base
        .scan(&sim, &args(&["--users-file", "users.txt", "-o", "out.csv", "-q"]))
        .run();
    check!(full, full.code == 0);
    let expected = base.read("out.csv");

    let work = Work::new();
    work.write("users.txt", &users.join("\n"));
    let journal = work.path("out.csv.journal");
    let resume = args(&["--users-file", "users.txt", "-o", "out.csv", "-q", "--resume"]);
    let mut kills = 0usize;
    let mut mid_scan = 0usize;
    let mut runs = 0usize;
    while kills < KILLS {
        runs += 1;
        assert!(
            runs < 200,
            "the scan finished before {KILLS} kills landed ({kills} did)"
        );
        let before = journal_user_lines(&journal);
        assert!(
            before < USERS,
            "every user recorded after {kills} kills; the kill moments came too late"
        );
        let mut child = work.scan(&sim, &resume).spawn();
        // A random moment: one run in five at a random delay (often during start-up), the others
        // after a random number of new rows; then a random jitter of up to 40 ms.
        let early = rng.below(5) == 0;
        let wait = if early {
            Duration::from_millis(rng.below(1500))
        } else {
            Duration::from_secs(60)
        };
        let deadline = Instant::now() + wait;
        let rows = before + 1 + rng.below(MAX_ROWS_PER_RUN as u64) as usize;
        while Instant::now() < deadline && journal_user_lines(&journal) < rows {
            if child.finished() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(Duration::from_micros(rng.below(40_000)));
        let done = child.kill(); // SIGKILL
        if done.signal == Some(9) {
            kills += 1;
            if journal_user_lines(&journal) > before {
                mid_scan += 1;
            }
        } else {
            check!(done, done.code == 0, "run {runs} ended on its own, and not well");
        }
        // After every kill: whatever is in the journal is readable, and no user is there twice.
        if journal.exists() {
            let twice: Vec<_> = journal_counts(&journal).into_iter().filter(|(_, n)| *n > 1).collect();
            assert!(twice.is_empty(), "users recorded twice after run {runs}: {twice:?}");
        }
    }
    let recorded = journal_user_lines(&journal);
    eprintln!("{kills} SIGKILLs ({mid_scan} after new rows) in {runs} runs; {recorded} of {USERS} users recorded before the last run");
    assert!(
        mid_scan >= KILLS / 2,
        "most kills land while users are being recorded ({mid_scan} of {kills})"
    );
    let last = work.scan(&sim, &resume).run();
    check!(last, last.code == 0);
    last.check_same(
        &format!("the CSV after {kills} kills differs from an uninterrupted run"),
        &expected,
        work.read("out.csv"),
    );
    let counts = journal_counts(&journal);
    assert_eq!(counts.len(), USERS, "every user is in the journal");
    assert!(counts.values().all(|n| *n == 1), "no user twice in the journal");
}

#[test]
fn sigterm_stops_cleanly_keeps_what_finished_and_resume_completes() {
    let (sim, users) = generated(120, 5);
    let base = Work::new();
    let full = base.scan(&sim, &args(&["--all-users", "-o", "out.csv", "-q"])).run();
    check!(full, full.code == 0);
    let expected = base.read("out.csv");

    let work = Work::new();
    let journal = work.path("out.csv.journal");
    // A low client rate limit makes this scan last far longer than it takes to stop it.
    let mut child = work
        .scan(&sim, &["--all-users", "-o", "out.csv", "--rate-limit", "workspace=20"])
        .spawn();
    while journal_user_lines(&journal) < 5 {
        if child.finished() {
            panic!("the scan ended before it could be stopped\n{}", child.wait().explain());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.signal("TERM");
    let out = child.wait();
    check!(out, out.code == 130, "an interrupted run exits 130");
    check!(
        out,
        out.stderr.contains("stopped by SIGTERM") && out.stderr.contains("--resume"),
        "says how to resume"
    );
    // The CSV holds exactly what the journal holds.
    let csv = out.rows("out.csv");
    let counts = journal_counts(&journal);
    check!(
        out,
        csv.len() == counts.len() && csv.len() < users.len(),
        "{} rows in the CSV, {} in the journal",
        csv.len(),
        counts.len()
    );
    check!(out, csv.keys().all(|u| counts.contains_key(&u.to_lowercase())));
    check!(
        out,
        out.stdout.contains(&format!("Total users processed: {}", csv.len()))
    );

    let done = work
        .scan(&sim, &args(&["--all-users", "-o", "out.csv", "--resume"]))
        .run();
    check!(done, done.code == 0);
    check!(
        done,
        done.stdout
            .contains(&format!("Taken from the journal: {} user(s)", csv.len()))
    );
    done.check_same(
        "resumed CSV equals an uninterrupted run",
        &expected,
        work.read("out.csv"),
    );
    assert!(journal_counts(&journal).values().all(|n| *n == 1));
}

const THREE: [&str; 3] = ["alice@example.com", "dave@example.com", "erin@example.com"];

fn three(extra: &[&'static str]) -> Vec<&'static str> {
    let mut v = THREE.to_vec();
    v.extend_from_slice(&["-o", "out.csv"]);
    v.extend_from_slice(extra);
    v
}

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

#[test]
fn a_torn_last_line_is_ignored_truncated_and_its_user_scanned_again() {
    let sim = Sim::start(fixture("semantics"));
    let work = Work::new();
    let first = work.scan(&sim, &three(&[])).run();
    check!(first, first.code == 0);
    let csv = work.read("out.csv");
    let journal = work.path("out.csv.journal");
    let text = std::fs::read_to_string(&journal).unwrap();
    // A kill during the write of the last row: no end line after it (the run never finished),
    // and the row cut in the middle.
    let end_start = text[..text.len() - 1].rfind('\n').unwrap() + 1;
    assert!(text[end_start..].starts_with("{\"type\":\"end\""), "{text}");
    let text = &text[..end_start];
    let last_start = text[..text.len() - 1].rfind('\n').unwrap() + 1;
    let lost: serde_json::Value = serde_json::from_str(text[last_start..].trim_end()).unwrap();
    let cut = last_start + (text.len() - last_start) / 2;
    std::fs::write(&journal, &text[..cut]).unwrap();

    let resumed = work.scan(&sim, &three(&["--resume"])).run();
    check!(resumed, resumed.code == 0);
    check!(resumed, resumed.stderr.contains("ignored a torn last line (line 4,"));
    check!(
        resumed,
        resumed
            .stdout
            .contains(&format!("[1/1] {}", lost["username"].as_str().unwrap())),
        "only that user is scanned"
    );
    resumed.check_same(
        "the CSV after the torn line equals the first",
        &csv,
        work.read("out.csv"),
    );
    let after = std::fs::read_to_string(&journal).unwrap();
    assert!(
        after.starts_with(&text[..last_start]),
        "the intact rows are kept as they were"
    );
    assert!(journal_counts(&journal).values().all(|n| *n == 1) && journal_counts(&journal).len() == 3);

    // A damaged line that is not the last is not silently skipped.
    let mut lines: Vec<&str> = after.lines().collect();
    lines[1] = "{\"type\":\"user\",\"i\":0,\"username\":\"alice@exa";
    std::fs::write(&journal, lines.join("\n") + "\n").unwrap();
    let damaged = work.scan(&sim, &three(&["--resume"])).run();
    check!(damaged, damaged.code == 1);
    check!(
        damaged,
        damaged
            .stderr
            .contains("journal out.csv.journal: line 2 is not a journal record")
    );
}

#[test]
fn error_rows_are_scanned_again_unless_keep_errors() {
    // bob's broken folder fails once, then works.
    let mut fx = fixture("semantics");
    for f in &mut fx.faults {
        if f.path.contains("bob@example.com") {
            f.times = Some(1);
        }
    }
    let sim = Sim::start(fx);
    let work = Work::new();
    let users = [
        "alice@example.com",
        "bob@example.com",
        "dave@example.com",
        "-o",
        "out.csv",
        "--retry-attempts",
        "1",
    ];
    let first = work.scan(&sim, &users).run();
    check!(first, first.code == 3);
    first.check_fields(&first.rows("out.csv")["bob@example.com"], &[("status", "error")]);

    let listed = sim.listings();
    let mut keep = users.to_vec();
    keep.extend(["--resume", "--keep-errors"]);
    let kept = work.scan(&sim, &keep).run();
    check!(kept, kept.code == 3, "the kept error still counts");
    check!(kept, !kept.stdout.contains("[1/"), "nobody scanned");
    assert_eq!(sim.listings(), listed, "no listing request");
    kept.check_fields(&kept.rows("out.csv")["bob@example.com"], &[("status", "error")]);

    let mut again = users.to_vec();
    again.push("--resume");
    let rescanned = work.scan(&sim, &again).run();
    check!(rescanned, rescanned.code == 0);
    check!(
        rescanned,
        rescanned.stdout.contains("[1/1] bob@example.com") && rescanned.stdout.contains("1 in error scanned again")
    );
    let rows = rescanned.rows("out.csv");
    assert_eq!(rows.len(), 3);
    rescanned.check_fields(&rows["bob@example.com"], &[("status", "success")]);
    // The journal keeps bob's error row and the later good one; the good one counts.
    let counts = journal_counts(&work.path("out.csv.journal"));
    assert_eq!(counts["bob@example.com"], 2);
    let summary = work.run(&["summary", "--journal", "out.csv.journal"]).run();
    check!(summary, summary.code == 0);
    check!(
        summary,
        summary.stdout.contains("Total users processed: 3") && summary.stdout.contains("✗ Errors: 0")
    );
    check!(
        summary,
        !summary.stderr.contains("more than once"),
        "a re-scanned error is not a duplicate"
    );
}

#[test]
fn summary_rebuilds_the_outputs_from_the_journal_alone() {
    let sim = Sim::start(fixture("semantics"));
    let work = Work::new();
    let users = [
        "alice@example.com",
        "bob@example.com",
        "frank@example.com",
        "carol@example.com",
        "-o",
        "out.csv",
        "--jsonl",
        "out.jsonl",
        "--retry-attempts",
        "2",
    ];
    let first = work.scan(&sim, &users).run();
    check!(first, first.code == 3);
    drop(sim); // the workspace is gone: summary must not need it

    let s = work
        .run(&[
            "summary",
            "--journal",
            "out.csv.journal",
            "-o",
            "re.csv",
            "--jsonl",
            "re.jsonl",
        ])
        .run();
    check!(s, s.code == 0);
    s.check_same(
        "summary's CSV equals the scan's",
        work.read("out.csv"),
        work.read("re.csv"),
    );
    s.check_same(
        "summary's JSON Lines equal the scan's",
        work.read("out.jsonl"),
        work.read("re.jsonl"),
    );
    let block = |o: &str| o[o.find("SUMMARY").unwrap()..o.find("Results saved").unwrap()].to_string();
    s.check_same("the same summary block", block(&first.stdout), block(&s.stdout));
    check!(s, s.stdout.contains("Users: 4 recorded (a list of 4 user(s)"));

    // A duplicate row under another spelling is reported and counted once.
    let journal = work.path("out.csv.journal");
    let text = std::fs::read_to_string(&journal).unwrap();
    let alice = text
        .lines()
        .find(|l| l.contains("\"username\":\"alice@example.com\""))
        .unwrap();
    std::fs::write(
        &journal,
        format!("{text}{}\n", alice.replace("alice@example.com", "Alice@Example.com")),
    )
    .unwrap();
    let dup = work
        .run(&["summary", "--journal", "out.csv.journal", "-o", "dup.csv"])
        .run();
    check!(dup, dup.code == 0);
    check!(
        dup,
        dup.stderr.contains("1 user(s) recorded more than once")
            && dup.stderr.contains("alice@example.com / Alice@Example.com")
    );
    check!(dup, dup.stdout.contains("Total users processed: 4"));
    dup.check_same(
        "totals unchanged: alice counted once",
        block(&first.stdout),
        block(&dup.stdout),
    );
    assert_eq!(dup.csv("dup.csv").1.len(), 4, "{}", dup.explain());

    // Bad inputs are named.
    let missing = work.run(&["summary", "--journal", "nope.journal"]).run();
    check!(missing, missing.code == 1 && missing.stderr.contains("nope.journal"));
    let clobber = work
        .run(&["summary", "--journal", "out.csv.journal", "-o", "out.csv.journal"])
        .run();
    check!(
        clobber,
        clobber.code == 2 && clobber.stderr.contains("--output out.csv.journal is the journal file")
    );
    let not_journal = work.run(&["summary", "--journal", "out.csv"]).run();
    check!(
        not_journal,
        not_journal.code == 1 && not_journal.stderr.contains("not a dbx-inventory journal")
    );
}

#[test]
fn jsonl_holds_the_full_detail_of_every_user_in_csv_order() {
    let sim = Sim::start(fixture("semantics"));
    let work = Work::new();
    let out = work
        .scan(
            &sim,
            &[
                "alice@example.com",
                "bob@example.com",
                "frank@example.com",
                "-o",
                "out.csv",
                "--jsonl",
                "out.jsonl",
                "--retry-attempts",
                "2",
                "--workspace-only",
            ],
        )
        .run();
    check!(out, out.code == 3);
    check!(out, out.stdout.contains("Details (JSON Lines) saved to: out.jsonl"));
    let text = std::fs::read_to_string(work.path("out.jsonl")).unwrap();
    let recs: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let names: Vec<&str> = recs.iter().map(|r| r["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["alice@example.com", "bob@example.com", "frank@example.com"]);
    let by: HashMap<&str, &serde_json::Value> = names.iter().copied().zip(recs.iter()).collect();
    let a = by["alice@example.com"];
    assert_eq!(a["status"], "success");
    assert_eq!(a["error"], serde_json::Value::Null);
    assert_eq!(a["dbfs"], serde_json::Value::Null, "DBFS not scanned");
    let w = &a["workspace"];
    assert_eq!((w["files"].as_u64(), w["bytes"].as_u64()), (Some(11), Some(1363)));
    assert_eq!(
        (a["file_count"].as_u64(), a["total_size"].as_u64()),
        (Some(11), Some(1363))
    );
    assert!(
        w["directories"].as_u64().unwrap() > 0 && w["unsized_objects"].as_u64().unwrap() > 0,
        "{w}"
    );
    assert_eq!((w["notebooks"].as_u64(), w["repos"].as_u64()), (Some(2), Some(1)));
    assert!(w["home_exists"].as_bool().unwrap() && w["max_depth"].as_u64().unwrap() >= 15);
    assert!(a["requests"].as_u64().unwrap() > 0 && a["duration_ms"].is_u64() && a["orphan"] == false);
    assert_eq!(by["frank@example.com"]["workspace"]["vanished_dirs"], 1);
    let b = by["bob@example.com"];
    assert_eq!(b["status"], "error");
    assert!(
        b["error"].as_str().unwrap().contains("/Users/bob@example.com/broken"),
        "{b}"
    );
    // The CSV agrees.
    out.check_fields(&out.rows("out.csv")["alice@example.com"], &[("workspace_files", "11")]);
    assert!(!text.contains("dapi-sim"), "no secret in the detail file");
    assert!(
        !std::fs::read_to_string(work.path("out.csv.journal"))
            .unwrap()
            .contains("dapi-sim"),
        "no secret in the journal"
    );
}

#[test]
fn outputs_may_not_overwrite_the_journal() {
    let sim = Sim::start(fixture("semantics"));
    let work = Work::new();
    let o = work
        .scan(
            &sim,
            &["alice@example.com", "-o", "out.csv", "--jsonl", "out.csv.journal"],
        )
        .run();
    check!(
        o,
        o.code == 2 && o.stderr.contains("--jsonl out.csv.journal is the journal file")
    );
    let o = work
        .scan(&sim, &["alice@example.com", "-o", "out.csv", "--journal", "out.csv"])
        .run();
    check!(
        o,
        o.code == 2 && o.stderr.contains("--output out.csv is the journal file")
    );
    // --overwrite never replaces a file that is not a journal.
    work.write("keep.txt", "precious\n");
    let o = work
        .scan(
            &sim,
            &[
                "alice@example.com",
                "-o",
                "out.csv",
                "--journal",
                "keep.txt",
                "--overwrite",
            ],
        )
        .run();
    check!(
        o,
        o.code == 1 && o.stderr.contains("keep.txt is not a dbx-inventory journal")
    );
    assert_eq!(std::fs::read_to_string(work.path("keep.txt")).unwrap(), "precious\n");
}

#[test]
fn progress_lines_go_to_stderr_unless_quiet() {
    let sim = Sim::start(fixture("semantics"));
    let work = Work::new();
    let o = work.scan(&sim, &three(&[])).run();
    check!(o, o.code == 0);
    check!(
        o,
        o.stderr.contains("progress: 3 users recorded in") && o.stderr.contains("req/s"),
        "final progress line"
    );
    check!(o, !o.stdout.contains("progress:"), "stdout keeps the seed's format");
    check!(o, o.stdout.contains("[3/3] "));
    let q = work.scan(&sim, &three(&["--resume", "-q"])).run();
    check!(
        q,
        q.code == 0 && !q.stderr.contains("progress:") && !q.stdout.contains("[1/")
    );
    check!(q, q.stdout.contains("SUMMARY"));
    // --debug: per-user timing through tracing.
    let d = work.scan(&sim, &["alice@example.com", "-o", "d.csv", "--debug"]).run();
    check!(
        d,
        d.code == 0 && d.stderr.contains("alice@example.com scanned in ") && d.stderr.contains(" ms (")
    );
}
