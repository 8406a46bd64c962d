"""Executor side: the body of every Spark task, run where the task runs. It reaches the executors
pickled by value with its closure (see runner._register_by_value): it imports what it needs itself."""

STDERR_TAIL = 4000
FAIL_MARK, EXEC_MARK, END_MARK = "<<dbx-worker-failed>>", "<<dbx-worker-exec>>", "<<dbx-end>>"


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
