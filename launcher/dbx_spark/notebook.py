"""The notebook API on the notebook's or job's own session: `scan(spark, users, …)` (one row per
user), `scan_objects(spark, users, …)` (one row per counted file) and `scan_with_objects` (both,
from one pass)."""

import subprocess

from .budget import routing_keys
from .errors import Fatal, _task_error
from .runner import Runner
from .task import OBJECT_COLUMNS, object_frames

ALL_TREES = "dbfs+uploads+workspace+repos"


def _jobs(users, trees):
    """The job lines of `users` (usernames, or dicts `{"user": …, "orphan": bool}`), in order."""
    if isinstance(users, (str, bytes)):
        raise TypeError("users must be a list of usernames, not one string (%r): pass [%r]" % (users, users))
    jobs = []
    for k, u in enumerate(users):
        user, orphan = (u.get("user"), bool(u.get("orphan"))) if isinstance(u, dict) else (u, False)
        jobs.append({"type": "job", "i": k, "user": user, "trees": trees, "orphan": orphan})
    return jobs


def scan(spark, users, *, host, token, worker_binary, trees=ALL_TREES, partitions=1,
         limits=None, csv_rows_binary=None, worker_args=(), debug=False, component=None, installed=None):
    """Scans `users` on `spark` (the notebook's or job's own session, classic or Spark Connect)
    and returns a DataFrame with the CLI CSV's columns, every one a string, the values exactly the
    cells `dbx-inventory scan -o` writes (so `df.write.saveAsTable(…)` keeps them).

    * `users`: usernames (or dicts `{"user": …, "orphan": bool}`), scanned in one wave;
    * `host`, `token`: the workspace URL and a bearer token (PAT or OAuth access token); the token
      reaches each task only inside the task function's closure (not a DataFrame, conf or env);
    * `worker_binary`: a `dbx-inventory` build that runs on the executors (Linux);
    * `trees`: the locations joined by + (default all four: "dbfs+uploads+workspace+repos");
    * `partitions`: tasks at once (default 1: one task holds the whole budget, which reaches the
      rate limits; more only to spread over executors), each with 1/N of `limits` (default the
      published workspace limits, `export` and `concurrency` included), at most `max_in_flight`;
    * `component`: a scanner component file to run instead of the embedded one;
    * `csv_rows_binary`: the `dbx-inventory` that runs `csv-rows` on the driver (default
      `worker_binary`);
    * `installed`: the version of the `dbx_inventory` package installed on the executors: each
      task runs that package's binary (which must be this version) and nothing is shipped
      (`dbx_inventory.scan` decides; default None: `worker_binary` is shipped).

    Rows come from `dbx-inventory csv-rows`: the first row per user, in input order. No journal:
    an interrupted call starts over (resume is the CLI's `--spark-*` path)."""
    jobs = _jobs(users, trees)
    logs = []
    try:
        runner = Runner(spark, worker_binary, host, limits, worker_args, None, debug, logs.append, component,
                        installed=installed)
        lines = [line for _, _, _, kind, line in runner.wave(token, jobs, partitions) if kind == "row"]
    except Fatal as e:
        raise RuntimeError(str(e)) from None
    return _csv_frame(spark, lines, len(jobs), csv_rows_binary or worker_binary)


