#!/usr/bin/env python3
"""dbx-inventory's Spark launcher (driver side). Contract: docs/spark-protocol.md.

As a program (``python3 dbx_spark.py``, spawned by ``dbx-inventory scan --spark-…``): reads the
host's ``config`` / ``wave`` / ``end`` lines on stdin and writes ``row`` / ``log`` / ``wave-done`` /
``fatal`` lines on stdout. Each wave is one Spark job of ``min(partitions, jobs)`` tasks; each task
runs ``dbx-inventory worker`` on its shard of the jobs, with the wave's token as the worker's first
stdin line. The token lives only in the task function's closure: never in argv, an environment
variable, the Spark conf or a DataFrame.

As a module (notebooks, jobs): ``scan(spark, users, host=…, token=…, worker_binary=…)`` returns a
DataFrame with the scan CSV's columns (see its docstring).

One file, standard library + pyspark only: the binary embeds it and writes it to a temp dir.
"""

import hashlib
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

# The workspace budget (its published limits, `scan`'s defaults), split between a wave's tasks:
# every rate / tasks, and `max_in_flight` and `concurrency` (users in flight) // tasks.
DEFAULT_LIMITS = {"workspace": 50.0, "dbfs": 30.0, "scim": 255.0 / 60.0, "export": 60.0,
                  "max_in_flight": 16, "concurrency": 32}
COUNTS = ("max_in_flight", "concurrency")
STDERR_TAIL = 4000
FAIL_MARK, EXEC_MARK, END_MARK = "<<dbx-worker-failed>>", "<<dbx-worker-exec>>", "<<dbx-end>>"
OUT_SCHEMA = "partition int, executor string, attempt int, kind string, line string"


# ----------------------------------------------------------------------------------------------
# Budget


def merged_limits(limits):
    """`limits` over the defaults (a missing family is its published limit)."""
    merged = dict(DEFAULT_LIMITS)
    merged.update({k: v for k, v in (limits or {}).items() if v is not None})
    return merged


def max_tasks(limits):
    """The most tasks a wave may run at once: each needs at least one request and one user in
    flight, and together they must stay within `max_in_flight` and `concurrency`."""
    merged = merged_limits(limits)
    return max(1, min(int(merged["max_in_flight"]), int(merged["concurrency"])))


