"""The notebook API: `scan(spark, users, …)` on the notebook's or job's own session."""

import subprocess

from .errors import Fatal
from .runner import Runner


def scan(spark, users, *, host, token, worker_binary, trees="dbfs+uploads+workspace+repos", partitions=1,
         limits=None, csv_rows_binary=None, worker_args=(), debug=False, component=None):
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
      `worker_binary`).

    Rows come from `dbx-inventory csv-rows`: the first row per user, in input order. No journal:
    an interrupted call starts over (resume is the CLI's `--spark-*` path)."""
    import io

    import pandas as pd
    from pyspark.sql.types import StringType, StructField, StructType

    jobs = []
    for k, u in enumerate(users):
        user, orphan = (u.get("user"), bool(u.get("orphan"))) if isinstance(u, dict) else (u, False)
        jobs.append({"type": "job", "i": k, "user": user, "trees": trees, "orphan": orphan})
    logs = []
    try:
        runner = Runner(spark, worker_binary, host, limits, worker_args, None, debug, logs.append, component)
        lines = [line for _, _, _, kind, line in runner.wave(token, jobs, partitions) if kind == "row"]
    except Fatal as e:
        raise RuntimeError(str(e)) from None
    if len(lines) != len(jobs):
        raise RuntimeError("%d of %d users came back without a row" % (len(jobs) - len(lines), len(jobs)))
    proc = subprocess.run([csv_rows_binary or worker_binary, "csv-rows"], input="\n".join(lines) + "\n",
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("dbx-inventory csv-rows failed (exit %d): %s" % (proc.returncode, proc.stderr.strip()))
    pdf = pd.read_csv(io.StringIO(proc.stdout), dtype=str, keep_default_na=False)
    schema = StructType([StructField(c, StringType(), True) for c in pdf.columns])
    return spark.createDataFrame(pdf, schema)
