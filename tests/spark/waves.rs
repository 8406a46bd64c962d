//! Waves on Spark: the budget's in-flight cap, rows recorded as users finish, OAuth tokens
//! shorter than the scan.

use super::{python, scan, workspace};
use crate::util::{Run, Sim, Work};

/// `--spark-partitions 32` against a workspace that allows 20 requests in flight: the tasks'
/// shares add up to `--max-in-flight` at most, whatever N (the simulator measures the peak).
#[test]
#[ignore = "needs a Python with pyspark in DBX_SPARK_PYTHON (scripts/test.sh provides it)"]
fn many_partitions_never_exceed_the_workspaces_in_flight_cap() {
    let py = python();
    let (sim, _, work) = workspace(40);
    let local = scan(&work, &sim, "users.txt", "local.csv", &[]);
    sim.reset_stats();
    let done = scan(
        &work,
        &sim,
        "users.txt",
        "spark.csv",
        &[
            "--spark-master",
            "local[2]",
            "--python",
            &py,
            "--spark-partitions",
            "32",
            "--max-in-flight",
            "20",
        ],
    );
    check!(done, done.code == 0);
    check!(done, done.file("spark.csv") == local.file("local.csv"));
    check!(
        done,
        done.stderr
            .contains("--spark-partitions 32 is more than --max-in-flight 20"),
        "the cap is said"
    );
    let peak = sim.stats().peak_concurrency;
    check!(
        done,
        peak <= 20,
        "{peak} requests in flight at once, over the workspace's 20"
    );
}

/// Rows are recorded as users finish, not when the wave's task ends (classic Spark): during
/// one slow wave the journal grows.
#[test]
#[ignore = "needs a Python with pyspark in DBX_SPARK_PYTHON (scripts/test.sh provides it)"]
fn rows_are_recorded_as_users_finish_during_a_wave() {
    let py = python();
    let (sim, names, work) = workspace(30);
    let mut args = vec!["scan", "--users-file", "users.txt", "-o", "spark.csv"];
    args.extend_from_slice(&[
        "--rate-limit",
        "workspace=15",
        "--rate-limit",
        "dbfs=15",
        "--concurrency",
        "4",
        "--spark-master",
        "local[2]",
        "--python",
        &py,
        "--chunk-size",
        "1000",
    ]);
    let mut r = Run::in_dir(&work, &args);
    r.env("DATABRICKS_HOST", &sim.url)
        .env("DATABRICKS_TOKEN", "dapi-sim-spark-token");
    let mut running = r.spawn();
    let journal = work.path("spark.csv.journal");
    let mut seen_partial = false;
    while !running.finished() {
        let rows = std::fs::read_to_string(&journal)
            .map_or(0, |j| j.lines().filter(|l| l.starts_with("{\"type\":\"user\"")).count());
        if rows > 0 && rows < names.len() {
            seen_partial = true;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let done = running.wait();
    check!(done, done.code == 0 && done.rows("spark.csv").len() == names.len());
    check!(
        done,
        seen_partial,
        "the journal went from 0 to all {} rows at once: rows did not stream during the wave",
        names.len()
    );
}

/// OAuth M2M on Spark with tokens living 20 s and a scan paced to take about a minute: each
/// wave's worker starts no user in its token's last quarter-life and stops before it expires;
/// the users it did not start go into the next wave with a freshly minted token. Nothing is
/// lost, the CSV equals a local scan's, and the executors never see the client secret.
#[test]
#[ignore = "needs a Python with pyspark in DBX_SPARK_PYTHON (scripts/test.sh provides it)"]
fn oauth_tokens_shorter_than_the_scan_lose_nothing() {
    const TTL_SECS: u64 = 20;
    let py = python();
    let fixture = dbx_sim::generate(40, 5);
    let names: Vec<String> = fixture.users.iter().map(|u| u.user_name.clone()).collect();
    let sim = Sim::start_with(dbx_sim::SimConfig {
        fixture,
        limits: None,
        latency_ms: 5,
        tokens: vec!["dapi-sim-spark-token".to_string()],
        clients: vec![("sp-spark".into(), "sp-spark-secret-0123456789".into())],
        oauth_token_ttl_secs: TTL_SECS,
        ..Default::default()
    });
    let work = Work::new();
    work.write("users.txt", &names.join("\n"));
    let local = scan(&work, &sim, "users.txt", "local.csv", &[]);
    check!(local, local.code == 0);
    // Paced so the scan takes about 60 s: three token lives.
    let per_family = (sim.stats().total_requests / 60).max(1);
    let (ws, dbfs) = (format!("workspace={per_family}"), format!("dbfs={per_family}"));
    let args = vec![
        "scan",
        "--users-file",
        "users.txt",
        "-o",
        "out.csv",
        "--rate-limit",
        &ws,
        "--rate-limit",
        &dbfs,
        "--spark-master",
        "local[2]",
        "--python",
        &py,
        "--debug",
    ];
    let mut r = Run::in_dir(&work, &args);
    r.env("DATABRICKS_HOST", &sim.url)
        .env("DATABRICKS_CLIENT_ID", "sp-spark")
        .env("DATABRICKS_CLIENT_SECRET", "sp-spark-secret-0123456789");
    sim.reset_stats();
    let started = std::time::Instant::now();
    let done = r.run();
    check!(done, done.code == 0);
    check!(done, done.file("out.csv") == local.file("local.csv"));
    check!(
        done,
        started.elapsed().as_secs() > 2 * TTL_SECS,
        "the run took {:?}, not longer than two tokens' lives",
        started.elapsed()
    );
    let left_over = done
        .stderr
        .lines()
        .filter(|l| l.contains("Spark wave") && l.contains(" left over") && !l.contains(", 0 left over"))
        .count();
    check!(done, left_over >= 1, "a wave gave users back for the next one");
    let tokens = sim.requests("oauth/token");
    check!(done, tokens >= 3, "a token per wave ({tokens} token requests)");
    let refused: u64 = sim
        .stats()
        .by_endpoint
        .values()
        .map(|by| by.get(&401).copied().unwrap_or(0))
        .sum();
    check!(
        done,
        refused == 0,
        "{refused} request(s) went out with an expired token"
    );
    for (place, text) in [("stdout", &done.stdout), ("stderr", &done.stderr)] {
        check!(
            done,
            !text.contains("sp-spark-secret"),
            "the client secret leaked into {place}"
        );
    }
}
