"""The launcher on classic local[N] Spark, through its protocol, and the notebook API there."""
import hashlib
import json
import os
import subprocess
import sys
import time

from helpers import (HERE, LOOPBACK, OBJECT_TYPES, TOKENS, check_objects, check_waves, config, env, flag, jobs,
                     most_at_once, object_rows, read_event_logs, run, runs, token)


def test_classic_two_waves_tokens_and_event_log(worker, tmp_path):
    evdir = tmp_path / "events"
    evdir.mkdir()
    comp = tmp_path / "scanner.wasm"
    comp.write_bytes(b"\0asm a component " + os.urandom(8))
    comp_sha = hashlib.sha256(comp.read_bytes()).hexdigest()
    run_log = str(tmp_path / "runs")
    conf = dict(LOOPBACK, **{"spark.eventLog.enabled": "true", "spark.eventLog.dir": str(evdir)})
    waves = [(token("c1"), jobs(0, 10)), (token("c2"), jobs(10, 3))]
    cfg = config(worker, spark_conf=conf, component=str(comp),
                 worker_args=["--retry-base-ms", "20", "--sleep-ms", "150", "--runs-file", run_log])
    rc, out, err = run(cfg, waves)
    assert rc == 0, err
    rows = check_waves(out, waves)
    first = rows[0]["row"]
    # Two slots: each worker has half of every rate (export included), of the in-flight cap and of
    # the users in flight; the host's flags come after the budget (the later flag wins).
    assert first["rates"] == ["dbfs=15.0", "export=20.0", "scim=2.125", "workspace=25.0"]
    assert first["max_in_flight"] == "8" and first["concurrency"] == "12"
    argv = first["argv"]
    assert first["host"] == "https://ws.example.com" and argv.index("--concurrency") < argv.index("--retry-base-ms")
    # The component is shipped like the binary, under its content's name, to every worker.
    for r in rows:
        assert r["row"]["component_sha"] == comp_sha
        assert os.path.basename(r["row"]["component"]) == "dbx-component-" + comp_sha[:16]
    # Ten jobs on two slots: 2 x OVERSPLIT = 8 shards (one worker each), never more than two at
    # once; three jobs: three shards.
    assert {r["partition"] for r in rows if r["row"]["i"] < 10} == set(range(8))
    logs = [o["message"] for o in out if o["type"] == "log"]
    assert any(m.startswith("wave 1: 10 jobs in 8 tasks, each with --rate-limit") for m in logs), logs
    assert any(m.startswith("wave 2: 3 jobs in 3 tasks") for m in logs), logs
    workers = runs(run_log)
    assert len(workers) == 11 and all(e is not None for _, _, e in workers), workers
    assert most_at_once([(s, e) for _, s, e in workers]) <= 2
    assert any("work spread over" in m for m in logs) and any(m.startswith("partition 0 ran on") for m in logs)
    events = read_event_logs(str(evdir))
    assert b"SparkListenerEnvironmentUpdate" in events  # the Spark conf is in there
    for t in TOKENS:
        assert t.encode() not in events


def test_classic_fault_is_retried(worker, tmp_path):
    """One task (partitions 1) gets the whole wave as one shard; its worker dies (exit 101) after
    one row, Spark retries the task, and the retry answers the rest (the first row stands)."""
    marker = tmp_path / "marker"
    waves = [(token("f"), jobs(0, 6))]
    cfg = config(worker, master="local[2,3]", partitions=1, fault={"fail_after": 1, "marker": str(marker)})
    rc, out, err = run(cfg, waves)
    assert rc == 0, err
    rows = check_waves(out, waves)
    assert marker.exists(), "the fault switch did not fire"
    assert {r["partition"] for r in rows} == {0}
    # Row 0 reached the driver (row stream) before its worker died: it stands.
    assert sorted((r["row"]["i"], r["attempt"]) for r in rows) == [(0, 0)] + [(i, 1) for i in range(1, 6)]
    assert "--fail-after" in rows[0]["row"]["argv"]
    assert all("--fail-after" not in r["row"]["argv"] for r in rows if r["attempt"] > 0)
    logs = [o["message"] for o in out if o["type"] == "log"]
    assert any(m.startswith("wave 1: 6 jobs in 1 tasks, each with") and "--max-in-flight 16 --concurrency 24" in m
               for m in logs), logs


