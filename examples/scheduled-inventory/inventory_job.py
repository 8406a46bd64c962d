"""A scheduled dbx-inventory run for Databricks (a Python script task; `job.json` schedules it
weekly): scans every user on the job cluster's own Spark session and keeps the results in tables.

* ``<schema>.inventory_users``: this run, one row per user, the columns of ``dbx-inventory scan -o``;
* ``<schema>.inventory_users_previous``: the run before it (moved there at the start of this one),
  so ``dbx-inventory diff`` (printed at the end, and written to ``--diff-dir`` when given) says
  what changed since last week;
* ``<schema>.inventory_objects`` (with ``--objects``): one row per counted file, the columns of
  ``scan --objects`` (from the same pass over the workspace: ``scan_with_objects``).

Credentials: the job's own (the run-as identity, through databricks-sdk); it must be a workspace
admin to see every user's files (``dbx-inventory check`` says). The wheel is a library of the task
(``job.json``), installed on the driver and the executors.

Run it elsewhere (a local Spark, tests): ``python inventory_job.py --schema S --host URL`` with
DATABRICKS_TOKEN set, and the session from PYSPARK_SUBMIT_ARGS (``--master local[2] …``).
"""

import argparse
import datetime
import os
import shutil
import subprocess
import sys
import tempfile


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--schema", required=True, help="CATALOG.SCHEMA (or SCHEMA) that holds the tables")
    p.add_argument("--objects", action="store_true", help="also write <schema>.inventory_objects")
    p.add_argument("--partitions", type=int, default=1, help="Spark tasks at once (default 1: the whole budget)")
    p.add_argument("--diff-dir", help="folder (a Volume path on Databricks) for each run's CSV and the diff")
    p.add_argument("--host", help="workspace URL (default: the job's own workspace)")
    p.add_argument("--users", help="a file of usernames, one per line (default: every user, from SCIM)")
    return p.parse_args(argv)


def run(spark, args, log=print):
    """One inventory run; returns the diff's text ("" on the first run)."""
    import dbx_inventory

    host, token = dbx_inventory.credentials(host=args.host)
    if args.users:
        with open(args.users, encoding="utf-8") as f:
            users = [line.strip() for line in f if line.strip()]
    else:
        users = dbx_inventory.users(host=host, token=token, service_principals=True)
    log("dbx-inventory %s: scanning %d users of %s" % (dbx_inventory.__version__, len(users), host))

    spark.sql("CREATE SCHEMA IF NOT EXISTS %s" % args.schema)
    current = "%s.inventory_users" % args.schema
    previous = "%s.inventory_users_previous" % args.schema
    # The scan is done (its rows on the driver, the objects checkpointed) before the old run
    # moves: a failed scan leaves the tables as they were.
    objects = None
    if args.objects:  # one pass over the workspace for both tables
        scanned, objects = dbx_inventory.scan_with_objects(spark, users, host=host, token=token,
                                                           partitions=args.partitions)
    else:
        scanned = dbx_inventory.scan(spark, users, host=host, token=token, partitions=args.partitions)
    had_previous = spark.catalog.tableExists(current)
    if had_previous:
        spark.table(current).write.mode("overwrite").saveAsTable(previous)
    scanned.write.mode("overwrite").saveAsTable(current)
    log("wrote %s (%d users)" % (current, spark.table(current).count()))

    if objects is not None:
        name = "%s.inventory_objects" % args.schema
        objects.write.mode("overwrite").saveAsTable(name)
        log("wrote %s (%d files)" % (name, spark.table(name).count()))

    return diff(spark, previous if had_previous else None, current, args.diff_dir, log)


def diff(spark, previous, current, diff_dir, log):
    """`dbx-inventory diff` of the two tables (as the CSVs `scan -o` writes); "" without a previous run."""
    import dbx_inventory

    if previous is None:
        log("first run: nothing to compare yet (the next run diffs against this one)")
        return ""
    with tempfile.TemporaryDirectory(prefix="dbx-inventory-job-") as tmp:
        old, new = os.path.join(tmp, "previous.csv"), os.path.join(tmp, "current.csv")
        spark.table(previous).toPandas().to_csv(old, index=False)
        spark.table(current).toPandas().to_csv(new, index=False)
        proc = subprocess.run([dbx_inventory.binary(), "diff", old, new], capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError("dbx-inventory diff failed (exit %d): %s" % (proc.returncode, proc.stderr.strip()))
        log(proc.stdout)
        if diff_dir:
            day = datetime.date.today().isoformat()
            os.makedirs(diff_dir, exist_ok=True)
            shutil.copyfile(new, os.path.join(diff_dir, "inventory-%s.csv" % day))
            with open(os.path.join(diff_dir, "diff-%s.txt" % day), "w", encoding="utf-8") as g:
                g.write(proc.stdout)
        return proc.stdout


def main(argv=None):
    from pyspark.sql import SparkSession

    args = parse_args(sys.argv[1:] if argv is None else argv)
    spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
    run(spark, args)


if __name__ == "__main__":
    main()
