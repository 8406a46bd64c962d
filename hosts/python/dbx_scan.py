#!/usr/bin/env python3
"""Run the dbx-inventory scanner component from Python (wasmtime-py), as a second Wasm host.

The component is the same file the Rust host embeds. This host implements its two imports:
`dbx:inventory/http.send` checks each request against the read-only allow-list (`wit/allow-list.json`,
the file the Rust and Node hosts read too), adds the credentials (which never enter the component),
runs the batch on a thread pool and answers in order; `dbx:inventory/objects.put` takes the counted
files when the scan asks for them (`ObjectsWriter`: JSON Lines) and ignores the call otherwise.

As a library (e.g. in a notebook; `hosts/python` on `sys.path`, `pip install wasmtime`):

    from dbx_scan import Scanner, HttpCapability
    scanner = Scanner("scanner.wasm", HttpCapability("https://<workspace>", token))
    report = scanner.scan_user("alice@example.com")   # a dict: the WIT user-report, snake_case keys
    # all four locations by default; e.g. scan_user(u, repos=False, as_of_ms=…, stale_days=180)
    # one JSON line per counted file: Scanner(…, objects=ObjectsWriter(open("objects.jsonl", "w")))

No retries and no rate limiting: a minimal embedding, not a replacement for the `dbx-inventory`
binary. Against a real workspace a 429 (rate limited) or a 5xx on any listing is final: it becomes
that user's `error` (status "error", the error naming the path and the HTTP status). Fine for a
handful of users; for a whole workspace use the binary (it retries with backoff and shares the
workspace's rate limits across users).

    DATABRICKS_HOST=… DATABRICKS_TOKEN=… python hosts/python/dbx_scan.py --component scanner.wasm USER…
        [--locations dbfs,uploads,workspace,repos] [--as-of 2026-11-30] [--stale-days 365]
        [--objects FILE.jsonl]

Prints one JSON object per user (the component's `user-report`: per location its counts and ages,
`last_modified_ms`, `stale_files`, `stale_bytes`, `undated_files`, bytes by `age` band, the
`largest` files). With `--objects`, also writes one JSON object per counted file to FILE.jsonl
(`username`, `location`, `path`, `object_type`, `size`, `modified_ms`, `language`).
"""
import argparse
import datetime
import json
import os
import sys
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import wasmtime
import wasmtime.component as wc

ALLOW_LIST_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "wit", "allow-list.json")


def _quote(s):
    """A string in double quotes, as the Rust host's reasons print it."""
    return json.dumps(s, ensure_ascii=False)


class AllowList:
    """The read-only allow-list of `wit/allow-list.json`, the file the Rust host embeds (and whose
    checks it defines: host/src/policy/allow_list.rs). Same checks, same order, same reasons.
    Endpoints of an optional feature (`"option"`, e.g. `notebook-sizes`) are left off: this host
    never enables one (its scans never ask the scanner for notebook sizes)."""

    def __init__(self, path=ALLOW_LIST_PATH):
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
        self.rules = spec["rules"]
        self.endpoints = {}
        for e in spec["endpoints"]:
            if e.get("option") is not None:
                continue
            if e["method"] != "GET" or e["path"] in self.endpoints:
                raise ValueError(f"{path}: unsupported or duplicate endpoint {e!r}")
            self.endpoints[e["path"]] = e

    def check(self, path, query):
        """None if the request may be sent, else the reason it is `denied`."""
        r = self.rules
        if len(path.encode("utf-8")) > r["max_path_bytes"]:
            return f"path longer than {r['max_path_bytes']} bytes"
        for c in path:
            if c in r["forbidden_path_chars"] or (r["forbid_control_chars"] and unicodedata.category(c) == "Cc"):
                return f"path {_quote(path)} contains {c!r}"
        endpoint = self.endpoints.get(path)
        if endpoint is None:
            return f"path {_quote(path)} is not on the read-only allow-list"
        if len(query) > r["max_params"]:
            return f"{len(query)} query parameters (limit {r['max_params']})"
        for name, value in query:
            if name not in endpoint["params"]:
                return f"query parameter {_quote(name)} is not allowed on {path}"
            if len(value.encode("utf-8")) > r["max_value_bytes"]:
                return f"query parameter {_quote(name)} longer than {r['max_value_bytes']} bytes"
        for name, roots in sorted(endpoint.get("roots", {}).items()):
            values = [v for n, v in query if n == name]
            for value in values:
                if not any(within_root(value, root) for root in roots):
                    return f"query parameter {_quote(name)} value {_quote(value)} is not within {' or '.join(roots)}"
            if not values:
                return f"query parameter {_quote(name)} is required on {path}"
        return None


