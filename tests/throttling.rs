//! Throttling and flaky servers: 429s with Retry-After, 5xx, resets, truncated bodies,
//! slow answers. Results must come out exact.

use std::collections::BTreeMap;

use dbx_tests::{check, dbx_sim, fixture, Run, Sim};

fn rows(done: &dbx_tests::Done) -> BTreeMap<String, BTreeMap<String, String>> {
    done.csv("out.csv")
        .1
        .into_iter()
        .map(|r| (r["username"].clone(), r))
        .collect()
}

const USERS: [&str; 4] = [
    "alice@example.com",
    "dave@example.com",
    "frank@example.com",
    "erin@example.com",
];

fn expected(r: &BTreeMap<String, BTreeMap<String, String>>) {
    assert_eq!(r["alice@example.com"]["file_count"], "15");
    assert_eq!(r["alice@example.com"]["total_size"], "1670");
    assert_eq!(r["dave@example.com"]["total_size"], "5000");
    assert_eq!(r["frank@example.com"]["vanished_dirs"], "1");
    assert_eq!(r["erin@example.com"]["status"], "empty");
}

#[test]
fn server_429s_are_retried_and_results_stay_exact() {
    // The server allows far less than the client's default limits: many 429s.
    let limits = dbx_sim::Limits {
        workspace_per_sec: 8.0,
        dbfs_per_sec: 5.0,
        ..Default::default()
    };
    let sim = Sim::start_with(dbx_sim::SimConfig {
        fixture: fixture("semantics"),
        limits: Some(limits),
        ..Default::default()
    });
    let mut args: Vec<&str> = USERS.to_vec();
    args.extend(["-o", "out.csv", "--retry-attempts", "12", "--debug"]);
    let done = Run::scan(&sim, &args).run();
    check!(done, done.code == 0);
    expected(&rows(&done));
    check!(done, sim.stats().status_429 > 0, "the test must provoke 429s");
    check!(
        done,
        done.stderr.contains("Rate limited (429) on /api/2.0/"),
        "debug shows retries"
    );
}

#[test]
fn client_rate_limit_keeps_a_strict_server_free_of_429s() {
    let limits = dbx_sim::Limits {
        workspace_per_sec: 8.0,
        dbfs_per_sec: 5.0,
        ..Default::default()
    };
    let sim = Sim::start_with(dbx_sim::SimConfig {
        fixture: fixture("semantics"),
        limits: Some(limits),
        ..Default::default()
    });
    let mut args: Vec<&str> = USERS.to_vec();
    args.extend(["-o", "out.csv", "--rate-limit", "workspace=8,dbfs=5"]);
    let done = Run::scan(&sim, &args).run();
    check!(done, done.code == 0);
    expected(&rows(&done));
    let s = sim.stats();
    check!(done, s.status_429 == 0, "{} 429s", s.status_429);
}

#[test]
fn random_faults_are_survived_with_exact_results() {
    let sim = Sim::start_with(dbx_sim::SimConfig {
        fixture: fixture("semantics"),
        limits: None,
        fault_rate: 0.25,
        seed: 7,
        ..Default::default()
    });
    let mut args: Vec<&str> = USERS.to_vec();
    args.extend(["-o", "out.csv", "--retry-attempts", "15", "--request-timeout", "2"]);
    let done = Run::scan(&sim, &args).run();
    check!(done, done.code == 0);
    expected(&rows(&done));
}
