// The scanner component in Node.js (jco) against the simulator: same counts as the Rust host.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import { LOCATIONS, loadScanner, parseAsOf, reportJson, scanOptions } from "./dbx-scan.js";
import { ALLOW_LIST_PATH, loadAllowList, send, withinRoot } from "./http.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
// Where cargo put dbx-sim: $DBX_BIN_DIR, else the debug folder of $CARGO_TARGET_DIR (relative to the
// repository, as cargo resolves it when run there) or of target/.
const binDir = process.env.DBX_BIN_DIR || path.resolve(root, process.env.CARGO_TARGET_DIR || "target", "debug");
let sim, sim4, sim4Url, scanner;
const AS_OF = 1796083200000; // 2026-12-01T00:00:00Z
const DAY = 86_400_000;

async function serve(fixture) {
  const p = spawn(path.join(binDir, "dbx-sim"), ["serve", "--fixture", path.join(root, "tests/fixtures", fixture)]);
  const first = await new Promise((resolve) => createInterface({ input: p.stdout }).once("line", resolve));
  return [p, first.split(" ").pop()];
}

// One scanner (the generated module is configured once per process): the semantics fixture, and
// the four-location fixture (files in all four locations of a@x.com, times on both sides of the
// 365-day boundary, undated and future-dated files, name-prefix siblings) in a second simulator
// scanned through the CLI.
before(async () => {
  let url;
  [sim, url] = await serve("semantics.json");
  [sim4, sim4Url] = await serve("hosts_four_locations.json");
  scanner = await loadScanner({ host: url, token: "dapi-sim" });
});
after(() => {
  sim.kill();
  sim4.kill();
});

function cli(args) {
  const env = { ...process.env, DATABRICKS_HOST: sim4Url, DATABRICKS_TOKEN: "dapi-sim" };
  return spawnSync(process.execPath, [path.join(root, "hosts/node/dbx-scan.js"), ...args], { env, encoding: "utf8" });
}

test("counts match the Rust host", () => {
  const r = scanner.scanUser("alice@example.com", scanOptions());
  assert.equal(r.status, "success");
  assert.deepEqual([r.dbfs.files, r.dbfs.bytes, r.workspace.files, r.workspace.bytes], [4n, 307n, 11n, 1363n]);
  assert.equal(r.dbfs.directories + r.workspace.directories, 37n);
});

test("errors name the path; hostile names reach their own home", () => {
  const bob = scanner.scanUser("bob@example.com", scanOptions());
  assert.equal(bob.status, "error");
  assert.match(bob.error, /\/Users\/bob@example.com\/broken: HTTP 500/);
  const w = scanner.scanUser("we+ird #?%&ü x@example.com", scanOptions());
  assert.equal(w.dbfs.bytes + w.workspace.bytes, 33n);
});

test("scan options: all four locations, now, 365 days by default; the caller chooses", () => {
  const before = Date.now();
  const d = scanOptions();
  assert.deepEqual({ ...d, asOfMs: undefined }, {
    dbfs: true, workspace: true, uploads: true, repos: true, batchSize: 0, notebookSizes: false, asOfMs: undefined, staleDays: 365,
    objects: false,
  });
  assert.ok(d.asOfMs >= BigInt(before) && d.asOfMs <= BigInt(Date.now()));
  const o = scanOptions({ locations: "uploads,repos", asOfMs: AS_OF, staleDays: 30 });
  assert.deepEqual([o.dbfs, o.uploads, o.workspace, o.repos, o.asOfMs, o.staleDays], [false, true, false, true, BigInt(AS_OF), 30]);
  assert.throws(() => scanOptions({ locations: "dbfs,volumes" }), /locations must be some of dbfs,uploads,workspace,repos/);
  assert.throws(() => scanOptions({ staleDays: -1 }));
  assert.equal(parseAsOf("2026-12-01"), AS_OF);
  assert.equal(parseAsOf("2026-12-01T00:00:00Z"), AS_OF);
  assert.equal(parseAsOf("2026-12-01T01:00:00+01:00"), AS_OF);
  for (const bad of ["last week", "2026-12-01T00:00:00", "12/01/2026"]) assert.throws(() => parseAsOf(bad), bad);
  assert.deepEqual(LOCATIONS, ["dbfs", "uploads", "workspace", "repos"]);
});

