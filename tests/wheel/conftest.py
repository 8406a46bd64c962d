"""Fixtures of the wheel tests (scripts/wheel-tests.sh runs them with the interpreter the wheel is
installed in): the built wheel (DBX_WHEEL), the workspace simulator (DBX_SIM_BIN, on 127.0.0.1),
a classic local[2] Spark session (loopback only) and the CLI's CSV of the same users."""

import csv
import json
import os
import select
import subprocess
import sys

import pytest

TOKEN = "dapi-wheel-test-token"
LOOPBACK = {
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.connect.grpc.binding.address": "127.0.0.1",
    "spark.ui.enabled": "false",
}


def installed_cli():
    """The `dbx-inventory` pip put beside this interpreter (never the repository's build)."""
    path = os.path.join(os.path.dirname(sys.executable), "dbx-inventory")
    assert os.access(path, os.X_OK), "the wheel is not installed in %s" % sys.prefix
    return path


class Sim:
    """`dbx-sim serve --generate SPEC --token TOKEN` on 127.0.0.1, stopped by stop()."""

    def __init__(self, spec):
        sim = os.environ["DBX_SIM_BIN"]
        self.proc = subprocess.Popen([sim, "serve", "--generate", spec, "--addr", "127.0.0.1:0", "--token", TOKEN],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        line = self.proc.stdout.readline() if ready else ""
        if not line.startswith("listening on http://"):
            self.stop()
            raise AssertionError("dbx-sim did not start: %r" % line)
        self.url = line.split()[-1]
        fixture = json.loads(subprocess.run([sim, "generate", spec], check=True, capture_output=True,
                                            text=True).stdout)
        self.users = [u["userName"] for u in fixture["users"]]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def cli_csv(sim, users, tmp, *extra):
    """The installed CLI's `scan -o` of `users`: (header, rows as dicts)."""
    users_file, out = os.path.join(tmp, "users.txt"), os.path.join(tmp, "cli.csv")
    with open(users_file, "w") as f:
        f.write("".join(u + "\n" for u in users))
    proc = subprocess.run([installed_cli(), "scan", "--host", sim.url, "--users-file", users_file, "-o", out,
                           "--quiet", *extra], env=dict(os.environ, DATABRICKS_TOKEN=TOKEN),
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    with open(out, newline="") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def sim_requests(sim):
    """Requests the simulator has served so far (its /__sim/stats)."""
    import urllib.request

    with urllib.request.urlopen(sim.url + "/__sim/stats", timeout=10) as r:
        return json.load(r)["total_requests"]


def frame_rows(df):
    """A DataFrame's rows as dicts of its (string) cells, in order."""
    return [r.asDict() for r in df.collect()]


@pytest.fixture(scope="session")
def sim():
    s = Sim("users=9,seed=23")
    yield s
    s.stop()


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master("local[2]").appName("dbx-inventory-wheel-tests")
    for k, v in LOOPBACK.items():
        builder = builder.config(k, v)
    session = builder.getOrCreate()
    yield session
    session.stop()


@pytest.fixture(scope="session")
def expected(sim, tmp_path_factory):
    """The CLI's CSV of every simulated user."""
    return cli_csv(sim, sim.users, str(tmp_path_factory.mktemp("cli")))
