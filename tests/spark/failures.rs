//! Failures on Spark: a worker, the host or the launcher dying mid-run, pyspark missing, Spark
//! unreachable; the journal they leave resumes to the local scan's CSV.

use std::process::Command;

use super::{kill_a_local_run, python, scan, workspace};
use crate::util::{Run, Sim, Work};

#[test]
#[ignore = "needs a Python with pyspark in DBX_SPARK_PYTHON (scripts/test.sh provides it)"]
fn a_worker_dying_mid_shard_is_retried_by_spark_and_nothing_counts_twice() {
    let py = python();
    let (sim, names, work) = workspace(20);
    let local = scan(&work, &sim, "users.txt", "local.csv", &[]);
    let marker = work.path("died-once");
    let done = scan(
        &work,
        &sim,
        "users.txt",
        "spark.csv",
        &[
            "--spark-master",
            "local[2,3]",
            "--python",
            &py,
            "--spark-fault",
            "1",
            marker.to_str().unwrap(),
        ],
    );
    check!(done, done.code == 0);
    check!(done, marker.exists(), "a worker died once");
    check!(done, done.file("spark.csv") == local.file("local.csv"));
    let journal = done.file("spark.csv.journal");
    check!(
        done,
        journal.lines().count() == names.len() + 2 && journal.lines().last().unwrap().starts_with("{\"type\":\"end\""),
        "the header, every user once, the end mark"
    );
}

#[test]
#[ignore = "needs a Python with pyspark in DBX_SPARK_PYTHON (scripts/test.sh provides it)"]
fn a_host_killed_mid_run_resumes_on_spark_and_locally_with_the_same_csv() {
    let py = python();
    let (sim, _, work) = workspace(30);
    let local = scan(&work, &sim, "users.txt", "local.csv", &[]);
    // A local run killed after a few users, then the rest resumed on Spark.
    kill_a_local_run(&work, &sim, &[]);
    resume_on_spark_gives_the_local_csv(&work, &sim, &py, &local);
}

#[test]
#[ignore = "needs a Python with pyspark in DBX_SPARK_PYTHON (scripts/test.sh provides it)"]
fn missing_pyspark_and_unreachable_spark_fail_clearly_and_keep_the_journal() {
    let py = python();
    let (sim, names, work) = workspace(3);
    // The system interpreter has no pyspark.
    let no_pyspark = scan(
        &work,
        &sim,
        "users.txt",
        "a.csv",
        &["--spark-master", "local[2]", "--python", "python3"],
    );
    check!(no_pyspark, no_pyspark.code == 1);
    check!(
        no_pyspark,
        no_pyspark.stderr.contains("pyspark"),
        "names what is missing"
    );
    check!(
        no_pyspark,
        no_pyspark.stderr.contains("pip install"),
        "says how to fix it"
    );
    let unreachable = scan(
        &work,
        &sim,
        "users.txt",
        "b.csv",
        &["--spark-remote", "sc://127.0.0.1:1", "--python", &py],
    );
    check!(unreachable, unreachable.code == 1);
    check!(
        unreachable,
        unreachable.stderr.contains("sc://127.0.0.1:1"),
        "names the unreachable server"
    );
    check!(
        unreachable,
        unreachable.stderr.contains("--resume"),
        "says how to continue"
    );
    // The journal exists and is valid: a local --resume completes it.
    let resumed = scan(&work, &sim, "users.txt", "b.csv", &["--resume"]);
    check!(resumed, resumed.code == 0 && resumed.rows("b.csv").len() == names.len());
}

/// The launcher killed mid-wave: the host says so, exits 1 and leaves the journal unfinished
/// (no end mark); `--resume`, locally or on Spark, completes it to the local scan's CSV.
#[test]
#[ignore = "needs a Python with pyspark in DBX_SPARK_PYTHON (scripts/test.sh provides it)"]
fn a_launcher_killed_mid_wave_leaves_a_journal_resume_completes() {
    let py = python();
    let (sim, names, work) = workspace(30);
    let local = scan(&work, &sim, "users.txt", "local.csv", &[]);
    let args = vec![
        "scan",
        "--users-file",
        "users.txt",
        "-o",
        "spark.csv",
        "--rate-limit",
        "workspace=10",
        "--rate-limit",
        "dbfs=10",
        "--spark-master",
        "local[2]",
        "--python",
        &py,
    ];
    let mut r = Run::in_dir(&work, &args);
    r.env("DATABRICKS_HOST", &sim.url)
        .env("DATABRICKS_TOKEN", "dapi-sim-spark-token");
    let running = r.spawn();
    let journal = work.path("spark.csv.journal");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    let user_rows = || {
        std::fs::read_to_string(&journal)
            .map_or(0, |j| j.lines().filter(|l| l.starts_with("{\"type\":\"user\"")).count())
    };
    while user_rows() < 3 {
        assert!(std::time::Instant::now() < deadline, "the Spark run recorded nothing");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let launcher = Command::new("pgrep")
        .args(["-P", &running.id().to_string()])
        .output()
        .unwrap();
    let pids = String::from_utf8_lossy(&launcher.stdout).to_string();
    assert!(!pids.trim().is_empty(), "the host has a launcher child");
    for pid in pids.split_whitespace() {
        let _ = Command::new("kill").args(["-KILL", pid]).status();
    }
    let done = running.wait();
    check!(done, done.code == 1);
    check!(
        done,
        done.stderr.contains("launcher ended") && done.stderr.contains("--resume"),
        "says the launcher ended and how to continue"
    );
    let text = std::fs::read_to_string(&journal).unwrap();
    check!(
        done,
        !text.lines().last().unwrap_or("").starts_with("{\"type\":\"end\""),
        "the journal is not marked finished"
    );
    check!(done, user_rows() < names.len(), "the kill came mid-run");
    std::fs::copy(&journal, work.path("copy.csv.journal")).unwrap();
    let locally = scan(&work, &sim, "users.txt", "copy.csv", &["--resume"]);
    check!(locally, locally.code == 0);
    check!(locally, locally.file("copy.csv") == local.file("local.csv"));
    resume_on_spark_gives_the_local_csv(&work, &sim, &py, &local);
}

/// `scan --resume -o spark.csv` on classic Spark completes the journal to `local`'s CSV.
fn resume_on_spark_gives_the_local_csv(work: &Work, sim: &Sim, py: &str, local: &crate::util::Done) {
    let resumed = scan(
        work,
        sim,
        "users.txt",
        "spark.csv",
        &["--resume", "--spark-master", "local[2]", "--python", py],
    );
    check!(resumed, resumed.code == 0);
    check!(resumed, resumed.stdout.contains("Taken from the journal"));
    check!(resumed, resumed.file("spark.csv") == local.file("local.csv"));
}
