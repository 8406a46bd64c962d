//! Scale-out on Spark (issue 10): the same generated workspace scanned locally, on a classic
//! `local[2]` master and through a local Spark Connect server gives byte-identical CSVs; a worker
//! dying mid-shard is retried by Spark; a host killed mid-run resumes on Spark; no token in any
//! output; missing pyspark and unreachable Spark fail clearly.
//!
//! Needs a Python with pyspark in `DBX_SPARK_PYTHON` (and in `DBX_SPARK_PYTHONS`, every pyspark
//! the CSV test runs on): so these tests are `#[ignore]`d, and scripts/test.sh sets both (from
//! scripts/spark-venv.sh) and runs them with `--include-ignored`; without them they fail, saying so.
//! Every Spark process binds to 127.0.0.1 and is stopped at the end.
//!
//! `same_csv`: the CSV equals the local scan's; `waves`: the budget, rows as users finish, short
//! OAuth tokens; `failures`: a worker, the host or the launcher dying, Spark missing, resume;
//! `objects`: `--objects` on Spark equals the local scan's objects (a retried task, Connect).

mod failures;
mod objects;
mod same_csv;
mod waves;

use std::path::PathBuf;
use std::process::Command;

use crate::util::{Run, Sim, Work};

/// Every pyspark to test the CSVs on: `DBX_SPARK_PYTHONS` (space-separated; scripts/test.sh sets
/// pyspark 4.0 and the newest 4.x), else [`python`]'s one.
fn pythons() -> Vec<String> {
    match std::env::var("DBX_SPARK_PYTHONS") {
        Ok(list) if !list.trim().is_empty() => list.split_whitespace().map(str::to_string).collect(),
        _ => vec![python()],
    }
}

/// The interpreter with pyspark (`DBX_SPARK_PYTHON`); the test fails when it is not set.
fn python() -> String {
    match std::env::var("DBX_SPARK_PYTHON") {
        Ok(p) if !p.is_empty() => p,
        _ => panic!(
            "DBX_SPARK_PYTHON is not set: the Spark tests need a Python with pyspark. Run scripts/test.sh, \
             or export DBX_SPARK_PYTHON=$(scripts/spark-venv.sh) before `cargo test -- --include-ignored`"
        ),
    }
}

fn generated(users: usize) -> (Sim, Vec<String>) {
    let fixture = dbx_sim::generate(users, 11);
    let names = fixture.users.iter().map(|u| u.user_name.clone()).collect();
    let sim = Sim::start_with(dbx_sim::SimConfig {
        fixture,
        limits: None,
        latency_ms: 5,
        seed: 11,
        tokens: vec!["dapi-sim-spark-token".to_string()],
        ..Default::default()
    });
    (sim, names)
}

/// A generated workspace of `users` users, and a folder with their names in `users.txt`.
fn workspace(users: usize) -> (Sim, Vec<String>, Work) {
    let (sim, names) = generated(users);
    let work = Work::new();
    work.write("users.txt", &names.join("\n"));
    (sim, names, work)
}

/// A Spark Connect server on 127.0.0.1 (from the pyspark package's `sbin/`), stopped on drop.
struct ConnectServer {
    url: String,
    sbin: PathBuf,
    env: Vec<(String, String)>,
    _dirs: tempfile::TempDir,
}

