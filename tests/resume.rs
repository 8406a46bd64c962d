//! The journal and resume (issue 5): SIGKILL at random moments loses and duplicates nothing,
//! SIGTERM stops cleanly, the torn last line, --keep-errors. Refusals: `resume_refusals.rs`;
//! `summary`, --jsonl and the progress lines: `resume_outputs.rs`.
//!
//! Several runs share one working folder here (a `Work`: that is what resuming is); some are
//! started with `Run::spawn` and stopped by the test.
#![cfg(unix)]

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

pub(crate) const THREE: [&str; 3] = ["alice@example.com", "dave@example.com", "erin@example.com"];

pub(crate) fn three(extra: &[&'static str]) -> Vec<&'static str> {
    let mut v = THREE.to_vec();
    v.extend_from_slice(&["-o", "out.csv"]);
    v.extend_from_slice(extra);
    v
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
