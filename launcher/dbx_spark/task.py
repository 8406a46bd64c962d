"""Executor side: the body of every Spark task, run where the task runs. It reaches the executors
pickled by value with its closure (see runner._register_by_value): it imports what it needs itself."""

STDERR_TAIL = 4000
FAIL_MARK, EXEC_MARK, END_MARK = "<<dbx-worker-failed>>", "<<dbx-worker-exec>>", "<<dbx-end>>"
# Worker lines waiting for the task's loop (objects lines may be large and many): a worker that
# prints faster than the task passes its lines on waits (its stdout pipe fills).
EVENTS_MAX = 16
# The row stream: a send to the driver, or its acknowledgement at the task's end, may wait this
# long (the driver passes records on only as fast as the host reads them).
STREAM_TIMEOUT_S = 600.0


def installed_binary(version, executor):
    """The binary of the `dbx_inventory` package installed where the task runs (pip put it
    beside the package), which must be `version`, the driver's; else an error naming what is
    wrong (see errors._task_error)."""
    import json

    try:
        from dbx_inventory._binary import binary, version as installed

        if installed() == version:
            return binary()
        why = "dbx-inventory %s is installed there, the driver has %s" % (installed(), version)
    except Exception as e:  # noqa: BLE001 (not installed, or its binary missing: the message says)
        why = "%s: %s" % (type(e).__name__, e)
    raise RuntimeError(EXEC_MARK + json.dumps({
        "executor": executor, "error": why,
        "hint": "install the driver's dbx-inventory wheel on the cluster (%pip install in the notebook, or a "
                "cluster library), or let scan() ship the binary (ship=True)"}) + END_MARK)


def make_task(binary_name, locate, host, token, budget, worker_args, fault, debug, component_name=None,
              stream=None):
    """The task body: shards {partition: [job lines]} → (partition, executor, attempt, kind, line)
    tuples; kind "row" (a worker's user line), "leftover" (a job the worker did not start before
    its wave's time was up), "objects" (a worker's objects line, with `--objects`: files of a job
    still pending, before its row), "stderr" (its stderr, with `debug`) or "fatal" (the worker
    stopped with exit 1 or 2: its rows so far stand, retrying would fail the same way). A worker
    that dies otherwise (a crash, a lost executor) raises, so Spark retries the task. `locate` is
    "sparkfiles" (classic) or "cwd" (Connect artifacts) for a shipped binary named `binary_name`, or
    "installed": the `dbx_inventory` package's own binary where the task runs, `binary_name` being
    the version it must have. The token is captured here only.

    `stream`: (host, port, key, wave) of the driver's row stream (classic Spark): each row and
    leftover is also sent there as it comes, so the host records users as they finish; the
    task's result still carries them all (the caller keeps each job's first answer). Objects
    lines go over the stream only, never into the result (Spark holds a task's result in the
    driver's memory): should the stream break after objects went over it, the task fails (they
    may not all have arrived), so no row of that attempt is delivered after partial objects. At
    its end the task waits for the driver's acknowledgement that it has queued everything sent,
    so the rows of the result come after them. Without a stream (Connect; or one that could not
    connect, or broke before any objects went over it) objects lines are records of the result,
    in the worker's order, before their row."""

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

        binary = installed_binary(binary_name, executor) if locate == "installed" else shipped(binary_name)
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

        events = queue.Queue(EVENTS_MAX)
        stopped = threading.Event()  # the task is over: threads waiting to queue a line give up
        procs = {}

        def put(ev):
            while not stopped.is_set():
                try:
                    events.put(ev, timeout=1)
                    return
                except queue.Full:
                    pass

        def run(p, jobs):
            try:
                proc = subprocess.Popen(
                    args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
                )
            except OSError as e:
                put(("exec", p, "%s: %s" % (binary, e)))
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
                    put(("row", p, line))
            rc = proc.wait()
            for t in threads:
                t.join()
            put(("exit", p, rc, b"".join(err).decode("utf-8", "replace")))

        def kill_all():
            for proc in list(procs.values()):
                try:
                    proc.kill()
                except OSError:
                    pass

        def fail(mark, payload):
            stopped.set()
            kill_all()
            raise RuntimeError(mark + json.dumps(payload) + END_MARK)

        sock = [None]
        objects_sent = [False]
        if stream:
            try:
                s = socket.create_connection(stream[:2], timeout=3)
                s.settimeout(STREAM_TIMEOUT_S)
                s.sendall(("%s %d\n" % (stream[2], stream[3])).encode())
                sock[0] = s
            except OSError:
                sock[0] = None  # the rows (and objects) come with the task's result instead

        def broken(p, why):
            """The stream is gone: fine before any objects went over it (the result carries what
            follows), the task's failure after (the driver may have missed some)."""
            try:
                sock[0].close()
            except OSError:
                pass
            sock[0] = None
            if objects_sent[0]:
                fail(FAIL_MARK, {"partition": p, "executor": executor, "exit": None,
                                 "stderr": "the row stream to the driver broke after objects went over it "
                                           "(%s): the task is retried" % why})

        def send(rec):
            """True when `rec` went over the stream."""
            if sock[0] is None:
                return False
            try:
                sock[0].sendall((json.dumps(list(rec)) + "\n").encode())
                return True
            except OSError as e:
                broken(rec[0], e)
                return False

        def finish(p):
            """Waits for the driver's acknowledgement that it queued all this task sent."""
            if sock[0] is None:
                return
            ack = b""
            try:
                sock[0].sendall((json.dumps([p, executor, attempt, "done", ""]) + "\n").encode())
                while not ack.endswith(b"\n") and len(ack) < 64:
                    chunk = sock[0].recv(64)
                    if not chunk:
                        break
                    ack += chunk
            except OSError as e:
                ack = str(e).encode()
            if ack.strip() != b"ok":
                broken(p, "no acknowledgement from the driver: %r" % ack[:64])
                return
            sock[0].close()
            sock[0] = None

        for p, jobs in shards.items():
            threading.Thread(target=run, args=(p, jobs), daemon=True).start()
        expected = {p: {json.loads(j)["i"] for j in jobs} for p, jobs in shards.items()}
        running = set(shards)

        try:
            while running:
                ev = events.get()
                if ev[0] == "row":
                    _, p, line = ev
                    try:
                        msg = json.loads(line)
                        i, kind = msg.get("i"), msg.get("type")
                    except (ValueError, AttributeError):
                        i, kind = None, None
                    if kind not in ("user", "leftover", "objects") or i not in expected[p]:
                        fail(FAIL_MARK, {"partition": p, "executor": executor, "exit": None,
                                         "stderr": "the worker printed a line that is not a row, a leftover or "
                                                   "objects of its pending jobs: %.200s" % line})
                    if kind == "objects":
                        rec = (p, executor, attempt, "objects", line)
                        if send(rec):
                            objects_sent[0] = True
                        else:
                            yield rec
                        continue
                    expected[p].discard(i)
                    rec = (p, executor, attempt, "row" if kind == "user" else "leftover", line)
                    send(rec)
                    yield rec
                elif ev[0] == "exec":
                    fail(EXEC_MARK, {"partition": ev[1], "executor": executor, "error": ev[2]})
                else:
                    _, p, rc, err = ev
                    running.discard(p)
                    if debug and err.strip():
                        yield (p, executor, attempt, "stderr", err[-STDERR_TAIL:])
                    if rc in (1, 2):
                        # The worker's own verdict (credentials refused, bad input): its rows stand,
                        # and a retry would end the same way. The others are stopped.
                        stopped.set()
                        kill_all()
                        finish(p)
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
            finish(min(shards) if shards else 0)
        finally:
            stopped.set()
            kill_all()
            if sock[0] is not None:
                try:
                    sock[0].close()
                except OSError:
                    pass

    return task


