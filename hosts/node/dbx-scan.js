#!/usr/bin/env node
// Run the dbx-inventory scanner component in Node.js (transpiled with jco) as a second Wasm host.
//   DATABRICKS_HOST=… DATABRICKS_TOKEN=… node hosts/node/dbx-scan.js USER…
// Prints one JSON object per user (the component's user-report).
import { _setArgs, _setCwd, _setEnv } from "@bytecodealliance/preview2-shim/cli";
import { configure } from "./http.js";

// The shim exposes the whole process environment to the component by default: give it nothing.
_setEnv({});
_setArgs([]);
_setCwd("/");

export async function loadScanner({ host, token }) {
  configure({ host, token });
  const { scanner } = await import("./gen/scanner.js");
  return scanner;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { DATABRICKS_HOST: host, DATABRICKS_TOKEN: token } = process.env;
  if (!host || !token) {
    console.error("set DATABRICKS_HOST and DATABRICKS_TOKEN");
    process.exit(2);
  }
  const scanner = await loadScanner({ host, token });
  for (const user of process.argv.slice(2)) {
    const report = scanner.scanUser(user, { dbfs: true, workspace: true, batchSize: 0, notebookSizes: false });
    console.log(JSON.stringify(report, (_, v) => (typeof v === "bigint" ? Number(v) : v)));
  }
}
