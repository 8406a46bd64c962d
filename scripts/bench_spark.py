#!/usr/bin/env python3
"""Spark benchmark (issues 10, 20): for each workspace size, the same generated workspace at its
published limits (the simulator enforces them) and a realistic latency, scanned locally and on a
classic Spark master with the default Spark plan (one task holding the whole budget, time-boxed
waves). Prints per size: wall, start-up (a one-user Spark scan minus a one-user local scan), the
rate-limit bound, (wall - start-up) / bound, requests, the share of 429s, and whether the CSVs are
identical. No timing assertions.

Usage: scripts/bench_spark.py --python VENV_PYTHON [--users 300,1000] [--seed 1] [--latency-ms 100]
                              [--master local[2]] [--bin target/release] [--spark-args "…"]
(`scripts/bench-spark.sh` builds release binaries and the pyspark venv first, then calls this.)
"""
import argparse
import json
import os
import shlex
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


def bound_of(st):
    """The least time the answered requests need at the published limits."""
    by = st["by_endpoint"]

    def answered(ep):
        return sum(n for s, n in by.get(ep, {}).items() if str(s) != "429")
    return max(answered("workspace/list") / 50.0, answered("dbfs/list") / 30.0)


def one_size(a, sim_bin, inv, users):
    spec = f"users={users},seed={a.seed}"
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
        spark = ["--spark-master", a.master, "--python", a.python, *shlex.split(a.spark_args)]
        local = scan(inv, url, work, "local", users_file, [], a.python)
        sp = scan(inv, url, work, "spark", users_file, spark, a.python)
        one_spark, _, _ = scan(inv, url, work, "startup", one_user, spark, a.python)
        one_local, _, _ = scan(inv, url, work, "startup-local", one_user, [], a.python)
    finally:
        sim.terminate()
        sim.wait()
    same = open(local[2], "rb").read() == open(sp[2], "rb").read()
    return local, sp, one_spark - one_local, (one_spark, one_local), same


def line(name, wall, st, startup=0.0):
    bound = bound_of(st)
    total, t429 = st["total_requests"], st["status_429"]
    return (f"  {name:<16} wall {wall:7.1f} s  start-up {startup:5.1f} s  bound {bound:6.1f} s  "
            f"(wall - start-up) / bound {(wall - startup) / bound:5.3f}  requests {total:6d}  "
            f"429s {t429:4d} ({100.0 * t429 / max(total, 1):.2f} %)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", required=True, help="a python with pyspark (scripts/spark-venv.sh prints one)")
    ap.add_argument("--users", default="300,1000", help="workspace sizes, comma-separated")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--latency-ms", type=int, default=100)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--spark-args", default="", help="more scan flags for the Spark runs")
    ap.add_argument("--bin", default="target/release")
    a = ap.parse_args()
    sim_bin = os.path.abspath(os.path.join(a.bin, "dbx-sim"))
    inv = os.path.abspath(os.path.join(a.bin, "dbx-inventory"))
    version = subprocess.run([a.python, "-c", "import pyspark; print(pyspark.__version__)"],
                             capture_output=True, text=True).stdout.strip()
    print(f"spark benchmark: generated users (seed {a.seed}), {a.latency_ms} ms mean latency, published limits "
          f"(enforced by the simulator), Spark master {a.master}, pyspark {version}, "
          f"Spark flags: {a.spark_args or '(defaults)'}")
    for users in [int(u) for u in a.users.split(",") if u]:
        local, sp, startup, (one_spark, one_local), same = one_size(a, sim_bin, inv, users)
        print(f"{users} users:")
        print(line("local", local[0], local[1]))
        print(line(f"spark {a.master}", sp[0], sp[1], startup))
        print(f"  start-up: one-user scan on Spark {one_spark:.1f} s, locally {one_local:.1f} s; "
              f"CSVs identical: {same}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
