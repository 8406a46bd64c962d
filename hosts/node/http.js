// The `dbx:inventory/http` import for the scanner component in Node.js.
//
// The component calls `send` synchronously; the batch is run concurrently with fetch() in a
// worker thread and this thread waits for it (synckit: Atomics.wait on a SharedArrayBuffer).
// Credentials live here, in the host; they are never passed to the component.
import { createSyncFn } from "synckit";

const ALLOWED = new Set([
  "/api/2.0/workspace/list", "/api/2.0/workspace/get-status", "/api/2.0/workspace/export",
  "/api/2.0/dbfs/list", "/api/2.0/dbfs/get-status",
  "/api/2.0/preview/scim/v2/Users", "/api/2.0/preview/scim/v2/Me",
]);

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
    if (!ALLOWED.has(r.path)) {
      return { tag: "err", val: { tag: "denied", val: `path ${JSON.stringify(r.path)} is not on the read-only allow-list` } };
    }
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
