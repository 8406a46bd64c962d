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
  (a row whose `i` is not one of its jobs), `objects` (an objects line of such an `i`) or `other`
  (a line of another type);
* `--skip-i N`: give job N no answer at all (and exit 0);
* `--runs-file PATH`: append `{"pid":…,"event":"start"|"end","t":time.time()}` lines to PATH when
  the worker starts and when it returns (not at a --fail-after crash).
`--objects` (the real worker's flag): before each job's row, its files (`objects_of(user)`, at
most OBJECTS_PER_LINE per line) as objects lines `{"type":"objects","i":…,"attempt":A,"objects":
[…]}` under a random attempt id A, and the row names it (`"objects":[A]`); a user with no files
gets no objects line (and its row still names A). With `--fail-after N`, the crash comes once N
rows are written and the next job's objects lines too, before its row. Test-only
`--objects-rescan`: each job's first file goes first under another attempt id, one its row does
not name (a scan the worker dropped).
csv-rows: first row per user (case-insensitive), in `i` order, as a small CSV whose `note` tells
the row's trees and component (`trees=… component=<sha256[:12]>|none`)."""
import csv
import hashlib
import json
import os
import random
import sys
import time

NO_VALUE = {"--always-fail", "--skip-preflight", "--debug", "--notebook-sizes", "--objects", "--objects-rescan"}
LOCATIONS = ("dbfs", "uploads", "workspace", "repos")
OBJECTS_PER_LINE = 2


def objects_of(user):
    """The fake's files of `user`, as objects of the worker's objects lines: 1 to 4 of them by the
    sum of its bytes (none for users named empty…). The third has no path; the fourth a size past
    i64 (a Spark frame's null) and no time; workspace/repos ones are notebooks (with a language)
    or untyped."""
    if user.startswith("empty"):
        return []
    out = []
    for k in range(sum(user.encode()) % 4 + 1):
        loc = LOCATIONS[(k + len(user)) % 4]
        dbfs = loc in ("dbfs", "uploads")
        o = {"loc": loc, "path": "/Users/%s/f%d.%s" % (user, k, "csv" if dbfs else "py"),
             "type": "FILE" if dbfs else "NOTEBOOK" if k % 2 else "",
             "size": 100 * k + len(user), "mtime": 1700000000000 + 1000 * k + len(user)}
        if o["type"] == "NOTEBOOK":
            o["lang"] = "PYTHON"
        if k == 2:
            del o["path"]
        if k == 3:
            o["size"] = 2 ** 64 - 1
            del o["mtime"]
        out.append(o)
    return out


def new_attempt():
    return random.getrandbits(64) or 1


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
    elif bad == "objects":
        out({"type": "objects", "i": 10 ** 6, "attempt": 1, "objects": []})
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
        marker = opts.get("--fail-marker")
        attempts = []
        if opts.get("--objects"):
            files = objects_of(job["user"])
            if opts.get("--objects-rescan") and files:
                out({"type": "objects", "i": job["i"], "attempt": new_attempt(), "objects": files[:1]})
            attempts.append(new_attempt())
            for k in range(0, len(files), OBJECTS_PER_LINE):
                out({"type": "objects", "i": job["i"], "attempt": attempts[0],
                     "objects": files[k:k + OBJECTS_PER_LINE]})
            if "--fail-after" in opts and written >= int(opts["--fail-after"]) and marker and \
                    not os.path.exists(marker):
                open(marker, "w").close()
                sys.stderr.write("fake worker: dying after %d rows and job %d's objects (fault switch)\n"
                                 % (written, job["i"]))
                os._exit(101)
        row = {"type": "user", "i": job["i"], "username": job["user"], "status": "empty", "requests": 0,
               "duration_ms": 0, "auth": hashlib.sha256(token.encode()).hexdigest()[:12], "trees": job["trees"],
               "rates": rates, "max_in_flight": opts.get("--max-in-flight"),
               "concurrency": opts.get("--concurrency"), "host": opts.get("--host"),
               "token_label": opts.get("--token-label"), "component": component,
               "component_sha": component_sha, "argv": sys.argv[1:]}
        if opts.get("--objects"):
            row["objects"] = attempts
        out(row)
        written += 1
        if opts.get("--always-fail"):
            sys.stderr.write("error: credentials rejected (fake)\n")
            return int(opts.get("--fail-code", 1))
        if "--fail-after" in opts and not opts.get("--objects") and written >= int(opts["--fail-after"]) and \
                marker and not os.path.exists(marker):
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
