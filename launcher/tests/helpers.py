"""What the launcher's tests share: the protocol run, its checks, a Spark Connect server, the
fake worker's logs. Everything listens on 127.0.0.1 only."""
import glob
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import pytest

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # launcher/
LAUNCHER = os.path.join(HERE, "dbx_spark")  # the package folder: `python LAUNCHER` runs it
sys.path.insert(0, HERE)
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
    # A Connect session of this process (test_connect.py) sets SPARK_CONNECT_MODE_ENABLED in its
    # environment: a child would then build a Connect session instead of a classic one.
    for k in ("SPARK_REMOTE", "SPARK_CONNECT_MODE_ENABLED"):
        e.pop(k, None)
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
    """Runs the launcher (`argv`, default `python dbx_spark`, as the host runs it) on the protocol lines of `cfg` and
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


def check_objects(out, users, once=False):
    """The host's rule on the launcher's output `out` (`users`: i → user): each delivered row's
    kept attempts (`row.objects`) have, in the objects lines before it, exactly the user's files
    (fake_worker.objects_of, in order), each once; no objects line of a job comes after its row.
    `once`: also, every objects line forwarded is of a delivered row's attempt (no failed attempt's
    lines went over). Returns {i: [attempt ids of the objects lines forwarded]}."""
    from fake_worker import objects_of

    got, forwarded, answered = {}, {}, set()
    for o in out:
        if o["type"] == "objects":
            assert set(o) == {"type", "line"} and isinstance(o["line"], str), o
            line = json.loads(o["line"])
            assert line["type"] == "objects" and line["i"] in users, line
            assert line["i"] not in answered, "an objects line after its job's row: %s" % o["line"][:200]
            got.setdefault((line["i"], line["attempt"]), []).extend(line["objects"])
            forwarded.setdefault(line["i"], []).append(line["attempt"])
        elif o["type"] == "row":
            i, kept = o["row"]["i"], o["row"]["objects"]
            answered.add(i)
            assert [x for a in kept for x in got.get((i, a), [])] == objects_of(users[i]), (i, kept, got)
    assert answered == set(users), sorted(set(users) - answered)
    if once:
        rows = {o["row"]["i"]: o["row"]["objects"] for o in out if o["type"] == "row"}
        for i, attempts in forwarded.items():
            assert set(attempts) <= set(rows[i]), (i, attempts, rows[i])
    return forwarded


def object_rows(users):
    """scan_objects' rows for `users` (their first spellings), as the tests' scripts print them:
    fake_worker.objects_of, the modified column as ms, sorted."""
    from fake_worker import objects_of

    rows = [[u, o["loc"], o.get("path"), o["type"], o["size"] if o["size"] < 2 ** 63 else None, o.get("mtime"),
             o.get("lang"), None] for u in users for o in objects_of(u)]
    return sorted(rows, key=repr)


OBJECT_TYPES = ["username:string", "location:string", "path:string", "object_type:string", "size:bigint",
                "modified:timestamp", "language:string", "workspace:string"]


def frame_summary(df):
    """What the scan_objects tests check of a frame: its schema and its rows (modified as ms)."""
    return {"types": ["%s:%s" % (f.name, f.dataType.simpleString()) for f in df.schema.fields],
            "rows": sorted([list(r[:5]) + [r[8]] + list(r[6:8]) for r in
                            df.selectExpr("*", "unix_millis(modified) AS ms").collect()], key=repr)}


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


# Runs `_import_pyspark(backend)` in a fresh interpreter (as `python -c`, like an embedded
# interpreter: no __main__ file) with the modules in `block` made unimportable (sys.modules[m] =
# None, which is what a missing module looks like to both `import` and importlib.util.find_spec).
IMPORT_SCRIPT = r"""
import sys
for m in %(block)r:
    sys.modules[m] = None
sys.path.insert(0, %(here)r)
from dbx_spark.errors import Fatal
from dbx_spark.session import _import_pyspark
try:
    _import_pyspark(%(backend)r)
except Fatal as e:
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


def stand_in_pyspark(root, version):
    """A package `pyspark` of `version` under `root` (for PYTHONPATH): just enough to import."""
    pkg = root / "pyspark"
    (pkg / "sql").mkdir(parents=True)
    (pkg / "__init__.py").write_text('__version__ = "%s"\n' % version)
    (pkg / "sql" / "__init__.py").write_text("SparkSession = None\n")
    return pkg
