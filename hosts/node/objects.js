// The `dbx:inventory/objects` import for the scanner component in Node.js: `put` hands each batch
// of counted files to the sink set with setObjectsSink(), and ignores it when there is none (the
// scans then pass `objects: false` and never call it).

let sink = null;

/** Where `put` sends each batch (an array of WIT `object`s, camelCase fields); null: nowhere. */
export function setObjectsSink(fn) {
  sink = fn;
}

export function put(batch) {
  if (sink) sink(batch);
}
