"""Tests of the Spark launcher (dbx_spark.py) through its stdin/stdout protocol
(docs/spark-protocol.md), with a stand-in worker (testing/fake_worker.py), against classic
`local[N]` and a local Spark Connect server. Everything listens on 127.0.0.1 only.
Run with scripts/spark-tests.sh (it provides the venv with pyspark)."""
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
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


def config(worker, **kw):
    c = {"type": "config", "backend": "classic", "master": "local[2]", "remote": None, "cluster_id": None,
         "profile": None, "worker_binary": worker, "partitions": 2, "host": "https://ws.example.com",
         "limits": {"workspace": 50, "dbfs": 30, "scim": 4.25, "max_in_flight": 16},
         "worker_args": ["--retry-base-ms", "20"], "debug": True, "fault": None, "spark_conf": dict(LOOPBACK)}
    c.update(kw)
    return c


def run(cfg, waves, python=None, timeout=180, argv=None, extra_env=None):
    """Runs the launcher (`argv`, default `python dbx_spark.py`) on the protocol lines of `cfg` and `waves`."""
    lines = [cfg] + [{"type": "wave", "token": t, "jobs": j} for t, j in waves] + [{"type": "end"}]
    stdin = "".join(json.dumps(x) + "\n" for x in lines)
    t0 = time.monotonic()
    p = subprocess.run(argv or [python or sys.executable, LAUNCHER], input=stdin, capture_output=True,
                       text=True, env=dict(env(), **(extra_env or {})), timeout=timeout)
    out = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    for t in TOKENS:
        assert t not in p.stdout and t not in p.stderr, "a token leaked into the launcher's output"
    print("launcher run: %.1f s, rc %d" % (time.monotonic() - t0, p.returncode))
    return p.returncode, out, p.stderr


def check_waves(out, waves):
    """Every job of each wave has a row (duplicates only identical), in its wave, with its token;
    the session said `ready` before the first wave."""
    assert any(o["type"] == "ready" for o in out[: next(i for i, o in enumerate(out) if o["type"] == "row")])
    k = 0
    for t, wave_jobs in waves:
        rows = []
        while out[k]["type"] != "wave-done":
            if out[k]["type"] == "row":
                rows.append(out[k])
            k += 1
        assert out[k]["rows"] == len(rows)
        k += 1
        by_i = {}
        for r in rows:
            assert r["row"]["auth"] == sha(t), "a task got another wave's token"
            assert r["executor"] and isinstance(r["attempt"], int) and isinstance(r["partition"], int)
            by_i.setdefault(r["row"]["i"], []).append(r["row"])
        assert sorted(by_i) == [j["i"] for j in wave_jobs]
        for dup in by_i.values():
            assert all(d == dup[0] for d in dup)
    return [o for o in out if o["type"] == "row"]


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
    assert args == ["--rate-limit", "dbfs=7.5", "--rate-limit", "scim=1.0625", "--rate-limit", "workspace=12.5",
                    "--max-in-flight", "4", "--concurrency", "8"]
    args = dbx_spark.budget_args(None, 40, ["--concurrency", "3"])
    assert "--concurrency" not in args and args[args.index("--max-in-flight") + 1] == "1"
    assert dbx_spark.split_jobs(jobs(0, 3), 8) == [[json.dumps(j, separators=(",", ":"))] for j in jobs(0, 3)]


# -------------------------------------------------------------------------------------- classic


def test_classic_two_waves_tokens_and_event_log(worker, tmp_path):
    evdir = tmp_path / "events"
    evdir.mkdir()
    conf = dict(LOOPBACK, **{"spark.eventLog.enabled": "true", "spark.eventLog.dir": str(evdir)})
    waves = [(token("c1"), jobs(0, 5)), (token("c2"), jobs(5, 3))]
    rc, out, err = run(config(worker, spark_conf=conf), waves)
    assert rc == 0, err
    rows = check_waves(out, waves)
    first = rows[0]["row"]
    assert first["rates"] == ["dbfs=15.0", "scim=2.125", "workspace=25.0"] and first["max_in_flight"] == "8"
    assert first["host"] == "https://ws.example.com" and first["argv"][-2:] == ["--retry-base-ms", "20"]
    # Two slots, five jobs: five shards (up to 4 per slot), never more than two running at once.
    assert {r["partition"] for r in rows[:5]} == set(range(5))
    logs = [o["message"] for o in out if o["type"] == "log"]
    assert any("work spread over" in m for m in logs) and any(m.startswith("partition 0 ran on") for m in logs)
    events = read_event_logs(str(evdir))
    assert b"SparkListenerEnvironmentUpdate" in events  # the Spark conf is in there
    for t in TOKENS:
        assert t.encode() not in events