def within_root(value, root):
    """`root` itself or below it: `root`, `/`, then non-empty segments, none `.` or `..` (so
    `/Users2`, `/Repos.evil`, `/Users/` and `/Users/../x` are not within `/Users`)."""
    if value == root:
        return True
    if not value.startswith(root + "/"):
        return False
    return all(s not in ("", ".", "..") for s in value[len(root) + 1:].split("/"))


def record(**fields):
    r = wc.Record()
    for k, v in fields.items():
        setattr(r, k.replace("_", "-"), v)
    return r


class HttpCapability:
    """The `dbx:inventory/http` import: allow-list check, credentials added here (never given to
    the component), the batch sent on a thread pool and answered in order. No retries, no rate
    limit: every HTTP status (429 and 5xx included) goes to the guest as the final answer."""

    def __init__(self, host, token, workers=8, timeout=60, allow=None):
        self.host = host.rstrip("/")
        self.allow = allow or AllowList()
        self._auth = "Bearer " + token  # stays in the host
        self.pool = ThreadPoolExecutor(max_workers=workers)
        self.timeout = timeout

    def _one(self, req):
        path = req.path
        denied = self.allow.check(path, list(req.query))
        if denied is not None:
            return wc.Variant("denied", denied)
        url = self.host + path
        if req.query:
            url += "?" + urllib.parse.urlencode(list(req.query))
        r = urllib.request.Request(url, headers={"Authorization": self._auth})
        try:
            with urllib.request.urlopen(r, timeout=self.timeout) as resp:
                return record(status=resp.status, body=resp.read())
        except urllib.error.HTTPError as e:
            return record(status=e.code, body=e.read())
        except TimeoutError:
            return wc.Variant("timeout")
        except OSError as e:
            return wc.Variant("transport", str(e))

    def send(self, _store, requests):
        return list(self.pool.map(self._one, requests))


def to_plain(v):
    if isinstance(v, wc.Record):
        return {k.replace("-", "_"): to_plain(x) for k, x in vars(v).items()}  # WIT kebab-case → snake_case
    if isinstance(v, wc.Variant):
        return v.tag if v.payload is None else {v.tag: to_plain(v.payload)}
    if isinstance(v, list):
        return [to_plain(x) for x in v]
    return v


class ObjectsWriter:
    """The `dbx:inventory/objects` import as JSON Lines: one line per counted file, with the user
    being scanned (`Scanner.scan_user` sets `username`) and the WIT `object` fields in snake_case
    (`location`, `path`, `object_type`, `size`, `modified_ms`, `language`; null when absent).
    `out` is any text file; `count` is the lines written so far."""

    def __init__(self, out):
        self.out = out
        self.username = None
        self.count = 0

    def put(self, _store, batch):
        for o in batch:
            row = {"username": self.username, **to_plain(o)}
            self.out.write(json.dumps(row, ensure_ascii=False) + "\n")
            self.count += 1


LOCATIONS = ("dbfs", "uploads", "workspace", "repos")
DEFAULT_STALE_DAYS = 365


def now_ms():
    return int(time.time() * 1000)


def parse_as_of(text):
    """`2026-11-30` (midnight UTC) or an RFC 3339 time (`2026-11-30T17:04:05Z`) → ms since the epoch."""
    try:
        if len(text) == 10:
            d = datetime.datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=datetime.timezone.utc)
        else:
            d = datetime.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
            if d.tzinfo is None:
                raise ValueError("no time zone")
    except ValueError as e:
        raise ValueError(f"{text!r} is neither a date (2026-11-30) nor an RFC 3339 time: {e}") from None
    return int(d.timestamp() * 1000)


def parse_locations(text):
    """`dbfs,uploads,workspace,repos` (any subset) → the scan_user keyword arguments."""
    chosen = [x.strip() for x in text.split(",") if x.strip()]
    bad = [x for x in chosen if x not in LOCATIONS]
    if bad or not chosen:
        raise ValueError(f"locations must be some of {','.join(LOCATIONS)}, not {text!r}")
    return {loc: loc in chosen for loc in LOCATIONS}


