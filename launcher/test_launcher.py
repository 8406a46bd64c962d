"""Tests of the Spark launcher (dbx_spark.py) through its stdin/stdout protocol
(docs/spark-protocol.md), with a stand-in worker (testing/fake_worker.py), against classic
`local[N]` and a local Spark Connect server. Everything listens on 127.0.0.1 only.
Run with scripts/spark-tests.sh (it provides the venv with pyspark)."""
import glob
import hashlib
import inspect
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
LAUNCHER = os.path.join(HERE, "dbx_spark.py")
sys.path.insert(0, HERE)
import dbx_spark  # noqa: E402
import pyspark  # noqa: E402

PYSPARK = tuple(int(x) for x in re.match(r"(\d+)\.(\d+)", pyspark.__version__).groups())
# The Connect tests need pyspark 4.x: 3.5's pip package has no Spark Connect server jar (testing
# it would need Maven), and the launcher supports Spark Connect on pyspark 4.0 and later only.
needs_connect = pytest.mark.skipif(
    PYSPARK < (4, 0), reason="pyspark %s: no Spark Connect server in its pip package, and the launcher "
    "supports Connect on pyspark 4.x only (classic tests run)" % pyspark.__version__)

LOOPBACK = {
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.connect.grpc.binding.address": "127.0.0.1",
    "spark.ui.enabled": "false",
}
TOKENS = []  # every token a test sends: none may appear in a log, conf or output


def env():
    e = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1", PYSPARK_PYTHON=sys.executable)
    e.pop("SPARK_REMOTE", None)
    return e


def token(tag):
    t = "dapi-SECRET-%s-%s" % (tag, os.urandom(6).hex())
    TOKENS.append(t)
    return t


def sha(t):
    return hashlib.sha256(t.encode()).hexdigest()[:12]


