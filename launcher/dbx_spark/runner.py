"""Driver side: runs waves on one Spark session (classic or Connect)."""

import hashlib
import json
import os
import queue
import shutil
import sys
import tempfile
import threading

from .budget import OVERSPLIT, budget_args, max_tasks, routing_keys, split_jobs
from .errors import Fatal, _fatal_message, _task_error
from .stream import RowStream
from .task import make_task

OUT_SCHEMA = "partition int, executor string, attempt int, kind string, line string"
# Records waiting for the caller (objects lines may be large and many): the row stream's readers
# (and through TCP their tasks, and their workers) wait while it is full.
QUEUE_MAX = 64


def _is_connect(spark):
    # By its class's module, not by importing the Connect client: that import can end the
    # process (pyspark 4.3 calls sys.exit when a Connect dependency is missing).
    return any(c.__module__.startswith("pyspark.sql.connect") for c in type(spark).__mro__)


def _hashed_copy(path, prefix="dbx-inventory-"):
    """A copy of `path` named <prefix><sha256[:16]> (an artifact name must not be reused with
    other content), executable, in a per-user temp dir. Kept: a classic context serves
    `addFile`d files from their path for as long as it lives."""
    try:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError as e:
        raise Fatal("cannot read %s (to ship it to the executors): %s" % (path, e))
    tmpdir = os.path.join(tempfile.gettempdir(), "dbx-spark-%d" % os.getuid())
    os.makedirs(tmpdir, mode=0o700, exist_ok=True)
    dest = os.path.join(tmpdir, prefix + h.hexdigest()[:16])
    if not os.path.exists(dest):
        part = "%s.%d.tmp" % (dest, os.getpid())
        shutil.copyfile(path, part)
        os.chmod(part, 0o755)
        os.replace(part, dest)
    return dest


def _speculation_on(spark):
    """True when the session's Spark runs speculative task copies (each would scan with a second
    share of the budget). Unknown counts as off (Spark's default)."""
    try:
        return str(spark.conf.get("spark.speculation", "false")).strip().lower() == "true"
    except Exception:  # noqa: BLE001 (a server that does not say)
        return False


def _ship(spark, connect, path, prefix):
    """Ships `path` under a content-hashed name (to the executors' SparkFiles, or as a Connect
    artifact); returns that name."""
    copy = _hashed_copy(path, prefix)
    if connect:
        spark.addArtifacts(copy, file=True)
    else:
        spark.sparkContext.addFile(copy)
    return os.path.basename(copy)