test("the default scan reports all four locations with the new fields", () => {
  const r = JSON.parse(reportJson(scanner.scanUser("alice@example.com", scanOptions())));
  for (const loc of LOCATIONS) {
    assert.notEqual(r[loc], null, loc);
    for (const k of ["lastModifiedMs", "staleFiles", "staleBytes", "undatedFiles", "age", "largest"]) assert.ok(k in r[loc], `${loc}.${k}`);
  }
  assert.equal(r.uploads.homeExists, false);
  assert.equal(r.repos.homeExists, false);
});

test("the CLI scans four locations with ages at --as-of (siblings never counted)", () => {
  const p = cli(["--as-of", "2026-12-01T00:00:00Z", "a@x.com", "b@x.com"]);
  assert.equal(p.status, 0, p.stderr);
  const [a, b] = p.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(a.status, "success");
  const got = Object.fromEntries(LOCATIONS.map((l) => [l, [a[l].files, a[l].bytes, a[l].staleFiles, a[l].staleBytes, a[l].undatedFiles, a[l].lastModifiedMs]]));
  assert.deepEqual(got, {
    dbfs: [1, 100, 1, 100, 0, AS_OF - 400 * DAY],
    uploads: [2, 57, 0, 0, 1, AS_OF - 3 * DAY],
    workspace: [2, 14, 0, 0, 1, AS_OF - 365 * DAY],
    repos: [2, 2000, 1, 2000, 0, AS_OF - 10 * DAY],
  });
  assert.deepEqual(a.uploads.age, { under30Days: 50, under90Days: 0, under1Year: 0, under3Years: 0, older: 0, undated: 7 });
  assert.deepEqual(a.uploads.largest, [
    { path: "/FileStore/shared_uploads/a@x.com/up.csv", bytes: 50, modifiedMs: AS_OF - 3 * DAY },
    { path: "/FileStore/shared_uploads/a@x.com/nodate.csv", bytes: 7, modifiedMs: null },
  ]);
  assert.equal(b.status, "empty");
  assert.deepEqual(LOCATIONS.map((l) => b[l].homeExists), [false, false, false, false]);
  const some = cli(["--locations", "dbfs,workspace", "--as-of", "2026-12-02", "--stale-days", "365", "a@x.com"]);
  const s = JSON.parse(some.stdout);
  assert.deepEqual([s.uploads, s.repos, s.workspace.staleFiles, s.workspace.staleBytes], [null, null, 1, 10]);
  const bad = cli(["--locations", "dbfs,volumes", "a@x.com"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /locations must be some of dbfs,uploads,workspace,repos/);
});

test("the objects written with --objects are the counted files", () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "dbx-objects-")), "objects.jsonl");
  const p = cli(["--as-of", "2026-12-01", "--objects", file, "a@x.com", "b@x.com"]);
  assert.equal(p.status, 0, p.stderr);
  const [a, b] = p.stdout.trim().split("\n").map((l) => JSON.parse(l));
  const rows = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.ok(rows.every((r) => r.username === "a@x.com")); // b@x.com has no home: no files
  for (const loc of LOCATIONS) {
    const mine = rows.filter((r) => r.location === loc);
    assert.equal(mine.length, a[loc].files, loc);
    assert.equal(new Set(mine.map((r) => r.path)).size, mine.length, loc);
  }
  assert.equal(LOCATIONS.reduce((n, l) => n + b[l].files, 0), 0);
  const got = rows.map((r) => [r.location, r.path, r.object_type, r.size, r.modified_ms, r.language]).sort();
  assert.deepEqual(got, [
    ["dbfs", "/Users/a@x.com/old.bin", "FILE", 100, AS_OF - 400 * DAY, null],
    ["repos", "/Repos/a@x.com/proj/big.whl", "FILE", 2000, AS_OF - 365 * DAY - 1, null],
    ["repos", "/Repos/a@x.com/proj/nb", "NOTEBOOK", null, AS_OF - 10 * DAY, "PYTHON"],
    ["uploads", "/FileStore/shared_uploads/a@x.com/nodate.csv", "FILE", 7, null, null],
    ["uploads", "/FileStore/shared_uploads/a@x.com/up.csv", "FILE", 50, AS_OF - 3 * DAY, null],
    ["workspace", "/Users/a@x.com/at-the-boundary.txt", "FILE", 10, AS_OF - 365 * DAY, null],
    ["workspace", "/Users/a@x.com/future.txt", "FILE", 4, null, null],
  ]);
  assert.deepEqual(Object.keys(rows[0]), ["username", "location", "path", "object_type", "size", "modified_ms", "language"]);
});