def test_classic_worker_failure_is_fatal(worker, tmp_path):
    """Exit 1 is the worker's own verdict: no Spark retry (one worker run though the master allows
    three attempts); its row stands, then the fatal line."""
    run_log = str(tmp_path / "runs")
    cfg = config(worker, master="local[2,3]", partitions=1, worker_args=["--always-fail", "--runs-file", run_log])
    rc, out, _ = run(cfg, [(token("cx"), jobs(0, 3))])
    assert rc == 1 and out[-1]["type"] == "fatal"
    assert "credentials rejected (fake)" in out[-1]["message"] and "exit 1" in out[-1]["message"]
    assert [o["type"] for o in out if o["type"] in ("row", "leftover", "wave-done", "fatal")] == ["row", "fatal"]
    assert next(o for o in out if o["type"] == "row")["row"]["i"] == 0
    assert len(runs(run_log)) == 1, runs(run_log)


def test_classic_leftovers_and_wave_time_box(worker):
    """A wave's time box and token label reach the workers as flags (never the token); jobs not
    started in time come back as leftover lines, counted by wave-done. Flags without a value
    (as the host sends them) pass through."""
    now = int(time.time() * 1000)
    box1 = {"n": 1, "start_until_ms": now - 60000, "stop_at_ms": now + 3600000, "token_label": "label of wave 1"}
    box2 = {"n": 2, "start_until_ms": now + 3600000, "stop_at_ms": now + 7200000,
            "token_label": "an OAuth access token minted for Spark wave 2"}
    waves = [(token("l1"), jobs(0, 5), box1), (token("l2"), jobs(5, 3), box2)]
    cfg = config(worker, worker_args=["--retry-base-ms", "20", "--debug", "--notebook-sizes", "--skip-preflight"])
    rc, out, err = run(cfg, waves)
    assert rc == 0, err
    rows = check_waves(out, waves)
    assert [o for o in out if o["type"] == "wave-done"] == [
        {"type": "wave-done", "rows": 0, "leftovers": 5}, {"type": "wave-done", "rows": 3, "leftovers": 0}]
    assert sorted(o["i"] for o in out if o["type"] == "leftover") == list(range(5))
    for r in rows:
        argv = r["row"]["argv"]
        assert flag(argv, "--start-until-ms") == str(box2["start_until_ms"])
        assert flag(argv, "--stop-at-ms") == str(box2["stop_at_ms"])
        assert flag(argv, "--token-label") == box2["token_label"] == r["row"]["token_label"]
        assert {"--debug", "--notebook-sizes", "--skip-preflight"} <= set(argv) and "--token" not in argv


def test_classic_rows_stream_before_the_task_ends(worker):
    """Classic rows reach the host as users finish, not when the task ends: one task, six jobs,
    the worker sleeping 1.5 s before each row; the first row line comes seconds before the
    wave ends (had rows come with the task's result, all would arrive within milliseconds)."""
    sleep_s, n = 1.5, 6
    cfg = config(worker, partitions=1, worker_args=["--sleep-ms", str(int(sleep_s * 1000))])
    waves = [(token("st"), jobs(0, n))]
    times = []
    rc, out, err = run(cfg, waves, times=times)
    assert rc == 0, err
    rows = check_waves(out, waves)
    assert {r["partition"] for r in rows} == {0}
    at = [times[k] for k, o in enumerate(out) if o["type"] == "row"]
    done = times[next(k for k, o in enumerate(out) if o["type"] == "wave-done")]
    print("rows at +%s s, wave-done at +%.2f s (from the first row)"
          % ([round(t - at[0], 2) for t in at], done - at[0]))
    # (n - 1) x 1.5 s = 7.5 s between the worker's first row and its last: ask for 40% of it.
    assert done - at[0] >= 0.4 * (n - 1) * sleep_s, (at, done)
    assert at[-1] - at[0] >= 0.4 * (n - 1) * sleep_s, (at, done)


