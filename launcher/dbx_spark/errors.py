"""The launcher's fatal errors, and the messages of a worker's or a Spark job's failure."""

import json
import re

from .task import END_MARK, EXEC_MARK, FAIL_MARK


class Fatal(Exception):
    """A fatal error: its message is the `fatal` line's."""


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
            hint = info.get("hint") or ("Executors need a Linux build of dbx-inventory for their platform: "
                                        "pass --worker-binary PATH")
            return "the worker binary could not start on executor %s: %s. %s" % (
                info.get("executor"), info.get("error"), hint)
        err = (info.get("stderr") or "").strip()
        return "the worker of partition %s failed on executor %s (exit %s; Spark's retries exhausted): %s" % (
            info.get("partition"), info.get("executor"), info.get("exit"), err or "(no stderr)")
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return "the Spark job failed: %s" % first[:2000]
