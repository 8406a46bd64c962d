//! The object inventory on Spark (issue 22): `scan --objects` on a classic master (a worker dying
//! once, its task retried) and through Spark Connect holds exactly the local scan's rows, and
//! `spark.read.parquet` reads the file.

use super::{assert_no_token, python, scan, workspace, ConnectServer};
use crate::objects::read;

#[test]
#[ignore = "needs a Python with pyspark in DBX_SPARK_PYTHON (scripts/test.sh provides it)"]
fn objects_on_spark_equal_the_local_scans_after_a_retried_task_and_through_connect() {
    let py = python();
    let (sim, _, work) = workspace(24);
    let local = scan(&work, &sim, "users.txt", "local.csv", &["--objects", "local.parquet"]);
    check!(local, local.code == 0);
    let want = read(&work.path("local.parquet"));
    check!(local, want.len() > 50, "the workspace has files");

    let marker = work.path("died-once");
    let classic = scan(
        &work,
        &sim,
        "users.txt",
        "classic.csv",
        &[
            "--objects",
            "classic.parquet",
            "--spark-master",
            "local[2,3]",
            "--spark-partitions",
            "2",
            "--python",
            &py,
            "--spark-fault",
            "2",
            marker.to_str().unwrap(),
        ],
    );
    check!(classic, classic.code == 0);
    check!(classic, marker.exists(), "a worker died once");
    check!(classic, classic.file("classic.csv") == local.file("local.csv"));
    check!(
        classic,
        read(&work.path("classic.parquet")) == want,
        "classic Spark's objects differ from the local scan's"
    );

    let server = ConnectServer::start(&py);
    let connect = scan(
        &work,
        &sim,
        "users.txt",
        "connect.csv",
        &[
            "--objects",
            "connect.parquet",
            "--spark-remote",
            &server.url,
            "--python",
            &py,
        ],
    );
    check!(connect, connect.code == 0);
    check!(
        connect,
        read(&work.path("connect.parquet")) == want,
        "Spark Connect's objects differ from the local scan's"
    );
    assert_no_token(&connect);

    // Spark reads the file (what `CREATE TABLE … AS SELECT` does once it is uploaded).
    let sizes: i64 = want.iter().filter_map(|o| o.size).sum();
    let out = std::process::Command::new(&py)
        .args([
            "-c",
            "import sys\nfrom pyspark.sql import SparkSession\n\
             s = (SparkSession.builder.master('local[1]').config('spark.driver.host', '127.0.0.1')\
             .config('spark.driver.bindAddress', '127.0.0.1').config('spark.ui.enabled', 'false').getOrCreate())\n\
             df = s.read.parquet(sys.argv[1])\n\
             r = df.selectExpr('count(*)', 'sum(size)', 'count(modified)').collect()[0]\n\
             print('SPARK', r[0], r[1], r[2], df.schema['modified'].dataType.simpleString())\n\
             s.stop()",
        ])
        .arg(work.path("local.parquet"))
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .env("PYSPARK_PYTHON", &py)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let dated = want.iter().filter(|o| o.modified.is_some()).count();
    let line = format!("SPARK {} {sizes} {dated} timestamp", want.len());
    assert!(
        stdout.contains(&line),
        "{line:?} not in {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[ignore = "needs a Python with pyspark in DBX_SPARK_PYTHON (scripts/test.sh provides it)"]
fn a_run_killed_with_9_and_resumed_on_spark_holds_the_local_objects() {
    let py = python();
    let (sim, _, work) = workspace(30);
    let local = scan(&work, &sim, "users.txt", "local.csv", &["--objects", "local.parquet"]);
    check!(local, local.code == 0);
    let want = read(&work.path("local.parquet"));
    // A local run killed after a few users, then the rest on Spark.
    super::kill_a_local_run(&work, &sim, &["--objects", "spark.parquet"]);
    let done = scan(
        &work,
        &sim,
        "users.txt",
        "spark.csv",
        &[
            "--objects",
            "spark.parquet",
            "--resume",
            "--spark-master",
            "local[2]",
            "--python",
            &py,
        ],
    );
    check!(done, done.code == 0);
    check!(done, done.file("spark.csv") == local.file("local.csv"));
    check!(
        done,
        read(&work.path("spark.parquet")) == want,
        "the resumed run's objects differ from the local scan's"
    );
}
