#!/usr/bin/env python3
"""Objects benchmark (issue 22): what `scan --objects FILE.parquet` costs, each figure measured
with and without it, in the same script, on the same simulator.

1. At the limits (`--users`, default 500 generated users, 100 ms mean latency, published limits):
   `scan --all-users` wall time, the bound max(workspace listings / 50, DBFS listings / 30) and
   wall / bound (goal <= 1.03, as without --objects).
2. At scale (`--scale-users`, default 100,000 generated users, no limits, no latency, client limits
   raised): wall time, objects/s, the Parquet file's and the spool's sizes, peak RSS.
3. One big user (`--big-files`, default 2,000,000 files in one home: half in the Workspace, half in
   DBFS, 1,000 a folder): wall time, objects/s, peak RSS (goal: at most a few MB more with --objects).

Usage: scripts/bench_objects.py [--bin target/release] [--users 500] [--scale-users 100000]
                                [--big-files 2000000] [--skip limits,scale,big]
(`scripts/bench-objects.sh` builds release binaries first and calls this.)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

RAISED = [arg for fam in ("workspace", "dbfs", "scim", "export")
          for arg in ("--rate-limit", f"{fam}=1000000")] + ["--max-in-flight", "20"]


def serve(sim_bin, args):
    t = time.monotonic()
    sim = subprocess.Popen([sim_bin, "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = sim.stdout.readline().split()[-1]
    return sim, url, time.monotonic() - t


def stats(url, reset=False):
    if reset:
        urllib.request.urlopen(urllib.request.Request(url + "/__sim/stats", method="POST")).read()
        return None
    return json.loads(urllib.request.urlopen(url + "/__sim/stats").read())


def timed(cmd, url, work):
    env = {"PATH": os.environ.get("PATH", ""), "HOME": work, "DATABRICKS_HOST": url, "DATABRICKS_TOKEN": "dapi-sim"}
    t = time.monotonic()
    p = subprocess.Popen(cmd, env=env, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, rusage = os.wait4(p.pid, 0)
    secs = time.monotonic() - t
    err = p.stderr.read().decode()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 3):
        sys.exit(f"{' '.join(cmd[1:3])} failed (exit {code}): {err[-2000:]}")
    return secs, rusage.ru_maxrss / 1024


def objects_of(work, name="o.parquet"):
    """(rows, Parquet bytes, spool bytes) of a run's objects, from the CSV's file counts."""
    import csv
    with open(os.path.join(work, "out.csv")) as f:
        rows = sum(int(r["file_count"]) for r in csv.DictReader(f))
    spool = os.path.join(work, "out.csv.journal.objects")
    return rows, os.path.getsize(os.path.join(work, name)), os.path.getsize(spool)


def both(inv_bin, url, base, label):
    """The scan without and with --objects, each in its own folder: [(label, secs, rss, work)]."""
    out = []
    for objects in (False, True):
        work = tempfile.mkdtemp(prefix="bench-objects-")
        stats(url, reset=True)
        cmd = [inv_bin, "scan", *base, "-q", "-o", os.path.join(work, "out.csv")]
        if objects:
            cmd += ["--objects", os.path.join(work, "o.parquet")]
        secs, rss = timed(cmd, url, work)
        out.append((f"{label} {'with' if objects else 'without'} --objects", secs, rss, work, stats(url)))
    return out


def at_limits(a, sim_bin, inv_bin):
    spec = f"users={a.users},seed={a.seed}"
    sim, url, _ = serve(sim_bin, ["--generate", spec, "--latency-ms", str(a.latency_ms), "--seed", "7"])
    try:
        runs = both(inv_bin, url, ["--all-users", "--concurrency", "32"], "scan --all-users")
    finally:
        sim.terminate()
        sim.wait()
    print(f"at the limits: {a.users} generated users (seed {a.seed}), {a.latency_ms} ms mean latency, published limits")
    for label, secs, rss, work, st in runs:
        by = st["by_endpoint"]
        ok = lambda ep: sum(n for s, n in by.get(ep, {}).items() if str(s) != "429")  # noqa: E731
        bound = max(ok("workspace/list") / 50.0, ok("dbfs/list") / 30.0)
        print(f"  {label:38} wall {secs:6.1f} s   bound {bound:6.1f} s   wall / bound {secs / bound:.3f}"
              f"   (goal <= 1.03)   429s {st['status_429']}   peak RSS {rss:.1f} MiB")
    files, pq, spool = objects_of(runs[1][3])
    print(f"  objects: {files} rows, Parquet {pq / 1e6:.2f} MB ({pq / max(files, 1):.1f} bytes/file), "
          f"spool {spool / 1e6:.2f} MB; wall with / without: {runs[1][1] / runs[0][1]:.3f}")


def at_scale(a, sim_bin, inv_bin):
    spec = f"users={a.scale_users},seed={a.seed}"
    sim, url, served = serve(sim_bin, ["--generate", spec, "--no-limits", "--seed", "7"])
    try:
        work = tempfile.mkdtemp(prefix="bench-objects-users-")
        users_txt = os.path.join(work, "users.txt")
        timed([inv_bin, "users", "-o", users_txt, *RAISED], url, work)
        base = ["--users-file", users_txt, "--list-homes", "--concurrency", str(a.concurrency), *RAISED]
        runs = both(inv_bin, url, base, "scan")
    finally:
        sim.terminate()
        sim.wait()
    print_unlimited(f"at scale: {a.scale_users} generated users (seed {a.seed}), no limits, no latency, client "
                    f"limits raised (simulator start {served:.1f} s)", runs)


def print_unlimited(title, runs):
    """The figures of a run without limits, without and with --objects."""
    files, pq, spool = objects_of(runs[1][3])
    print(title)
    for label, secs, rss, _, _ in runs:
        print(f"  {label:38} wall {secs:6.1f} s   {files / secs:9.0f} files/s   peak RSS {rss:.1f} MiB")
    (_, s0, r0, _, _), (_, s1, r1, _, _) = runs
    print(f"  objects: {files} rows, Parquet {pq / 1e6:.1f} MB ({pq / max(files, 1):.1f} bytes/file), spool "
          f"{spool / 1e6:.1f} MB; wall with / without {s1 / s0:.3f}; peak RSS with - without: {r1 - r0:+.1f} MiB "
          f"(goal: a few MB)")


def big_fixture(path, files):
    """One user with `files` files: half Workspace FILEs, half DBFS files, 1,000 a folder."""
    user = "big@example.com"
    per, half = 1000, files // 2
    with open(path, "w") as f:
        f.write('{"users":[{"userName":"%s","active":true}],"workspace":[' % user)
        first = True
        for k in range(0, half, per):
            d = f"/Users/{user}/d{k // per:05d}"
            f.write(("" if first else ",") + json.dumps({"path": d, "object_type": "DIRECTORY"}))
            first = False
            for j in range(k, min(k + per, half)):
                f.write(',{"path":"%s/f%07d.py","object_type":"FILE","size":%d,"modified_at":%d}'
                        % (d, j, 100 + j % 5000, 1700000000000 + j))
        f.write('],"dbfs":[')
        first = True
        for k in range(0, files - half, per):
            d = f"/Users/{user}/d{k // per:05d}"
            f.write(("" if first else ",") + json.dumps({"path": d, "is_dir": True}))
            first = False
            for j in range(k, min(k + per, files - half)):
                f.write(',{"path":"%s/p%07d.parquet","file_size":%d,"modification_time":%d}'
                        % (d, j, 1000 + j % 9000, 1700000000000 + j))
        f.write("]}")
    return user


def big_user(a, sim_bin, inv_bin):
    tmp = tempfile.mkdtemp(prefix="bench-objects-big-")
    fixture = os.path.join(tmp, "big.json")
    user = big_fixture(fixture, a.big_files)
    sim, url, served = serve(sim_bin, ["--fixture", fixture, "--no-limits"])
    try:
        runs = both(inv_bin, url, [user, "--locations", "dbfs,workspace", *RAISED], f"1 user, {a.big_files} files,")
    finally:
        sim.terminate()
        sim.wait()
    print_unlimited(f"one big user: {a.big_files} files (1,000 a folder, half Workspace, half DBFS), no limits "
                    f"(simulator start {served:.1f} s)", runs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release")
    ap.add_argument("--users", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--latency-ms", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--scale-users", type=int, default=100000)
    ap.add_argument("--big-files", type=int, default=2000000)
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: limits, scale, big")
    a = ap.parse_args()
    sim_bin = os.path.abspath(os.path.join(a.bin, "dbx-sim"))
    inv_bin = os.path.abspath(os.path.join(a.bin, "dbx-inventory"))
    skip = set(filter(None, a.skip.split(",")))
    for name, part in (("limits", at_limits), ("scale", at_scale), ("big", big_user)):
        if name not in skip:
            part(a, sim_bin, inv_bin)
            sys.stdout.flush()


if __name__ == "__main__":
    main()
