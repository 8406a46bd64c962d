"""A stand-in for `dbx-inventory worker` / `csv-rows` (docs/spark-protocol.md) for the launcher's
tests. The tests copy it with a `#!<venv python>` line and run it as the worker binary.

worker: reads the auth line and the job lines, and answers each job with one `empty` user row
(plus test fields: `auth` = sha256(token)[:12], the budget flags it got, its argv, the job's
trees, the component it was given and that file's sha256), or with a `leftover` line
(`{"type":"leftover","i":N,"user":…}`, printed at the end as the real worker does) when the job
would start after `--start-until-ms` or `--stop-at-ms` (ms since the epoch). Exits 1 when the token
is missing or appears in argv or the environment, 2 on bad arguments (a value flag without its
value, an unknown positional argument, a `--component` file that cannot be read).

Flags without a value: `--skip-preflight`, `--debug`, `--notebook-sizes` (the real worker's) and,
test-only, `--always-fail`. Every other `--flag` takes one value (`--rate-limit` may repeat).
Test-only behaviour:
* `--fail-after N --fail-marker PATH`: after N rows, if PATH does not exist, create it and exit
  101 at once (a crash: Spark retries);
* `--always-fail`: answer the first job with a row, then `error: credentials rejected (fake)` on
  stderr and exit `--fail-code` (default 1: the worker's own verdict, no retry);
* `--sleep-ms N`: sleep before each row;
* `--bad-line KIND`: first print a line the launcher must refuse: `garbage` (not JSON), `foreign`
  (a row whose `i` is not one of its jobs) or `other` (a line of another type);
* `--skip-i N`: give job N no answer at all (and exit 0);
* `--runs-file PATH`: append `{"pid":…,"event":"start"|"end","t":time.time()}` lines to PATH when
  the worker starts and when it returns (not at a --fail-after crash).
csv-rows: first row per user (case-insensitive), in `i` order, as a small CSV whose `note` tells
the row's trees and component (`trees=… component=<sha256[:12]>|none`)."""
import csv
import hashlib
import json
import os
import sys
import time

NO_VALUE = {"--always-fail", "--skip-preflight", "--debug", "--notebook-sizes"}


def now_ms():
    return int(time.time() * 1000)


def parse(argv):
    """{flag: value or True}, the --rate-limit values; or an error message."""
    opts, rates, k = {}, [], 0
    while k < len(argv):
        a = argv[k]
        if a in NO_VALUE:
            opts[a] = True
            k += 1
            continue
        if not a.startswith("--"):
            return None, None, "unexpected argument %r" % a
        if k + 1 >= len(argv) or argv[k + 1].startswith("--"):
            return None, None, "%s needs a value" % a
        if a == "--rate-limit":
            rates.append(argv[k + 1])
        else:
            opts[a] = argv[k + 1]
        k += 2
    return opts, rates, None


def record(opts, event):
    if "--runs-file" in opts:
        with open(opts["--runs-file"], "a") as f:
            f.write(json.dumps({"pid": os.getpid(), "event": event, "t": time.time()}) + "\n")


def worker(argv):
    opts, rates, err = parse(argv)
    if err:
        sys.stderr.write("error: %s\n" % err)
        return 2
    record(opts, "start")
    try:
        return scan(opts, rates)
    finally:
        record(opts, "end")


def scan(opts, rates):
    component, component_sha = opts.get("--component"), None
    if component is not None:
        try:
            with open(component, "rb") as f:
                component_sha = hashlib.sha256(f.read()).hexdigest()
        except OSError as e:
            sys.stderr.write("error: --component %s: %s\n" % (component, e))
            return 2
    first = sys.stdin.readline()
    try:
        auth = json.loads(first)
    except ValueError:
        auth = {}
    if auth.get("type") != "auth" or not auth.get("token"):
        sys.stderr.write("error: the first stdin line is not the auth line: %r\n" % first[:80])
        return 1
    token = auth["token"]
    if any(token in a for a in sys.argv) or any(token in v for v in os.environ.values()):
        sys.stderr.write("error: the token is in argv or the environment\n")
        return 1

    def out(obj):
        sys.stdout.write((obj if isinstance(obj, str) else json.dumps(obj)) + "\n")
        sys.stdout.flush()

    bad = opts.get("--bad-line")
    if bad == "garbage":
        out("this is not a protocol line")
    elif bad == "foreign":
        out({"type": "user", "i": 10 ** 6, "username": "nobody@x.com", "status": "empty"})
    elif bad == "other":
        out({"type": "progress", "i": 0})
    deadlines = [int(opts[f]) for f in ("--start-until-ms", "--stop-at-ms") if f in opts]
    skip = int(opts["--skip-i"]) if "--skip-i" in opts else None
    written, leftovers = 0, []
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        assert job["type"] == "job", job
        if job["i"] == skip:
            continue
        if any(now_ms() >= d for d in deadlines):
            leftovers.append({"type": "leftover", "i": job["i"], "user": job["user"]})
            continue
        if "--sleep-ms" in opts:
            time.sleep(int(opts["--sleep-ms"]) / 1000)
        out({"type": "user", "i": job["i"], "username": job["user"], "status": "empty", "requests": 0,
             "duration_ms": 0, "auth": hashlib.sha256(token.encode()).hexdigest()[:12], "trees": job["trees"],
             "rates": rates, "max_in_flight": opts.get("--max-in-flight"),
             "concurrency": opts.get("--concurrency"), "host": opts.get("--host"),
             "token_label": opts.get("--token-label"), "component": component,
             "component_sha": component_sha, "argv": sys.argv[1:]})
        written += 1
        if opts.get("--always-fail"):
            sys.stderr.write("error: credentials rejected (fake)\n")
            return int(opts.get("--fail-code", 1))
        marker = opts.get("--fail-marker")
        if "--fail-after" in opts and written >= int(opts["--fail-after"]) and marker and not os.path.exists(marker):
            open(marker, "w").close()
            sys.stderr.write("fake worker: dying after %d rows (fault switch)\n" % written)
            os._exit(101)
    for left in leftovers:
        out(left)
    sys.stderr.write("fake worker: %d rows, %d left over\n" % (written, len(leftovers)))
    return 0


def csv_rows():
    rows, seen = [], set()
    for line in sys.stdin:
        if line.strip():
            r = json.loads(line)
            if r["username"].lower() not in seen:
                seen.add(r["username"].lower())
                rows.append(r)
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["username", "status", "requests", "note"])
    for r in sorted(rows, key=lambda r: r["i"]):
        note = "trees=%s component=%s" % (r.get("trees"), (r.get("component_sha") or "none")[:12])
        w.writerow([r["username"], r["status"], r["requests"], note])
    return 0


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    sys.exit(worker(sys.argv[2:]) if cmd == "worker" else csv_rows() if cmd == "csv-rows" else 2)
