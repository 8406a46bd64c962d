"""The wheel in a new venv: `dbx-inventory` on PATH with no Rust toolchain, every command there
(the demo included), `import dbx_inventory` with the binary's version, `pip install --target`."""

import os
import shutil
import subprocess
import sys

import pytest

# No ~/.cargo/bin, no /usr/local/bin: only the venv and the system's own programs.
SYSTEM_PATH = "/usr/bin:/bin"


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A new venv with only the wheel installed (no index: the wheel needs nothing else)."""
    root = str(tmp_path_factory.mktemp("venv"))
    subprocess.run(["python3", "-m", "venv", root], check=True)
    subprocess.run([os.path.join(root, "bin", "pip"), "install", "-q", "--no-index", "--disable-pip-version-check",
                    os.environ["DBX_WHEEL"]], check=True)
    return root


def run_in(venv, args, cwd=None, **env):
    path = os.path.join(venv, "bin") + ":" + SYSTEM_PATH
    e = {"PATH": path, "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8", **env}
    return subprocess.run(args, cwd=cwd, env=e, capture_output=True, text=True, timeout=600)


def test_no_rust_toolchain_on_the_path():
    assert shutil.which("cargo", path=SYSTEM_PATH) is None and shutil.which("rustc", path=SYSTEM_PATH) is None


def test_cli_on_path_and_version_matches_the_package(venv):
    cli = run_in(venv, ["dbx-inventory", "--version"])
    assert cli.returncode == 0, cli.stderr
    name, version = cli.stdout.split()
    assert name == "dbx-inventory"
    py = run_in(venv, ["python", "-c", "import dbx_inventory as d; print(d.__version__); print(d.binary())"])
    assert py.returncode == 0, py.stderr
    pkg_version, binary = py.stdout.split("\n")[:2]
    assert pkg_version == version
    assert binary == os.path.join(venv, "bin", "dbx-inventory")
    via_module = run_in(venv, ["python", "-m", "dbx_inventory", "--version"])
    assert via_module.stdout == cli.stdout


def test_every_command_answers(venv):
    help_text = run_in(venv, ["dbx-inventory", "--help"]).stdout
    commands = [line.split()[0] for line in help_text.split("Commands:")[1].split("Options:")[0].splitlines()
                if line.startswith("  ") and not line.startswith("   ") and line.split()[0] != "help"]
    assert {"scan", "users", "demo", "check", "diff", "top", "summary"} <= set(commands)
    for command in commands:
        p = run_in(venv, ["dbx-inventory", command, "--help"])
        assert p.returncode == 0 and "Usage: dbx-inventory" in p.stdout, (command, p.stderr)


def test_demo_runs_from_the_venv(venv, tmp_path):
    p = run_in(venv, ["dbx-inventory", "demo"], cwd=str(tmp_path))
    assert p.returncode == 0, p.stderr
    with open(tmp_path / "demo-results.csv") as f:
        lines = f.read().splitlines()
    assert lines[0].startswith("username,") and len(lines) > 10
    # The demo's own simulator and scanner, all inside the binary: no Spark, no network.
    assert "demo-results.csv" in p.stdout + p.stderr


def test_pip_install_target_finds_its_binary(tmp_path):
    target = str(tmp_path / "target")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--disable-pip-version-check",
                    "--target", target, os.environ["DBX_WHEEL"]], check=True)
    p = subprocess.run(["python3", "-c", "import dbx_inventory; print(dbx_inventory.binary())"],
                       env=dict(os.environ, PYTHONPATH=target), capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == os.path.join(target, "bin", "dbx-inventory")


def test_a_missing_binary_is_named(venv):
    p = run_in(venv, ["python", "-c", "import dbx_inventory; dbx_inventory.binary()"],
               DBX_INVENTORY_BIN="/nonexistent/dbx-inventory")
    assert p.returncode == 1
    assert "DBX_INVENTORY_BIN=/nonexistent/dbx-inventory is not an executable file" in p.stderr
