//! The journal and resume (issue 5): SIGKILL at random moments loses and duplicates nothing,
//! SIGTERM stops cleanly, every refusal, the torn last line, --keep-errors, `summary`, --jsonl
//! and the progress lines.
//!
//! Several runs share one working directory here (that is what resuming is), so these tests
//! start the binary themselves with the same isolated environment as `Run`.
#![cfg(unix)]

use std::collections::{BTreeMap, HashMap};
use std::os::unix::process::ExitStatusExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dbx_tests::{bin, dbx_sim, fixture, read_csv, Sim};

/// One finished invocation.
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn explain(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

macro_rules! ensure {
    ($out:expr, $cond:expr) => {
        assert!($cond, "{} failed\n{}", stringify!($cond), $out.explain())
    };
    ($out:expr, $cond:expr, $($msg:tt)+) => {
        assert!($cond, "{}\n{}", format!($($msg)+), $out.explain())
    };
}

/// `dbx-inventory ARGS…` in `dir`, with no Databricks settings but those given.
fn command(dir: &Path, args: &[&str], host: Option<&str>) -> Command {
    let mut cmd = Command::new(bin());
    cmd.args(args).current_dir(dir).env_clear();
    cmd.env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir);
    if let Some(h) = host {
        cmd.env("DATABRICKS_HOST", h).env("DATABRICKS_TOKEN", "dapi-sim");
    }
    cmd
}

fn scan_cmd(dir: &Path, sim: &Sim, args: &[&str]) -> Command {
    let mut all = vec!["scan", "--retry-base-ms", "20"];
    all.extend_from_slice(args);
    command(dir, &all, Some(&sim.url))
}

fn finish(mut cmd: Command) -> Out {
    let o = cmd.output().expect("run dbx-inventory");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn scan(dir: &Path, sim: &Sim, args: &[&str]) -> Out {
    finish(scan_cmd(dir, sim, args))
}

/// The journal's user rows (parsed), checking every line is one JSON object.
fn journal_rows(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("journal line {}: {e}: {line}", n + 1));
        if n == 0 {
            assert_eq!(v["type"], "header", "first line is the header: {line}");
        }
        if v["type"] == "user" {
            rows.push(v);
        }
    }
    rows
}

/// Usernames in the journal, with how many rows each has.
fn journal_counts(path: &Path) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for r in journal_rows(path) {
        *m.entry(r["username"].as_str().unwrap().to_lowercase()).or_insert(0) += 1;
    }
    m
}

fn users_line_count(path: &Path) -> usize {
    std::fs::read(path)
        .map(|b| {
            b.split(|c| *c == b'\n')
                .filter(|l| l.starts_with(b"{\"type\":\"user\""))
                .count()
        })
        .unwrap_or(0)
}

fn by_user(path: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    read_csv(path)
        .1
        .into_iter()
        .map(|r| (r["username"].clone(), r))
        .collect()
}

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

/// A generated workspace with latency, and its users in SCIM order.
fn generated(users: usize, seed: u64) -> (Sim, Vec<String>) {
    let fixture = dbx_sim::generate(users, seed);
    let names = fixture.users.iter().map(|u| u.user_name.clone()).collect();
    let sim = Sim::start_with(dbx_sim::SimConfig {
        fixture,
        limits: None,
        latency_ms: 8,
        seed,
        ..Default::default()
    });
    (sim, names)
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

    let base = tempfile::tempdir().unwrap();
    std::fs::write(base.path().join("users.txt"), users.join("\n")).unwrap();
    let full = scan(
        base.path(),
        &sim,
        &args(&["--users-file", "users.txt", "-o", "out.csv", "-q"]),
    );
    ensure!(full, full.code == 0);
    let expected = std::fs::read(base.path().join("out.csv")).unwrap();

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("users.txt"), users.join("\n")).unwrap();
    let journal = dir.path().join("out.csv.journal");
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
        let before = users_line_count(&journal);
        assert!(
            before < USERS,
            "every user recorded after {kills} kills; the kill moments came too late"
        );
        let mut child: Child = scan_cmd(dir.path(), &sim, &resume)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
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
        while Instant::now() < deadline && users_line_count(&journal) < rows {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(Duration::from_micros(rng.below(40_000)));
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        if status.signal() == Some(9) {
            kills += 1;
            if users_line_count(&journal) > before {
                mid_scan += 1;
            }
        } else {
            assert!(status.success(), "a run ended on its own with {status:?}");
        }
        // After every kill: whatever is in the journal is readable, and no user is there twice.
        if journal.exists() {
            let twice: Vec<_> = journal_counts(&journal).into_iter().filter(|(_, n)| *n > 1).collect();
            assert!(twice.is_empty(), "users recorded twice after run {runs}: {twice:?}");
        }
    }
    let recorded = users_line_count(&journal);
    eprintln!("{kills} SIGKILLs ({mid_scan} after new rows) in {runs} runs; {recorded} of {USERS} users recorded before the last run");
    assert!(
        mid_scan >= KILLS / 2,
        "most kills land while users are being recorded ({mid_scan} of {kills})"
    );
    let last = finish(scan_cmd(dir.path(), &sim, &resume));
    ensure!(last, last.code == 0);
    let got = std::fs::read(dir.path().join("out.csv")).unwrap();
    assert!(
        got == expected,
        "the CSV after {kills} kills differs from an uninterrupted run"
    );
    let counts = journal_counts(&journal);
    assert_eq!(counts.len(), USERS, "every user is in the journal");
    assert!(counts.values().all(|n| *n == 1), "no user twice in the journal");
}

