"""scan_objects with the real `dbx-inventory worker` against the workspace simulator (`dbx-sim
serve`, on 127.0.0.1): the frame's rows are exactly the objects the worker itself prints for the
rows it keeps, and as many per user as the row's counted files. The binaries: DBX_INVENTORY_BIN
and DBX_SIM_BIN, else the repository's target/debug build (scripts/spark-tests.sh builds it)."""
import json
import os
import select
import subprocess
import sys

from helpers import HERE, LOOPBACK, OBJECT_TYPES, TOKENS, env

ROOT = os.path.dirname(HERE)
TREES = ("dbfs", "uploads", "workspace", "repos")


def binary(var, name):
    path = os.environ.get(var) or os.path.join(ROOT, "target", "debug", name)
    assert os.access(path, os.X_OK), "%s is not built: run `cargo build -p dbx-inventory -p dbx-sim` (or set %s)" % (
        path, var)
    return path


class Sim:
    """`dbx-sim serve --generate SPEC --token TOKEN` on 127.0.0.1, stopped by stop()."""

    def __init__(self, spec, token):
        sim = binary("DBX_SIM_BIN", "dbx-sim")
        self.users = [u["userName"] for u in json.loads(subprocess.run(
            [sim, "generate", spec], check=True, capture_output=True, text=True).stdout)["users"]]
        self.proc = subprocess.Popen([sim, "serve", "--generate", spec, "--addr", "127.0.0.1:0", "--token", token],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        line = self.proc.stdout.readline() if ready else ""
        if not line.startswith("listening on http://"):
            self.stop()
            raise AssertionError("dbx-sim did not start: %r" % line)
        self.url = line.split()[-1]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def worker_objects(inv, url, token, users):
    """The rows scan_objects should give: the worker's own objects lines (of the attempts its rows
    keep), run directly; also checks each user's count against its row's counted files."""
    jobs = [{"type": "job", "i": i, "user": u, "trees": "+".join(TREES), "orphan": False} for i, u in enumerate(users)]
    stdin = "".join(json.dumps(x) + "\n" for x in [{"type": "auth", "token": token}] + jobs)
    p = subprocess.run([inv, "worker", "--host", url, "--objects", "--skip-preflight"], input=stdin,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    held, rows = {}, []
    for line in p.stdout.splitlines():
        m = json.loads(line)
        if m["type"] == "objects":
            held.setdefault((m["i"], m["attempt"]), []).extend(m["objects"])
            continue
        assert m["type"] == "user" and m["status"] == "success", m
        mine = [o for a in m["objects"] for o in held.get((m["i"], a), [])]
        assert len(mine) == sum(m[t]["files"] for t in TREES if isinstance(m.get(t), dict)), m
        rows += [[users[m["i"]], o["loc"], o.get("path"), o.get("type", ""),
                  o["size"] if o.get("size") is not None and o["size"] < 2 ** 63 else None, o.get("mtime"),
                  o.get("lang"), None] for o in mine]
    return sorted(rows, key=repr)


def test_scan_objects_with_the_real_worker(tmp_path):
    inv = binary("DBX_INVENTORY_BIN", "dbx-inventory")
    token = "dapi-SECRET-real-%s" % os.urandom(6).hex()
    TOKENS.append(token)
    sim = Sim("users=8,seed=5", token)
    try:
        users = sim.users[:6]
        want = worker_objects(inv, sim.url, token, users)
        assert len(want) > 20 and {r[1] for r in want} >= {"workspace", "uploads"}, want[:5]
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
df = dbx_spark.scan_objects(spark, %(users)r, host=%(url)r, token=%(tok)r, worker_binary=%(inv)r, partitions=2,
                            worker_args=["--skip-preflight"])
print(json.dumps(dict(frame_summary(df), count=df.count())))
spark.stop()
""" % {"here": HERE, "tests": os.path.join(HERE, "tests"), "conf": LOOPBACK, "users": users, "url": sim.url,
           "tok": token, "inv": inv}
        p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env(), timeout=600)
        assert p.returncode == 0, p.stderr[-5000:]
        assert token not in p.stdout and token not in p.stderr
        got = json.loads(p.stdout.strip().splitlines()[-1])
    finally:
        sim.stop()
    assert got["types"] == OBJECT_TYPES
    assert got["count"] == len(want)
    assert got["rows"] == want