test("the host's allow-list refuses write endpoints", () => {
  const [r] = send([{ path: "/api/2.0/workspace/delete", query: [["path", "/Users/a"]] }]);
  assert.equal(r.tag, "err");
  assert.equal(r.val.tag, "denied");
});

const allow = loadAllowList();

test("the allow-list is the shared file, trimmed to what the scanner sends", () => {
  assert.equal(ALLOW_LIST_PATH, path.join(root, "wit/allow-list.json"));
  const entries = Object.fromEntries([...allow.endpoints].map(([p, e]) => [p, [e.family, e.params]]));
  assert.deepEqual(entries, {
    "/api/2.0/workspace/list": ["workspace", ["path"]],
    "/api/2.0/dbfs/list": ["dbfs", ["path"]],
    "/api/2.0/preview/scim/v2/Users": ["scim", ["startIndex", "count", "attributes"]],
    "/api/2.0/preview/scim/v2/Me": ["scim", []],
    "/api/2.0/preview/scim/v2/ServicePrincipals": ["scim", ["startIndex", "count", "attributes"]],
  });
});

test("the allow-list accepts what the scanner sends", () => {
  assert.equal(allow.check("/api/2.0/workspace/list", [["path", "/Users/a+b #?&%/x ü"]]), null);
  assert.equal(allow.check("/api/2.0/dbfs/list", [["path", "/Users/a"]]), null);
  const users = [["startIndex", "1"], ["count", "100"], ["attributes", "id,userName,displayName,active"]];
  assert.equal(allow.check("/api/2.0/preview/scim/v2/Users", users), null);
  assert.equal(allow.check("/api/2.0/preview/scim/v2/Me", []), null);
  const sps = [["startIndex", "1"], ["count", "100"], ["attributes", "id,applicationId,displayName,active"]];
  assert.equal(allow.check("/api/2.0/preview/scim/v2/ServicePrincipals", sps), null);
});

test("the allow-list refuses other endpoints and path tricks", () => {
  for (const p of ["/api/2.0/workspace/delete", "/api/2.0/dbfs/put", "/api/2.0/token/create", "/oidc/v1/token",
    "/api/2.0/workspace/get-status", "/api/2.0/fs/directories/Volumes/c/s/v", "/api/2.0/workspace/list/", ""]) {
    assert.equal(allow.check(p, []), `path ${JSON.stringify(p)} is not on the read-only allow-list`);
  }
  for (const p of ["/api/2.0/dbfs/../token/create", "/api/2.0/workspace/list?path=/", "/api/2.0/workspace/list#x",
    "/api/2.0/workspace/%6Cist", "/api/2.0/workspace\\list", "/api/2.0/workspace/list\n", "/api/2.0//dbfs/list"]) {
    assert.notEqual(allow.check(p, []), null, p);
  }
  assert.equal(allow.check("/api/2.0/workspace/list#x", []), `path "/api/2.0/workspace/list#x" contains '#'`);
});

