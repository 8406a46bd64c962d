// Worker side of http.js: runs one batch of GETs concurrently and returns them in order.
import { runAsWorker } from "synckit";

runAsWorker(async (urls, token) =>
  Promise.all(
    urls.map(async (url) => {
      try {
        const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(60_000) });
        return { ok: true, status: res.status, body: await res.arrayBuffer() };
      } catch (e) {
        return { ok: false, error: String(e && e.cause ? e.cause.code || e.cause : e) };
      }
    }),
  ),
);