def test_classic_fault_is_retried(worker, tmp_path):
    marker = tmp_path / "marker"
    waves = [(token("f"), jobs(0, 6))]
    cfg = config(worker, master="local[2,3]", fault={"fail_after": 1, "marker": str(marker)})
    rc, out, err = run(cfg, waves)
    assert rc == 0, err
    rows = check_waves(out, waves)
    assert marker.exists(), "the fault switch did not fire"
    assert any(r["attempt"] == 1 for r in rows), "no row from a retried task"
    assert all("--fail-after" not in r["row"]["argv"] for r in rows if r["attempt"] > 0)


def test_classic_worker_failure_is_fatal(worker):
    cfg = config(worker, master="local[2,2]", worker_args=["--always-fail"])
    rc, out, _ = run(cfg, [(token("cx"), jobs(0, 3))])
    assert rc == 1 and out[-1]["type"] == "fatal"
    assert "credentials rejected (fake)" in out[-1]["message"] and "exit 1" in out[-1]["message"]


def test_classic_notebook_scan_and_conf(worker):
    """scan() on an in-process classic session (a subprocess: one JVM per process), imported as a
    module; the token is in neither the Spark conf nor the DataFrame."""
    t = token("nb")
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
df = dbx_spark.scan(spark, users, host="https://ws", token=%(tok)r, worker_binary=%(worker)r, partitions=2)
print(json.dumps({"cols": df.columns, "types": [f.dataType.simpleString() for f in df.schema.fields],
                  "rows": [list(r) for r in df.collect()],
                  "conf": spark.sparkContext.getConf().getAll()}))
spark.stop()
""" % {"here": HERE, "conf": LOOPBACK, "tok": t, "worker": worker}
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env(), timeout=180)
    assert p.returncode == 0, p.stderr
    res = json.loads(p.stdout.strip().splitlines()[-1])
    assert res["cols"] == ["username", "status", "requests", "note"]
    assert set(res["types"]) == {"string"}
    assert res["rows"] == [["a@x.com", "empty", "0", "NA"], ["b@x.com", "empty", "0", "NA"],
                           ["c@x.com", "empty", "0", "NA"]]
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
    waves = [(token("s1"), jobs(0, 7)), (token("s2"), jobs(7, 2))]
    cfg = config(worker, backend="connect", master=None, remote=server.url, partitions=3,
                 fault={"fail_after": 1, "marker": str(marker)})
    rc, out, err = run(cfg, waves)
    assert rc == 0, err
    rows = check_waves(out, waves)
    assert marker.exists() and any(r["attempt"] == 1 for r in rows)
    assert rows[0]["row"]["rates"] == ["dbfs=10.0", "scim=%r" % (4.25 / 3), "workspace=%r" % (50 / 3)]
    assert {r["partition"] for r in rows[:7]} == {0, 1, 2}


@needs_connect
def test_connect_worker_failure_is_fatal(worker, server):
    cfg = config(worker, backend="connect", master=None, remote=server.url,
                 worker_args=["--always-fail"])
    rc, out, _ = run(cfg, [(token("x"), jobs(0, 2))])
    assert rc == 1 and out[-1]["type"] == "fatal"
    assert "credentials rejected (fake)" in out[-1]["message"] and "exit 1" in out[-1]["message"]


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
        assert rows == [["z@x.com", "empty", "0", "NA"], ["y@x.com", "empty", "0", "NA"]]
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


def test_old_pyspark_is_fatal(worker, tmp_path):
    """A pyspark older than 3.5 (a stand-in package on PYTHONPATH) is refused, naming its version."""
    pkg = tmp_path / "old" / "pyspark"
    (pkg / "sql").mkdir(parents=True)
    (pkg / "__init__.py").write_text('__version__ = "3.4.1"\n')
    (pkg / "sql" / "__init__.py").write_text("SparkSession = None\n")
    for backend in ("classic", "connect"):
        got = import_pyspark(backend, extra_env={"PYTHONPATH": str(tmp_path / "old")})
        assert got.startswith("FATAL pyspark 3.4.1 in %s is not supported" % sys.executable), got
        assert "pyspark 3.5 (classic" in got and "4.0 up to 4.x" in got, got
    rc, out, _ = run(config(worker), [], extra_env={"PYTHONPATH": str(tmp_path / "old")})
    assert rc == 1 and "pyspark 3.4.1" in out[-1]["message"]



def test_databricks_connect_pyspark_is_refused(tmp_path):
    """databricks-connect's own pyspark (a stand-in with its `dbconnect_version` module) is refused
    for classic and Connect, pointing at --cluster-id; the databricks backend does not look at it."""
    pkg = tmp_path / "dbc" / "pyspark"
    (pkg / "sql").mkdir(parents=True)
    (pkg / "__init__.py").write_text('__version__ = "3.5.2"\n')
    (pkg / "dbconnect_version.py").write_text('__dbconnect_version__ = "16.1.7"\n')
    (pkg / "sql" / "__init__.py").write_text("SparkSession = None\n")
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
