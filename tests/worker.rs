//! `dbx-inventory worker` and the hidden `csv-rows` (docs/spark-protocol.md): job lines in,
//! journal user lines out, the same rows as `scan`; credentials from standard input; exit codes;
//! the fault switch; the CSV from the worker's rows.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::util::{fixture, Done, Run, Sim, Work};

/// The users of tests/fixtures/semantics.json, in the fixture's order.
/// The semantics fixture's users that `scan` takes by name (it refuses a name with a space
/// inside, which no username has; the hostile name reaches workers only from a host).
fn users() -> Vec<String> {
    fixture("semantics")
        .users
        .iter()
        .map(|u| u.user_name.clone())
        .filter(|u| !u.contains(' '))
        .collect()
}

fn auth(token: &str) -> String {
    json!({"type": "auth", "token": token}).to_string()
}

fn job(i: usize, user: &str, trees: &str, orphan: bool) -> String {
    json!({"type": "job", "i": i, "user": user, "trees": trees, "orphan": orphan}).to_string()
}

fn input(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// `dbx-inventory worker --host SIM --retry-base-ms 20 EXTRA…` in `work`, with no Databricks
/// variable in its environment, `stdin` on standard input.
fn worker_in(work: &Work, sim: &Sim, stdin: &str, extra: &[&str]) -> Done {
    let mut args = vec!["worker", "--host", &sim.url, "--retry-base-ms", "20"];
    args.extend_from_slice(extra);
    let mut run = Run::in_dir(work, &args);
    run.stdin(stdin.as_bytes());
    run.run()
}

fn worker(sim: &Sim, stdin: &str, extra: &[&str]) -> Done {
    worker_in(&Work::new(), sim, stdin, extra)
}

/// The JSON lines of a text, each checked to be a user line.
fn user_lines(done: &Done, text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| {
            check!(done, l.starts_with("{\"type\":\"user\",\"i\":"), "not a user line: {l}");
            serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}\n{}", done.explain()))
        })
        .collect()
}

/// Rows by `i`, without the wall time (the only field two scans of a user may differ in).
fn by_i(rows: Vec<Value>) -> BTreeMap<u64, Value> {
    rows.into_iter()
        .map(|mut r| {
            r.as_object_mut().unwrap().remove("duration_ms");
            (r["i"].as_u64().unwrap(), r)
        })
        .collect()
}

/// The user lines of the journal `scan -o out.csv` wrote.
fn journal_rows(done: &Done) -> Vec<Value> {
    let text = done.file("out.csv.journal");
    let users: Vec<&str> = text.lines().filter(|l| l.starts_with("{\"type\":\"user\"")).collect();
    user_lines(done, &users.join("\n"))
}

#[test]
fn worker_rows_are_the_rows_scan_records_with_the_token_from_standard_input() {
    let sim = Sim::start(fixture("semantics"));
    let users = users();
    let mut scan_args: Vec<&str> = users.iter().map(String::as_str).collect();
    scan_args.extend(["-o", "out.csv"]);
    let scanned = Run::scan(&sim, &scan_args).run();
    check!(scanned, scanned.code == 0 || scanned.code == 3);
    let expected = by_i(journal_rows(&scanned));
    assert_eq!(expected.len(), users.len());

    let mut lines = vec![auth("dapi-sim")];
    lines.extend(
        users
            .iter()
            .enumerate()
            .map(|(i, u)| job(i, u, "dbfs+uploads+workspace+repos", false)),
    );
    let done = worker(&sim, &input(&lines), &["--concurrency", "3"]);
    check!(done, done.code == 0, "worker exit");
    check!(
        done,
        !done.stderr.contains("dapi-sim") && !done.stdout.contains("dapi-sim")
    );
    let got = by_i(user_lines(&done, &done.stdout));
    check!(done, got.len() == users.len(), "one line per job");
    for (i, want) in &expected {
        check!(
            done,
            got.get(i) == Some(want),
            "row {i}: expected {want}\n got {:?}",
            got.get(i)
        );
    }
    // The users with faults are error rows, like in the scan; the rest are not.
    let errors: Vec<&str> = got
        .values()
        .filter(|r| r["status"] == "error")
        .map(|r| r["username"].as_str().unwrap())
        .collect();
    check!(done, errors.contains(&"bob@example.com"), "{errors:?}");
}

