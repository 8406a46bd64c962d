"""The launcher on a local Spark Connect server (pyspark 4.x), through its protocol, and the
notebook API there. The last test stops the server and reads its logs for tokens."""
import hashlib
import json
import os
import time

import pytest

from helpers import (OBJECT_TYPES, TOKENS, ConnectServer, check_objects, check_waves, config, frame_summary, jobs,
                     needs_connect, object_rows, read_event_logs, run, runs, token)
from dbx_spark import scan, scan_objects
from dbx_spark.budget import murmur3_int


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = ConnectServer(str(tmp_path_factory.mktemp("connect")))
    yield s
    s.stop()


@needs_connect
def test_connect_two_waves_fault_retry(worker, server, tmp_path):
    marker = tmp_path / "marker"
    comp = tmp_path / "scanner.wasm"
    comp.write_bytes(b"\0asm a Connect component " + os.urandom(8))
    comp_sha = hashlib.sha256(comp.read_bytes()).hexdigest()
    waves = [(token("s1"), jobs(0, 7)), (token("s2"), jobs(7, 2))]
    cfg = config(worker, backend="connect", master=None, remote=server.url, partitions=3, component=str(comp),
                 fault={"fail_after": 1, "marker": str(marker)})
    rc, out, err = run(cfg, waves)
    assert rc == 0, err
    rows = check_waves(out, waves)
    assert marker.exists() and any(r["attempt"] == 1 for r in rows)
    assert rows[0]["row"]["rates"] == ["dbfs=10.0", "export=%r" % (40 / 3), "scim=%r" % (4.25 / 3),
                                       "workspace=%r" % (50 / 3)]
    assert rows[0]["row"]["max_in_flight"] == "5" and rows[0]["row"]["concurrency"] == "8"
    # Connect: one shard per slot (no oversplit); the component is an artifact like the binary.
    assert {r["partition"] for r in rows[:7]} == {0, 1, 2}
    for r in rows:
        assert r["row"]["component_sha"] == comp_sha
        assert os.path.basename(r["row"]["component"]) == "dbx-component-" + comp_sha[:16]


@needs_connect
def test_connect_worker_failure_is_fatal(worker, server):
    """Exit 1: the rows before it stand (they come with the task's result), then the fatal line."""
    cfg = config(worker, backend="connect", master=None, remote=server.url,
                 worker_args=["--always-fail"])
    rc, out, _ = run(cfg, [(token("x"), jobs(0, 2))])
    assert rc == 1 and out[-1]["type"] == "fatal"
    assert "credentials rejected (fake)" in out[-1]["message"] and "exit 1" in out[-1]["message"]
    kinds = [o["type"] for o in out if o["type"] in ("row", "leftover", "wave-done", "fatal")]
    assert kinds[-1] == "fatal" and set(kinds[:-1]) == {"row"}, kinds
    assert all(o["row"]["i"] in (0, 1) for o in out if o["type"] == "row")


@needs_connect
def test_connect_exec_format_error(tmp_path, server):
    bad = tmp_path / "dbx-inventory"
    bad.write_bytes(b"\x7fELF not really a binary\n" * 4)
    bad.chmod(0o755)
    rc, out, _ = run(config(str(bad), backend="connect", master=None, remote=server.url), [(token("e"), jobs(0, 1))])
    assert rc == 1 and out[-1]["type"] == "fatal" and "--worker-binary" in out[-1]["message"]


@needs_connect
def test_connect_notebook_scan_and_routing(worker, server):
    from pyspark.sql import SparkSession, functions as F

    spark = SparkSession.builder.remote(server.url).getOrCreate()
    try:
        got = [r[0] for r in spark.range(200).select(F.hash(F.col("id").cast("int"))).collect()]
        assert got == [murmur3_int(k) for k in range(200)], "routing keys would not route"
        t = token("nbc")
        df = scan(spark, ["z@x.com", "y@x.com", "Z@x.com"], host="https://ws", token=t,
                            worker_binary=worker, partitions=2)
        rows = [list(r) for r in df.collect()]
        note = "trees=dbfs+uploads+workspace+repos component=none"
        assert rows == [["z@x.com", "empty", "0", note], ["y@x.com", "empty", "0", note]]
        assert t not in json.dumps(rows)
    finally:
        spark.stop()


@needs_connect
def test_connect_objects_with_a_retried_task(worker, server, tmp_path):
    """--objects through Spark Connect: the objects lines come in the task results, each job's
    before its row; a task that died (after one row and the next job's objects) is retried, and
    only the successful attempt's results are delivered: every objects line forwarded is of a
    delivered row's attempt, complete and once."""
    marker = tmp_path / "marker"
    waves = [(token("so"), jobs(0, 7))]
    cfg = config(worker, backend="connect", master=None, remote=server.url, partitions=2,
                 fault={"fail_after": 1, "marker": str(marker)}, worker_args=["--objects"])
    rc, out, err = run(cfg, waves)
    assert rc == 0, err
    rows = check_waves(out, waves)
    assert marker.exists() and any(r["attempt"] == 1 for r in rows)
    check_objects(out, {j["i"]: j["user"] for j in waves[0][1]}, once=True)


@needs_connect
def test_connect_scan_objects(worker, server, tmp_path):
    """scan_objects() on a Spark Connect session: the users' files with the frame's schema, the
    workers run once for the call's three actions; a worker's fatal raises with its message."""
    from pyspark.sql import SparkSession

    run_log = str(tmp_path / "runs")
    spark = SparkSession.builder.remote(server.url).getOrCreate()
    try:
        t = token("soc")
        df = scan_objects(spark, ["f@x.com", "bb@x.com", "F@x.com", "g@x.com"], host="https://ws", token=t,
                          worker_binary=worker, partitions=2, worker_args=["--runs-file", run_log])
        got = frame_summary(df)
        assert got["types"] == OBJECT_TYPES
        assert got["rows"] == object_rows(["f@x.com", "bb@x.com", "g@x.com"])
        assert df.count() == len(got["rows"])
        assert len(runs(run_log)) == 2, runs(run_log)
        assert t not in json.dumps(got)
        with pytest.raises(RuntimeError) as e:
            scan_objects(spark, ["x@x.com"], host="https://ws", token=t, worker_binary=worker,
                         worker_args=["--always-fail"])
        assert "credentials rejected (fake)" in str(e.value) and "exit 1" in str(e.value), str(e.value)
    finally:
        spark.stop()


@needs_connect
def test_unreachable_connect_is_fatal(worker):
    t0 = time.monotonic()
    rc, out, _ = run(config(worker, backend="connect", master=None, remote="sc://127.0.0.1:1"), [])
    assert rc == 1 and out[-1]["type"] == "fatal" and "sc://127.0.0.1:1" in out[-1]["message"]
    assert time.monotonic() - t0 < 30


@needs_connect
def test_zz_no_token_in_connect_server_logs(server):
    """Last: stop the server, then no token in its log (plans are logged at INFO) or event log."""
    server.stop()
    data = open(server.log, "rb").read() + read_event_logs(server.events)
    assert b"SparkListenerConnectOperationStarted" in data
    for t in TOKENS:
        assert t.encode() not in data, "a token is in the Connect server's log or event log"