class Runner:
    """Runs waves on one Spark session (classic or Connect)."""

    def __init__(self, spark, worker_binary, host, limits, worker_args=(), fault=None, debug=False, log=None,
                 component=None, stream=True, installed=None):
        _register_by_value()
        self.spark = spark
        self.connect = _is_connect(spark)
        self.host = host
        self.limits = limits
        self.worker_args = list(worker_args or [])
        self.fault = fault
        self.debug = debug
        self.log = log or (lambda msg: None)
        self.executors = {}  # executor → rows
        if _speculation_on(spark):
            raise Fatal("this Spark runs speculative task copies (spark.speculation=true): each copy would scan "
                        "with another share of the workspace's rate limits. Turn speculation off for the cluster "
                        "(Spark config spark.speculation false) or run on another one")
        # `installed`: the version of the dbx_inventory package the executors have (pip put its
        # binary beside it): nothing is shipped, each task runs that binary.
        if installed:
            self.binary_name, self.locate = installed, "installed"
        else:
            self.binary_name = _ship(spark, self.connect, worker_binary, "dbx-inventory-")
            self.locate = "cwd" if self.connect else "sparkfiles"
        self.component_name = _ship(spark, self.connect, component, "dbx-component-") if component else None
        self.waves = 0
        self.stream = None
        if stream and not self.connect:
            try:
                self.stream = RowStream(spark.sparkContext.getConf().get("spark.driver.host", "127.0.0.1"))
            except OSError as e:
                self.log("no row stream (rows come as tasks end): %s" % e)

    def wave(self, token, jobs, partitions, wave_args=()):
        """Runs one wave; yields (partition, executor, attempt, kind, line) as task results
        arrive, kind "row" or "leftover", each job's first answer only, and "objects" (a
        worker's objects line, with `--objects`), in order with the rows: those of a job come
        before its row, and those of a job already answered are dropped (a later attempt's).
        `wave_args`: worker flags of this wave only (its time box, what its token is). Raises
        Fatal when a worker stopped on its own verdict (its earlier rows have been yielded)."""
        if not jobs:
            return
        self.waves += 1
        out = queue.Queue(QUEUE_MAX)
        stream = None
        if self.stream is not None:
            self.stream.sink = (self.waves, out)
            stream = (self.stream.addr[0], self.stream.addr[1], self.stream.key, self.waves)
        try:
            yield from self._wave(token, jobs, partitions, wave_args, out, stream)
        finally:
            if self.stream is not None:
                self.stream.sink = None  # the readers still waiting to queue a line give up

    def task(self, token, jobs, partitions, wave_args=(), stream=None, oversplit=True):
        """The task body of a wave of `jobs` and its shards: (task, shards, slots)."""
        # `partitions` is how many tasks run at once, and the budget is split between those
        # (never more than one request in flight each). On classic Spark the launcher itself
        # submits the tasks, at most `partitions` at a time, so with more than one a wave is cut
        # into OVERSPLIT times more, smaller shards: a slot that finishes early takes the next
        # shard instead of idling. Spark Connect runs a wave as one job whose concurrency Spark
        # decides: one shard per slot there. One task (the default) holds the whole budget.
        slots = max(1, min(int(partitions or 1), len(jobs), max_tasks(self.limits)))
        pieces = slots if self.connect or slots == 1 or not oversplit else slots * OVERSPLIT
        shards = split_jobs(jobs, pieces)
        args = self.worker_args + list(wave_args)
        share = budget_args(self.limits, slots, args)
        task = make_task(self.binary_name, self.locate, self.host,
                         self._split_token(token) if self.connect else token, share,
                         args, self.fault, self.debug, self.component_name, stream)
        if self.debug:
            self.log("wave %d: %d jobs in %d tasks, each with %s" % (
                self.waves, len(jobs), len(shards), " ".join(share)))
        return task, shards, slots

    def _wave(self, token, jobs, partitions, wave_args, out, stream):
        task, shards, slots = self.task(token, jobs, partitions, wave_args, stream)
        seen, answered, fatal = set(), set(), None
        it = self._connect(task, shards) if self.connect else self._classic(task, shards, slots, out)
        for p, executor, attempt, kind, line in it:
            if kind == "stderr":
                for l in line.splitlines():
                    self.log("[partition %d on %s] %s" % (p, executor, l))
                continue
            if kind == "fatal":
                if not self.connect:
                    it.close()  # cancels the wave's other shards (see _classic)
                    raise Fatal(_fatal_message(json.loads(line)))
                # Connect: the job's result stream is read to its end (the other tasks' rows
                # stand too); a stream left open can hold up the session's stop.
                fatal = fatal or _fatal_message(json.loads(line))
                continue
            if (p, executor, attempt) not in seen:
                seen.add((p, executor, attempt))
                if self.debug:
                    self.log("partition %d ran on executor %s (attempt %d)" % (p, executor, attempt))
            i = json.loads(line).get("i")
            if i in answered:
                continue
            if kind == "objects":
                yield p, executor, attempt, kind, line
                continue
            answered.add(i)
            if kind == "row":
                self.executors[executor] = self.executors.get(executor, 0) + 1
            yield p, executor, attempt, kind, line
        if fatal:
            raise Fatal(fatal)

    def _split_token(self, token):
        """Spark Connect servers log each request's plan at INFO, the Python function's pickled
        closure included. So on Connect the closure holds only a random pad, and the token XOR
        the pad travels as a file artifact (never in a plan): neither half alone is the token."""
        if not token:
            return None
        raw = token.encode()
        pad = os.urandom(len(raw))
        name = "dbx-auth-" + os.urandom(12).hex()
        d = tempfile.mkdtemp(prefix="dbx-auth-")
        path = os.path.join(d, name)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(bytes(a ^ b for a, b in zip(raw, pad)).hex())
            self.spark.addArtifacts(path, file=True)
        finally:
            shutil.rmtree(d, ignore_errors=True)
        return ("split", name, pad.hex())

    def _classic(self, task, shards, slots, out):
        # One single-task job per partition, submitted from its own thread: all partitions run at
        # once and each one's rows come back as soon as it finishes. (`RDD.toLocalIterator` would
        # run the partitions one after another, each with only 1/n of the budget.)
        sc = self.spark.sparkContext
        rdd = sc.parallelize(list(enumerate(shards)), len(shards))
        group = "dbx-inventory-wave-%d-%d" % (os.getpid(), self.waves)

        def part(it):
            return task({p: jobs for p, jobs in it})

        pending = queue.Queue()
        for p in range(len(shards)):
            pending.put(p)

        def slot():
            # At most `slots` tasks at once: the budget each worker got assumes it.
            while True:
                try:
                    p = pending.get_nowait()
                except queue.Empty:
                    return
                try:
                    sc.setJobGroup(group, "dbx-inventory wave %d partition %d" % (self.waves, p), True)
                    out.put(("ok", sc.runJob(rdd, part, [p])))
                except BaseException as e:  # noqa: BLE001 (reported on the main thread)
                    out.put(("err", e))
                    return

        for _ in range(slots):
            threading.Thread(target=slot, daemon=True).start()
        finished = False
        try:
            remaining = len(shards)
            while remaining:
                kind, value = out.get()
                if kind == "stream":  # a row as its user finished (RowStream)
                    yield value
                    continue
                if kind == "err":
                    raise Fatal(_task_error(value))
                remaining -= 1
                for row in value:
                    yield row
            finished = True
        finally:
            if not finished:  # an error, or the caller stopped (a worker's fatal): stop the rest
                while True:
                    try:
                        pending.get_nowait()
                    except queue.Empty:
                        break
                try:
                    sc.cancelJobGroup(group)
                except Exception:
                    pass

    def _connect(self, task, shards):
        n = len(shards)
        keys = routing_keys(n)
        data = [(keys[p], p, job) for p, jobs in enumerate(shards) for job in jobs]
        df = self.spark.createDataFrame(data, "key int, partition int, job string").repartition(n, "key")

        def batches(it):
            import pandas as pd

            shards_here = {}
            for b in it:
                for p, job in zip(b["partition"], b["job"]):
                    shards_here.setdefault(int(p), []).append(job)
            if not shards_here:
                return
            for row in task(shards_here):
                yield pd.DataFrame([row], columns=["partition", "executor", "attempt", "kind", "line"])

        try:
            for r in df.mapInPandas(batches, OUT_SCHEMA).toLocalIterator():
                yield r["partition"], r["executor"], r["attempt"], r["kind"], r["line"]
        except Fatal:
            raise
        except Exception as e:  # noqa: BLE001
            raise Fatal(_task_error(e))

    def spread(self):
        return "work spread over %d executor%s: %s" % (
            len(self.executors), "" if len(self.executors) == 1 else "s",
            ", ".join("%s %d rows" % kv for kv in sorted(self.executors.items())))


def _register_by_value():
    """Executors do not have this package (the host writes it to a temp dir, a notebook imports
    it by path), so cloudpickle must ship its functions by value, not by reference. Registering
    the package covers its submodules."""
    try:
        from pyspark import cloudpickle

        cloudpickle.register_pickle_by_value(sys.modules[__package__])
    except Exception:
        pass
