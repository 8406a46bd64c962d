//! The CSV of a scan on Spark (classic and Connect, every pyspark tested) is the local scan's.

use super::{
    assert_no_token, generated, pyspark_version, python, pythons, same_as_local, scan, workspace, ConnectServer,
};
use crate::util::Work;

/// Local, classic `local[2]` (the default one task with the whole budget, and three tasks with
/// fixed-size waves) and Spark Connect give byte-identical CSVs, on every pyspark tested.
#[test]
#[ignore = "needs a Python with pyspark in DBX_SPARK_PYTHON (scripts/test.sh provides it)"]
fn local_classic_and_spark_connect_scans_give_byte_identical_csvs() {
    let pys = pythons();
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

/// What the host knows reaches the workers: a name given in another letter case is scanned under
/// the folders' own spelling (the host looks `/Users` up once and sends the job again), and with
/// `--list-homes` no worker asks for a home the listings show absent. The CSVs equal the local
/// scan's.
#[test]
#[ignore = "needs a Python with pyspark in DBX_SPARK_PYTHON (scripts/test.sh provides it)"]
fn letter_case_and_known_absent_homes_are_the_local_scans_on_spark() {
    let py = python();
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
