"""dbx-inventory's Spark launcher (driver side). Contract: docs/spark-protocol.md.

As a program (``python3 path/to/dbx_spark``, spawned by ``dbx-inventory scan --spark-…``; see
``program``): reads the host's ``config`` / ``wave`` / ``end`` lines on stdin and writes ``row`` /
``objects`` / ``log`` / ``wave-done`` / ``fatal`` lines on stdout. Each wave is one Spark job of
``min(partitions, jobs)`` tasks; each task runs ``dbx-inventory worker`` on its shard of the jobs,
with the wave's token as the worker's first stdin line. The token lives only in the task function's
closure: never in argv, an environment variable, the Spark conf or a DataFrame.

As a package (notebooks, jobs): ``scan(spark, users, host=…, token=…, worker_binary=…)`` returns a
DataFrame with the scan CSV's columns, ``scan_objects(…)`` one with a row per counted file,
``scan_with_objects(…)`` both from one pass (see ``notebook``).

Standard library + pyspark only: the binary embeds these files and writes the folder where it
runs it. A newcomer reads them in the order data flows: ``program`` (the host's protocol) →
``session`` (the Spark session) → ``runner`` (a wave on that session; ``stream``: rows as they
come) → ``budget`` (each task's share, the shards) → ``task`` (what runs on the executors) →
``errors``.
"""

from .notebook import scan, scan_objects, scan_with_objects

__all__ = ["scan", "scan_objects", "scan_with_objects"]