#[test]
fn credentials_from_the_environment_dbfs_only_jobs_and_the_orphan_flag() {
    let sim = Sim::start(fixture("semantics"));
    let lines = [
        job(4, "alice@example.com", "dbfs", true),
        job(9, "carol@example.com", "workspace", false),
    ];
    let mut run = Run::against(&Work::new(), &sim, "worker", &[]);
    run.stdin(input(&lines).as_bytes());
    let done = run.run();
    check!(done, done.code == 0);
    let got = by_i(user_lines(&done, &done.stdout));
    let alice = &got[&4];
    check!(
        done,
        alice["username"] == "alice@example.com" && alice["orphan"] == true
    );
    check!(done, alice.get("workspace").is_none(), "dbfs only: {alice}");
    check!(
        done,
        alice["dbfs"]["files"] == 4 && alice["dbfs"]["bytes"] == 307,
        "{alice}"
    );
    let carol = &got[&9];
    check!(
        done,
        carol.get("dbfs").is_none() && carol.get("orphan").is_none(),
        "{carol}"
    );
    check!(done, carol["workspace"]["home_exists"] == false, "{carol}");
}

#[test]
fn a_rejected_token_is_fatal_with_no_row() {
    let sim = Sim::start(fixture("semantics"));
    let lines = [auth("dapi-wrong"), job(0, "alice@example.com", "dbfs+workspace", false)];
    let done = worker(&sim, &input(&lines), &[]);
    check!(done, done.code == 1);
    check!(done, done.stdout.is_empty(), "no row");
    check!(
        done,
        done.stderr.contains("error: authentication failed") && done.stderr.contains("standard input"),
        "names the refused credentials and where they came from"
    );
    check!(done, !done.stderr.contains("dapi-wrong"), "the token is never printed");
    check!(done, sim.listings() == 0);
    // On Spark (no `Me` per worker) the first refused request stops it, and the message names
    // the credential as the host handed it.
    let label = "an OAuth access token minted for Spark wave 3 from profile 'PROD', valid until 2026-12-03T05:00:00Z";
    let done = worker(&sim, &input(&lines), &["--skip-preflight", "--token-label", label]);
    check!(done, done.code == 1);
    check!(
        done,
        done.stderr.contains(label) && done.stderr.contains("401"),
        "names the credential as handed"
    );
    check!(done, !done.stderr.contains("dapi-wrong"), "the token is never printed");
}

#[test]
fn no_credentials_at_all_is_fatal() {
    let sim = Sim::start(fixture("semantics"));
    let done = worker(&sim, &input(&[job(0, "alice@example.com", "dbfs", false)]), &[]);
    check!(done, done.code == 1 && done.stdout.is_empty());
    check!(done, done.stderr.starts_with("error: "));
}

