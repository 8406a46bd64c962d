//! Command-line behaviour: usage errors, exit codes, bad credentials, bad inputs.

use crate::util::{fixture, Run, Sim};

#[test]
fn help_documents_exit_codes() {
    let done = Run::new(&["scan", "--help"]).run();
    check!(done, done.code == 0);
    check!(
        done,
        done.stdout.contains("Exit codes:") && done.stdout.contains("3  the run finished but some users")
    );
}

#[test]
fn usage_errors_exit_2_and_name_the_problem() {
    let done = Run::new(&["scan", "a@x.com", "--dbfs-only", "--workspace-only"]).run();
    check!(done, done.code == 2);
    check!(done, done.stderr.contains("--workspace-only"));
    let done = Run::new(&["scan", "a@x.com", "--rate-limit"]).run();
    check!(done, done.code == 2);
    let done = Run::new(&["scan", "a@x.com", "--concurrency", "zero"]).run();
    check!(done, done.code == 2 && done.stderr.contains("zero"));
}

#[test]
fn no_users_is_a_usage_error() {
    let sim = Sim::start(fixture("semantics"));
    let done = Run::scan(&sim, &["-o", "out.csv"]).run();
    check!(done, done.code == 2 && done.stderr.contains("no users given"));
}

#[test]
fn missing_users_file_is_named() {
    let sim = Sim::start(fixture("semantics"));
    let done = Run::scan(&sim, &["--users-file", "nope.txt"]).run();
    check!(done, done.code == 1 && done.stderr.contains("nope.txt"));
}

#[test]
fn bad_rate_limit_spec_is_named() {
    let sim = Sim::start(fixture("semantics"));
    let done = Run::scan(&sim, &["alice@example.com", "--rate-limit", "jobs=5"]).run();
    check!(done, done.code == 1 && done.stderr.contains("jobs"));
}

#[test]
fn bad_token_stops_the_run_and_claims_no_success() {
    let sim = Sim::start(fixture("semantics"));
    let mut run = Run::scan(&sim, &["alice@example.com", "dave@example.com", "-o", "out.csv"]);
    run.env("DATABRICKS_TOKEN", "dapi-wrong-secret-123");
    let done = run.run();
    check!(done, done.code == 1);
    check!(
        done,
        done.stderr.contains("authentication failed") && done.stderr.contains("401")
    );
    check!(
        done,
        !done.stderr.contains("dapi-wrong-secret-123") && !done.stdout.contains("dapi-wrong-secret-123"),
        "secret leaked"
    );
    check!(done, !done.dir.join("out.csv").exists(), "no CSV claiming results");
    check!(done, !done.stdout.contains("✓"));
}

#[test]
fn unreachable_workspace_is_a_clear_failure() {
    // A port nobody listens on (bound then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut run = Run::new(&["scan", "alice@example.com", "--retry-attempts", "1"]);
    run.env("DATABRICKS_HOST", &format!("http://127.0.0.1:{port}"))
        .env("DATABRICKS_TOKEN", "dapi-sim");
    let done = run.run();
    check!(
        done,
        done.code == 1 && done.stderr.contains("cannot reach the workspace")
    );
}

#[test]
fn unwritable_output_fails_before_scanning() {
    let sim = Sim::start(fixture("semantics"));
    let done = Run::scan(&sim, &["alice@example.com", "-o", "no/such/dir/out.csv"]).run();
    check!(done, done.code == 1 && done.stderr.contains("no/such/dir/out.csv"));
    let lists = sim.requests("workspace/list");
    assert_eq!(lists, 0, "nothing scanned before the output was checked");
}

#[test]
fn demo_scans_a_simulated_workspace_into_demo_results_csv() {
    let done = Run::new(&["demo", "--users", "25", "--latency-ms", "2", "--seed", "5"]).run();
    check!(done, done.code == 0 || done.code == 3);
    // 25 users and the generated workspace's one service principal (one per 25 users).
    check!(
        done,
        done.stdout.contains("SUMMARY") && done.stdout.contains("Total users processed: 26")
    );
    let (header, rows) = done.csv("demo-results.csv");
    assert_eq!(header[0], "username");
    assert_eq!(rows.len(), 26);
    assert_eq!(rows.iter().filter(|r| r["principal"] == "service_principal").count(), 1);
    let files: u64 = rows.iter().map(|r| r["file_count"].parse::<u64>().unwrap()).sum();
    check!(done, files > 0, "a generated workspace holds files");
}