class Scanner:
    """One instance of the scanner component, talking to the workspace only through `http`.

    `Scanner(component_path, http).scan_user(name) -> dict` scans one user's four locations (DBFS
    home, UI uploads, Workspace home, /Repos; pick with `dbfs=`, `uploads=`, `workspace=`,
    `repos=`; ages at `as_of_ms`, default now, stale after `stale_days`, default 365) and returns
    the WIT `user-report` as plain Python (snake_case keys; `status` is "success", "empty" or
    "error"; `dbfs`/`uploads`/`workspace`/`repos` are None when not scanned; each tree has its
    counts, `last_modified_ms`, `stale_files`, `stale_bytes`, `undated_files`, `age` and `largest`).
    It never raises for a failed listing: failures land in the report.

    With `objects` (an `ObjectsWriter`, or anything with `username` and `put(store, batch)`), every
    scan also hands over its counted files (`scan-options.objects`), each exactly once; without, the
    scans ask for none.

    Neither this class nor `HttpCapability` retries or rate-limits: a 429 or a 5xx from a real
    workspace is the final answer and becomes that user's error row (scan again to retry). Fine
    for a handful of users; use the `dbx-inventory` binary for a workspace. Not thread-safe: one
    scan at a time per instance.
    """

    def __init__(self, component_path, http, objects=None):
        self.objects = objects
        engine = wasmtime.Engine()
        self.store = wasmtime.Store(engine)
        self.store.set_wasi(wasmtime.WasiConfig())  # empty: no files, env, args or stdio
        component = wc.Component.from_file(engine, component_path)
        linker = wc.Linker(engine)
        linker.add_wasip2()  # the component's std needs a few WASI interfaces; nothing is preopened
        with linker.root() as root:
            with root.add_instance("dbx:inventory/http@0.1.0") as http_iface:
                http_iface.add_func("send", http.send)
            with root.add_instance("dbx:inventory/objects@0.1.0") as objects_iface:
                # The scans ask for objects only with a sink; the import must be there all the same.
                objects_iface.add_func("put", objects.put if objects is not None else _ignore_objects)
        self.instance = linker.instantiate(self.store, component)
        iface = self.instance.get_export_index(self.store, "dbx:inventory/scanner@0.1.0")
        self.scan_user_fn = self.instance.get_func(self.store, self.instance.get_export_index(self.store, "scan-user", iface))

    def scan_user(self, username, dbfs=True, workspace=True, uploads=True, repos=True, as_of_ms=None,
                  stale_days=DEFAULT_STALE_DAYS):
        """Scans the chosen locations (default: all four) with ages measured at `as_of_ms` (ms since
        the epoch; default: now) and files older than `stale_days` days counted stale."""
        options = record(
            dbfs=dbfs, workspace=workspace, uploads=uploads, repos=repos, batch_size=0, notebook_sizes=False,
            as_of_ms=now_ms() if as_of_ms is None else int(as_of_ms), stale_days=int(stale_days),
            objects=self.objects is not None,
        )
        if self.objects is not None:
            self.objects.username = username
        report = self.scan_user_fn(self.store, username, options)
        self.scan_user_fn.post_return(self.store)
        return to_plain(report)


def _ignore_objects(_store, _batch):
    """`objects.put` when no objects are asked for (the guest then never calls it)."""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--component", required=True, help="the scanner component (.wasm)")
    ap.add_argument("--locations", default=",".join(LOCATIONS),
                    help="locations to scan, any of dbfs,uploads,workspace,repos (default: all four)")
    ap.add_argument("--as-of", help="measure ages from this date (2026-11-30, midnight UTC) or RFC 3339 time "
                    "(default: now)")
    ap.add_argument("--stale-days", type=int, default=DEFAULT_STALE_DAYS,
                    help="a file is stale when modified more than N days before --as-of (default 365)")
    ap.add_argument("--objects", metavar="FILE.jsonl",
                    help="also write one JSON object per counted file (username, location, path, object_type, size, "
                    "modified_ms, language) to this file")
    ap.add_argument("users", nargs="+")
    a = ap.parse_args()
    try:
        locations = parse_locations(a.locations)
        as_of_ms = now_ms() if a.as_of is None else parse_as_of(a.as_of)
    except ValueError as e:
        ap.error(str(e))
    if not 0 <= a.stale_days <= 0xFFFFFFFF:
        ap.error("--stale-days must be a non-negative integer")
    host, token = os.environ.get("DATABRICKS_HOST"), os.environ.get("DATABRICKS_TOKEN")
    if not host or not token:
        sys.exit("set DATABRICKS_HOST and DATABRICKS_TOKEN")
    out = open(a.objects, "w", encoding="utf-8") if a.objects else None
    try:
        scanner = Scanner(a.component, HttpCapability(host, token), objects=ObjectsWriter(out) if out else None)
        for u in a.users:
            print(json.dumps(scanner.scan_user(u, as_of_ms=as_of_ms, stale_days=a.stale_days, **locations),
                             sort_keys=True))
    finally:
        if out:
            out.close()


if __name__ == "__main__":
    main()
