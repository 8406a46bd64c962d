// The scanner component in Node.js (jco) against the simulator: same counts as the Rust host.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { loadScanner } from "./dbx-scan.js";
import { ALLOW_LIST_PATH, loadAllowList, send } from "./http.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
// Where cargo put dbx-sim: $DBX_BIN_DIR, else the debug folder of $CARGO_TARGET_DIR (relative to the
// repository, as cargo resolves it when run there) or of target/.
const binDir = process.env.DBX_BIN_DIR || path.resolve(root, process.env.CARGO_TARGET_DIR || "target", "debug");
let sim, scanner;

before(async () => {
  sim = spawn(path.join(binDir, "dbx-sim"), ["serve", "--fixture", path.join(root, "tests/fixtures/semantics.json")]);
  const first = await new Promise((resolve) => createInterface({ input: sim.stdout }).once("line", resolve));
  scanner = await loadScanner({ host: first.split(" ").pop(), token: "dapi-sim" });
});
after(() => sim.kill());

test("counts match the Rust host", () => {
  const r = scanner.scanUser("alice@example.com", { dbfs: true, workspace: true, batchSize: 0, notebookSizes: false });
  assert.equal(r.status, "success");
  assert.deepEqual([r.dbfs.files, r.dbfs.bytes, r.workspace.files, r.workspace.bytes], [4n, 307n, 11n, 1363n]);
  assert.equal(r.dbfs.directories + r.workspace.directories, 37n);
});

test("errors name the path; hostile names reach their own home", () => {
  const bob = scanner.scanUser("bob@example.com", { dbfs: true, workspace: true, batchSize: 0, notebookSizes: false });
  assert.equal(bob.status, "error");
  assert.match(bob.error, /\/Users\/bob@example.com\/broken: HTTP 500/);
  const w = scanner.scanUser("we+ird #?%&ü x@example.com", { dbfs: true, workspace: true, batchSize: 0, notebookSizes: false });
  assert.equal(w.dbfs.bytes + w.workspace.bytes, 33n);
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