def test_classic_speculation_is_refused(worker):
    conf = dict(LOOPBACK, **{"spark.speculation": "true"})
    rc, out, _ = run(config(worker, spark_conf=conf), [(token("sp"), jobs(0, 2))])
    assert rc == 1 and out[-1]["type"] == "fatal", out
    assert "spark.speculation" in out[-1]["message"]
    assert not any(o["type"] in ("row", "wave-done") for o in out)


def test_classic_notebook_scan_and_conf(worker, tmp_path):
    """scan() on an in-process classic session (a subprocess: one JVM per process), imported as a
    module, with its defaults (one task: one worker for all users; all four trees) and a
    component; the token is in neither the Spark conf nor the DataFrame."""
    t = token("nb")
    comp = tmp_path / "scanner.wasm"
    comp.write_bytes(b"\0asm notebook component")
    comp_sha = hashlib.sha256(comp.read_bytes()).hexdigest()
    run_log = str(tmp_path / "runs")
    script = r"""
import json, sys
sys.path.insert(0, %(here)r)
from pyspark.sql import SparkSession
import dbx_spark
b = SparkSession.builder.master("local[2]")
for k, v in %(conf)r.items():
    b = b.config(k, v)
spark = b.getOrCreate()
users = ["a@x.com", "b@x.com", "A@X.com", "c@x.com"]
df = dbx_spark.scan(spark, users, host="https://ws", token=%(tok)r, worker_binary=%(worker)r,
                    component=%(comp)r, worker_args=["--runs-file", %(runs)r])
print(json.dumps({"cols": df.columns, "types": [f.dataType.simpleString() for f in df.schema.fields],
                  "rows": [list(r) for r in df.collect()],
                  "conf": spark.sparkContext.getConf().getAll()}))
spark.stop()
""" % {"here": HERE, "conf": LOOPBACK, "tok": t, "worker": worker, "comp": str(comp), "runs": run_log}
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env(), timeout=180)
    assert p.returncode == 0, p.stderr
    res = json.loads(p.stdout.strip().splitlines()[-1])
    assert res["cols"] == ["username", "status", "requests", "note"]
    assert set(res["types"]) == {"string"}
    note = "trees=dbfs+uploads+workspace+repos component=%s" % comp_sha[:12]
    assert res["rows"] == [["a@x.com", "empty", "0", note], ["b@x.com", "empty", "0", note],
                           ["c@x.com", "empty", "0", note]]
    assert len(runs(run_log)) == 1, runs(run_log)
    assert t not in json.dumps(res)


def test_classic_objects_over_the_stream_with_a_retried_task(worker, tmp_path):
    """--objects on classic Spark: the objects lines go over the row stream, each job's before its
    row; the task dies after one row and the next job's objects (local[2,3] retries it): that
    job's objects come again from the retry under another attempt, the one its row names, and
    the objects of every delivered row's attempts are complete and once (the host's rule)."""
    marker = tmp_path / "marker"
    waves = [(token("ob"), jobs(0, 6))]
    cfg = config(worker, master="local[2,3]", partitions=1, fault={"fail_after": 1, "marker": str(marker)},
                 worker_args=["--retry-base-ms", "20", "--objects"])
    rc, out, err = run(cfg, waves)
    assert rc == 0, err
    rows = check_waves(out, waves)
    assert marker.exists()
    forwarded = check_objects(out, {j["i"]: j["user"] for j in waves[0][1]})
    by_i = {r["row"]["i"]: r for r in rows}
    assert by_i[0]["attempt"] == 0 and all(by_i[i]["attempt"] == 1 for i in range(1, 6))
    # Job 1's objects from the attempt that died, then the retry's (those its row names).
    assert len(set(forwarded[1])) == 2 and forwarded[1][-1] in by_i[1]["row"]["objects"], forwarded
    assert all(set(forwarded[i]) == set(by_i[i]["row"]["objects"]) for i in (0, 2, 3, 4, 5)), forwarded