#[test]
fn a_malformed_line_exits_2_naming_it_after_the_earlier_rows() {
    let sim = Sim::start(fixture("semantics"));
    let lines = [
        auth("dapi-sim"),
        job(0, "alice@example.com", "dbfs+workspace", false),
        job(1, "carol@example.com", "dbfs", false),
        r#"{"type":"job","i":2,"user":"dave@example.com","trees":"dbfs,workspace"}"#.to_string(),
        job(3, "erin@example.com", "dbfs", false),
    ];
    let done = worker(&sim, &input(&lines), &[]);
    check!(done, done.code == 2);
    check!(
        done,
        done.stderr.contains("line 4") && done.stderr.contains("trees \"dbfs,workspace\""),
        "names the line and the fault"
    );
    let got = by_i(user_lines(&done, &done.stdout));
    check!(
        done,
        got.keys().copied().collect::<Vec<_>>() == [0, 1],
        "the jobs before it are written"
    );

    for (bad, says) in [
        (r#"{"type":"task","i":1}"#, "unknown variant `task`"),
        (r#"{"type":"job","i":1,"trees":"dbfs"}"#, "missing field `user`"),
        (&auth("dapi-sim"), "only accepted as the first line"),
    ] {
        let lines = [auth("dapi-sim"), bad.to_string()];
        let done = worker(&sim, &input(&lines), &[]);
        check!(
            done,
            done.code == 2 && done.stderr.contains("line 2") && done.stderr.contains(says)
        );
        check!(done, !done.stderr.contains("dapi-sim"));
    }
}

#[test]
fn a_credentials_stop_mid_run_writes_the_finished_rows_then_exits_1() {
    let sim = Sim::start(fixture("semantics"));
    sim.add_faults([dbx_sim::Fault::new("workspace", "/Users/alice@example.com", 401)]);
    let lines = [
        auth("dapi-sim"),
        job(0, "carol@example.com", "dbfs", false),
        job(1, "alice@example.com", "workspace", false),
    ];
    let done = worker(&sim, &input(&lines), &["--concurrency", "1"]);
    check!(done, done.code == 1);
    check!(
        done,
        done.stderr.contains("error: the run stopped") && done.stderr.contains("401")
    );
    let got = by_i(user_lines(&done, &done.stdout));
    check!(
        done,
        got[&0]["status"] == "no_home",
        "the row finished before is written"
    );
}

#[test]
fn the_fault_switch_fails_the_first_attempt_only() {
    let sim = Sim::start(fixture("semantics"));
    let work = Work::new();
    let marker = work.path("failed-once");
    let marker_arg = marker.to_str().unwrap();
    let mut lines = vec![auth("dapi-sim")];
    lines.extend(
        ["alice@example.com", "carol@example.com", "dave@example.com"]
            .iter()
            .enumerate()
            .map(|(i, u)| job(i, u, "dbfs+uploads+workspace+repos", false)),
    );
    let text = input(&lines);
    let flags = ["--fail-after", "1", "--fail-marker", marker_arg];
    let first = worker_in(&work, &sim, &text, &flags);
    check!(first, first.code == 101);
    check!(first, user_lines(&first, &first.stdout).len() == 1, "exactly one row");
    check!(first, marker.exists());
    let second = worker_in(&work, &sim, &text, &flags);
    check!(second, second.code == 0);
    check!(second, user_lines(&second, &second.stdout).len() == 3, "a full run");
}

#[test]
fn csv_rows_gives_the_scans_csv_and_keeps_the_first_row_of_a_user() {
    let sim = Sim::start(fixture("semantics"));
    let users = [
        "alice@example.com",
        "bob@example.com",
        "carol@example.com",
        "frank@example.com",
    ];
    let mut scan_args = users.to_vec();
    scan_args.extend(["-o", "out.csv"]);
    let scanned = Run::scan(&sim, &scan_args).run();
    check!(scanned, scanned.code == 0 || scanned.code == 3);

    let mut lines = vec![auth("dapi-sim")];
    lines.extend(
        users
            .iter()
            .enumerate()
            .map(|(i, u)| job(i, u, "dbfs+uploads+workspace+repos", false)),
    );
    let done = worker(&sim, &input(&lines), &[]);
    check!(done, done.code == 0);
    // A repeat of alice (a retried Spark task), other spelling and other counts: dropped.
    let mut repeat: Value = serde_json::from_str(
        done.stdout
            .lines()
            .find(|l| l.contains("\"alice@example.com\""))
            .unwrap(),
    )
    .unwrap();
    repeat["username"] = json!("ALICE@example.com");
    repeat["dbfs"]["files"] = json!(999);
    let rows = format!("{}{}\n", done.stdout, repeat);
    let mut run = Run::new(&["csv-rows"]);
    run.stdin(rows.as_bytes());
    let csv = run.run();
    check!(csv, csv.code == 0);
    csv.check_same("csv-rows = scan -o", scanned.file("out.csv"), &csv.stdout);

    let mut run = Run::new(&["csv-rows"]);
    run.stdin(
        format!(
            "{}\n{{\"type\":\"user\",\"i\":3}}\n",
            done.stdout.lines().next().unwrap()
        )
        .as_bytes(),
    );
    let bad = run.run();
    check!(
        bad,
        bad.code == 2 && bad.stderr.contains("line 2") && bad.stdout.is_empty()
    );
}

/// The wave's time box: with `--start-until-ms` already past, no user is started and every job
/// comes back as a `leftover` line (exit 0, no request); with `--stop-at-ms` a second away and a
/// slow workspace, users still in flight then come back as leftovers too, the worker exits 0 at
/// once, and every job is answered exactly once.
#[test]
fn jobs_not_finished_in_the_wave_s_time_box_come_back_as_leftovers() {
    let users = users();
    let mut lines = vec![auth("dapi-sim")];
    lines.extend(
        users
            .iter()
            .enumerate()
            .map(|(i, u)| job(i, u, "dbfs+workspace", false)),
    );
    let sim = Sim::start(fixture("semantics"));
    let past = (std::time::SystemTime::now() - std::time::Duration::from_secs(5))
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .to_string();
    let done = worker(&sim, &input(&lines), &["--skip-preflight", "--start-until-ms", &past]);
    check!(done, done.code == 0);
    let left: Vec<Value> = done.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    check!(
        done,
        left.len() == users.len() && left.iter().all(|l| l["type"] == "leftover"),
        "every job left over"
    );
    check!(
        done,
        sim.stats().total_requests == 0,
        "no request for users not started"
    );

    let slow = crate::util::Sim::start_with(dbx_sim::SimConfig {
        fixture: fixture("semantics"),
        limits: None,
        latency_ms: 400,
        ..Default::default()
    });
    let soon = (std::time::SystemTime::now() + std::time::Duration::from_millis(1500))
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .to_string();
    let started = std::time::Instant::now();
    let done = worker(
        &slow,
        &input(&lines),
        &["--skip-preflight", "--concurrency", "2", "--stop-at-ms", &soon],
    );
    check!(done, done.code == 0);
    check!(
        done,
        started.elapsed().as_secs() < 30,
        "the worker stopped at its time box"
    );
    let answers: Vec<Value> = done.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut seen: Vec<u64> = answers.iter().map(|a| a["i"].as_u64().unwrap()).collect();
    seen.sort_unstable();
    check!(
        done,
        seen == (0..users.len() as u64).collect::<Vec<_>>(),
        "every job answered exactly once: {seen:?}"
    );
    check!(
        done,
        answers.iter().any(|a| a["type"] == "leftover"),
        "users still in flight at the stop were left over"
    );
}

/// Job lines carry what the host knows: no request for a location `no_home` names, and a folder
/// spelled otherwise is scanned under that spelling while the row keeps the name given.
#[test]
fn job_lines_carry_absent_homes_and_folder_spellings() {
    let sim = Sim::start(fixture("semantics"));
    let user = users()[0].clone();
    let upper = user.to_uppercase();
    let plain = json!({"type": "job", "i": 0, "user": user, "trees": "dbfs+workspace",
                       "no_home": "dbfs"})
    .to_string();
    let respelled = json!({"type": "job", "i": 1, "user": upper, "trees": "workspace",
                           "folders": {"workspace": user}})
    .to_string();
    let done = worker(
        &sim,
        &input(&[auth("dapi-sim"), plain, respelled]),
        &["--skip-preflight"],
    );
    check!(done, done.code == 0);
    let rows = by_i(user_lines(&done, &done.stdout));
    let dbfs: u64 = sim
        .stats()
        .by_endpoint
        .iter()
        .filter(|(e, _)| e.starts_with("dbfs"))
        .map(|(_, by)| by.values().sum::<u64>())
        .sum();
    check!(done, dbfs == 0, "{dbfs} DBFS request(s) for a home known absent");
    check!(done, rows[&0]["dbfs"]["home_exists"] == false, "{}", rows[&0]);
    check!(done, rows[&1]["username"] == upper.as_str(), "{}", rows[&1]);
    check!(
        done,
        rows[&1]["workspace"]["files"] == rows[&0]["workspace"]["files"]
            && rows[&1]["workspace"]["home_exists"] == true,
        "the respelled folder is the user's: {} vs {}",
        rows[&1],
        rows[&0]
    );
    let bad = json!({"type": "job", "i": 0, "user": user, "trees": "workspace",
                     "folders": {"nowhere": "x"}})
    .to_string();
    let done = worker(&sim, &input(&[auth("dapi-sim"), bad]), &["--skip-preflight"]);
    check!(
        done,
        done.code == 2 && done.stderr.contains("\"nowhere\" is not a location")
    );
}
