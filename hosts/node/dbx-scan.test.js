// The scanner component in Node.js (jco) against the simulator: same counts as the Rust host.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { loadScanner } from "./dbx-scan.js";
import { send } from "./http.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const binDir = process.env.DBX_BIN_DIR || path.join(root, "target/debug");
let sim, scanner;

before(async () => {
  sim = spawn(path.join(binDir, "dbx-sim"), ["serve", "--fixture", path.join(root, "tests/fixtures/semantics.json")]);
  const first = await new Promise((resolve) => createInterface({ input: sim.stdout }).once("line", resolve));
  scanner = await loadScanner({ host: first.split(" ").pop(), token: "dapi-sim" });
});
after(() => sim.kill());

test("counts match the Rust host", () => {
  const r = scanner.scanUser("alice@example.com", { dbfs: true, workspace: true, batchSize: 0 });
  assert.equal(r.status, "success");
  assert.deepEqual([r.dbfs.files, r.dbfs.bytes, r.workspace.files, r.workspace.bytes], [4n, 307n, 11n, 1363n]);
  assert.equal(r.dbfs.directories + r.workspace.directories, 37n);
});

test("errors name the path; hostile names reach their own home", () => {
  const bob = scanner.scanUser("bob@example.com", { dbfs: true, workspace: true, batchSize: 0 });
  assert.equal(bob.status, "error");
  assert.match(bob.error, /\/Users\/bob@example.com\/broken: HTTP 500/);
  const w = scanner.scanUser("we+ird #?%&ü x@example.com", { dbfs: true, workspace: true, batchSize: 0 });
  assert.equal(w.dbfs.bytes + w.workspace.bytes, 33n);
});

test("the host's allow-list refuses write endpoints", () => {
  const [r] = send([{ path: "/api/2.0/workspace/delete", query: [["path", "/Users/a"]] }]);
  assert.equal(r.tag, "err");
  assert.equal(r.val.tag, "denied");
});
