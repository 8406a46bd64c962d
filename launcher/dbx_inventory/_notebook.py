"""``scan`` and ``scan_objects`` with the installed binary and default credentials: the launcher's
notebook API (``dbx_spark``, the same files the binary embeds) with nothing to pass but the
session and the users."""

import dbx_spark
from dbx_spark.runner import _is_connect

from ._binary import binary, version
from ._credentials import credentials


def scan(spark, users, *, host=None, token=None, profile=None, ship=None, worker_binary=None, **options):
    """Scans ``users`` on ``spark`` (the notebook's or job's session, classic or Spark Connect)
    and returns a DataFrame with the columns of ``dbx-inventory scan -o``, every one a string.

    * ``users``: usernames (or dicts ``{"user": …, "orphan": bool}``), scanned in one wave;
    * ``host``, ``token``: default to the notebook's own credentials on Databricks, else the CLI's
      unified auth (``profile``: a ``~/.databrickscfg`` profile); see ``credentials``;
    * ``ship``: None (default) runs the executors' own installed binary when a probe task finds
      this version of the package there, else ships this one; True always ships; False never;
    * ``worker_binary``: a ``dbx-inventory`` build to ship instead (e.g. a Linux build for a
      cluster reached from a laptop);
    * ``options``: ``trees``, ``partitions``, ``limits``, ``worker_args``, ``debug``,
      ``component``, as ``dbx_spark.scan``.

    No journal: an interrupted call starts over (resume is the CLI's ``scan --spark-*``)."""
    return _run(dbx_spark.scan, spark, users, host, token, profile, ship, worker_binary, csv_rows_binary=binary(),
                **options)


def scan_objects(spark, users, *, host=None, token=None, profile=None, ship=None, worker_binary=None,
                 **options):
    """One row per counted file of ``users`` (the columns of ``scan --objects FILE.parquet``),
    computed on the executors and checkpointed once: see ``dbx_spark.scan_objects``. The
    arguments are ``scan``'s."""
    return _run(dbx_spark.scan_objects, spark, users, host, token, profile, ship, worker_binary, **options)


def scan_with_objects(spark, users, *, host=None, token=None, profile=None, ship=None, worker_binary=None,
                      **options):
    """``(scan(…), scan_objects(…))`` from one pass over the workspace (each user listed once):
    see ``dbx_spark.scan_with_objects``. The arguments are ``scan``'s."""
    return _run(dbx_spark.scan_with_objects, spark, users, host, token, profile, ship, worker_binary,
                csv_rows_binary=binary(), **options)


def _run(api, spark, users, host, token, profile, ship, worker_binary, **options):
    """`api` (a dbx_spark notebook call) with the credentials and the executors' binary settled."""
    host, token = credentials(host, token, profile)
    worker, installed = _placement(spark, worker_binary, ship)
    return api(spark, users, host=host, token=token, worker_binary=worker, installed=installed, **options)


def _placement(spark, worker_binary, ship):
    """(binary to ship, installed version): what the executors run."""
    if worker_binary is not None:
        return worker_binary, None
    here = binary()
    if ship is True:
        return here, None
    if ship is False or installed_on_executors(spark):
        return here, version()
    return here, None


def installed_on_executors(spark):
    """True when a Spark task finds this version of the package, with its binary, where it runs
    (``%pip install`` in a Databricks notebook installs on the driver and every executor)."""
    expected = version()

    def found():
        try:
            from dbx_inventory._binary import binary as installed_binary, version as installed

            return installed() == expected and bool(installed_binary())
        except Exception:  # noqa: BLE001 (not installed there: ship it)
            return False

    def probe_frames(batches):
        import pandas as pd

        for _ in batches:
            pass
        yield pd.DataFrame({"ok": [found()]})

    try:
        if _is_connect(spark):
            rows = spark.range(1).mapInPandas(probe_frames, "ok boolean").collect()
            return bool(rows) and all(r.ok for r in rows)
        return all(spark.sparkContext.parallelize([0], 1).map(lambda _: found()).collect())
    except Exception:  # noqa: BLE001 (a probe that cannot run: ship, as without the package)
        return False
