// The `dbx:inventory/http` import for the scanner component in Node.js.
//
// The component calls `send` synchronously; the batch is run concurrently with fetch() in a
// worker thread and this thread waits for it (synckit: Atomics.wait on a SharedArrayBuffer).
// Credentials live here, in the host; they are never passed to the component. Every request is
// checked first against the read-only allow-list, wit/allow-list.json (shared with the other hosts),
// its `path` values confined to the roots the file gives (e.g. `/Users`, `/Repos`).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createSyncFn } from "synckit";

/** The shared allow-list file, the one the Rust host embeds (host/src/policy/allow_list.rs). */
export const ALLOW_LIST_PATH = fileURLToPath(new URL("../../wit/allow-list.json", import.meta.url));

const quote = (s) => JSON.stringify(s);
const quoteChar = (c) => `'${JSON.stringify(c).slice(1, -1)}'`;
const bytes = (s) => Buffer.byteLength(s, "utf8");

/** `root` itself or below it: `root`, `/`, then non-empty segments, none `.` or `..` (so `/Users2`,
 * `/Repos.evil`, `/Users/` and `/Users/../x` are not within `/Users`). */
export function withinRoot(value, root) {
  if (value === root) return true;
  if (!value.startsWith(root + "/")) return false;
  return value.slice(root.length + 1).split("/").every((s) => s !== "" && s !== "." && s !== "..");
}

/** Reads `wit/allow-list.json`; `check(path, query)` answers null (send it) or why it is denied,
 * with the Rust host's checks, in its order, with its reasons. Endpoints of an optional feature
 * (`"option"`, e.g. `notebook-sizes`) are left off: this host never enables one. */
export function loadAllowList(file = ALLOW_LIST_PATH) {
  const spec = JSON.parse(readFileSync(file, "utf8"));
  const rules = spec.rules;
  const endpoints = new Map();
  for (const e of spec.endpoints) {
    if (e.option != null) continue;
    if (e.method !== "GET" || endpoints.has(e.path)) throw new Error(`${file}: unsupported or duplicate endpoint ${e.path}`);
    endpoints.set(e.path, e);
  }
  const forbidden = new Set(rules.forbidden_path_chars);
  function check(path, query) {
    if (bytes(path) > rules.max_path_bytes) return `path longer than ${rules.max_path_bytes} bytes`;
    for (const c of path) {
      if (forbidden.has(c) || (rules.forbid_control_chars && /\p{Cc}/u.test(c))) {
        return `path ${quote(path)} contains ${quoteChar(c)}`;
      }
    }
    const endpoint = endpoints.get(path);
    if (!endpoint) return `path ${quote(path)} is not on the read-only allow-list`;
    if (query.length > rules.max_params) return `${query.length} query parameters (limit ${rules.max_params})`;
    for (const [name, value] of query) {
      if (!endpoint.params.includes(name)) return `query parameter ${quote(name)} is not allowed on ${path}`;
      if (bytes(value) > rules.max_value_bytes) {
        return `query parameter ${quote(name)} longer than ${rules.max_value_bytes} bytes`;
      }
    }
    for (const name of Object.keys(endpoint.roots ?? {}).sort()) {
      const roots = endpoint.roots[name];
      const values = query.filter(([n]) => n === name).map(([, v]) => v);
      for (const value of values) {
        if (!roots.some((r) => withinRoot(value, r))) {
          return `query parameter ${quote(name)} value ${quote(value)} is not within ${roots.join(" or ")}`;
        }
      }
      if (values.length === 0) return `query parameter ${quote(name)} is required on ${path}`;
    }
    return null;
  }
  return { rules, endpoints, check };
}

const allowList = loadAllowList();
const runBatch = createSyncFn(new URL("./http-worker.js", import.meta.url));
let config = null;

/** Sets the workspace and token used for every request (host side only). */
export function configure({ host, token }) {
  config = { host: host.replace(/\/+$/, ""), token };
}

export function send(requests) {
  if (!config) throw new Error("http.configure() was not called");
  const allowed = [];
  const results = requests.map((r, i) => {
    const denied = allowList.check(r.path, r.query);
    if (denied !== null) return { tag: "err", val: { tag: "denied", val: denied } };
    allowed.push(i);
    return null;
  });
  if (allowed.length > 0) {
    const urls = allowed.map((i) => {
      const q = new URLSearchParams(requests[i].query).toString();
      return config.host + requests[i].path + (q ? "?" + q : "");
    });
    const answers = runBatch(urls, config.token);
    allowed.forEach((i, k) => {
      const a = answers[k];
      results[i] = a.ok
        ? { tag: "ok", val: { status: a.status, body: new Uint8Array(a.body) } }
        : { tag: "err", val: { tag: "transport", val: a.error } };
    });
  }
  return results;
}
