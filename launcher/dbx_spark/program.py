"""The program the host runs (`scan --spark-*`): the host's protocol on stdin and stdout."""

import json
import signal
import sys
import time
import traceback

from .errors import Fatal
from .runner import Runner
from .session import start_session


def _emit(obj):
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


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
            t1, n, left, objects = time.monotonic(), 0, 0, 0
            for p, executor, attempt, kind, line in runner.wave(
                    msg.get("token"), msg.get("jobs") or [], partitions, wave_args(msg)):
                if kind == "objects":  # the host parses the worker's line itself
                    _emit({"type": "objects", "line": line})
                    objects += 1
                elif kind == "row":
                    _emit({"type": "row", "partition": p, "executor": executor, "attempt": attempt,
                           "row": json.loads(line)})
                    n += 1
                else:
                    _emit({"type": "leftover", "i": json.loads(line).get("i")})
                    left += 1
            log("wave %d: %d rows, %d left over, %d objects lines, in %.1f s"
                % (runner.waves, n, left, objects, time.monotonic() - t1))
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
