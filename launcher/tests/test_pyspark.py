"""The pyspark the launcher accepts: a missing, old or databricks-connect pyspark, or a Connect
client with missing modules, each fails with one fatal line naming what to install."""
import subprocess
import sys
import time

import pytest

from helpers import LAUNCHER, PYSPARK, config, import_pyspark, pyspark, run, stand_in_pyspark


def test_missing_pyspark_is_fatal(worker, tmp_path):
    """An interpreter without pyspark (a fresh venv of this Python, with nothing installed)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "bare")], check=True, timeout=120)
    py = str(tmp_path / "bare" / "bin" / "python")
    assert subprocess.run([py, "-c", "import pyspark"], capture_output=True).returncode, "the bare venv has pyspark"
    rc, out, _ = run(config(worker), [], python=py)
    assert rc == 1 and out[-1]["type"] == "fatal"
    assert "pip install pyspark" in out[-1]["message"] and py in out[-1]["message"]


def test_databricks_without_databricks_connect_is_fatal(worker):
    rc, out, _ = run(config(worker, backend="databricks", master=None, cluster_id="0101-abc"), [])
    assert rc == 1 and "pip install databricks-connect" in out[-1]["message"]


@pytest.mark.skipif(PYSPARK < (4, 0), reason="pyspark %s: the launcher runs Spark Connect on pyspark 4.x "
                    "only (test_connect_on_35_is_fatal checks the refusal)" % pyspark.__version__)
def test_import_pyspark_connect_succeeds():
    assert import_pyspark("connect") == "OK"
    assert import_pyspark("classic") == "OK"
    # zstandard: needed by the Connect client from pyspark 4.1 on, not by 4.0's.
    got = import_pyspark("connect", block=["zstandard"])
    if PYSPARK >= (4, 1):
        assert got.startswith("FATAL") and "pip install zstandard" in got
    else:
        assert got == "OK"


@pytest.mark.skipif(PYSPARK < (4, 0), reason="pyspark %s: the launcher runs Spark Connect on pyspark 4.x "
                    "only (test_connect_on_35_is_fatal checks the refusal)" % pyspark.__version__)
def test_connect_missing_module_is_fatal(worker):
    """Through the protocol, in an interpreter where grpc and grpc_status are missing: one fatal
    line naming the modules, the interpreter and the pip command, before any connection attempt."""
    wrapper = ("import runpy, sys\nsys.modules['grpc'] = sys.modules['grpc_status'] = None\n"
               "sys.argv = [%r]\nrunpy.run_path(%r, run_name='__main__')\n" % (LAUNCHER, LAUNCHER))
    t0 = time.monotonic()
    rc, out, _ = run(config(worker, backend="connect", master=None, remote="sc://127.0.0.1:1"), [],
                     argv=[sys.executable, "-W", "ignore", "-c", wrapper])
    assert rc == 1 and out[-1]["type"] == "fatal", out
    msg = out[-1]["message"]
    assert "needs grpc, grpc_status" in msg and sys.executable in msg, msg
    assert "%s -m pip install grpcio grpcio-status`" % sys.executable in msg, msg
    assert "sc://127.0.0.1:1" not in msg  # it did not get as far as connecting
    assert time.monotonic() - t0 < 60


@pytest.mark.skipif(PYSPARK >= (4, 0), reason="pyspark %s has Spark Connect: this checks that pyspark 3.5 "
                    "is refused for it" % pyspark.__version__)
def test_connect_on_35_is_fatal(worker):
    rc, out, _ = run(config(worker, backend="connect", master=None, remote="sc://127.0.0.1:1"), [])
    assert rc == 1 and out[-1]["type"] == "fatal"
    msg = out[-1]["message"]
    assert "needs pyspark 4.0 or later" in msg and "pyspark %s" % pyspark.__version__ in msg, msg
    assert sys.executable in msg and "pip install 'pyspark[connect]>=4.0,<5'" in msg, msg


def test_old_pyspark_is_fatal(worker, tmp_path):
    """A pyspark older than 3.5 (a stand-in package on PYTHONPATH) is refused, naming its version."""
    stand_in_pyspark(tmp_path / "old", "3.4.1")
    for backend in ("classic", "connect"):
        got = import_pyspark(backend, extra_env={"PYTHONPATH": str(tmp_path / "old")})
        assert got.startswith("FATAL pyspark 3.4.1 in %s is not supported" % sys.executable), got
        assert "pyspark 3.5 (classic" in got and "4.0 up to 4.x" in got, got
    rc, out, _ = run(config(worker), [], extra_env={"PYTHONPATH": str(tmp_path / "old")})
    assert rc == 1 and "pyspark 3.4.1" in out[-1]["message"]



def test_databricks_connect_pyspark_is_refused(tmp_path):
    """databricks-connect's own pyspark (a stand-in with its `dbconnect_version` module) is refused
    for classic and Connect, pointing at --cluster-id; the databricks backend does not look at it."""
    pkg = stand_in_pyspark(tmp_path / "dbc", "3.5.2")
    (pkg / "dbconnect_version.py").write_text('__dbconnect_version__ = "16.1.7"\n')
    for backend in ("classic", "connect"):
        got = import_pyspark(backend, extra_env={"PYTHONPATH": str(tmp_path / "dbc")})
        assert got.startswith("FATAL %s has databricks-connect (its pyspark 3.5.2" % sys.executable), got
        assert "--cluster-id" in got and "without databricks-connect" in got, got
