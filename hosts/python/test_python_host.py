"""The scanner component in a second Wasm host (wasmtime-py) against the simulator: same counts as
the Rust host, credentials never passed to the component, allow-list enforced by this host."""
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import dbx_scan  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("DBX_BIN_DIR", os.path.join(ROOT, "target", "debug"))
COMPONENT = os.environ.get(
    "DBX_COMPONENT", os.path.join(ROOT, "guest", "target", "wasm32-wasip2", "release", "dbx_inventory_guest.wasm")
)


@pytest.fixture(scope="module")
def sim():
    p = subprocess.Popen(
        [os.path.join(BIN, "dbx-sim"), "serve", "--fixture", os.path.join(ROOT, "tests", "fixtures", "semantics.json")],
        stdout=subprocess.PIPE, text=True,
    )
    url = p.stdout.readline().split()[-1]
    yield url
    p.terminate()
    p.wait()


@pytest.fixture(scope="module")
def scanner(sim):
    return dbx_scan.Scanner(COMPONENT, dbx_scan.HttpCapability(sim, "dapi-sim"))


def test_counts_match_the_rust_host(scanner):
    r = scanner.scan_user("alice@example.com")
    assert r["status"] == "success"
    assert (r["dbfs"]["files"], r["dbfs"]["bytes"]) == (4, 307)
    assert (r["workspace"]["files"], r["workspace"]["bytes"], r["workspace"]["repos"]) == (11, 1363, 1)
    assert r["dbfs"]["directories"] + r["workspace"]["directories"] == 37


def test_errors_and_hostile_names(scanner):
    bob = scanner.scan_user("bob@example.com")
    assert bob["status"] == "error" and "/Users/bob@example.com/broken" in bob["error"]
    weird = scanner.scan_user("we+ird #?%&ü x@example.com")
    assert (weird["status"], weird["dbfs"]["bytes"] + weird["workspace"]["bytes"]) == ("success", 33)
    bad = scanner.scan_user("../bob@example.com")
    assert bad["status"] == "error" and "invalid username" in bad["error"] and bad["requests"] == 0


def test_wrong_token_is_an_error_not_a_silent_empty(sim):
    s = dbx_scan.Scanner(COMPONENT, dbx_scan.HttpCapability(sim, "wrong"))
    r = s.scan_user("alice@example.com")
    assert r["status"] == "error" and "401" in r["error"]


def test_allow_list_is_enforced_by_this_host(sim):
    cap = dbx_scan.HttpCapability(sim, "dapi-sim")
    req = dbx_scan.record(path="/api/2.0/workspace/delete", query=[("path", "/Users/alice@example.com")])
    [res] = cap.send(None, [req])
    assert res.tag == "denied"
