//! Scale-out on Spark (issue 10): the same generated workspace scanned locally, on a classic
//! `local[2]` master and through a local Spark Connect server gives byte-identical CSVs; a worker
//! dying mid-shard is retried by Spark; a host killed mid-run resumes on Spark; no token in any
//! output; missing pyspark and unreachable Spark fail clearly.
//!
//! Needs a Python with pyspark: `DBX_SPARK_PYTHON` (scripts/test.sh sets it from
//! scripts/spark-venv.sh). Without it these tests print SKIP and pass, except under CI (`CI` set).
//! Every Spark process binds to 127.0.0.1 and is stopped at the end.

use std::path::PathBuf;
use std::process::Command;

use crate::util::{Run, Sim, Work};

/// Every pyspark to test the CSVs on: `DBX_SPARK_PYTHONS` (space-separated; scripts/test.sh sets
/// pyspark 4.0 and the newest 4.x), else [`python`]'s one.
fn pythons() -> Vec<String> {
    match std::env::var("DBX_SPARK_PYTHONS") {
        Ok(list) if !list.trim().is_empty() => list.split_whitespace().map(str::to_string).collect(),
        _ => python().into_iter().collect(),
    }
}

fn python() -> Option<String> {
    match std::env::var("DBX_SPARK_PYTHON") {
        Ok(p) if !p.is_empty() => Some(p),
        _ if std::env::var_os("CI").is_some() => {
            panic!("DBX_SPARK_PYTHON is not set under CI (scripts/test.sh sets it)")
        }
        _ => {
            eprintln!("SKIP: DBX_SPARK_PYTHON not set (run scripts/spark-venv.sh and export it)");
            None
        }
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

/// Local, classic `local[2]` (the default one task with the whole budget, and three tasks with
/// fixed-size waves) and Spark Connect give byte-identical CSVs, on every pyspark tested.
#[test]
fn local_classic_and_spark_connect_scans_give_byte_identical_csvs() {
    let pys = pythons();
    if pys.is_empty() {
        return;
    }
    let (sim, _, work) = workspace(40);
    let local = scan(&work, &sim, "users.txt", "local.csv", &[]);
    check!(local, local.code == 0);
    for py in &pys {
        let version = pyspark_version(py);
        eprintln!("pyspark {version} ({py})");
        let classic = same_as_local(
            &work,
            &sim,
            &local,
            "classic.csv",
            &["--spark-master", "local[2]", "--python", py, "--overwrite"],
            &format!("classic Spark, pyspark {version}"),
        );
        check!(
            classic,
            classic.stdout.contains("one task holding the whole budget"),
            "the banner says how the budget is used"
        );
        assert_no_token(&classic);
        let split = same_as_local(
            &work,
            &sim,
            &local,
            "split.csv",
            &[
                "--spark-master",
                "local[2]",
                "--python",
                py,
                "--spark-partitions",
                "3",
                "--chunk-size",
                "15",
                "--debug",
                "--overwrite",
            ],
            &format!("classic Spark with 3 tasks, pyspark {version}"),
        );
        check!(
            split,
            split.stderr.contains("PARALLEL EXECUTION CONFIRMED"),
            "--debug shows the executors"
        );

        let server = ConnectServer::start(py);
        let connect = same_as_local(
            &work,
            &sim,
            &local,
            "connect.csv",
            &["--spark-remote", &server.url, "--python", py, "--overwrite"],
            &format!("Spark Connect, pyspark {version}"),
        );
        assert_no_token(&connect);
    }
}

/// `--spark-partitions 32` against a workspace that allows 20 requests in flight: the tasks'
/// shares add up to `--max-in-flight` at most, whatever N (the simulator measures the peak).
#[test]
fn many_partitions_never_exceed_the_workspaces_in_flight_cap() {
    let Some(py) = python() else { return };
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
fn rows_are_recorded_as_users_finish_during_a_wave() {
    let Some(py) = python() else { return };
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

#[test]
fn a_worker_dying_mid_shard_is_retried_by_spark_and_nothing_counts_twice() {
    let Some(py) = python() else { return };
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
fn a_host_killed_mid_run_resumes_on_spark_and_locally_with_the_same_csv() {
    let Some(py) = python() else { return };
    let (sim, _, work) = workspace(30);
    let local = scan(&work, &sim, "users.txt", "local.csv", &[]);
    // A local run killed after a few users, then the rest resumed on Spark.
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
    let mut r = Run::in_dir(&work, &args);
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
    check!(killed, killed.signal.is_some());
    resume_on_spark_gives_the_local_csv(&work, &sim, &py, &local);
}

#[test]
fn missing_pyspark_and_unreachable_spark_fail_clearly_and_keep_the_journal() {
    let Some(py) = python() else { return };
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

/// OAuth M2M on Spark with tokens living 20 s and a scan paced to take about a minute: each
/// wave's worker starts no user in its token's last quarter-life and stops before it expires;
/// the users it did not start go into the next wave with a freshly minted token. Nothing is
/// lost, the CSV equals a local scan's, and the executors never see the client secret.
#[test]
fn oauth_tokens_shorter_than_the_scan_lose_nothing() {
    const TTL_SECS: u64 = 20;
    let Some(py) = python() else { return };
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

/// The launcher killed mid-wave: the host says so, exits 1 and leaves the journal unfinished
/// (no end mark); `--resume`, locally or on Spark, completes it to the local scan's CSV.
#[test]
fn a_launcher_killed_mid_wave_leaves_a_journal_resume_completes() {
    let Some(py) = python() else { return };
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

/// What the host knows reaches the workers: a name given in another letter case is scanned under
/// the folders' own spelling (the host looks `/Users` up once and sends the job again), and with
/// `--list-homes` no worker asks for a home the listings show absent. The CSVs equal the local
/// scan's.
#[test]
fn letter_case_and_known_absent_homes_are_the_local_scans_on_spark() {
    let Some(py) = python() else { return };
    let (sim, mut names) = generated(8);
    names[0] = names[0].to_uppercase();
    names.push("nobody-here@example.com".into());
    let work = Work::new();
    work.write("users.txt", &names.join("\n"));
    for extra in [&[][..], &["--list-homes"][..]] {
        sim.reset_stats();
        let local = scan(
            &work,
            &sim,
            "users.txt",
            "local.csv",
            &[&["--overwrite"], extra].concat(),
        );
        check!(local, local.code == 0);
        let local_requests = sim.stats().total_requests;
        sim.reset_stats();
        let mut args = vec!["--spark-master", "local[2]", "--python", &py, "--overwrite"];
        args.extend_from_slice(extra);
        let spark = scan(&work, &sim, "users.txt", "spark.csv", &args);
        check!(spark, spark.code == 0);
        check!(
            spark,
            spark.file("spark.csv") == local.file("local.csv"),
            "Spark CSV differs from the local one ({extra:?})"
        );
        check!(
            spark,
            spark.rows("spark.csv").contains_key(&names[0]),
            "the row keeps the name given"
        );
        // The same requests: no worker probes a home the host knows absent, no `Me` per worker.
        let spark_requests = sim.stats().total_requests;
        check!(
            spark,
            spark_requests == local_requests,
            "{spark_requests} requests on Spark, {local_requests} locally ({extra:?})"
        );
    }
}