def jobs(start, n):
    return [{"type": "job", "i": i, "user": "u%d@x.com" % i, "trees": "dbfs+workspace", "orphan": False}
            for i in range(start, start + n)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def worker(tmp_path_factory):
    path = tmp_path_factory.mktemp("bin") / "dbx-inventory"
    with open(os.path.join(HERE, "testing", "fake_worker.py")) as f:
        path.write_text("#!%s\n%s" % (sys.executable, f.read()))
    path.chmod(0o755)
    return str(path)


LIMITS = {"workspace": 50, "dbfs": 30, "scim": 4.25, "export": 40, "max_in_flight": 16, "concurrency": 24}


def config(worker, **kw):
    c = {"type": "config", "backend": "classic", "master": "local[2]", "remote": None, "cluster_id": None,
         "profile": None, "worker_binary": worker, "partitions": 2, "host": "https://ws.example.com",
         "limits": dict(LIMITS), "worker_args": ["--retry-base-ms", "20"], "debug": True, "fault": None,
         "spark_conf": dict(LOOPBACK)}
    c.update(kw)
    return c


def wave_line(wave):
    """(token, jobs) or (token, jobs, extra wave fields) → the wave line."""
    t, j = wave[0], wave[1]
    return dict({"type": "wave", "token": t, "jobs": j}, **(wave[2] if len(wave) > 2 else {}))


def run(cfg, waves, python=None, timeout=180, argv=None, extra_env=None, times=None):
    """Runs the launcher (`argv`, default `python dbx_spark.py`) on the protocol lines of `cfg` and
    `waves`. `times`, a list: gets the monotonic time each stdout line was read at."""
    lines = [cfg] + [wave_line(w) for w in waves] + [{"type": "end"}]
    stdin = "".join(json.dumps(x) + "\n" for x in lines)
    t0 = time.monotonic()
    with tempfile.TemporaryFile() as errf:
        p = subprocess.Popen(argv or [python or sys.executable, LAUNCHER], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=errf, env=dict(env(), **(extra_env or {})))
        killed = []
        timer = threading.Timer(timeout, lambda: (killed.append(1), p.kill()))
        timer.start()
        try:
            try:
                p.stdin.write(stdin.encode())
                p.stdin.close()
            except BrokenPipeError:
                pass
            stdout = []
            for raw in p.stdout:
                stdout.append(raw.decode())
                if times is not None and raw.strip():
                    times.append(time.monotonic())
            rc = p.wait()
        finally:
            timer.cancel()
        errf.seek(0)
        stderr = errf.read().decode("utf-8", "replace")
    assert not killed, "the launcher did not end within %d s: %s" % (timeout, stderr[-3000:])
    stdout = "".join(stdout)
    out = [json.loads(l) for l in stdout.splitlines() if l.strip()]
    for t in TOKENS:
        assert t not in stdout and t not in stderr, "a token leaked into the launcher's output"
    print("launcher run: %.1f s, rc %d" % (time.monotonic() - t0, rc))
    return rc, out, stderr


def check_waves(out, waves):
    """Every job of each wave has a row or a leftover line (not both; duplicate rows only
    identical), in its wave, rows with its token; `wave-done` counts them; the session said
    `ready` before the first answer. Returns the rows."""
    first = next(i for i, o in enumerate(out) if o["type"] in ("row", "leftover"))
    assert any(o["type"] == "ready" for o in out[:first])
    k = 0
    for wave in waves:
        t, wave_jobs = wave[0], wave[1]
        rows, lefts = [], []
        while out[k]["type"] != "wave-done":
            if out[k]["type"] == "row":
                rows.append(out[k])
            elif out[k]["type"] == "leftover":
                assert set(out[k]) == {"type", "i"}, out[k]
                lefts.append(out[k]["i"])
            k += 1
        assert out[k]["rows"] == len(rows) and out[k]["leftovers"] == len(lefts), out[k]
        k += 1
        by_i = {}
        for r in rows:
            assert r["row"]["auth"] == sha(t), "a task got another wave's token"
            assert r["executor"] and isinstance(r["attempt"], int) and isinstance(r["partition"], int)
            by_i.setdefault(r["row"]["i"], []).append(r["row"])
        assert len(set(lefts)) == len(lefts) and not set(lefts) & set(by_i)
        assert sorted(list(by_i) + lefts) == [j["i"] for j in wave_jobs]
        for dup in by_i.values():
            assert all(d == dup[0] for d in dup)
    return [o for o in out if o["type"] == "row"]


def runs(path):
    """The fake worker's --runs-file: [(pid, start, end or None)] (time.time() seconds)."""
    got = {}
    if os.path.exists(path):
        for line in open(path):
            e = json.loads(line)
            got.setdefault(e["pid"], [e["pid"], None, None])[1 if e["event"] == "start" else 2] = e["t"]
    return [tuple(v) for v in got.values()]


def most_at_once(intervals):
    """The most (start, end) intervals that overlap at one instant (an end before a start at a tie)."""
    events = sorted([(s, 1) for s, _ in intervals] + [(e, 0) for _, e in intervals])
    most = now = 0
    for _, d in events:
        now += 1 if d else -1
        most = max(most, now)
    return most


def flag(argv, name):
    return argv[argv.index(name) + 1] if name in argv else None


def read_event_logs(d):
    data = b""
    for f in glob.glob(os.path.join(d, "**", "*"), recursive=True):
        if os.path.isfile(f):
            raw = open(f, "rb").read()
            if f.endswith(".zstd"):
                import zstandard

                raw = zstandard.ZstdDecompressor().stream_reader(raw).read()
            data += raw
    return data


# ------------------------------------------------------------------------------------------- unit


def test_budget_share():
    args = dbx_spark.budget_args({"workspace": 50, "dbfs": 30, "scim": 4.25, "max_in_flight": 16}, 4)
    # export (60/s) and concurrency (32) are the published defaults when the config has none.
    assert args == ["--rate-limit", "dbfs=7.5", "--rate-limit", "export=15.0", "--rate-limit", "scim=1.0625",
                    "--rate-limit", "workspace=12.5", "--max-in-flight", "4", "--concurrency", "8"]
    # 40 tasks are capped at max_tasks (16): the rates are split 16 ways, one request in flight each;
    # a flag the host already gives is left to it.
    args = dbx_spark.budget_args(None, 40, ["--concurrency", "3"])
    assert "--concurrency" not in args and flag(args, "--max-in-flight") == "1"
    assert "workspace=3.125" in args and "export=3.75" in args
    assert dbx_spark.DEFAULT_LIMITS["export"] == 60 and dbx_spark.DEFAULT_LIMITS["concurrency"] == 32
    assert dbx_spark.split_jobs(jobs(0, 3), 8) == [[json.dumps(j, separators=(",", ":"))] for j in jobs(0, 3)]
    assert dbx_spark.split_jobs(jobs(0, 10), 1) == [[json.dumps(j, separators=(",", ":")) for j in jobs(0, 10)]]


@pytest.mark.parametrize("limits", [
    None,
    LIMITS,
    {"workspace": 7, "dbfs": 3, "scim": 1, "export": 2.5, "max_in_flight": 20, "concurrency": 100},
    {"workspace": 0.5, "max_in_flight": 5, "concurrency": 9},
    {"max_in_flight": 1, "concurrency": 1},
    {"max_in_flight": 16, "concurrency": 4},
])
def test_budget_sums_never_exceed_the_limits(limits):
    """For any N, the min(N, cap) tasks of a wave together stay within every limit."""
    merged = dbx_spark.merged_limits(limits)
    cap = dbx_spark.max_tasks(limits)
    assert cap == min(int(merged["max_in_flight"]), int(merged["concurrency"]))
    families = set(merged) - {"max_in_flight", "concurrency"}
    assert "export" in families
    for n in range(1, 41):
        tasks = min(n, cap)
        args = dbx_spark.budget_args(limits, n)
        rates = dict(args[k + 1].split("=") for k, a in enumerate(args) if a == "--rate-limit")
        assert set(rates) == families, args
        for family, rate in rates.items():
            assert 0 < float(rate) * tasks <= merged[family] * (1 + 1e-12), (n, family, rate)
        in_flight, users = int(flag(args, "--max-in-flight")), int(flag(args, "--concurrency"))
        assert in_flight >= 1 and in_flight * tasks <= merged["max_in_flight"], (n, args)
        assert users >= 1 and users * tasks <= merged["concurrency"], (n, args)


def test_wave_args_and_scan_defaults():
    msg = {"type": "wave", "token": "dapi-not-a-flag", "jobs": [], "n": 3, "start_until_ms": 1700000000000,
           "stop_at_ms": 1700000060000, "token_label": "an OAuth access token minted for Spark wave 3"}
    assert dbx_spark.wave_args(msg) == ["--start-until-ms", "1700000000000", "--stop-at-ms", "1700000060000",
                                        "--token-label", "an OAuth access token minted for Spark wave 3"]
    assert dbx_spark.wave_args({"type": "wave", "token": "t", "jobs": []}) == []
    params = inspect.signature(dbx_spark.scan).parameters
    assert params["partitions"].default == 1 and params["component"].default is None
    assert params["trees"].default == "dbfs+uploads+workspace+repos"


def test_is_connect_by_class_module():
    connect = type("SparkSession", (), {"__module__": "pyspark.sql.connect.session"})
    mine = type("Mine", (connect,), {"__module__": "notebook"})
    classic = type("SparkSession", (), {"__module__": "pyspark.sql.session"})
    assert dbx_spark._is_connect(connect()) and dbx_spark._is_connect(mine())
    assert not dbx_spark._is_connect(classic()) and not dbx_spark._is_connect(object())
    # It imports nothing: with a Connect client whose import ends the process (as pyspark 4.3's
    # does when a dependency is missing), a classic session is still told apart.
    script = r"""
import sys
sys.path.insert(0, %r)
import dbx_spark
from pyspark.sql import SparkSession
class Exits:
    def find_spec(self, name, path=None, target=None):
        if name.startswith("pyspark.sql.connect"):
            raise SystemExit(0)
for m in [m for m in sys.modules if m.startswith("pyspark.sql.connect")]:
    del sys.modules[m]
sys.meta_path.insert(0, Exits())
print("connect=%%s" %% dbx_spark._is_connect(object.__new__(SparkSession)))
""" % HERE
    p = subprocess.run([sys.executable, "-W", "ignore", "-c", script], capture_output=True, text=True, env=env(),
                       timeout=120)
    assert p.returncode == 0 and p.stdout.strip().splitlines()[-1:] == ["connect=False"], (p.stdout, p.stderr)


# The task body (make_task), run here as an executor would run it, on the fake worker.


def task_records(worker, shards, worker_args=(), component=None, stream=None):
    task = dbx_spark.make_task(worker, "cwd", "https://ws.example.com", token("task"), ["--max-in-flight", "1"],
                               list(worker_args), None, False, component, stream)
    return list(task({p: [json.dumps(j) for j in js] for p, js in shards.items()}))


def test_task_rows_leftovers_and_component(worker, tmp_path):
    recs = task_records(worker, {0: jobs(0, 3), 1: jobs(3, 2)}, ["--skip-preflight", "--debug"])
    assert sorted((p, kind, json.loads(line)["i"]) for p, _, _, kind, line in recs) == [
        (0, "row", 0), (0, "row", 1), (0, "row", 2), (1, "row", 3), (1, "row", 4)]
    assert all(a == 0 and re.match(r"^.+:\d+$", e) for _, e, a, _, _ in recs)
    # A job not started before the wave's start deadline comes back as a leftover line.
    past = int(time.time() * 1000) - 60000
    recs = task_records(worker, {2: jobs(5, 3)}, ["--start-until-ms", str(past), "--token-label", "a label"])
    assert [(p, kind) for p, _, _, kind, _ in recs] == [(2, "leftover")] * 3
    assert [json.loads(line) for *_, line in recs] == [
        {"type": "leftover", "i": j["i"], "user": j["user"]} for j in jobs(5, 3)]
    comp = tmp_path / "scanner.wasm"
    comp.write_bytes(b"\0asm a component")
    recs = task_records(worker, {0: jobs(0, 2)}, component=str(comp))
    for *_, line in recs:
        row = json.loads(line)
        assert row["component"] == str(comp) and flag(row["argv"], "--component") == str(comp)
        assert row["component_sha"] == hashlib.sha256(comp.read_bytes()).hexdigest()


@pytest.mark.parametrize("bad", ["garbage", "foreign", "other"])
def test_task_refuses_a_line_that_is_not_its_answer(worker, bad):
    with pytest.raises(RuntimeError) as e:
        task_records(worker, {0: jobs(0, 2), 1: jobs(2, 1)}, ["--bad-line", bad])
    assert dbx_spark.FAIL_MARK in str(e.value)
    msg = dbx_spark._task_error(e.value)
    assert re.match(r"the worker of partition [01] failed on executor .+ \(exit None; Spark's retries exhausted\): "
                    r"the worker printed a line that is not a row or a leftover of its jobs", msg), msg


def test_task_exit_0_without_every_answer_raises(worker):
    with pytest.raises(RuntimeError) as e:
        task_records(worker, {0: jobs(0, 3)}, ["--skip-i", "1"])
    msg = dbx_spark._task_error(e.value)
    assert "(exit 0;" in msg and "exited 0 without a row or a leftover for jobs i=[1]" in msg, msg


@pytest.mark.parametrize("code", [1, 2])
def test_task_worker_verdict_is_a_record_not_a_raise(worker, code):
    """Exit 1 or 2: the worker's own verdict. The task yields its rows, then a fatal record (a
    retry would end the same way)."""
    recs = task_records(worker, {0: jobs(0, 3)}, ["--always-fail", "--fail-code", str(code)])
    assert [kind for _, _, _, kind, _ in recs] == ["row", "fatal"]
    assert json.loads(recs[0][4])["i"] == 0
    info = json.loads(recs[1][4])
    assert info["exit"] == code and info["partition"] == 0 and "credentials rejected (fake)" in info["stderr"]
    msg = dbx_spark._fatal_message(info)
    assert msg.startswith("the worker of partition 0 stopped on executor %s (exit %d): error: credentials "
                          "rejected (fake)" % (recs[1][1], code)), msg


def test_task_other_exit_raises_for_a_retry(worker):
    with pytest.raises(RuntimeError) as e:
        task_records(worker, {0: jobs(0, 3)}, ["--always-fail", "--fail-code", "3"])
    msg = dbx_spark._task_error(e.value)
    assert "(exit 3; Spark's retries exhausted): error: credentials rejected (fake)" in msg, msg


def test_task_streams_rows_to_the_driver(worker):
    """RowStream: each row and leftover also reaches the driver as it comes, with the stream's
    key and wave number; a connection with another key or wave is ignored (rows still come with
    the task's result)."""
    rs = dbx_spark.RowStream("127.0.0.1")
    try:
        q = queue.Queue()
        rs.sink = (7, q)
        host, port = rs.addr
        for stream in ((host, port, "0" * 32, 7), (host, port, rs.key, 6)):
            assert len(task_records(worker, {0: jobs(0, 2)}, stream=stream)) == 2
        past = int(time.time() * 1000) - 60000
        recs = task_records(worker, {0: jobs(0, 3)}, stream=(host, port, rs.key, 7))
        recs += task_records(worker, {1: jobs(3, 2)}, ["--start-until-ms", str(past)], stream=(host, port, rs.key, 7))
        got = [q.get(timeout=60) for _ in recs]
        assert all(kind == "stream" for kind, _ in got)
        assert sorted(v for _, v in got) == sorted(recs)
        assert sorted(v[3] for _, v in got) == ["leftover"] * 2 + ["row"] * 3
        time.sleep(0.5)
        assert q.empty()
    finally:
        rs.close()


# -------------------------------------------------------------------------------------- classic


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


# -------------------------------------------------------------------------------------- connect


class ConnectServer:
    def __init__(self, root):
        import pyspark

        self.port = free_port()
        self.url = "sc://127.0.0.1:%d" % self.port
        self.events = os.path.join(root, "events")
        os.makedirs(self.events)
        self.log = os.path.join(root, "server.log")
        home = os.path.dirname(pyspark.__file__)
        cmd = [os.path.join(home, "bin", "spark-submit"), "--class",
               "org.apache.spark.sql.connect.service.SparkConnectServer", "--master", "local[2,3]",
               "--conf", "spark.connect.grpc.binding.port=%d" % self.port,
               "--conf", "spark.eventLog.enabled=true", "--conf", "spark.eventLog.dir=" + self.events]
        for k, v in LOOPBACK.items():
            cmd += ["--conf", "%s=%s" % (k, v)]
        t0 = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdout=open(self.log, "w"), stderr=subprocess.STDOUT,
                                     env=dict(env(), SPARK_HOME=home), start_new_session=True)
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                assert self.proc.poll() is None, open(self.log).read()[-3000:]
                assert time.monotonic() - t0 < 120, "the Connect server did not start"
                time.sleep(0.3)
        print("Connect server up in %.1f s" % (time.monotonic() - t0))

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        # Its Python workers exit once the JVM is gone: give them a moment, then insist.
        for _ in range(50):
            left = subprocess.run(["ps", "-o", "pid=,args=", "-g", str(self.proc.pid)], capture_output=True,
                                  text=True).stdout.strip()
            if not left:
                return
            time.sleep(0.2)
        os.killpg(self.proc.pid, signal.SIGKILL)
        raise AssertionError("Spark processes left behind: " + left)


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
        assert got == [dbx_spark.murmur3_int(k) for k in range(200)], "routing keys would not route"
        t = token("nbc")
        df = dbx_spark.scan(spark, ["z@x.com", "y@x.com", "Z@x.com"], host="https://ws", token=t,
                            worker_binary=worker, partitions=2)
        rows = [list(r) for r in df.collect()]
        note = "trees=dbfs+uploads+workspace+repos component=none"
        assert rows == [["z@x.com", "empty", "0", note], ["y@x.com", "empty", "0", note]]
        assert t not in json.dumps(rows)
    finally:
        spark.stop()


