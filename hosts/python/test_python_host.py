"""The scanner component in a second Wasm host (wasmtime-py) against the simulator: same counts as
the Rust host, credentials never passed to the component, allow-list enforced by this host."""
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import dbx_scan  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# Where cargo put dbx-sim: $DBX_BIN_DIR, else the debug folder of $CARGO_TARGET_DIR (relative to the
# repository, as cargo resolves it when run there) or of target/.
BIN = os.environ.get("DBX_BIN_DIR") or os.path.join(ROOT, os.environ.get("CARGO_TARGET_DIR") or "target", "debug")
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


@pytest.fixture(scope="module")
def allow():
    return dbx_scan.AllowList()


def test_allow_list_is_the_shared_file(allow):
    assert os.path.samefile(dbx_scan.ALLOW_LIST_PATH, os.path.join(ROOT, "wit", "allow-list.json"))
    assert {p: (e["family"], e["params"]) for p, e in allow.endpoints.items()} == {
        "/api/2.0/workspace/list": ("workspace", ["path"]),
        "/api/2.0/dbfs/list": ("dbfs", ["path"]),
        "/api/2.0/preview/scim/v2/Users": ("scim", ["startIndex", "count", "attributes"]),
        "/api/2.0/preview/scim/v2/Me": ("scim", []),
        "/api/2.0/preview/scim/v2/ServicePrincipals": ("scim", ["startIndex", "count", "attributes"]),
    }


def test_allow_list_accepts_what_the_scanner_sends(allow):
    assert allow.check("/api/2.0/workspace/list", [("path", "/Users/a+b #?&%/x ü")]) is None
    assert allow.check("/api/2.0/dbfs/list", [("path", "/Users/a")]) is None
    users = [("startIndex", "1"), ("count", "100"), ("attributes", "id,userName,displayName,active")]
    assert allow.check("/api/2.0/preview/scim/v2/Users", users) is None
    assert allow.check("/api/2.0/preview/scim/v2/Me", []) is None
    sps = [("startIndex", "1"), ("count", "100"), ("attributes", "id,applicationId,displayName,active")]
    assert allow.check("/api/2.0/preview/scim/v2/ServicePrincipals", sps) is None


@pytest.mark.parametrize("path", [
    "/api/2.0/workspace/delete", "/api/2.0/dbfs/put", "/api/2.0/token/create", "/oidc/v1/token",
    "/api/2.0/workspace/get-status", "/api/2.0/fs/directories/Volumes/c/s/v", "/api/2.0/workspace/list/", "",
])
def test_allow_list_refuses_other_endpoints(allow, path):
    assert allow.check(path, []) == f'path "{path}" is not on the read-only allow-list'


@pytest.mark.parametrize("path", [
    "/api/2.0/dbfs/../token/create", "/api/2.0/workspace/list?path=/", "/api/2.0/workspace/list#x",
    "/api/2.0/workspace/%6Cist", "/api/2.0/workspace\\list", "/api/2.0/workspace/list\n", "/api/2.0//dbfs/list",
])
def test_allow_list_refuses_path_tricks(allow, path):
    assert allow.check(path, []) is not None


def test_allow_list_parameters_are_per_endpoint(allow):
    assert allow.check("/api/2.0/workspace/list", [("startIndex", "1")]) == (
        'query parameter "startIndex" is not allowed on /api/2.0/workspace/list'
    )
    assert allow.check("/api/2.0/preview/scim/v2/Users", [("path", "/")]) is not None
    assert allow.check("/api/2.0/preview/scim/v2/Me", [("attributes", "id")]) is not None
    assert allow.check("/api/2.0/preview/scim/v2/ServicePrincipals", [("filter", "x")]) is not None
    assert allow.check("/api/2.0/workspace/list", [("recursive", "true")]) is not None
    assert allow.check("/api/2.0/workspace/list", [("path", "/")] * 17) == "17 query parameters (limit 16)"
    assert allow.check("/api/2.0/workspace/list", [("path", "x" * 4097)]) is not None
    assert allow.check("/api/2.0/workspace/list" + "x" * 4096, []) == "path longer than 4096 bytes"


def test_denied_reason_reaches_the_component_interface(sim):
    cap = dbx_scan.HttpCapability(sim, "dapi-sim")
    [res] = cap.send(None, [dbx_scan.record(path="/api/2.0/dbfs/list", query=[("count", "1")])])
    assert (res.tag, res.payload) == ("denied", 'query parameter "count" is not allowed on /api/2.0/dbfs/list')
