"""The example scheduled job (examples/scheduled-inventory/inventory_job.py), run as Databricks
runs a Python script task — a new process each time, the session from the environment — on a
local Spark with a Hive catalog in a temp folder: its tables equal the CLI's CSV, the second run
keeps the first as `_previous`, diffs the two, and writes the objects table."""

import json
import os
import subprocess
import sys

import pytest
from conftest import LOOPBACK, TOKEN, Sim, cli_csv, installed_cli

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JOB = os.path.join(ROOT, "examples", "scheduled-inventory", "inventory_job.py")

READ_TABLES = r"""
import json, sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
users = {t: [r.asDict() for r in spark.table(t).collect()] for t in sys.argv[1:3]}
objects = {r["username"]: r["count"] for r in spark.table(sys.argv[3]).groupBy("username").count().collect()}
print(json.dumps({"users": users, "objects": objects}))
"""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return str(tmp_path_factory.mktemp("warehouse"))


def spark_env(warehouse):
    confs = dict(LOOPBACK, **{"spark.sql.catalogImplementation": "hive",
                              "spark.sql.warehouse.dir": os.path.join(warehouse, "tables"),
                              "spark.driver.extraJavaOptions": "-Dderby.system.home=%s" % warehouse})
    args = "--master local[2] " + " ".join("--conf %s=%s" % kv for kv in confs.items()) + " pyspark-shell"
    env = dict(os.environ, PYSPARK_SUBMIT_ARGS=args, SPARK_LOCAL_IP="127.0.0.1", DATABRICKS_TOKEN=TOKEN)
    env.pop("SPARK_REMOTE", None)
    return env


def run_job(warehouse, *args):
    p = subprocess.run([sys.executable, JOB, *args], cwd=warehouse, env=spark_env(warehouse),
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-4000:]
    assert TOKEN not in p.stdout + p.stderr
    return p.stdout


def without_paths(diff):
    """A diff's text without its Old:/New: lines (the files' paths differ)."""
    return "\n".join(line for line in diff.splitlines() if not line.startswith(("Old: ", "New: ")))


def tables(warehouse, schema):
    """The job's two users tables (rows in username order) and the objects table's files per user,
    read by one Spark process."""
    names = ["%s.%s" % (schema, t) for t in ("inventory_users", "inventory_users_previous", "inventory_objects")]
    p = subprocess.run([sys.executable, "-c", READ_TABLES, *names], cwd=warehouse, env=spark_env(warehouse),
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-4000:]
    got = json.loads(p.stdout.strip().splitlines()[-1])
    return by_user(got["users"][names[0]]), by_user(got["users"][names[1]]), got["objects"]


def by_user(rows):
    """Rows in username order (a table has no order of its own)."""
    return sorted(rows, key=lambda r: r["username"])


def test_two_weekly_runs_keep_the_last_for_diff(warehouse, tmp_path):
    week1, week2 = Sim("users=6,seed=31"), Sim("users=8,seed=31")
    try:
        os.makedirs(tmp_path / "w1")
        os.makedirs(tmp_path / "w2")
        _, first = cli_csv(week1, week1.users, str(tmp_path / "w1"))
        out1 = run_job(warehouse, "--schema", "inventory", "--host", week1.url)
        assert "first run: nothing to compare yet" in out1

        _, second = cli_csv(week2, week2.users, str(tmp_path / "w2"))
        diffs = str(tmp_path / "diffs")
        out2 = run_job(warehouse, "--schema", "inventory", "--host", week2.url, "--objects", "--diff-dir", diffs)
        current, previous, objects = tables(warehouse, "inventory")
        assert current == by_user(second)
        assert previous == by_user(first)
        assert objects == {r["username"]: int(r["file_count"]) for r in second if int(r["file_count"] or 0)}
        # The job's diff is the CLI's `diff` of the two weeks' CSVs.
        cli_diff = subprocess.run([installed_cli(), "diff", str(tmp_path / "w1" / "cli.csv"),
                                   str(tmp_path / "w2" / "cli.csv")], capture_output=True, text=True)
        assert cli_diff.returncode == 0 and cli_diff.stdout.strip(), cli_diff.stderr
        names = sorted(os.listdir(diffs))
        assert [n.split("-")[0] for n in names] == ["diff", "inventory"], names
        with open(os.path.join(diffs, names[0])) as f:
            assert without_paths(f.read()) == without_paths(cli_diff.stdout)
        assert without_paths(cli_diff.stdout) in without_paths(out2)
    finally:
        week1.stop()
        week2.stop()