@needs_connect
def test_unreachable_connect_is_fatal(worker):
    t0 = time.monotonic()
    rc, out, _ = run(config(worker, backend="connect", master=None, remote="sc://127.0.0.1:1"), [])
    assert rc == 1 and out[-1]["type"] == "fatal" and "sc://127.0.0.1:1" in out[-1]["message"]
    assert time.monotonic() - t0 < 30


def test_missing_pyspark_is_fatal(worker):
    for py in ("/usr/bin/python3", shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin")):
        if py and os.path.exists(py) and subprocess.run([py, "-c", "import pyspark"], capture_output=True).returncode:
            break
    else:
        pytest.skip("no python3 without pyspark here")
    rc, out, _ = run(config(worker), [], python=py)
    assert rc == 1 and out[-1]["type"] == "fatal"
    assert "pip install pyspark" in out[-1]["message"] and py in out[-1]["message"]


def test_databricks_without_databricks_connect_is_fatal(worker):
    rc, out, _ = run(config(worker, backend="databricks", master=None, cluster_id="0101-abc"), [])
    assert rc == 1 and "pip install databricks-connect" in out[-1]["message"]


# ------------------------------------------------------------------- the pyspark the launcher accepts

# Runs `_import_pyspark(backend)` in a fresh interpreter (as `python -c`, like an embedded
# interpreter: no __main__ file) with the modules in `block` made unimportable (sys.modules[m] =
# None, which is what a missing module looks like to both `import` and importlib.util.find_spec).
IMPORT_SCRIPT = r"""
import sys
for m in %(block)r:
    sys.modules[m] = None
sys.path.insert(0, %(here)r)
import dbx_spark
try:
    dbx_spark._import_pyspark(%(backend)r)
except dbx_spark.Fatal as e:
    print("FATAL " + str(e))
else:
    print("OK")
"""


def import_pyspark(backend, block=(), extra_env=None):
    p = subprocess.run([sys.executable, "-W", "ignore", "-c", IMPORT_SCRIPT % {
        "block": list(block), "here": HERE, "backend": backend}], capture_output=True, text=True,
        env=dict(env(), **(extra_env or {})), timeout=120)
    assert p.returncode == 0 and p.stdout.strip(), (p.returncode, p.stdout, p.stderr)
    return p.stdout.strip().splitlines()[-1]


@pytest.mark.skipif(PYSPARK < (4, 0), reason="Spark Connect is for pyspark 4.x (see test_connect_on_35_is_fatal)")
def test_import_pyspark_connect_succeeds():
    assert import_pyspark("connect") == "OK"
    assert import_pyspark("classic") == "OK"
    # zstandard: needed by the Connect client from pyspark 4.1 on, not by 4.0's.
    got = import_pyspark("connect", block=["zstandard"])
    if PYSPARK >= (4, 1):
        assert got.startswith("FATAL") and "pip install zstandard" in got
    else:
        assert got == "OK"


@pytest.mark.skipif(PYSPARK < (4, 0), reason="Spark Connect is for pyspark 4.x (see test_connect_on_35_is_fatal)")
def test_connect_missing_module_is_fatal(worker):
    """Through the protocol, in an interpreter where grpc and grpc_status are missing: one fatal
    line naming the modules, the interpreter and the pip command, before any connection attempt."""
    wrapper = ("import runpy, sys\nsys.modules['grpc'] = sys.modules['grpc_status'] = None\n"
               "sys.argv = [%r]\nrunpy.run_path(%r, run_name='__main__')\n" % (LAUNCHER, LAUNCHER))
    t0 = time.monotonic()
    rc, out, _ = run(config(worker, backend="connect", master=None, remote="sc://127.0.0.1:1"), [],
                     argv=[sys.executable, "-W", "ignore", "-c", wrapper])
    assert rc == 1 and out[-1]["type"] == "fatal", out
    msg = out[-1]["message"]
    assert "needs grpc, grpc_status" in msg and sys.executable in msg, msg
    assert "%s -m pip install grpcio grpcio-status`" % sys.executable in msg, msg
    assert "sc://127.0.0.1:1" not in msg  # it did not get as far as connecting
    assert time.monotonic() - t0 < 60


@pytest.mark.skipif(PYSPARK >= (4, 0), reason="pyspark %s has Spark Connect" % pyspark.__version__)
def test_connect_on_35_is_fatal(worker):
    rc, out, _ = run(config(worker, backend="connect", master=None, remote="sc://127.0.0.1:1"), [])
    assert rc == 1 and out[-1]["type"] == "fatal"
    msg = out[-1]["message"]
    assert "needs pyspark 4.0 or later" in msg and "pyspark %s" % pyspark.__version__ in msg, msg
    assert sys.executable in msg and "pip install 'pyspark[connect]>=4.0,<5'" in msg, msg


def stand_in_pyspark(root, version):
    """A package `pyspark` of `version` under `root` (for PYTHONPATH): just enough to import."""
    pkg = root / "pyspark"
    (pkg / "sql").mkdir(parents=True)
    (pkg / "__init__.py").write_text('__version__ = "%s"\n' % version)
    (pkg / "sql" / "__init__.py").write_text("SparkSession = None\n")
    return pkg


def test_old_pyspark_is_fatal(worker, tmp_path):
    """A pyspark older than 3.5 (a stand-in package on PYTHONPATH) is refused, naming its version."""
    stand_in_pyspark(tmp_path / "old", "3.4.1")
    for backend in ("classic", "connect"):
        got = import_pyspark(backend, extra_env={"PYTHONPATH": str(tmp_path / "old")})
        assert got.startswith("FATAL pyspark 3.4.1 in %s is not supported" % sys.executable), got
        assert "pyspark 3.5 (classic" in got and "4.0 up to 4.x" in got, got
    rc, out, _ = run(config(worker), [], extra_env={"PYTHONPATH": str(tmp_path / "old")})
    assert rc == 1 and "pyspark 3.4.1" in out[-1]["message"]



def test_databricks_connect_pyspark_is_refused(tmp_path):
    """databricks-connect's own pyspark (a stand-in with its `dbconnect_version` module) is refused
    for classic and Connect, pointing at --cluster-id; the databricks backend does not look at it."""
    pkg = stand_in_pyspark(tmp_path / "dbc", "3.5.2")
    (pkg / "dbconnect_version.py").write_text('__dbconnect_version__ = "16.1.7"\n')
    for backend in ("classic", "connect"):
        got = import_pyspark(backend, extra_env={"PYTHONPATH": str(tmp_path / "dbc")})
        assert got.startswith("FATAL %s has databricks-connect (its pyspark 3.5.2" % sys.executable), got
        assert "--cluster-id" in got and "without databricks-connect" in got, got

@needs_connect
def test_zz_no_token_in_connect_server_logs(server):
    """Last: stop the server, then no token in its log (plans are logged at INFO) or event log."""
    server.stop()
    data = open(server.log, "rb").read() + read_event_logs(server.events)
    assert b"SparkListenerConnectOperationStarted" in data
    for t in TOKENS:
        assert t.encode() not in data, "a token is in the Connect server's log or event log"
