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

/// Issue 18 item 7 (a): a `--rate-limit` above the workspace's published limit is named, once, at
/// the start (scan and check alike); one at or below it is not.
#[test]
fn a_rate_limit_above_the_published_one_is_named_at_the_start() {
    let sim = Sim::start(fixture("semantics"));
    let warning = "--rate-limit workspace=5000 is above the published workspace limit (Workspace list 50/s): \
                   the workspace answers requests beyond it with 429 Too Many Requests";
    let done = Run::scan(
        &sim,
        &["alice@example.com", "-o", "out.csv", "--rate-limit", "workspace=5000"],
    )
    .run();
    check!(done, done.code == 0);
    check!(done, done.stderr.matches(warning).count() == 1, "warned once");
    check!(
        done,
        !done.stderr.contains("dbfs limit"),
        "only the raised family is named"
    );
    let done = Run::against(
        &crate::util::Work::new(),
        &sim,
        "check",
        &["--sample", "1", "--rate-limit", "dbfs=31,scim=300/min"],
    )
    .run();
    check!(
        done,
        done.stderr
            .contains("--rate-limit dbfs=31 is above the published dbfs limit (DBFS 30/s)")
            && done
                .stderr
                .contains("--rate-limit scim=300/min is above the published scim limit (SCIM 255/min)")
    );
    for within in [&["--rate-limit", "workspace=50,dbfs=10"][..], &[]] {
        let mut args = vec!["alice@example.com", "-o", "out.csv"];
        args.extend_from_slice(within);
        let done = Run::scan(&sim, &args).run();
        check!(
            done,
            done.code == 0 && !done.stderr.contains("above the published"),
            "{within:?}"
        );
    }
}

/// A generated workspace behind a server allowing `rate` Workspace and DBFS requests a second.
fn throttling_server(rate: f64) -> Sim {
    Sim::start_with(dbx_sim::SimConfig {
        fixture: dbx_sim::generate(25, 5),
        limits: Some(dbx_sim::Limits {
            workspace_per_sec: rate,
            dbfs_per_sec: rate,
            ..Default::default()
        }),
        ..Default::default()
    })
}

/// Issue 18 item 7 (b): when 429s pass a few percent of the answers, the run says so once (and
/// in its summary): with the client's limits raised, that they are; with the published limits,
/// that another client probably shares the workspace's budget. A run within the server's limits
/// says nothing.
#[test]
fn a_throttled_run_says_so_and_names_the_likely_cause() {
    let warning = "the workspace is throttling this run: ";
    let sim = throttling_server(20.0);
    let done = Run::scan(
        &sim,
        &[
            "--all-users",
            "-o",
            "out.csv",
            "--retry-attempts",
            "20",
            "--rate-limit",
            "workspace=1000,dbfs=1000",
        ],
    )
    .run();
    check!(done, done.code == 0);
    let s = sim.stats();
    check!(
        done,
        s.status_429 * 20 >= s.total_requests && s.total_requests >= 100,
        "{} 429s of {}",
        s.status_429,
        s.total_requests
    );
    check!(done, done.stderr.matches(warning).count() == 1, "warned once");
    check!(
        done,
        done.stderr.contains("the client's limits are above the published ones (workspace 1000/s, published Workspace list 50/s; dbfs 1000/s, published DBFS 30/s)")
    );
    check!(
        done,
        done.stdout
            .lines()
            .any(|l| l.starts_with("Throttled by the workspace: ") && l.contains(" were 429 Too Many Requests"))
    );

    // The client keeps to the published limits, the server allows less: someone else's share.
    let sim = throttling_server(20.0);
    let done = Run::scan(&sim, &["--all-users", "-o", "out.csv", "--retry-attempts", "20"]).run();
    check!(done, done.code == 0);
    check!(done, done.stderr.matches(warning).count() == 1, "warned once");
    check!(
        done,
        done.stderr
            .contains("another client probably shares the workspace's budget")
    );
    check!(done, !done.stderr.contains("above the published"));

    // Within the server's limits: no 429, no word.
    let sim = throttling_server(50.0);
    let done = Run::scan(&sim, &["--all-users", "-o", "out.csv"]).run();
    check!(done, done.code == 0);
    let s = sim.stats();
    check!(done, s.total_requests >= 100, "{} requests", s.total_requests);
    check!(
        done,
        !done.stderr.contains(warning) && !done.stdout.contains("Throttled by the workspace")
    );
}
