"""`dbx_inventory.scan()` of the installed package on a local[2] session against the simulator: its
rows equal the installed CLI's CSV, with no binary path given; the executors run their installed
binary (nothing shipped) or get it shipped; credentials from the arguments, the environment, a
profile, or databricks-sdk's runtime auth."""

import json
import os
import subprocess
import sys

import pytest
from conftest import TOKEN, frame_rows, sim_requests

import dbx_inventory


def shipped(spark):
    """The dbx-inventory copies shipped to this session's executors so far."""
    return [f for f in spark.sparkContext.listFiles if "dbx-inventory-" in f]


def test_the_installed_package_is_tested():
    assert os.path.dirname(dbx_inventory.__file__).startswith(sys.prefix)
    assert dbx_inventory.binary() == os.path.join(os.path.dirname(sys.executable), "dbx-inventory")


def test_scan_equals_the_cli_csv_with_no_binary_path(spark, sim, expected):
    header, rows = expected
    assert dbx_inventory._notebook.installed_on_executors(spark)
    df = dbx_inventory.scan(spark, sim.users, host=sim.url, token=TOKEN, partitions=2)
    assert df.columns == header
    assert frame_rows(df) == rows
    assert shipped(spark) == [], "the executors have the package: nothing should be shipped"


def test_ship_true_ships_the_drivers_binary(spark, sim, expected):
    df = dbx_inventory.scan(spark, sim.users[:4], host=sim.url, token=TOKEN, ship=True)
    assert frame_rows(df) == expected[1][:4]
    assert len(shipped(spark)) == 1


def test_credentials_from_the_environment(spark, sim, expected, monkeypatch):
    monkeypatch.setenv("DATABRICKS_HOST", sim.url)
    monkeypatch.setenv("DATABRICKS_TOKEN", TOKEN)
    assert dbx_inventory.credentials() == (sim.url, TOKEN)
    assert frame_rows(dbx_inventory.scan(spark, sim.users[:3])) == expected[1][:3]


def test_credentials_from_a_profile(sim, tmp_path, monkeypatch):
    cfg = tmp_path / "databrickscfg"
    cfg.write_text("[sim]\nhost = %s\ntoken = %s\n" % (sim.url, TOKEN))
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(cfg))
    for k in ("DATABRICKS_HOST", "DATABRICKS_TOKEN", "DATABRICKS_CONFIG_PROFILE"):
        monkeypatch.delenv(k, raising=False)
    assert dbx_inventory.credentials(profile="sim") == (sim.url, TOKEN)
    with pytest.raises(RuntimeError, match="profile"):
        dbx_inventory.credentials(profile="nope")


def test_no_credentials_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "absent.cfg"))
    for k in ("DATABRICKS_HOST", "DATABRICKS_TOKEN", "DATABRICKS_CONFIG_PROFILE", "DATABRICKS_RUNTIME_VERSION"):
        monkeypatch.delenv(k, raising=False)
    with pytest.raises(RuntimeError, match="no credentials for the workspace") as e:
        dbx_inventory.credentials()
    assert "DATABRICKS_HOST" in str(e.value)
    with pytest.raises(ValueError, match="host="):
        dbx_inventory.credentials(token="x")


def test_a_databricks_runtime_takes_the_sdks_credentials(sim, monkeypatch):
    # In a notebook the SDK finds the runtime's own token; here it finds the environment's. The
    # CLI is made unusable, so only the SDK can have answered.
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "15.4")
    monkeypatch.setenv("DATABRICKS_HOST", sim.url)
    monkeypatch.setenv("DATABRICKS_TOKEN", TOKEN)
    monkeypatch.setenv("DBX_INVENTORY_BIN", "/nonexistent/dbx-inventory")
    host, token = dbx_inventory.credentials()
    assert host.rstrip("/") == sim.url and token == TOKEN


def test_a_rejected_token_raises_with_the_workers_message(spark, sim):
    with pytest.raises(RuntimeError) as e:
        dbx_inventory.scan(spark, sim.users[:2], host=sim.url, token="dapi-wrong")
    assert "dapi-wrong" not in str(e.value)
    assert "401" in str(e.value) or "authentication" in str(e.value).lower()


def test_one_username_as_a_string_is_refused(spark, sim):
    with pytest.raises(TypeError, match="not one string"):
        dbx_inventory.scan(spark, sim.users[0], host=sim.url, token=TOKEN, ship=True)


def test_users_lists_the_workspace(sim):
    assert dbx_inventory.users(host=sim.url, token=TOKEN) == sim.users


def test_scan_objects_counts_every_file(spark, sim, expected):
    _, rows = expected
    frame = dbx_inventory.scan_objects(spark, sim.users, host=sim.url, token=TOKEN)
    counts = {r["username"]: r["count"] for r in frame.groupBy("username").count().collect()}
    for row in rows:
        assert counts.get(row["username"], 0) == int(row["file_count"] or 0), row["username"]