def test_classic_objects_without_the_stream(worker, tmp_path):
    """Runner waves on classic Spark with the row stream on, off, and unreachable (the tasks cannot
    connect): without it the objects lines come in the tasks' results, still before their rows."""
    script = r"""
import json, socket, sys
sys.path.insert(0, %(here)r)
from pyspark.sql import SparkSession
from dbx_spark.runner import Runner
b = SparkSession.builder.master("local[2]")
for k, v in %(conf)r.items():
    b = b.config(k, v)
spark = b.getOrCreate()
runner = Runner(spark, %(worker)r, "https://ws", None, ["--objects"])
stream = runner.stream
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    closed = s.getsockname()[1]
for mode in ("on", "off", "unreachable"):
    runner.stream = None if mode == "off" else stream
    if mode == "unreachable":
        stream.addr = ("127.0.0.1", closed)
    jobs = [{"type": "job", "i": i, "user": "u%%d@x.com" %% i, "trees": "dbfs", "orphan": False} for i in range(7)]
    print(json.dumps([mode, list(runner.wave(%(tok)r, jobs, 2))]))
spark.stop()
""" % {"here": HERE, "conf": LOOPBACK, "worker": worker, "tok": token("ns")}
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env(), timeout=300)
    assert p.returncode == 0, p.stderr
    got = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("[")]
    assert [mode for mode, _ in got] == ["on", "off", "unreachable"]
    for mode, recs in got:
        out = [{"type": "objects", "line": line} if kind == "objects" else {"type": "row", "row": json.loads(line)}
               for _, _, _, kind, line in recs]
        assert sum(o["type"] == "row" for o in out) == 7, (mode, recs)
        check_objects(out, {i: "u%d@x.com" % i for i in range(7)}, once=True)


def test_classic_scan_objects(worker, tmp_path):
    """scan_objects() on an in-process classic session: the users' files (a user given twice is
    scanned once; the objects of a scan the worker dropped are not rows), the frame's schema, the
    workers run once (a second and third action read the checkpoint); a worker's fatal raises."""
    run_log = str(tmp_path / "runs")
    t = token("so")
    script = r"""
import json, sys
sys.path.insert(0, %(here)r)
sys.path.insert(0, %(tests)r)
from pyspark.sql import SparkSession
import dbx_spark
from helpers import frame_summary
b = SparkSession.builder.master("local[2]")
for k, v in %(conf)r.items():
    b = b.config(k, v)
spark = b.getOrCreate()
users = ["a@x.com", "bb@x.com", "A@X.com", "empty@x.com", "f@x.com", "g@x.com"]
df = dbx_spark.scan_objects(spark, users, host="https://ws", token=%(tok)r, worker_binary=%(worker)r,
                            partitions=2, worker_args=["--runs-file", %(runs)r, "--objects-rescan"])
res = dict(frame_summary(df), count=df.count(), again=df.count(), cols=df.columns)
try:
    dbx_spark.scan_objects(spark, ["x@x.com"], host="https://ws", token=%(tok)r, worker_binary=%(worker)r,
                           worker_args=["--always-fail"])
except RuntimeError as e:
    res["fatal"] = str(e)
res["conf"] = spark.sparkContext.getConf().getAll()
print(json.dumps(res))
spark.stop()
""" % {"here": HERE, "tests": os.path.join(HERE, "tests"), "conf": LOOPBACK, "tok": t, "worker": worker,
       "runs": run_log}
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env(), timeout=300)
    assert p.returncode == 0, p.stderr
    res = json.loads(p.stdout.strip().splitlines()[-1])
    assert res["cols"] == ["username", "location", "path", "object_type", "size", "modified", "language",
                           "workspace"]
    assert res["types"] == OBJECT_TYPES
    want = object_rows(["a@x.com", "bb@x.com", "empty@x.com", "f@x.com", "g@x.com"])
    assert res["rows"] == want and res["count"] == res["again"] == len(want)
    assert any(r[4] is None for r in want) and any(r[2] is None for r in want)  # the fake's nulls
    assert len(runs(run_log)) == 2, runs(run_log)  # two shards, each one worker, once
    assert "credentials rejected (fake)" in res["fatal"] and "exit 1" in res["fatal"], res["fatal"]
    assert t not in json.dumps(res)
