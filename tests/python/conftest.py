"""Fixtures for the databricks-sdk suite: start `dbx-sim` binaries on ephemeral ports, isolate the
SDK from the developer's own Databricks configuration, and compute what a listing should return
from the fixture the simulator serves."""

import json
import os
import pathlib
import select
import subprocess
import tempfile

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
TOKEN = "dapi-sim"
CLIENT_ID = "sim-client"
CLIENT_SECRET = "sim-secret"
USERS = 237  # not a multiple of the SCIM page size (100)
SEED = 42


def sim_bin() -> str:
    """The dbx-sim binary: $DBX_SIM_BIN, else the debug build in $CARGO_TARGET_DIR (a relative one
    taken from the repository root, as cargo does when run there) or target/."""
    if os.environ.get("DBX_SIM_BIN"):
        return os.environ["DBX_SIM_BIN"]
    target = ROOT / (os.environ.get("CARGO_TARGET_DIR") or "target")
    path = target / "debug" / "dbx-sim"
    if not path.exists():
        pytest.exit(f"{path} not built: run `cargo build -p dbx-sim` (scripts/sim-sdk-tests.sh does)")
    return str(path)


class Sim:
    """A `dbx-sim serve` process on 127.0.0.1:<ephemeral port>."""

    def __init__(self, *args: str):
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sim_bin(), "serve", "--addr", "127.0.0.1:0", *args],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        line = self.proc.stdout.readline() if ready else ""
        if not line.startswith("listening on http://"):
            self.stop()
            self._stderr.seek(0)
            raise RuntimeError(f"dbx-sim did not start: {line!r} {self._stderr.read().decode()}")
        self.url = line.split()[-1]

    def stats(self) -> dict:
        return requests.get(f"{self.url}/__sim/stats", timeout=10).json()

    def reset_stats(self) -> None:
        requests.post(f"{self.url}/__sim/stats", timeout=10).raise_for_status()

    def add_faults(self, rules: list) -> None:
        requests.post(f"{self.url}/__sim/faults", json=rules, timeout=10).raise_for_status()

    def clear_faults(self) -> None:
        requests.delete(f"{self.url}/__sim/faults", timeout=10).raise_for_status()

    def calls(self, endpoint: str, status: int | None = None) -> int:
        by_status = self.stats()["by_endpoint"].get(endpoint, {})
        if status is None:
            return sum(by_status.values())
        return by_status.get(str(status), 0)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    """Keep the SDK away from ~/.databrickscfg and DATABRICKS_* variables of the machine."""
    for name in list(os.environ):
        if name.startswith(("DATABRICKS_", "ARM_", "AZURE_", "GOOGLE_")):
            monkeypatch.delenv(name)
    cfg = tmp_path / "databrickscfg"
    cfg.write_text("")
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(cfg))
    monkeypatch.setenv("HOME", str(tmp_path))


@pytest.fixture(scope="session")
def fixture() -> dict:
    """The fixture `serve --generate users=237,seed=42` serves, as printed by `dbx-sim generate`."""
    out = subprocess.run(
        [sim_bin(), "generate", f"users={USERS},seed={SEED}"], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out)


@pytest.fixture(scope="session")
def sim():
    """The generated workspace without limits, a PAT and an OAuth client."""
    s = Sim(
        "--generate", f"users={USERS},seed={SEED}",
        "--token", TOKEN,
        "--client", f"{CLIENT_ID}:{CLIENT_SECRET}",
        "--no-limits",
    )
    yield s
    s.stop()


@pytest.fixture(scope="session")
def limited_sim():
    """The same workspace with tight rate limits (5/s for the workspace API)."""
    s = Sim("--generate", f"users=20,seed={SEED}", "--rate-limits", "workspace=5,dbfs=5,scim=60/60s")
    yield s
    s.stop()


def parent(path: str) -> str:
    return path.rsplit("/", 1)[0] or "/"


class Tree:
    """A fixture section as the simulator serves it: explicit entries plus implicit parent dirs."""

    def __init__(self, entries: list, is_dir, implicit_dir):
        self.nodes = {}
        self.children = {}
        for e in entries:
            self.nodes[e["path"]] = e
        for path in list(self.nodes):
            p = path
            while p != "/":
                q = parent(p)
                self.children.setdefault(q, set()).add(p)
                if q not in self.nodes:
                    self.nodes[q] = implicit_dir(q)
                p = q
        self.is_dir = is_dir

    def walk(self, root: str, descend) -> list:
        """What the SDK's breadth-first recursive listing yields: non-directories only; `descend`
        decides which entries are entered (DIRECTORY for the workspace, is_dir for DBFS)."""
        out, queue = [], [root]
        while queue:
            d = queue.pop(0)
            for child in sorted(self.children.get(d, ())):
                e = self.nodes[child]
                if descend(e):
                    queue.append(child)
                else:
                    out.append(e)
        return out


@pytest.fixture(scope="session")
def workspace_tree(fixture) -> Tree:
    return Tree(
        fixture["workspace"],
        is_dir=lambda e: e.get("object_type") in ("DIRECTORY", "REPO"),
        implicit_dir=lambda p: {"path": p, "object_type": "DIRECTORY"},
    )


@pytest.fixture(scope="session")
def dbfs_tree(fixture) -> Tree:
    return Tree(
        fixture["dbfs"],
        is_dir=lambda e: e.get("is_dir", False),
        implicit_dir=lambda p: {"path": p, "is_dir": True, "file_size": 0},
    )