EXECUTORS_WITHOUT_IT = r"""
import sys
from pyspark.sql import SparkSession
import dbx_inventory
b = SparkSession.builder.master("local[2]")
for k, v in {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1", "spark.ui.enabled": "false",
             "spark.pyspark.python": sys.argv[3]}.items():
    b = b.config(k, v)
spark = b.getOrCreate()
url, token = sys.argv[1], sys.argv[2]
users = sys.argv[4:]
assert not dbx_inventory._notebook.installed_on_executors(spark)
rows = [r.asDict() for r in dbx_inventory.scan(spark, users, host=url, token=token).collect()]
print(len([f for f in spark.sparkContext.listFiles if "dbx-inventory-" in f]), flush=True)
print(repr(rows), flush=True)
try:
    dbx_inventory.scan(spark, users[:1], host=url, token=token, ship=False)
except RuntimeError as e:
    print(str(e), flush=True)
spark.stop()
"""


def test_executors_without_the_package_get_it_shipped(sim, expected):
    """Executors whose Python lacks the package (another interpreter): the probe says so, the
    driver's binary is shipped, and ship=False fails naming the fix."""
    other = os.environ.get("DBX_SPARK_PYTHON_WITHOUT_WHEEL")
    if not other:
        pytest.skip("DBX_SPARK_PYTHON_WITHOUT_WHEEL (a pyspark interpreter without the wheel) is not set")
    users = sim.users[:3]
    p = subprocess.run([sys.executable, "-c", EXECUTORS_WITHOUT_IT, sim.url, TOKEN, other, *users],
                       env=dict(os.environ, PYSPARK_PYTHON=other), capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    count, rows, failure = p.stdout.splitlines()[-3:]
    assert count == "1"
    assert eval(rows) == expected[1][:3]  # noqa: S307 (our own repr of plain dicts)
    assert "ModuleNotFoundError" in failure and "install the driver's dbx-inventory wheel" in failure
    assert TOKEN not in p.stdout + p.stderr


ON_CONNECT = r"""
import json, sys
from pyspark.sql import SparkSession
import dbx_inventory
b = SparkSession.builder.remote("local[2]")
for k, v in {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1", "spark.ui.enabled": "false",
             "spark.connect.grpc.binding.address": "127.0.0.1"}.items():
    b = b.config(k, v)
spark = b.getOrCreate()
url, token, users = sys.argv[1], sys.argv[2], sys.argv[3:]
installed = dbx_inventory._notebook.installed_on_executors(spark)
rows = [r.asDict() for r in dbx_inventory.scan(spark, users, host=url, token=token, partitions=2).collect()]
files = dbx_inventory.scan_objects(spark, users, host=url, token=token).count()
table, both = dbx_inventory.scan_with_objects(spark, users, host=url, token=token, partitions=2)
print(json.dumps({"installed": installed, "rows": rows, "files": files,
                  "both": [[r.asDict() for r in table.collect()], both.count()]}), flush=True)
spark.stop()
"""


def test_on_spark_connect_too(sim, expected):
    """A Spark Connect session (pyspark's local server): the probe runs as a mapInPandas, the
    executors run their installed binary, the rows are the CLI's."""
    users = sim.users[:4]
    p = subprocess.run([sys.executable, "-c", ON_CONNECT, sim.url, TOKEN, *users], capture_output=True, text=True,
                       timeout=600, env={k: v for k, v in os.environ.items() if k != "SPARK_REMOTE"})
    assert p.returncode == 0, p.stderr[-3000:]
    got = json.loads(p.stdout.strip().splitlines()[-1])
    assert got["installed"] is True
    assert got["rows"] == expected[1][:4]
    assert got["files"] == sum(int(r["file_count"] or 0) for r in expected[1][:4])
    assert got["both"] == [got["rows"], got["files"]]
    assert TOKEN not in p.stdout + p.stderr


def test_scan_with_objects_is_one_pass_with_both_frames(spark, sim, expected):
    header, rows = expected
    served = sim_requests(sim)
    table, files = dbx_inventory.scan_with_objects(spark, sim.users, host=sim.url, token=TOKEN, partitions=2)
    one_pass = sim_requests(sim) - served
    assert table.columns == header and frame_rows(table) == rows
    counts = {r["username"]: r["count"] for r in files.groupBy("username").count().collect()}
    assert counts == {r["username"]: int(r["file_count"]) for r in rows if int(r["file_count"] or 0)}
    assert files.columns == ["username", "location", "path", "object_type", "size", "modified", "language",
                             "workspace"]
    # One pass: as many requests as scan_objects alone (the same shards), no more than scan()
    # alone (which cuts a classic wave into more shards, each worker checking its credentials).
    served = sim_requests(sim)
    dbx_inventory.scan_objects(spark, sim.users, host=sim.url, token=TOKEN, partitions=2).count()
    objects_only = sim_requests(sim) - served
    served = sim_requests(sim)
    dbx_inventory.scan(spark, sim.users, host=sim.url, token=TOKEN, partitions=2).collect()
    rows_only = sim_requests(sim) - served
    assert one_pass == objects_only and one_pass <= rows_only, (one_pass, objects_only, rows_only)
