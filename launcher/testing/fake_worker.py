"""A stand-in for `dbx-inventory worker` / `csv-rows` (docs/spark-protocol.md) for the launcher's
tests. The tests copy it with a `#!<venv python>` line and run it as the worker binary.

worker: reads the auth line and the job lines, prints one `empty` user row per job (plus test
fields: `auth` = sha256(token)[:12], the budget flags it got, its argv), honours
`--fail-after N --fail-marker PATH` (exit 101) and, test-only, `--always-fail` (exit 1) and
`--sleep-ms N` (per row). Exits 1 when the token is missing or appears in argv or the environment.
csv-rows: first row per user (case-insensitive), in `i` order, as a small CSV."""
import csv
import hashlib
import json
import os
import sys
import time


def worker(argv):
    opts, rates, k = {}, [], 0
    while k < len(argv):
        a = argv[k]
        if a == "--always-fail":
            opts[a] = True
            k += 1
        elif a == "--rate-limit":
            rates.append(argv[k + 1])
            k += 2
        elif a.startswith("--"):
            opts[a] = argv[k + 1]
            k += 2
        else:
            sys.stderr.write("error: unexpected argument %r\n" % a)
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
    if opts.get("--always-fail"):
        sys.stderr.write("error: credentials rejected (fake)\n")
        return 1
    written = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        assert job["type"] == "job", job
        if "--sleep-ms" in opts:
            time.sleep(int(opts["--sleep-ms"]) / 1000)
        row = {"type": "user", "i": job["i"], "username": job["user"], "status": "empty", "requests": 0,
               "duration_ms": 0, "auth": hashlib.sha256(token.encode()).hexdigest()[:12],
               "rates": rates, "max_in_flight": opts.get("--max-in-flight"),
               "concurrency": opts.get("--concurrency"), "host": opts.get("--host"), "argv": sys.argv[1:]}
        sys.stdout.write(json.dumps(row) + "\n")
        sys.stdout.flush()
        written += 1
        marker = opts.get("--fail-marker")
        if "--fail-after" in opts and written >= int(opts["--fail-after"]) and marker and not os.path.exists(marker):
            open(marker, "w").close()
            sys.stderr.write("fake worker: dying after %d rows (fault switch)\n" % written)
            os._exit(101)
    sys.stderr.write("fake worker: %d rows\n" % written)
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
        w.writerow([r["username"], r["status"], r["requests"], "NA"])
    return 0


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    sys.exit(worker(sys.argv[2:]) if cmd == "worker" else csv_rows() if cmd == "csv-rows" else 2)
