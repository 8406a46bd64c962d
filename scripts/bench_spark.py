#!/usr/bin/env python3
"""Spark benchmark (issue 10): the same generated workspace, published limits, realistic latency,
scanned locally and on a classic `local[N]` Spark master; prints, per path, the wall time over the
rate-limit bound, requests, the share of 429s, and the Spark path's start-up overhead (a one-user
Spark scan). No timing assertions.

Usage: scripts/bench_spark.py --python VENV_PYTHON [--users 300] [--seed 1] [--latency-ms 100]
                              [--master local[4]] [--bin target/release]
(`scripts/bench-spark.sh` builds release binaries and the pyspark venv first, then calls this.)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request


def post(url):
    urllib.request.urlopen(urllib.request.Request(url, method="POST")).read()


def stats(url):
    return json.loads(urllib.request.urlopen(url + "/__sim/stats").read())


def scan(inv, url, work, name, users_file, extra, py):
    env = {"PATH": os.environ.get("PATH", ""), "HOME": work, "DATABRICKS_HOST": url, "DATABRICKS_TOKEN": "dapi-sim",
           "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": py}
    out = os.path.join(work, name + ".csv")
    post(url + "/__sim/stats")  # reset
    t0 = time.monotonic()
    p = subprocess.run([inv, "scan", "--users-file", users_file, "-q", "-o", out, "--overwrite", *extra],
                       env=env, cwd=work, capture_output=True, text=True)
    wall = time.monotonic() - t0
    if p.returncode not in (0, 3):
        sys.exit(f"{name} scan failed (exit {p.returncode}):\n{p.stderr[-3000:]}")
    return wall, stats(url), out


def report(name, wall, st):
    by = st["by_endpoint"]

    def answered(ep):
        return sum(n for s, n in by.get(ep, {}).items() if str(s) != "429")
    ws, dbfs = answered("workspace/list"), answered("dbfs/list")
    bound = max(ws / 50.0, dbfs / 30.0)
    total, t429 = st["total_requests"], st["status_429"]
    print(f"  {name:<14} wall {wall:7.1f} s   bound {bound:6.1f} s   wall/bound {wall / bound:5.3f}   "
          f"requests {total:6d}   429s {t429:4d} ({100.0 * t429 / max(total, 1):.2f} %)")
    return bound


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", required=True, help="a python with pyspark (scripts/spark-venv.sh prints one)")
    ap.add_argument("--users", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--latency-ms", type=int, default=100)
    ap.add_argument("--master", default="local[4]")
    ap.add_argument("--bin", default="target/release")
    a = ap.parse_args()
    sim_bin = os.path.abspath(os.path.join(a.bin, "dbx-sim"))
    inv = os.path.abspath(os.path.join(a.bin, "dbx-inventory"))
    spec = f"users={a.users},seed={a.seed}"
    fixture = json.loads(subprocess.run([sim_bin, "generate", spec], check=True, capture_output=True).stdout)
    work = tempfile.mkdtemp(prefix="bench-spark-")
    users_file = os.path.join(work, "users.txt")
    with open(users_file, "w") as f:
        f.write("\n".join(u["userName"] for u in fixture["users"]) + "\n")
    one_user = os.path.join(work, "one.txt")
    with open(one_user, "w") as f:
        f.write(fixture["users"][0]["userName"] + "\n")
    sim = subprocess.Popen([sim_bin, "serve", "--generate", spec, "--latency-ms", str(a.latency_ms), "--seed", "7"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = sim.stdout.readline().split()[-1]
        spark = ["--spark-master", a.master, "--python", a.python,
                 "--spark-partitions", a.master.strip("local[]").split(",")[0] or "4"]
        local_wall, local_st, local_csv = scan(inv, url, work, "local", users_file, [], a.python)
        spark_wall, spark_st, spark_csv = scan(inv, url, work, "spark", users_file, spark, a.python)
        startup, _, _ = scan(inv, url, work, "startup", one_user, spark, a.python)
        one_local, _, _ = scan(inv, url, work, "startup-local", one_user, [], a.python)
    finally:
        sim.terminate()
        sim.wait()
    same = open(local_csv, "rb").read() == open(spark_csv, "rb").read()
    print(f"spark benchmark: {a.users} generated users (seed {a.seed}), {a.latency_ms} ms mean latency, "
          f"published limits, Spark master {a.master}")
    report("local", local_wall, local_st)
    sb = report(f"spark {a.master}", spark_wall, spark_st)
    print(f"  spark / local wall:   {spark_wall / local_wall:.3f}   (spark wall over its bound: "
          f"{100.0 * (spark_wall / sb - 1):+.1f} %; goal within 10 %)")
    print(f"  start-up overhead:    {startup - one_local:.1f} s (one-user scan: spark {startup:.1f} s, local {one_local:.1f} s)")
    print(f"  CSVs identical:       {same}")


if __name__ == "__main__":
    main()
