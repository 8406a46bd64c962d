#!/usr/bin/env python3
"""Account benchmark (issue 24): a simulated account of N workspaces (`dbx-sim serve --account`),
each at the published limits and 100 ms mean latency, scanned by the real `dbx-inventory` in one
run (`scan --account-id … --all-users`).

For each N (default 3 and 10) it prints: the wall time; each workspace's bound (its own
max(workspace listings / 50, DBFS listings / 30, SCIM requests / 4.25), from the simulator's
per-workspace statistics); wall / largest bound (the aim: <= 1.1, plus start-up); wall / sum of
the bounds (what one workspace after another would cost at best); 429s; peak memory (RSS).

Baseline, in the same script and on the same simulator (`--baseline`, default on for the
smallest N): today's way, one single-workspace `scan` per workspace, one after another; its
total wall time and the account run's speed-up over it.

Usage: scripts/bench_account.py [--bin target/release] [--counts 3,10] [--users 120,90,60]
                                [--latency-ms 100] [--no-baseline]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

CLIENT = ("bench-sp", "bench-secret")
ACCOUNT = "bench-account"


def account_file(work, n, sizes):
    workspaces = [
        {"workspace_id": 1000 + i, "deployment_name": f"ws-{i:02d}", "workspace_name": f"Team {i}",
         "workspace_status": "RUNNING", "generate": f"users={sizes[i % len(sizes)]},seed={i + 1}"}
        for i in range(n)
    ]
    path = os.path.join(work, f"account-{n}.json")
    with open(path, "w") as f:
        json.dump({"account_id": ACCOUNT, "client": ":".join(CLIENT), "workspaces": workspaces}, f)
    return path, [w["deployment_name"] for w in workspaces]


def timed(cmd, env, cwd):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, rusage = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    code = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode()
    if code not in (0, 3):
        sys.exit(f"{' '.join(cmd[:3])} failed (exit {code}): {err[-2000:]}")
    return wall, rusage.ru_maxrss / 1024


def bound_of(stats):
    by = stats["by_endpoint"]

    def answered(prefix):
        return sum(n for ep, m in by.items() if ep.startswith(prefix) for s, n in m.items() if str(s) != "429")
    ws, dbfs, scim = answered("workspace/list"), answered("dbfs/list"), answered("scim/")
    return max(ws / 50.0, dbfs / 30.0, scim / (255 / 60.0)), ws, dbfs, scim


def run(a, n, baseline):
    sim_bin = os.path.abspath(os.path.join(a.bin, "dbx-sim"))
    inv_bin = os.path.abspath(os.path.join(a.bin, "dbx-inventory"))
    work = tempfile.mkdtemp(prefix=f"bench-account-{n}-")
    path, names = account_file(work, n, a.users)
    sim = subprocess.Popen([sim_bin, "serve", "--account", path, "--latency-ms", str(a.latency_ms), "--seed", "7"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = sim.stdout.readline().split()[-1]
        port = url.rsplit(":", 1)[1]
        env = {"PATH": os.environ.get("PATH", ""), "HOME": work,
               "DATABRICKS_CLIENT_ID": CLIENT[0], "DATABRICKS_CLIENT_SECRET": CLIENT[1]}
        wall, rss = timed([inv_bin, "scan", "--account-id", ACCOUNT, "--host", url, "--all-users", "-q",
                           "-o", os.path.join(work, "account.csv"), "--concurrency", str(a.concurrency)], env, work)
        # The simulator's statistics go through the loopback names dbx-inventory resolves itself.
        req = urllib.request.Request(f"http://127.0.0.1:{port}/__sim/stats", headers={"Host": f"accounts.localhost:{port}"})
        stats = json.loads(urllib.request.urlopen(req).read())["workspaces"]
        sequential = None
        if baseline:
            sequential = 0.0
            for name in names:
                w, _ = timed([inv_bin, "scan", "--host", f"http://{name}.localhost:{port}", "--all-users", "-q",
                              "-o", os.path.join(work, f"single-{name}.csv"), "--concurrency", str(a.concurrency)],
                             env, work)
                sequential += w
    finally:
        sim.terminate()
        sim.wait()
    rows = sum(1 for _ in open(os.path.join(work, "account.csv"))) - 1
    bounds = {name: bound_of(stats[name]) for name in names}
    # The account run's own requests: the baseline's single scans came after and are not counted.
    largest = max(b[0] for b in bounds.values())
    total = sum(b[0] for b in bounds.values())
    t429 = sum(stats[name]["status_429"] for name in names)
    requests = sum(stats[name]["total_requests"] for name in names)
    print(f"account benchmark: {n} workspaces ({', '.join(str(a.users[i % len(a.users)]) for i in range(n))} "
          f"generated users), {a.latency_ms} ms mean latency, published limits per workspace")
    print(f"  users scanned:            {rows}")
    print(f"  wall time:                {wall:.1f} s")
    for name in names:
        b, ws, dbfs, scim = bounds[name]
        print(f"  bound {name}:              {b:5.1f} s  (workspace listings {ws}/50, DBFS {dbfs}/30, SCIM {scim}/4.25)")
    print(f"  largest bound:            {largest:.1f} s")
    print(f"  sum of bounds:            {total:.1f} s")
    print(f"  wall / largest bound:     {wall / largest:.3f}   (aim <= 1.1, plus start-up)")
    print(f"  wall / sum of bounds:     {wall / total:.3f}")
    print(f"  429 answers:              {t429} of {requests}")
    print(f"  peak memory (RSS):        {rss:.1f} MiB")
    if sequential is not None:
        print(f"  baseline (one scan per workspace, one after another): {sequential:.1f} s; "
              f"the account run is {sequential / wall:.1f}x faster")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release")
    ap.add_argument("--counts", default="3,10")
    ap.add_argument("--users", default="120,90,60", help="users per workspace, cycled")
    ap.add_argument("--latency-ms", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--no-baseline", action="store_true")
    a = ap.parse_args()
    a.users = [int(u) for u in a.users.split(",")]
    counts = [int(c) for c in a.counts.split(",")]
    for i, n in enumerate(counts):
        run(a, n, baseline=not a.no_baseline and i == 0)


if __name__ == "__main__":
    main()