def budget_args(limits, tasks, worker_args=()):
    """The worker flags giving one of `tasks` concurrent tasks its share of the workspace budget:
    every family's rate / tasks (`--rate-limit workspace=12.5`), `--max-in-flight cap // tasks`
    and `--concurrency max(1, concurrency // tasks)`, so the tasks' sums never exceed the budget
    (`tasks` must be at most `max_tasks`). A flag the host already puts in `worker_args` is left
    to it (it comes later and wins)."""
    merged = merged_limits(limits)
    tasks = max(1, min(int(tasks), max_tasks(limits)))
    args = []
    for family in sorted(k for k in merged if k not in COUNTS):
        args += ["--rate-limit", "%s=%r" % (family, float(merged[family]) / tasks)]
    if "--max-in-flight" not in worker_args:
        args += ["--max-in-flight", str(max(1, int(merged["max_in_flight"]) // tasks))]
    if "--concurrency" not in worker_args:
        args += ["--concurrency", str(max(1, int(merged["concurrency"]) // tasks))]
    return args


# Shards per concurrent slot on classic Spark (see Runner.wave).
OVERSPLIT = 4


def split_jobs(jobs, partitions):
    """Round-robin shards: min(partitions, len(jobs)) non-empty lists of job JSON lines."""
    n = max(1, min(int(partitions or 1), len(jobs)))
    shards = [[] for _ in range(n)]
    for k, job in enumerate(jobs):
        shards[k % n].append(job if isinstance(job, str) else json.dumps(job, separators=(",", ":")))
    return shards


def murmur3_int(value, seed=42):
    """Spark's `hash()` of an int column (Murmur3_x86_32.hashInt, seed 42), as a signed int."""
    m = 0xFFFFFFFF

    def rotl(x, r):
        return ((x << r) | (x >> (32 - r))) & m

    k1 = (value & m) * 0xCC9E2D51 & m
    k1 = rotl(k1, 15) * 0x1B873593 & m
    h1 = rotl((seed & m) ^ k1, 13)
    h1 = (h1 * 5 + 0xE6546B64) & m
    h1 ^= 4
    h1 ^= h1 >> 16
    h1 = h1 * 0x85EBCA6B & m
    h1 ^= h1 >> 13
    h1 = h1 * 0xC2B2AE35 & m
    h1 ^= h1 >> 16
    return h1 - (1 << 32) if h1 & 0x80000000 else h1


def routing_keys(n):
    """For each shard p < n, an int key that `repartition(n, key)` sends to Spark partition p
    (pmod(hash(key), n) == p), so every task gets exactly one shard. Should a Spark hash
    differently, tasks still work: a task runs every shard it receives, one worker each."""
    keys, k = {}, 0
    while len(keys) < n and k < 1000 * n + 1000:
        keys.setdefault(murmur3_int(k) % n, k)
        k += 1
    return [keys.get(p, p) for p in range(n)]


# ----------------------------------------------------------------------------------------------
# Executor side: runs in the Spark tasks (pickled by value with its closure).


def make_task(binary_name, locate, host, token, budget, worker_args, fault, debug, component_name=None,
              stream=None):
    """The task body: shards {partition: [job lines]} → (partition, executor, attempt, kind, line)
    tuples; kind "row" (a worker's user line), "leftover" (a job the worker did not start before
    its wave's time was up), "stderr" (its stderr, with `debug`) or "fatal" (the worker stopped
    with exit 1 or 2: its rows so far stand, retrying would fail the same way). A worker that
    dies otherwise (a crash, a lost executor) raises, so Spark retries the task. `locate` is
    "sparkfiles" (classic) or "cwd" (Connect artifacts). The token is captured here only.
    `stream`: (host, port, key, wave) of the driver's row stream (classic Spark): each row and
    leftover is also sent there as it comes, so the host records users as they finish; the
    task's result still carries them all (the caller keeps each job's first answer)."""

    def task(shards):
        import os, socket, stat, subprocess, threading, queue, json  # noqa: E401 (executor side)

        try:
            from pyspark import TaskContext

            ctx = TaskContext.get()
            attempt = ctx.attemptNumber() if ctx is not None else 0
        except Exception:
            attempt = 0
        executor = "%s:%d" % (socket.gethostname(), os.getpid())
        def shipped(name):
            if locate == "sparkfiles":
                from pyspark import SparkFiles

                return SparkFiles.get(name)
            return os.path.abspath(name)

        binary = shipped(binary_name)
        try:
            mode = os.stat(binary).st_mode
            if not mode & stat.S_IXUSR:
                os.chmod(binary, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        except OSError:
            pass  # a read-only copy: exec tells
        secret = token
        if isinstance(token, tuple):  # Connect: the masked token is an artifact, the pad is here
            _, name, pad = token
            with open(os.path.abspath(name)) as f:
                masked = bytes.fromhex(f.read().strip())
            secret = bytes(a ^ b for a, b in zip(masked, bytes.fromhex(pad))).decode()
        args = [binary, "worker"]
        if host:
            args += ["--host", host]
        args += list(budget) + list(worker_args)
        if component_name:
            args += ["--component", shipped(component_name)]
        if fault and attempt == 0:
            args += ["--fail-after", str(fault["fail_after"]), "--fail-marker", str(fault["marker"])]

        events = queue.Queue()
        procs = {}

        def run(p, jobs):
            try:
                proc = subprocess.Popen(
                    args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
                )
            except OSError as e:
                events.put(("exec", p, "%s: %s" % (binary, e)))
                return
            procs[p] = proc
            err = []

            def feed():
                try:
                    if secret:  # without one, the worker resolves credentials from its environment
                        proc.stdin.write((json.dumps({"type": "auth", "token": secret}) + "\n").encode())
                    for line in jobs:
                        proc.stdin.write(line.encode() + b"\n")
                    proc.stdin.close()
                except (BrokenPipeError, OSError):
                    pass

            def drain():
                for chunk in iter(lambda: proc.stderr.read(65536), b""):
                    err.append(chunk)
                    while len(err) > 64:
                        del err[0]

            threads = [threading.Thread(target=f, daemon=True) for f in (feed, drain)]
            for t in threads:
                t.start()
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace").strip()
                if line:
                    events.put(("row", p, line))
            rc = proc.wait()
            for t in threads:
                t.join()
            events.put(("exit", p, rc, b"".join(err).decode("utf-8", "replace")))

        sock = [None]
        if stream:
            try:
                sock[0] = socket.create_connection(stream[:2], timeout=3)
                sock[0].sendall(("%s %d\n" % (stream[2], stream[3])).encode())
            except OSError:
                sock[0] = None  # the rows come with the task's result instead

        def send(rec):
            if sock[0] is None:
                return
            try:
                sock[0].sendall((json.dumps(list(rec)) + "\n").encode())
            except OSError:
                sock[0] = None

        for p, jobs in shards.items():
            threading.Thread(target=run, args=(p, jobs), daemon=True).start()
        expected = {p: {json.loads(j)["i"] for j in jobs} for p, jobs in shards.items()}
        running = set(shards)

        def fail(mark, payload):
            for proc in procs.values():
                try:
                    proc.kill()
                except OSError:
                    pass
            raise RuntimeError(mark + json.dumps(payload) + END_MARK)

        while running:
            ev = events.get()
            if ev[0] == "row":
                _, p, line = ev
                try:
                    msg = json.loads(line)
                    i, kind = msg.get("i"), msg.get("type")
                except (ValueError, AttributeError):
                    i, kind = None, None
                if kind not in ("user", "leftover") or i not in expected[p]:
                    fail(FAIL_MARK, {"partition": p, "executor": executor, "exit": None,
                                     "stderr": "the worker printed a line that is not a row or a leftover of "
                                               "its jobs: %.200s" % line})
                expected[p].discard(i)
                rec = (p, executor, attempt, "row" if kind == "user" else "leftover", line)
                send(rec)
                yield rec
            elif ev[0] == "exec":
                fail(EXEC_MARK, {"partition": p, "executor": executor, "error": ev[2]})
            else:
                _, p, rc, err = ev
                running.discard(p)
                if debug and err.strip():
                    yield (p, executor, attempt, "stderr", err[-STDERR_TAIL:])
                if rc in (1, 2):
                    # The worker's own verdict (credentials refused, bad input): its rows stand,
                    # and a retry would end the same way. The others are stopped.
                    for proc in procs.values():
                        try:
                            proc.kill()
                        except OSError:
                            pass
                    yield (p, executor, attempt, "fatal", json.dumps(
                        {"partition": p, "executor": executor, "exit": rc, "stderr": err[-STDERR_TAIL:]}))
                    return
                if rc != 0:
                    fail(FAIL_MARK, {"partition": p, "executor": executor, "exit": rc,
                                     "stderr": err[-STDERR_TAIL:]})
                if expected[p]:
                    fail(FAIL_MARK, {"partition": p, "executor": executor, "exit": rc,
                                     "stderr": "the worker exited 0 without a row or a leftover for jobs i=%s"
                                     % sorted(expected[p])[:20]})

    return task


# ----------------------------------------------------------------------------------------------
# Driver side


class Fatal(Exception):
    """A fatal error: its message is the `fatal` line's."""


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


def _fatal_message(info):
    """A worker's own stop (exit 1 or 2) → the fatal message."""
    err = (info.get("stderr") or "").strip()
    return "the worker of partition %s stopped on executor %s (exit %s): %s" % (
        info.get("partition"), info.get("executor"), info.get("exit"), err or "(no stderr)")


def _task_error(exc):
    """A Spark job's exception → the fatal message (a worker's stderr when one failed)."""
    text = str(exc)
    for mark, kind in ((EXEC_MARK, "exec"), (FAIL_MARK, "fail")):
        m = re.search(re.escape(mark) + r"(\{.*?\})" + re.escape(END_MARK), text, re.S)
        if not m:
            continue
        try:
            info = json.loads(m.group(1))
        except ValueError:
            break
        if kind == "exec":
            return ("the worker binary could not start on executor %s: %s. Executors need a Linux "
                    "build of dbx-inventory for their platform: pass --worker-binary PATH"
                    % (info.get("executor"), info.get("error")))
        err = (info.get("stderr") or "").strip()
        return "the worker of partition %s failed on executor %s (exit %s; Spark's retries exhausted): %s" % (
            info.get("partition"), info.get("executor"), info.get("exit"), err or "(no stderr)")
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return "the Spark job failed: %s" % first[:2000]


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


class RowStream:
    """Classic Spark only: rows as users finish. A task's result reaches the driver only when
    the task ends, so each task also connects back to the driver (as Spark's own executors do)
    and sends its rows as they come. Lines with the wrong key or from another wave are dropped.
    (Spark Connect runs the driver elsewhere: there rows come when a task ends.)"""

    def __init__(self, bind_host):
        self.key = os.urandom(16).hex()
        self.sock = socket.create_server((bind_host, 0))
        self.addr = (bind_host, self.sock.getsockname()[1])
        self.sink = None  # (wave, queue) of the wave running
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn):
        with conn, conn.makefile("rb") as f:
            hello = f.readline().decode("utf-8", "replace").split()
            if len(hello) != 2 or hello[0] != self.key:
                return
            for raw in f:
                sink = self.sink
                if sink is None or str(sink[0]) != hello[1]:
                    return
                try:
                    p, executor, attempt, kind, line = json.loads(raw)
                except ValueError:
                    return
                if kind in ("row", "leftover"):
                    sink[1].put(("stream", (p, executor, attempt, kind, line)))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Runner:
    """Runs waves on one Spark session (classic or Connect)."""

    def __init__(self, spark, worker_binary, host, limits, worker_args=(), fault=None, debug=False, log=None,
                 component=None):
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
        self.binary_name = _ship(spark, self.connect, worker_binary, "dbx-inventory-")
        self.component_name = _ship(spark, self.connect, component, "dbx-component-") if component else None
        self.waves = 0
        self.stream = None
        if not self.connect:
            try:
                self.stream = RowStream(spark.sparkContext.getConf().get("spark.driver.host", "127.0.0.1"))
            except OSError as e:
                self.log("no row stream (rows come as tasks end): %s" % e)

    def wave(self, token, jobs, partitions, wave_args=()):
        """Runs one wave; yields (partition, executor, attempt, kind, line) as task results
        arrive, kind "row" or "leftover", each job's first answer only. `wave_args`: worker
        flags of this wave only (its time box, what its token is). Raises Fatal when a worker
        stopped on its own verdict (its earlier rows have been yielded)."""
        if not jobs:
            return
        self.waves += 1
        # `partitions` is how many tasks run at once, and the budget is split between those
        # (never more than one request in flight each). On classic Spark the launcher itself
        # submits the tasks, at most `partitions` at a time, so with more than one a wave is cut
        # into OVERSPLIT times more, smaller shards: a slot that finishes early takes the next
        # shard instead of idling. Spark Connect runs a wave as one job whose concurrency Spark
        # decides: one shard per slot there. One task (the default) holds the whole budget.
        slots = max(1, min(int(partitions or 1), len(jobs), max_tasks(self.limits)))
        pieces = slots if self.connect or slots == 1 else slots * OVERSPLIT
        shards = split_jobs(jobs, pieces)
        args = self.worker_args + list(wave_args)
        share = budget_args(self.limits, slots, args)
        out = queue.Queue()
        stream = None
        if self.stream is not None:
            self.stream.sink = (self.waves, out)
            stream = (self.stream.addr[0], self.stream.addr[1], self.stream.key, self.waves)
        task = make_task(self.binary_name, "cwd" if self.connect else "sparkfiles", self.host,
                         self._split_token(token) if self.connect else token, share,
                         args, self.fault, self.debug, self.component_name, stream)
        if self.debug:
            self.log("wave %d: %d jobs in %d tasks, each with %s" % (
                self.waves, len(jobs), len(shards), " ".join(share)))
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
    """Imported as a module (notebooks), cloudpickle would pickle this module's functions by
    reference, and executors do not have it: ship them by value."""
    if __name__ != "__main__":
        try:
            from pyspark import cloudpickle

            cloudpickle.register_pickle_by_value(sys.modules[__name__])
        except Exception:
            pass


# ----------------------------------------------------------------------------------------------
# Program: the host's protocol


def _emit(obj):
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def _probe(url, default_port, what):
    """Fails fast (instead of minutes of client retries) when a spark:// or sc:// URL is closed."""
    m = re.match(r"^(?:sc|spark)://\[?([^\]/:]+)\]?(?::(\d+))?", url or "")
    if not m:
        return
    addr, port = m.group(1), int(m.group(2) or default_port)
    try:
        socket.create_connection((addr, port), timeout=10).close()
    except OSError as e:
        raise Fatal("cannot reach %s at %s (%s:%d: %s); check the URL and that the server is running"
                    % (what, url, addr, port, e.strerror or e))


def _import_pyspark(backend):
    """Imports what `backend` needs, or raises Fatal naming what is missing, the interpreter and the
    pip command. Supported: pyspark 3.5 (classic only) and 4.0 up to 4.x (classic and Connect)."""
    if backend == "databricks":
        try:
            from databricks.connect import DatabricksSession  # noqa: F401
        except ImportError as e:
            raise Fatal("databricks-connect is not installed for %s (%s): run `%s -m pip install "
                        "databricks-connect` (the version matching the cluster's Databricks Runtime; "
                        "not alongside pyspark), or pass --python PATH naming an interpreter that has it"
                        % (sys.executable, e, sys.executable))
        return
    supported = ("pyspark 3.5 (classic local[N] / spark:// masters) or 4.0 up to 4.x (classic and "
                 "Spark Connect)")
    try:
        import pyspark
        from pyspark.sql import SparkSession  # noqa: F401
    except ImportError as e:
        raise Fatal("pyspark is not installed for %s (%s): run `%s -m pip install pyspark pandas pyarrow "
                    "grpcio grpcio-status googleapis-common-protos zstandard`, or pass --python PATH "
                    "naming an interpreter that has it" % (sys.executable, e, sys.executable))
    version = str(getattr(pyspark, "__version__", "") or "")
    import importlib.util

    try:  # databricks-connect ships its own pyspark: a client for Databricks clusters only
        dbconnect = importlib.util.find_spec("pyspark.dbconnect_version") is not None
    except (ImportError, ValueError):
        dbconnect = False
    if dbconnect:
        raise Fatal("%s has databricks-connect (its pyspark %s is a client for Databricks clusters only): use "
                    "--cluster-id for the databricks backend, or pass --python PATH naming an interpreter with "
                    "%s, in a venv without databricks-connect" % (sys.executable, version, supported))
    m = re.match(r"(\d+)\.(\d+)", version)
    found = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    if found < (3, 5):
        raise Fatal("pyspark %s in %s is not supported: the launcher needs %s. Run `%s -m pip install "
                    "'pyspark[connect]>=4.0,<5'`, or pass --python PATH naming an interpreter that has it"
                    % (version or "(unknown version)", sys.executable, supported, sys.executable))
    if backend != "connect":
        return
    if found < (4, 0):
        raise Fatal("the connect backend needs pyspark 4.0 or later, and %s has pyspark %s (the launcher "
                    "supports %s): run `%s -m pip install 'pyspark[connect]>=4.0,<5'`, pass --python PATH "
                    "naming an interpreter that has it, or use a classic master"
                    % (sys.executable, version, supported, sys.executable))
    # What the Spark Connect client of pyspark 4.x imports (module, pip package), checked with plain
    # imports (pyspark's own checker is private: its signature changed in 4.3). numpy before pandas,
    # so that its absence is named as such; zstandard is needed from pyspark 4.1 on.
    needs = [("numpy", "numpy"), ("pandas", "pandas"), ("pyarrow", "pyarrow"), ("grpc", "grpcio"),
             ("grpc_status", "grpcio-status"), ("google.protobuf", "protobuf"),
             ("google.rpc", "googleapis-common-protos")]
    if found >= (4, 1):
        needs.append(("zstandard", "zstandard"))
    missing = []
    for module, package in needs:
        try:
            importlib.import_module(module)
        except Exception as e:  # noqa: BLE001 (ImportError, or a broken install)
            first = (str(e).strip().splitlines() or [type(e).__name__])[0]
            missing.append((module, package, first if isinstance(e, ImportError) else
                            "%s: %s" % (type(e).__name__, first)))
    if missing:
        raise Fatal("the Spark Connect client of pyspark %s needs %s, which %s cannot import (%s): run "
                    "`%s -m pip install %s`, or pass --python PATH naming an interpreter that has them"
                    % (version, ", ".join(mod for mod, _, _ in missing), sys.executable,
                       "; ".join(err for _, _, err in missing), sys.executable,
                       " ".join(dict.fromkeys(pkg for _, pkg, _ in missing))))
    try:
        import pyspark.sql.connect.session  # noqa: F401 (pyspark checks the versions it needs here)
    except (Exception, SystemExit) as e:  # noqa: BLE001 (4.3 may sys.exit(0) instead of raising)
        raise Fatal("the Spark Connect client of pyspark %s cannot be imported in %s: %s: %s (run `%s -m pip "
                    "install 'pyspark[connect]==%s'` to install the versions it needs)"
                    % (version, sys.executable, type(e).__name__, str(e).strip()[:1000] or "(no message)",
                       sys.executable, version))


def start_session(config, log):
    """The session of `config`'s backend (see the protocol)."""
    import warnings

    backend = config.get("backend")
    conf = dict(config.get("spark_conf") or {})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _import_pyspark(backend)
        if backend == "classic":
            master = config.get("master") or "local[*]"
            _probe(master if master.startswith("spark://") else None, 7077, "the Spark master")
            from pyspark.sql import SparkSession

            conf.setdefault("spark.ui.showConsoleProgress", "false")
            b = SparkSession.builder.master(master).appName("dbx-inventory")
            for k, v in conf.items():
                b = b.config(k, str(v))
            try:
                spark = b.getOrCreate()
            except Exception as e:  # noqa: BLE001
                raise Fatal("cannot start Spark with master %s: %s" % (master, str(e).strip()[:2000]))
            spark.sparkContext.setLogLevel("ERROR")
        elif backend == "connect":
            remote = config.get("remote") or ""
            if not remote:
                raise Fatal("the connect backend needs `remote` (e.g. sc://127.0.0.1:15002)")
            _probe(remote, 15002, "Spark Connect")
            if remote.startswith("local"):  # pyspark starts an in-process server with these options
                conf.setdefault("spark.ui.showConsoleProgress", "false")
            from pyspark.sql import SparkSession

            b = SparkSession.builder.remote(remote)
            for k, v in conf.items():
                b = b.config(k, str(v))
            try:
                spark = b.getOrCreate()
                spark.version  # a round trip: the server answers
            except Exception as e:  # noqa: BLE001
                raise Fatal("cannot reach Spark Connect at %s: %s" % (remote, str(e).strip()[:2000]))
        elif backend == "databricks":
            from databricks.connect import DatabricksSession

            b = DatabricksSession.builder
            if config.get("profile"):
                b = b.profile(config["profile"])
            elif config.get("host"):
                b = b.host(config["host"])
            if config.get("cluster_id"):
                b = b.clusterId(config["cluster_id"])
            try:
                spark = b.getOrCreate()
                spark.version
            except Exception as e:  # noqa: BLE001
                raise Fatal("cannot connect to Databricks cluster %s: %s"
                            % (config.get("cluster_id"), str(e).strip()[:2000]))
        else:
            raise Fatal("unknown backend %r (classic, connect or databricks)" % (backend,))
    for msg in dict.fromkeys(str(w.message).splitlines()[0] for w in caught):
        log("spark: %s" % msg)
    return spark


def wave_args(msg):
    """The worker flags of one wave line: its time box and what its token is (never the token)."""
    args = []
    for key, flag in (("start_until_ms", "--start-until-ms"), ("stop_at_ms", "--stop-at-ms"),
                      ("token_label", "--token-label")):
        if msg.get(key) is not None:
            args += [flag, str(msg[key])]
    return args


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    spark = runner = None
    code = 0
    try:
        first = sys.stdin.readline()
        try:
            config = json.loads(first)
            assert config.get("type") == "config"
        except (ValueError, AssertionError, AttributeError):
            raise Fatal("the first line on stdin must be the config object, got %.200r" % first)
        debug = bool(config.get("debug"))

        def log(msg):
            if debug:
                _emit({"type": "log", "message": msg})

        t0 = time.monotonic()
        spark = start_session(config, log)
        log("%s session ready in %.1f s (Spark %s)" % (config.get("backend"), time.monotonic() - t0, spark.version))
        try:
            runner = Runner(spark, config["worker_binary"], config.get("host"), config.get("limits"),
                            config.get("worker_args"), config.get("fault"), debug, log, config.get("component"))
        except Fatal:
            raise
        except Exception as e:  # noqa: BLE001
            raise Fatal("cannot ship the worker binary %s to Spark: %s" % (config.get("worker_binary"), e))
        partitions = int(config.get("partitions") or 1)
        # The host mints each wave's token only once the session is up (a token must not age
        # while Spark starts).
        _emit({"type": "ready"})
        ended = False
        for raw in sys.stdin:
            if not raw.strip():
                continue
            try:
                msg = json.loads(raw)
            except ValueError:
                raise Fatal("a stdin line is not JSON: %.200r" % raw)
            if msg.get("type") == "end":
                ended = True
                break
            if msg.get("type") != "wave":
                raise Fatal("unexpected stdin line of type %r" % msg.get("type"))
            t1, n, left = time.monotonic(), 0, 0
            for p, executor, attempt, kind, line in runner.wave(
                    msg.get("token"), msg.get("jobs") or [], partitions, wave_args(msg)):
                if kind == "row":
                    _emit({"type": "row", "partition": p, "executor": executor, "attempt": attempt,
                           "row": json.loads(line)})
                    n += 1
                else:
                    _emit({"type": "leftover", "i": json.loads(line).get("i")})
                    left += 1
            log("wave %d: %d rows, %d left over, in %.1f s" % (runner.waves, n, left, time.monotonic() - t1))
            _emit({"type": "wave-done", "rows": n, "leftovers": left})
        if not ended:
            raise Fatal("stdin closed before the end line")
        log(runner.spread())
    except Fatal as e:
        _emit({"type": "fatal", "message": str(e)})
        code = 1
    except Exception as e:  # noqa: BLE001
        _emit({"type": "fatal", "message": "launcher error: %s: %s" % (type(e).__name__, e)})
        traceback.print_exc()
        code = 1
    finally:
        if spark is not None:
            try:
                spark.stop()
            except Exception:
                pass
    return code


# ----------------------------------------------------------------------------------------------
# Notebook API


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

    _register_by_value()
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


if __name__ == "__main__":
    sys.exit(main())