impl ConnectServer {
    fn start(python: &str) -> ConnectServer {
        let out = Command::new(python)
            .args(["-c", "import pyspark, os; print(os.path.dirname(pyspark.__file__))"])
            .output()
            .expect("python runs");
        assert!(out.status.success(), "{python} has no pyspark");
        let home = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dirs = tempfile::tempdir().unwrap();
        let env = vec![
            ("SPARK_HOME".to_string(), home.display().to_string()),
            ("SPARK_LOCAL_IP".into(), "127.0.0.1".into()),
            ("SPARK_PID_DIR".into(), dirs.path().display().to_string()),
            ("SPARK_LOG_DIR".into(), dirs.path().display().to_string()),
            ("PYSPARK_PYTHON".into(), python.to_string()),
        ];
        let sbin = home.join("sbin");
        let status = Command::new("bash")
            .arg(sbin.join("spark-daemon.sh"))
            .args(["submit", "org.apache.spark.sql.connect.service.SparkConnectServer", "1"])
            .args(["--master", "local[2]"])
            .args([
                "--conf",
                "spark.driver.host=127.0.0.1",
                "--conf",
                "spark.driver.bindAddress=127.0.0.1",
            ])
            .args(["--conf", "spark.connect.grpc.binding.address=127.0.0.1"])
            .arg("--conf")
            .arg(format!("spark.connect.grpc.binding.port={port}"))
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .status()
            .expect("spark-daemon.sh runs");
        assert!(status.success(), "starting the Spark Connect server failed");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "the Spark Connect server did not listen within 120 s"
            );
            std::thread::sleep(std::time::Duration::from_millis(300));
        }
        ConnectServer {
            url: format!("sc://127.0.0.1:{port}"),
            sbin,
            env,
            _dirs: dirs,
        }
    }
}

impl Drop for ConnectServer {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(self.sbin.join("spark-daemon.sh"))
            .args(["stop", "org.apache.spark.sql.connect.service.SparkConnectServer", "1"])
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .status();
    }
}

const FAST: [&str; 6] = [
    "--rate-limit",
    "workspace=300",
    "--rate-limit",
    "dbfs=300",
    "--retry-base-ms",
    "20",
];

fn scan(work: &Work, sim: &Sim, users: &str, out: &str, extra: &[&str]) -> crate::util::Done {
    let mut args = vec!["scan", "--users-file", users, "-o", out];
    args.extend_from_slice(&FAST);
    args.extend_from_slice(extra);
    let mut r = Run::in_dir(work, &args);
    r.env("DATABRICKS_HOST", &sim.url)
        .env("DATABRICKS_TOKEN", "dapi-sim-spark-token");
    r.run()
}

/// A local `scan -o spark.csv EXTRA…` of `users.txt`, one user at a time, killed with -9 once the
/// journal holds a few users: what the Spark resumes start from.
fn kill_a_local_run(work: &Work, sim: &Sim, extra: &[&str]) {
    let mut args = vec![
        "scan",
        "--users-file",
        "users.txt",
        "-o",
        "spark.csv",
        "--concurrency",
        "1",
    ];
    args.extend_from_slice(&FAST);
    args.extend_from_slice(extra);
    let mut r = Run::in_dir(work, &args);
    r.env("DATABRICKS_HOST", &sim.url)
        .env("DATABRICKS_TOKEN", "dapi-sim-spark-token");
    let running = r.spawn();
    let journal = work.path("spark.csv.journal");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::fs::read_to_string(&journal).map_or(0, |j| j.lines().count()) < 4 {
        assert!(std::time::Instant::now() < deadline, "the local run recorded nothing");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let killed = running.kill();
    check!(killed, killed.signal == Some(9));
}

/// `scan -o out EXTRA…`, checked to exit 0 with `local`'s CSV byte for byte (`what` names the run).
fn same_as_local(
    work: &Work,
    sim: &Sim,
    local: &crate::util::Done,
    out: &str,
    extra: &[&str],
    what: &str,
) -> crate::util::Done {
    let done = scan(work, sim, "users.txt", out, extra);
    check!(done, done.code == 0);
    check!(
        done,
        done.file(out) == local.file("local.csv"),
        "the CSV differs from the local one ({what})"
    );
    done
}

/// No form of the token in what the run printed or left in its folder.
fn assert_no_token(done: &crate::util::Done) {
    for (place, text) in [("stdout", &done.stdout), ("stderr", &done.stderr)] {
        check!(
            done,
            !text.contains("dapi-sim-spark-token"),
            "the token leaked into {place}"
        );
    }
    for e in std::fs::read_dir(&done.dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            let bytes = std::fs::read(&p).unwrap();
            check!(
                done,
                !String::from_utf8_lossy(&bytes).contains("dapi-sim-spark-token"),
                "the token leaked into {}",
                p.display()
            );
        }
    }
}

fn pyspark_version(py: &str) -> String {
    let out = Command::new(py)
        .args(["-c", "import pyspark; print(pyspark.__version__)"])
        .output()
        .expect("python runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