test("the allow-list confines paths to the four locations' roots", () => {
  const dbfs = (p) => allow.check("/api/2.0/dbfs/list", [["path", p]]);
  const ws = (p) => allow.check("/api/2.0/workspace/list", [["path", p]]);
  for (const p of ["/Users", "/Users/a@x.com", "/Users/a@x.com/sub/f", "/FileStore/shared_uploads", "/FileStore/shared_uploads/a@x.com/d"]) {
    assert.equal(dbfs(p), null, p);
  }
  for (const p of ["/Users", "/Users/a@x.com/nb", "/Repos", "/Repos/a@x.com", "/Repos/a@x.com/proj/dir"]) assert.equal(ws(p), null, p);
  for (const p of ["/", "/Users2", "/Users.evil/x", "/FileStore", "/FileStore/shared_uploads2/a", "/FileStore/tables/x",
    "/Repos", "/Repos/a", "/Users/a/../../FileStore/x", "/Users/", "dbfs:/Users/a"]) {
    assert.notEqual(dbfs(p), null, p);
  }
  for (const p of ["/", "/Shared", "/Users2", "/Repos.evil", "/Repos2/a", "/FileStore/shared_uploads/a",
    "/Repos/a/../../Shared", "/Users/a//b", "/Users/a/./b"]) {
    assert.notEqual(ws(p), null, p);
  }
  assert.equal(ws("/Repos.evil"), 'query parameter "path" value "/Repos.evil" is not within /Users or /Repos');
  assert.equal(dbfs("/Users2"), 'query parameter "path" value "/Users2" is not within /Users or /FileStore/shared_uploads');
  assert.equal(allow.check("/api/2.0/dbfs/list", []), 'query parameter "path" is required on /api/2.0/dbfs/list');
  assert.notEqual(allow.check("/api/2.0/workspace/list", [["path", "/Users/a"], ["path", "/Shared"]]), null);
  assert.ok(withinRoot("/Users/...", "/Users") && !withinRoot("/Users/..", "/Users"));
  const roots = Object.fromEntries([...allow.endpoints].map(([p, e]) => [p, e.roots ?? null]));
  assert.deepEqual(roots, {
    "/api/2.0/workspace/list": { path: ["/Users", "/Repos"] },
    "/api/2.0/dbfs/list": { path: ["/Users", "/FileStore/shared_uploads"] },
    "/api/2.0/preview/scim/v2/Users": null,
    "/api/2.0/preview/scim/v2/Me": null,
    "/api/2.0/preview/scim/v2/ServicePrincipals": null,
  });
  const [r] = send([{ path: "/api/2.0/workspace/list", query: [["path", "/Shared"]] }]);
  assert.deepEqual(r, { tag: "err", val: { tag: "denied", val: 'query parameter "path" value "/Shared" is not within /Users or /Repos' } });
});

test("query parameters are allowed per endpoint", () => {
  assert.equal(allow.check("/api/2.0/workspace/list", [["startIndex", "1"]]),
    'query parameter "startIndex" is not allowed on /api/2.0/workspace/list');
  assert.notEqual(allow.check("/api/2.0/preview/scim/v2/Users", [["path", "/"]]), null);
  assert.notEqual(allow.check("/api/2.0/preview/scim/v2/Me", [["attributes", "id"]]), null);
  assert.notEqual(allow.check("/api/2.0/preview/scim/v2/ServicePrincipals", [["filter", "x"]]), null);
  assert.notEqual(allow.check("/api/2.0/workspace/list", [["recursive", "true"]]), null);
  assert.equal(allow.check("/api/2.0/workspace/list", Array(17).fill(["path", "/"])), "17 query parameters (limit 16)");
  assert.notEqual(allow.check("/api/2.0/workspace/list", [["path", "x".repeat(4097)]]), null);
  assert.equal(allow.check("/api/2.0/workspace/list" + "x".repeat(4096), []), "path longer than 4096 bytes");
  const [r] = send([{ path: "/api/2.0/dbfs/list", query: [["count", "1"]] }]);
  assert.deepEqual(r, { tag: "err", val: { tag: "denied", val: 'query parameter "count" is not allowed on /api/2.0/dbfs/list' } });
});
