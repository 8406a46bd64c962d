//! Throttling and flaky servers: 429s with Retry-After, 5xx, resets, truncated bodies,
//! slow answers. Results must come out exact.

use crate::util::{fixture, Done, Run, Sim};

const USERS: [&str; 4] = [
    "alice@example.com",
    "dave@example.com",
    "frank@example.com",
    "erin@example.com",
];

fn expected(done: &Done) {
    let r = done.rows("out.csv");
    done.check_fields(&r["alice@example.com"], &[("file_count", "15"), ("total_size", "1670")]);
    done.check_fields(&r["dave@example.com"], &[("total_size", "5000")]);
    done.check_fields(&r["frank@example.com"], &[("vanished_dirs", "1")]);
    done.check_fields(&r["erin@example.com"], &[("status", "empty")]);
}

/// The semantics fixture behind a server that allows 8 workspace and 5 DBFS requests a second.
fn strict_server() -> Sim {
    let limits = dbx_sim::Limits {
        workspace_per_sec: 8.0,
        dbfs_per_sec: 5.0,
        ..Default::default()
    };
    Sim::start_with(dbx_sim::SimConfig {
        fixture: fixture("semantics"),
        limits: Some(limits),
        ..Default::default()
    })
}

#[test]
fn server_429s_are_retried_and_results_stay_exact() {
    // The server allows far less than the client's default limits: many 429s.
    let sim = strict_server();
    let mut args: Vec<&str> = USERS.to_vec();
    args.extend(["-o", "out.csv", "--retry-attempts", "12", "--debug"]);
    let done = Run::scan(&sim, &args).run();
    check!(done, done.code == 0);
    expected(&done);
    check!(done, sim.stats().status_429 > 0, "the test must provoke 429s");
    check!(
        done,
        done.stderr.contains("Rate limited (429) on /api/2.0/"),
        "debug shows retries"
    );
}

#[test]
fn client_rate_limit_keeps_a_strict_server_free_of_429s() {
    let sim = strict_server();
    let mut args: Vec<&str> = USERS.to_vec();
    args.extend(["-o", "out.csv", "--rate-limit", "workspace=8,dbfs=5"]);
    let done = Run::scan(&sim, &args).run();
    check!(done, done.code == 0);
    expected(&done);
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
    expected(&done);
}