# scan_objects' frame before its `modified` column (see notebook.scan_objects).
OBJECT_COLUMNS = ("username", "location", "path", "object_type", "size", "modified_ms", "language")
FRAME_ROWS = 8192
I64_MAX = (1 << 63) - 1
# Spark's timestamps: 0001-01-01 to 9999-12-31 (UTC), in ms since the epoch.
MS_RANGE = (-62135596800000, 253402300799999)


def object_frames(records, users, frame_rows=FRAME_ROWS, user_lines=False):
    """scan_objects' executor side: the records of a task run with `--objects` and no stream →
    pandas DataFrames of OBJECT_COLUMNS: for each job, the objects of the attempts its user line
    keeps (its `objects` field), under the job's user as given (`users`: i → user). A job's
    objects lines wait in a file of a temp dir until its user line comes (so memory stays flat
    whatever their number), then that file is read once. A size past i64 and a time outside
    Spark's timestamps are null. A leftover (an unfinished job: its objects would be partial) or
    a worker's own fatal stop raises, so the Spark job fails with that message.

    `user_lines` (scan_with_objects): an eighth column, `user_line`, null on object rows; each
    job's user line comes as one more row with that column set (its username, the rest null)."""
    import json, os, shutil, tempfile  # noqa: E401 (executor side)

    import pandas as pd

    columns = OBJECT_COLUMNS + (("user_line",) if user_lines else ())

    def frame(rows):
        return pd.DataFrame({c: pd.Series([r[k] if k < len(r) else None for r in rows], dtype=object)
                             for k, c in enumerate(columns)})

    tmp = tempfile.mkdtemp(prefix="dbx-objects-")
    files, rows = {}, []
    try:
        for p, executor, _, kind, line in records:
            if kind == "objects":
                i = json.loads(line)["i"]
                f = files.get(i)
                if f is None:
                    f = files[i] = open(os.path.join(tmp, "%d.jsonl" % len(files)), "w+", encoding="utf-8")
                f.write(line + "\n")
            elif kind == "row":
                row = json.loads(line)
                keep = set(row.get("objects") or ())
                if user_lines:
                    rows.append((users[row["i"]], None, None, None, None, None, None, line))
                f = files.pop(row["i"], None)
                if f is None:
                    continue
                f.seek(0)
                for held in f:
                    batch = json.loads(held)
                    if batch.get("attempt") not in keep:
                        continue
                    for o in batch.get("objects") or ():
                        size, ms = o.get("size"), o.get("mtime")
                        rows.append((users[row["i"]], o.get("loc"), o.get("path"), o.get("type") or "",
                                     size if isinstance(size, int) and 0 <= size <= I64_MAX else None,
                                     ms if isinstance(ms, int) and MS_RANGE[0] <= ms <= MS_RANGE[1] else None,
                                     o.get("lang")))
                        if len(rows) >= frame_rows:
                            yield frame(rows)
                            rows = []
                f.close()
                os.remove(f.name)
            elif kind == "leftover":
                raise RuntimeError(FAIL_MARK + json.dumps({
                    "partition": p, "executor": executor, "exit": None,
                    "stderr": "the worker left job i=%s unfinished (a time box in worker_args?): its objects "
                              "would be partial" % json.loads(line).get("i")}) + END_MARK)
            elif kind == "fatal":
                raise RuntimeError(FAIL_MARK + line + END_MARK)
        if rows:
            yield frame(rows)
    finally:
        for f in files.values():
            f.close()
        shutil.rmtree(tmp, ignore_errors=True)
