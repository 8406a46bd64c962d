#!/usr/bin/env node
// Run the dbx-inventory scanner component in Node.js (transpiled with jco) as a second Wasm host.
//   DATABRICKS_HOST=… DATABRICKS_TOKEN=… node hosts/node/dbx-scan.js [--locations dbfs,uploads,workspace,repos]
//     [--as-of 2026-11-30|RFC3339] [--stale-days 365] [--objects FILE.jsonl] USER…
// Prints one JSON object per user (the component's user-report: per location its counts and ages,
// lastModifiedMs, staleFiles, staleBytes, undatedFiles, bytes by `age` band, the `largest` files;
// a location not scanned, or a time not known, is null). With --objects, also writes one JSON object
// per counted file to FILE.jsonl (username, location, path, object_type, size, modified_ms, language).
import { closeSync, openSync, writeSync } from "node:fs";
import { _setArgs, _setCwd, _setEnv } from "@bytecodealliance/preview2-shim/cli";
import { configure } from "./http.js";
import { setObjectsSink } from "./objects.js";

// The shim exposes the whole process environment to the component by default: give it nothing.
_setEnv({});
_setArgs([]);
_setCwd("/");

/** The four locations of a user's files, in the order the Rust host names them. */
export const LOCATIONS = ["dbfs", "uploads", "workspace", "repos"];
export const DEFAULT_STALE_DAYS = 365;

/** `2026-11-30` (midnight UTC) or an RFC 3339 time (`2026-11-30T17:04:05Z`) → ms since the epoch. */
export function parseAsOf(text) {
  const date = /^\d{4}-\d{2}-\d{2}$/;
  const time = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
  const ms = date.test(text) || time.test(text) ? Date.parse(text.replace(" ", "T")) : NaN;
  if (!Number.isFinite(ms)) throw new Error(`${JSON.stringify(text)} is neither a date (2026-11-30) nor an RFC 3339 time`);
  return ms;
}

/** The WIT scan-options: all four locations, ages now, stale after 365 days, no objects, unless told
 * otherwise. `locations`: an array or a comma-separated string of dbfs, uploads, workspace, repos;
 * `asOfMs`: ms since the epoch (a number or bigint); `objects`: hand every counted file to the
 * `objects` import (set a sink first: setObjectsSink in objects.js). */
export function scanOptions({ locations = LOCATIONS, asOfMs = Date.now(), staleDays = DEFAULT_STALE_DAYS, objects = false } = {}) {
  const chosen = typeof locations === "string" ? locations.split(",").map((s) => s.trim()).filter(Boolean) : locations;
  const bad = chosen.filter((l) => !LOCATIONS.includes(l));
  if (bad.length > 0 || chosen.length === 0) {
    throw new Error(`locations must be some of ${LOCATIONS.join(",")}, not ${JSON.stringify(String(locations))}`);
  }
  if (!Number.isInteger(staleDays) || staleDays < 0 || staleDays > 0xffffffff) {
    throw new Error(`stale days must be a non-negative integer, not ${staleDays}`);
  }
  return {
    dbfs: chosen.includes("dbfs"),
    workspace: chosen.includes("workspace"),
    uploads: chosen.includes("uploads"),
    repos: chosen.includes("repos"),
    batchSize: 0,
    notebookSizes: false,
    asOfMs: BigInt(asOfMs),
    staleDays,
    objects: Boolean(objects),
  };
}

/** One counted file (a WIT `object`) of `username` as a JSON Lines row: snake_case keys, bigints as
 * numbers, absent values as null. */
export function objectRow(username, o) {
  const n = (v) => (v === undefined ? null : typeof v === "bigint" ? Number(v) : v);
  return JSON.stringify({
    username,
    location: o.location,
    path: n(o.path),
    object_type: o.objectType,
    size: n(o.size),
    modified_ms: n(o.modifiedMs),
    language: n(o.language),
  });
}

/** A user-report as JSON: bigints as numbers, absent options (`undefined`) as null. */
export function reportJson(report) {
  return JSON.stringify(report, (_, v) => (typeof v === "bigint" ? Number(v) : v === undefined ? null : v));
}

export async function loadScanner({ host, token }) {
  configure({ host, token });
  const { scanner } = await import("./gen/scanner.js");
  return scanner;
}

function parseArgs(argv) {
  const opts = {};
  const users = [];
  let objectsFile = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--") {
      users.push(...argv.slice(i + 1));
      break;
    } else if (a === "--locations") opts.locations = value();
    else if (a === "--as-of") opts.asOfMs = parseAsOf(value());
    else if (a === "--stale-days") {
      const v = value();
      if (!/^\d+$/.test(v)) throw new Error(`--stale-days ${JSON.stringify(v)} is not a non-negative integer`);
      opts.staleDays = Number(v);
    } else if (a === "--objects") objectsFile = value();
    else if (a.startsWith("--")) throw new Error(`unknown option ${a}`);
    else users.push(a);
  }
  return { options: scanOptions({ ...opts, objects: objectsFile !== null }), users, objectsFile };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
  const { DATABRICKS_HOST: host, DATABRICKS_TOKEN: token } = process.env;
  if (!host || !token) {
    console.error("set DATABRICKS_HOST and DATABRICKS_TOKEN");
    process.exit(2);
  }
  const scanner = await loadScanner({ host, token });
  const out = args.objectsFile === null ? null : openSync(args.objectsFile, "w");
  let user = null;
  if (out !== null) setObjectsSink((batch) => writeSync(out, batch.map((o) => objectRow(user, o) + "\n").join("")));
  for (const u of args.users) {
    user = u;
    console.log(reportJson(scanner.scanUser(u, args.options)));
  }
  if (out !== null) closeSync(out);
}