#[test]
fn sigterm_stops_cleanly_keeps_what_finished_and_resume_completes() {
    let (sim, users) = generated(120, 5);
    let base = tempfile::tempdir().unwrap();
    let full = scan(base.path(), &sim, &args(&["--all-users", "-o", "out.csv", "-q"]));
    ensure!(full, full.code == 0);
    let expected = std::fs::read(base.path().join("out.csv")).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("out.csv.journal");
    // A low client rate limit makes this scan last far longer than it takes to stop it.
    let mut child = scan_cmd(
        dir.path(),
        &sim,
        &["--all-users", "-o", "out.csv", "--rate-limit", "workspace=20"],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let pid = child.id().to_string();
    while users_line_count(&journal) < 5 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the scan ended before it could be stopped"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let o = child.wait_with_output().unwrap();
    let out = Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    ensure!(out, out.code == 130, "an interrupted run exits 130");
    ensure!(
        out,
        out.stderr.contains("stopped by SIGTERM") && out.stderr.contains("--resume"),
        "says how to resume"
    );
    // The CSV holds exactly what the journal holds.
    let csv = by_user(&dir.path().join("out.csv"));
    let counts = journal_counts(&journal);
    ensure!(
        out,
        csv.len() == counts.len() && csv.len() < users.len(),
        "{} rows in the CSV, {} in the journal",
        csv.len(),
        counts.len()
    );
    ensure!(out, csv.keys().all(|u| counts.contains_key(&u.to_lowercase())));
    ensure!(
        out,
        out.stdout.contains(&format!("Total users processed: {}", csv.len()))
    );

    let done = scan(dir.path(), &sim, &args(&["--all-users", "-o", "out.csv", "--resume"]));
    ensure!(done, done.code == 0);
    ensure!(
        done,
        done.stdout
            .contains(&format!("Taken from the journal: {} user(s)", csv.len()))
    );
    ensure!(
        done,
        std::fs::read(dir.path().join("out.csv")).unwrap() == expected,
        "resumed CSV equals an uninterrupted run"
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
    let dir = tempfile::tempdir().unwrap();
    let first = scan(dir.path(), &sim, &three(&[]));
    ensure!(first, first.code == 0);
    ensure!(first, first.stdout.contains("Journal: out.csv.journal (new)"));
    let csv = std::fs::read(dir.path().join("out.csv")).unwrap();
    let again = scan(dir.path(), &sim, &three(&[]));
    ensure!(again, again.code == 2);
    ensure!(
        again,
        again
            .stderr
            .contains("journal out.csv.journal already holds 3 user row(s)")
    );
    ensure!(
        again,
        again.stderr.contains("--resume") && again.stderr.contains("--overwrite")
    );
    assert_eq!(
        std::fs::read(dir.path().join("out.csv")).unwrap(),
        csv,
        "the refused run left the CSV alone"
    );
    assert_eq!(users_line_count(&dir.path().join("out.csv.journal")), 3);

    let over = scan(dir.path(), &sim, &three(&["--overwrite"]));
    ensure!(over, over.code == 0);
    ensure!(
        over,
        over.stderr
            .contains("--overwrite: discarded journal out.csv.journal (3 user row(s))")
    );
    assert_eq!(
        users_line_count(&dir.path().join("out.csv.journal")),
        3,
        "a fresh journal"
    );

    // --resume of a finished journal scans nothing and rewrites the same CSV.
    let resumed = scan(dir.path(), &sim, &three(&["--resume"]));
    ensure!(resumed, resumed.code == 0);
    ensure!(
        resumed,
        resumed
            .stdout
            .contains("resuming: 3 user(s) already recorded, 0 to scan")
    );
    ensure!(resumed, !resumed.stdout.contains("[1/"), "nobody scanned");
    assert_eq!(std::fs::read(dir.path().join("out.csv")).unwrap(), csv);
    assert_eq!(users_line_count(&dir.path().join("out.csv.journal")), 3);

    // --journal FILE keeps a separate one.
    let separate = scan(dir.path(), &sim, &three(&["--journal", "other.journal"]));
    ensure!(separate, separate.code == 0);
    assert_eq!(users_line_count(&dir.path().join("other.journal")), 3);
}

#[test]
fn a_journal_from_another_workspace_is_refused_unless_forced() {
    let a = Sim::start(fixture("semantics"));
    let b = Sim::start(fixture("semantics"));
    let dir = tempfile::tempdir().unwrap();
    let first = scan(dir.path(), &a, &three(&[]));
    ensure!(first, first.code == 0);
    let other = scan(dir.path(), &b, &three(&["--resume"]));
    ensure!(other, other.code == 2);
    ensure!(other, other.stderr.contains("written for another run"));
    ensure!(
        other,
        other.stderr.contains(&format!(
            "host: the journal is for {}, this run is for {}",
            a.url, b.url
        ))
    );
    ensure!(other, other.stderr.contains("--force"));
    let forced = scan(dir.path(), &b, &three(&["--resume", "--force"]));
    ensure!(forced, forced.code == 0);
    ensure!(forced, forced.stderr.contains("--force: continuing journal"));
    // The journal now records the new identity: resuming against b again needs no --force.
    let again = scan(dir.path(), &b, &three(&["--resume"]));
    ensure!(again, again.code == 0);
    assert_eq!(
        users_line_count(&dir.path().join("out.csv.journal")),
        3,
        "nobody scanned twice"
    );
}

#[test]
fn a_journal_with_other_options_or_users_is_refused() {
    let sim = Sim::start(fixture("semantics"));
    let dir = tempfile::tempdir().unwrap();
    let first = scan(dir.path(), &sim, &three(&[]));
    ensure!(first, first.code == 0);

    let trees = scan(dir.path(), &sim, &three(&["--resume", "--dbfs-only"]));
    ensure!(trees, trees.code == 2);
    ensure!(
        trees,
        trees
            .stderr
            .contains("trees: the journal has dbfs+workspace, this run has dbfs")
    );

    let more = scan(
        dir.path(),
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
    );
    ensure!(more, more.code == 2);
    ensure!(
        more,
        more.stderr.contains("users: the journal is for a list of 3 user(s)")
            && more.stderr.contains("a list of 4 user(s)")
    );

    let all = scan(dir.path(), &sim, &["--all-users", "-o", "out.csv", "--resume"]);
    ensure!(all, all.code == 2);
    ensure!(all, all.stderr.contains("all workspace users"));

    // Case does not make another list; concurrency and limits are not part of the identity.
    let same = scan(
        dir.path(),
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
    );
    ensure!(same, same.code == 0);
    assert_eq!(users_line_count(&dir.path().join("out.csv.journal")), 3);
}

#[test]
fn a_torn_last_line_is_ignored_truncated_and_its_user_scanned_again() {
    let sim = Sim::start(fixture("semantics"));
    let dir = tempfile::tempdir().unwrap();
    let first = scan(dir.path(), &sim, &three(&[]));
    ensure!(first, first.code == 0);
    let csv = std::fs::read(dir.path().join("out.csv")).unwrap();
    let journal = dir.path().join("out.csv.journal");
    let text = std::fs::read_to_string(&journal).unwrap();
    // Cut the last row in the middle, as a kill during the write would.
    let last_start = text[..text.len() - 1].rfind('\n').unwrap() + 1;
    let lost: serde_json::Value = serde_json::from_str(text[last_start..].trim_end()).unwrap();
    let cut = last_start + (text.len() - last_start) / 2;
    std::fs::write(&journal, &text[..cut]).unwrap();

    let resumed = scan(dir.path(), &sim, &three(&["--resume"]));
    ensure!(resumed, resumed.code == 0);
    ensure!(resumed, resumed.stderr.contains("ignored a torn last line (line 4,"));
    ensure!(
        resumed,
        resumed
            .stdout
            .contains(&format!("[1/1] {}", lost["username"].as_str().unwrap())),
        "only that user is scanned"
    );
    assert_eq!(std::fs::read(dir.path().join("out.csv")).unwrap(), csv);
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
    let damaged = scan(dir.path(), &sim, &three(&["--resume"]));
    ensure!(damaged, damaged.code == 1);
    ensure!(
        damaged,
        damaged
            .stderr
            .contains("journal out.csv.journal: line 2 is not a journal record")
    );
}

fn listings(sim: &Sim) -> u64 {
    let s = sim.stats();
    ["workspace/list", "dbfs/list"]
        .iter()
        .filter_map(|e| s.by_endpoint.get(*e))
        .flat_map(|m| m.values())
        .sum()
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
    let dir = tempfile::tempdir().unwrap();
    let users = [
        "alice@example.com",
        "bob@example.com",
        "dave@example.com",
        "-o",
        "out.csv",
        "--retry-attempts",
        "1",
    ];
    let first = scan(dir.path(), &sim, &users);
    ensure!(first, first.code == 3);
    assert_eq!(
        by_user(&dir.path().join("out.csv"))["bob@example.com"]["status"],
        "error"
    );

    let listed = listings(&sim);
    let mut keep = users.to_vec();
    keep.extend(["--resume", "--keep-errors"]);
    let kept = scan(dir.path(), &sim, &keep);
    ensure!(kept, kept.code == 3, "the kept error still counts");
    ensure!(kept, !kept.stdout.contains("[1/"), "nobody scanned");
    assert_eq!(listings(&sim), listed, "no listing request");
    assert_eq!(
        by_user(&dir.path().join("out.csv"))["bob@example.com"]["status"],
        "error"
    );

    let mut again = users.to_vec();
    again.push("--resume");
    let rescanned = scan(dir.path(), &sim, &again);
    ensure!(rescanned, rescanned.code == 0);
    ensure!(
        rescanned,
        rescanned.stdout.contains("[1/1] bob@example.com") && rescanned.stdout.contains("1 in error scanned again")
    );
    let rows = by_user(&dir.path().join("out.csv"));
    assert_eq!(rows.len(), 3);
    assert_eq!(rows["bob@example.com"]["status"], "success");
    // The journal keeps bob's error row and the later good one; the good one counts.
    let counts = journal_counts(&dir.path().join("out.csv.journal"));
    assert_eq!(counts["bob@example.com"], 2);
    let summary = finish(command(dir.path(), &["summary", "--journal", "out.csv.journal"], None));
    ensure!(summary, summary.code == 0);
    ensure!(
        summary,
        summary.stdout.contains("Total users processed: 3") && summary.stdout.contains("✗ Errors: 0")
    );
    ensure!(
        summary,
        !summary.stderr.contains("more than once"),
        "a re-scanned error is not a duplicate"
    );
}

#[test]
fn summary_rebuilds_the_outputs_from_the_journal_alone() {
    let sim = Sim::start(fixture("semantics"));
    let dir = tempfile::tempdir().unwrap();
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
    let first = scan(dir.path(), &sim, &users);
    ensure!(first, first.code == 3);
    drop(sim); // the workspace is gone: summary must not need it

    let s = finish(command(
        dir.path(),
        &[
            "summary",
            "--journal",
            "out.csv.journal",
            "-o",
            "re.csv",
            "--jsonl",
            "re.jsonl",
        ],
        None,
    ));
    ensure!(s, s.code == 0);
    let read = |n: &str| std::fs::read(dir.path().join(n)).unwrap();
    assert!(read("re.csv") == read("out.csv"), "summary's CSV equals the scan's");
    assert!(
        read("re.jsonl") == read("out.jsonl"),
        "summary's JSON Lines equal the scan's"
    );
    let block = |o: &str| o[o.find("SUMMARY").unwrap()..o.find("Results saved").unwrap()].to_string();
    ensure!(s, block(&s.stdout) == block(&first.stdout), "the same summary block");
    ensure!(s, s.stdout.contains("Users: 4 recorded (a list of 4 user(s)"));

    // A duplicate row under another spelling is reported and counted once.
    let journal = dir.path().join("out.csv.journal");
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
    let dup = finish(command(
        dir.path(),
        &["summary", "--journal", "out.csv.journal", "-o", "dup.csv"],
        None,
    ));
    ensure!(dup, dup.code == 0);
    ensure!(
        dup,
        dup.stderr.contains("1 user(s) recorded more than once")
            && dup.stderr.contains("alice@example.com / Alice@Example.com")
    );
    ensure!(dup, dup.stdout.contains("Total users processed: 4"));
    ensure!(
        dup,
        block(&dup.stdout) == block(&first.stdout),
        "totals unchanged: alice counted once"
    );
    assert_eq!(read_csv(&dir.path().join("dup.csv")).1.len(), 4);

    // Bad inputs are named.
    let missing = finish(command(dir.path(), &["summary", "--journal", "nope.journal"], None));
    ensure!(missing, missing.code == 1 && missing.stderr.contains("nope.journal"));
    let clobber = finish(command(
        dir.path(),
        &["summary", "--journal", "out.csv.journal", "-o", "out.csv.journal"],
        None,
    ));
    ensure!(
        clobber,
        clobber.code == 2 && clobber.stderr.contains("--output out.csv.journal is the journal file")
    );
    let not_journal = finish(command(dir.path(), &["summary", "--journal", "out.csv"], None));
    ensure!(
        not_journal,
        not_journal.code == 1 && not_journal.stderr.contains("not a dbx-inventory journal")
    );
}

#[test]
fn jsonl_holds_the_full_detail_of_every_user_in_csv_order() {
    let sim = Sim::start(fixture("semantics"));
    let dir = tempfile::tempdir().unwrap();
    let out = scan(
        dir.path(),
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
    );
    ensure!(out, out.code == 3);
    ensure!(out, out.stdout.contains("Details (JSON Lines) saved to: out.jsonl"));
    let text = std::fs::read_to_string(dir.path().join("out.jsonl")).unwrap();
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
    let csv = by_user(&dir.path().join("out.csv"));
    assert_eq!(csv["alice@example.com"]["workspace_files"], "11");
    assert!(!text.contains("dapi-sim"), "no secret in the detail file");
    assert!(
        !std::fs::read_to_string(dir.path().join("out.csv.journal"))
            .unwrap()
            .contains("dapi-sim"),
        "no secret in the journal"
    );
}

#[test]
fn outputs_may_not_overwrite_the_journal() {
    let sim = Sim::start(fixture("semantics"));
    let dir = tempfile::tempdir().unwrap();
    let o = scan(
        dir.path(),
        &sim,
        &["alice@example.com", "-o", "out.csv", "--jsonl", "out.csv.journal"],
    );
    ensure!(
        o,
        o.code == 2 && o.stderr.contains("--jsonl out.csv.journal is the journal file")
    );
    let o = scan(
        dir.path(),
        &sim,
        &["alice@example.com", "-o", "out.csv", "--journal", "out.csv"],
    );
    ensure!(
        o,
        o.code == 2 && o.stderr.contains("--output out.csv is the journal file")
    );
    // --overwrite never replaces a file that is not a journal.
    std::fs::write(dir.path().join("keep.txt"), "precious\n").unwrap();
    let o = scan(
        dir.path(),
        &sim,
        &[
            "alice@example.com",
            "-o",
            "out.csv",
            "--journal",
            "keep.txt",
            "--overwrite",
        ],
    );
    ensure!(
        o,
        o.code == 1 && o.stderr.contains("keep.txt is not a dbx-inventory journal")
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("keep.txt")).unwrap(),
        "precious\n"
    );
}

#[test]
fn progress_lines_go_to_stderr_unless_quiet() {
    let sim = Sim::start(fixture("semantics"));
    let dir = tempfile::tempdir().unwrap();
    let o = scan(dir.path(), &sim, &three(&[]));
    ensure!(o, o.code == 0);
    ensure!(
        o,
        o.stderr.contains("progress: 3 users recorded in") && o.stderr.contains("req/s"),
        "final progress line"
    );
    ensure!(o, !o.stdout.contains("progress:"), "stdout keeps the seed's format");
    ensure!(o, o.stdout.contains("[3/3] "));
    let q = scan(dir.path(), &sim, &three(&["--resume", "-q"]));
    ensure!(
        q,
        q.code == 0 && !q.stderr.contains("progress:") && !q.stdout.contains("[1/")
    );
    ensure!(q, q.stdout.contains("SUMMARY"));
    // --debug: per-user timing through tracing.
    let d = scan(dir.path(), &sim, &["alice@example.com", "-o", "d.csv", "--debug"]);
    ensure!(
        d,
        d.code == 0 && d.stderr.contains("alice@example.com scanned in ") && d.stderr.contains(" ms (")
    );
}
