"""Unit tests: each task's share of the budget, the shards, a wave's flags, the notebook API's
defaults, telling a Connect session apart."""
import inspect
import json
import subprocess
import sys

import pytest

from helpers import HERE, LIMITS, env, flag, jobs
from dbx_spark import scan
from dbx_spark.budget import DEFAULT_LIMITS, budget_args, max_tasks, merged_limits, split_jobs
from dbx_spark.program import wave_args
from dbx_spark.runner import _is_connect


def test_budget_share():
    args = budget_args({"workspace": 50, "dbfs": 30, "scim": 4.25, "max_in_flight": 16}, 4)
    # export (60/s) and concurrency (32) are the published defaults when the config has none.
    assert args == ["--rate-limit", "dbfs=7.5", "--rate-limit", "export=15.0", "--rate-limit", "scim=1.0625",
                    "--rate-limit", "workspace=12.5", "--max-in-flight", "4", "--concurrency", "8"]
    # 40 tasks are capped at max_tasks (16): the rates are split 16 ways, one request in flight each;
    # a flag the host already gives is left to it.
    args = budget_args(None, 40, ["--concurrency", "3"])
    assert "--concurrency" not in args and flag(args, "--max-in-flight") == "1"
    assert "workspace=3.125" in args and "export=3.75" in args
    assert DEFAULT_LIMITS["export"] == 60 and DEFAULT_LIMITS["concurrency"] == 32
    assert split_jobs(jobs(0, 3), 8) == [[json.dumps(j, separators=(",", ":"))] for j in jobs(0, 3)]
    assert split_jobs(jobs(0, 10), 1) == [[json.dumps(j, separators=(",", ":")) for j in jobs(0, 10)]]


@pytest.mark.parametrize("limits", [
    None,
    LIMITS,
    {"workspace": 7, "dbfs": 3, "scim": 1, "export": 2.5, "max_in_flight": 20, "concurrency": 100},
    {"workspace": 0.5, "max_in_flight": 5, "concurrency": 9},
    {"max_in_flight": 1, "concurrency": 1},
    {"max_in_flight": 16, "concurrency": 4},
])
def test_budget_sums_never_exceed_the_limits(limits):
    """For any N, the min(N, cap) tasks of a wave together stay within every limit."""
    merged = merged_limits(limits)
    cap = max_tasks(limits)
    assert cap == min(int(merged["max_in_flight"]), int(merged["concurrency"]))
    families = set(merged) - {"max_in_flight", "concurrency"}
    assert "export" in families
    for n in range(1, 41):
        tasks = min(n, cap)
        args = budget_args(limits, n)
        rates = dict(args[k + 1].split("=") for k, a in enumerate(args) if a == "--rate-limit")
        assert set(rates) == families, args
        for family, rate in rates.items():
            assert 0 < float(rate) * tasks <= merged[family] * (1 + 1e-12), (n, family, rate)
        in_flight, users = int(flag(args, "--max-in-flight")), int(flag(args, "--concurrency"))
        assert in_flight >= 1 and in_flight * tasks <= merged["max_in_flight"], (n, args)
        assert users >= 1 and users * tasks <= merged["concurrency"], (n, args)


def test_wave_args_and_scan_defaults():
    msg = {"type": "wave", "token": "dapi-not-a-flag", "jobs": [], "n": 3, "start_until_ms": 1700000000000,
           "stop_at_ms": 1700000060000, "token_label": "an OAuth access token minted for Spark wave 3"}
    assert wave_args(msg) == ["--start-until-ms", "1700000000000", "--stop-at-ms", "1700000060000",
                                        "--token-label", "an OAuth access token minted for Spark wave 3"]
    assert wave_args({"type": "wave", "token": "t", "jobs": []}) == []
    params = inspect.signature(scan).parameters
    assert params["partitions"].default == 1 and params["component"].default is None
    assert params["trees"].default == "dbfs+uploads+workspace+repos"


def test_is_connect_by_class_module():
    connect = type("SparkSession", (), {"__module__": "pyspark.sql.connect.session"})
    mine = type("Mine", (connect,), {"__module__": "notebook"})
    classic = type("SparkSession", (), {"__module__": "pyspark.sql.session"})
    assert _is_connect(connect()) and _is_connect(mine())
    assert not _is_connect(classic()) and not _is_connect(object())
    # It imports nothing: with a Connect client whose import ends the process (as pyspark 4.3's
    # does when a dependency is missing), a classic session is still told apart.
    script = r"""
import sys
sys.path.insert(0, %r)
from dbx_spark.runner import _is_connect
from pyspark.sql import SparkSession
class Exits:
    def find_spec(self, name, path=None, target=None):
        if name.startswith("pyspark.sql.connect"):
            raise SystemExit(0)
for m in [m for m in sys.modules if m.startswith("pyspark.sql.connect")]:
    del sys.modules[m]
sys.meta_path.insert(0, Exits())
print("connect=%%s" %% _is_connect(object.__new__(SparkSession)))
""" % HERE
    p = subprocess.run([sys.executable, "-W", "ignore", "-c", script], capture_output=True, text=True, env=env(),
                       timeout=120)
    assert p.returncode == 0 and p.stdout.strip().splitlines()[-1:] == ["connect=False"], (p.stdout, p.stderr)