def _csv_frame(spark, lines, jobs, binary):
    """The workers' user lines (one per job) → a DataFrame of the CLI CSV's cells (`csv-rows`)."""
    import io

    import pandas as pd
    from pyspark.sql.types import StringType, StructField, StructType

    if len(lines) != jobs:
        raise RuntimeError("%d of %d users came back without a row" % (jobs - len(lines), jobs))
    proc = subprocess.run([binary, "csv-rows"], input="\n".join(lines) + "\n", capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("dbx-inventory csv-rows failed (exit %d): %s" % (proc.returncode, proc.stderr.strip()))
    pdf = pd.read_csv(io.StringIO(proc.stdout), dtype=str, keep_default_na=False)
    schema = StructType([StructField(c, StringType(), True) for c in pdf.columns])
    return spark.createDataFrame(pdf, schema)


def scan_objects(spark, users, *, host, token, worker_binary, trees=ALL_TREES, partitions=1, limits=None,
                 worker_args=(), debug=False, component=None, installed=None):
    """Scans `users` on `spark` (classic or Spark Connect, as `scan`) and returns a DataFrame with
    one row per counted file: the columns of `scan --objects FILE.parquet`, `username` string,
    `location` string (dbfs, uploads, workspace, repos), `path` string (null for an entry
    without one), `object_type` string (FILE for DBFS, the Workspace object type, or ""), `size`
    bigint (null when unknown), `modified` timestamp (null when undated), `language` string and
    `workspace` string (null: no account scans here).

    The arguments are `scan`'s. A user given twice (case-insensitively) is scanned once, under
    its first spelling. The work runs on the executors (a `mapInPandas` over the users' shards,
    each task running `dbx-inventory worker --objects`), the objects never pass through the
    driver, and the frame is computed once, here: it is made eager with `localCheckpoint()`, so
    its actions (`count()`, `write.saveAsTable(…)`, …) read the checkpointed rows and never scan
    the workspace again. Those rows live in the executors' storage for the session's life: an
    executor lost takes its part with it (write the frame to a table first thing). A worker's
    own fatal error (credentials refused) fails the Spark job and raises RuntimeError with its
    message. No journal: an interrupted call starts over."""
    frame, _ = _object_rows(spark, users, host, token, worker_binary, trees, partitions, limits, worker_args,
                            debug, component, installed, user_lines=False)
    return _checkpoint(_object_columns(frame))


def scan_with_objects(spark, users, *, host, token, worker_binary, trees=ALL_TREES, partitions=1, limits=None,
                      csv_rows_binary=None, worker_args=(), debug=False, component=None, installed=None):
    """`scan` and `scan_objects` in one pass over the workspace: (users, objects), the two
    DataFrames those return, from one Spark job whose tasks each run `dbx-inventory worker
    --objects` once per user. The arguments are `scan`'s; users are deduplicated as in
    `scan_objects`. Both frames come from one checkpoint: no action scans again."""
    frame, jobs = _object_rows(spark, users, host, token, worker_binary, trees, partitions, limits, worker_args,
                               debug, component, installed, user_lines=True)
    frame = _checkpoint(frame)
    lines = [r.user_line for r in frame.where("user_line IS NOT NULL").select("user_line").collect()]
    table = _csv_frame(spark, lines, jobs, csv_rows_binary or worker_binary)
    return table, _object_columns(frame.where("user_line IS NULL"))


def _object_rows(spark, users, host, token, worker_binary, trees, partitions, limits, worker_args, debug,
                 component, installed, user_lines):
    """The lazy `mapInPandas` frame of the users' objects (task.object_frames' columns, with
    `user_line` when asked), and the number of jobs (users deduplicated case-insensitively)."""
    jobs, seen = [], set()
    for job in _jobs(users, trees):
        key = (job["user"] or "").lower()
        if key not in seen:
            seen.add(key)
            jobs.append(dict(job, i=len(jobs)))
    logs = []
    try:
        runner = Runner(spark, worker_binary, host, limits, list(worker_args) + ["--objects"], None, debug,
                        logs.append, component, stream=False, installed=installed)
        task, shards, _ = runner.task(token, jobs, partitions, oversplit=False)
    except Fatal as e:
        raise RuntimeError(str(e)) from None
    keys = routing_keys(len(shards))
    data = [(keys[p], p, job) for p, shard in enumerate(shards) for job in shard]
    df = spark.createDataFrame(data, "key int, partition int, job string").repartition(len(shards), "key")

    def objects(batches):
        import json

        shards_here, users_here = {}, {}
        for b in batches:
            for p, job in zip(b["partition"], b["job"]):
                shards_here.setdefault(int(p), []).append(job)
                j = json.loads(job)
                users_here[j["i"]] = j["user"]
        if shards_here:
            yield from object_frames(task(shards_here), users_here, user_lines=user_lines)

    columns = OBJECT_COLUMNS + (("user_line",) if user_lines else ())
    schema = ", ".join("%s %s" % (c, "bigint" if c in ("size", "modified_ms") else "string") for c in columns)
    return df.mapInPandas(objects, schema), len(jobs)


def _object_columns(frame):
    """`scan --objects`' columns of an object rows frame."""
    from pyspark.sql import functions as F

    return frame.select(
        "username", "location", "path", "object_type", "size",
        F.expr("timestamp_millis(modified_ms)").alias("modified"), "language",
        F.lit(None).cast("string").alias("workspace"))


def _checkpoint(frame):
    """`frame`, computed once now (an eager local checkpoint); a failed Spark job raises
    RuntimeError with a worker's message when it has one."""
    try:
        return frame.localCheckpoint(eager=True)
    except Exception as e:  # noqa: BLE001 (the Spark job failed: a worker's message when it has one)
        raise RuntimeError(_task_error(e)) from None
