"""The scanner component in a second Wasm host (wasmtime-py) against the simulator: same counts as
the Rust host, credentials never passed to the component, allow-list enforced by this host."""
import json
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


AS_OF = 1796083200000  # 2026-12-01T00:00:00Z
DAY = 86_400_000


@pytest.fixture(scope="module")
def sim4():
    """Files in all four locations of a@x.com, times on both sides of the 365-day boundary,
    undated and future-dated files, and name-prefix siblings (`a@x.com2`, `a@x.com.evil`)."""
    p = subprocess.Popen(
        [os.path.join(BIN, "dbx-sim"), "serve", "--fixture",
         os.path.join(ROOT, "tests", "fixtures", "hosts_four_locations.json")],
        stdout=subprocess.PIPE, text=True,
    )
    url = p.stdout.readline().split()[-1]
    yield url
    p.terminate()
    p.wait()


def test_four_locations_by_default_with_ages(sim4):
    s = dbx_scan.Scanner(COMPONENT, dbx_scan.HttpCapability(sim4, "dapi-sim"))
    r = s.scan_user("a@x.com", as_of_ms=AS_OF)
    assert r["status"] == "success" and r["error"] is None
    got = {loc: (r[loc]["files"], r[loc]["bytes"], r[loc]["stale_files"], r[loc]["stale_bytes"],
                 r[loc]["undated_files"], r[loc]["last_modified_ms"]) for loc in dbx_scan.LOCATIONS}
    assert got == {
        "dbfs": (1, 100, 1, 100, 0, AS_OF - 400 * DAY),
        # the sibling a@x.com2 is never counted
        "uploads": (2, 57, 0, 0, 1, AS_OF - 3 * DAY),
        # exactly at the boundary is not stale; more than a day in the future is undated
        "workspace": (2, 14, 0, 0, 1, AS_OF - 365 * DAY),
        # 1 ms before the boundary is stale; the notebook is dated but has no size
        "repos": (2, 2000, 1, 2000, 0, AS_OF - 10 * DAY),
    }
    assert r["repos"]["repos"] == 1 and r["repos"]["notebooks"] == 1
    assert r["uploads"]["age"] == {"under_30_days": 50, "under_90_days": 0, "under_1_year": 0,
                                   "under_3_years": 0, "older": 0, "undated": 7}
    assert r["dbfs"]["age"]["under_3_years"] == 100
    assert r["uploads"]["largest"] == [
        {"path": "/FileStore/shared_uploads/a@x.com/up.csv", "bytes": 50, "modified_ms": AS_OF - 3 * DAY},
        {"path": "/FileStore/shared_uploads/a@x.com/nodate.csv", "bytes": 7, "modified_ms": None},
    ]
    b = s.scan_user("b@x.com", as_of_ms=AS_OF)
    assert b["status"] == "empty"
    assert [b[loc]["home_exists"] for loc in dbx_scan.LOCATIONS] == [False] * 4


def test_locations_as_of_and_stale_days_are_the_callers(sim4):
    s = dbx_scan.Scanner(COMPONENT, dbx_scan.HttpCapability(sim4, "dapi-sim"))
    r = s.scan_user("a@x.com", uploads=False, repos=False, as_of_ms=AS_OF, stale_days=1000)
    assert (r["uploads"], r["repos"]) == (None, None)
    assert (r["dbfs"]["stale_files"], r["workspace"]["stale_files"]) == (0, 0)
    # A day later the boundary file is stale too (and the future one still undated: 2 days ahead of AS_OF)
    r = s.scan_user("a@x.com", dbfs=False, uploads=False, repos=False, as_of_ms=AS_OF + DAY)
    assert (r["dbfs"], r["workspace"]["stale_files"], r["workspace"]["stale_bytes"]) == (None, 1, 10)
    # The default as-of is now: the fixture's 2026 times are then whatever age the clock says, but a
    # report always has all four locations.
    assert all(s.scan_user("a@x.com")[loc] is not None for loc in dbx_scan.LOCATIONS)


def test_cli_takes_locations_as_of_and_stale_days(sim4):
    env = dict(os.environ, DATABRICKS_HOST=sim4, DATABRICKS_TOKEN="dapi-sim")
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, "hosts", "python", "dbx_scan.py"), "--component", COMPONENT,
         "--locations", "uploads,repos", "--as-of", "2026-12-01T00:00:00Z", "--stale-days", "365", "a@x.com"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout
    r = json.loads(out)
    assert (r["dbfs"], r["workspace"]) == (None, None)
    assert (r["uploads"]["undated_files"], r["repos"]["stale_bytes"], r["repos"]["last_modified_ms"]) == (
        1, 2000, AS_OF - 10 * DAY)
    bad = subprocess.run(
        [sys.executable, os.path.join(ROOT, "hosts", "python", "dbx_scan.py"), "--component", COMPONENT,
         "--locations", "dbfs,volumes", "a@x.com"], env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and "locations must be some of dbfs,uploads,workspace,repos" in bad.stderr


def test_objects_written_are_the_counted_files(sim4, tmp_path):
    env = dict(os.environ, DATABRICKS_HOST=sim4, DATABRICKS_TOKEN="dapi-sim")
    objects = tmp_path / "objects.jsonl"
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, "hosts", "python", "dbx_scan.py"), "--component", COMPONENT,
         "--as-of", "2026-12-01", "--objects", str(objects), "a@x.com", "b@x.com"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout
    a, b = [json.loads(line) for line in out.splitlines()]
    rows = [json.loads(line) for line in objects.read_text(encoding="utf-8").splitlines()]
    assert all(r["username"] == "a@x.com" for r in rows)  # b@x.com has no home: no files
    for loc in dbx_scan.LOCATIONS:
        mine = [r for r in rows if r["location"] == loc]
        assert len(mine) == a[loc]["files"], loc
        assert len({r["path"] for r in mine}) == len(mine), loc
    assert sum(b[loc]["files"] for loc in dbx_scan.LOCATIONS) == 0
    got = sorted((r["location"], r["path"], r["object_type"], r["size"], r["modified_ms"], r["language"]) for r in rows)
    assert got == [
        ("dbfs", "/Users/a@x.com/old.bin", "FILE", 100, AS_OF - 400 * DAY, None),
        ("repos", "/Repos/a@x.com/proj/big.whl", "FILE", 2000, AS_OF - 365 * DAY - 1, None),
        ("repos", "/Repos/a@x.com/proj/nb", "NOTEBOOK", None, AS_OF - 10 * DAY, "PYTHON"),
        ("uploads", "/FileStore/shared_uploads/a@x.com/nodate.csv", "FILE", 7, None, None),
        ("uploads", "/FileStore/shared_uploads/a@x.com/up.csv", "FILE", 50, AS_OF - 3 * DAY, None),
        ("workspace", "/Users/a@x.com/at-the-boundary.txt", "FILE", 10, AS_OF - 365 * DAY, None),
        ("workspace", "/Users/a@x.com/future.txt", "FILE", 4, None, None),
    ]
    assert set(rows[0]) == {"username", "location", "path", "object_type", "size", "modified_ms", "language"}


def test_as_of_and_locations_parse_like_the_rust_host():
    assert dbx_scan.parse_as_of("2026-12-01") == AS_OF
    assert dbx_scan.parse_as_of("2026-12-01T00:00:00Z") == AS_OF
    assert dbx_scan.parse_as_of("2026-12-01T01:00:00+01:00") == AS_OF
    for bad in ["last week", "2026-12-01T00:00:00", "12/01/2026"]:
        with pytest.raises(ValueError):
            dbx_scan.parse_as_of(bad)
    assert dbx_scan.parse_locations("dbfs,repos") == {"dbfs": True, "uploads": False, "workspace": False, "repos": True}
    with pytest.raises(ValueError):
        dbx_scan.parse_locations("")


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


def test_allow_list_confines_paths_to_the_four_roots(allow):
    dbfs = lambda p: allow.check("/api/2.0/dbfs/list", [("path", p)])  # noqa: E731
    ws = lambda p: allow.check("/api/2.0/workspace/list", [("path", p)])  # noqa: E731
    for p in ["/Users", "/Users/a@x.com", "/Users/a@x.com/sub/f", "/FileStore/shared_uploads",
              "/FileStore/shared_uploads/a@x.com/d"]:
        assert dbfs(p) is None, p
    for p in ["/Users", "/Users/a@x.com/nb", "/Repos", "/Repos/a@x.com", "/Repos/a@x.com/proj/dir"]:
        assert ws(p) is None, p
    for p in ["/", "/Users2", "/Users.evil/x", "/FileStore", "/FileStore/shared_uploads2/a", "/FileStore/tables/x",
              "/Repos", "/Repos/a", "/Users/a/../../FileStore/x", "/Users/", "dbfs:/Users/a"]:
        assert dbfs(p) is not None, p
    for p in ["/", "/Shared", "/Users2", "/Repos.evil", "/Repos2/a", "/FileStore/shared_uploads/a",
              "/Repos/a/../../Shared", "/Users/a//b", "/Users/a/./b"]:
        assert ws(p) is not None, p
    assert ws("/Repos.evil") == 'query parameter "path" value "/Repos.evil" is not within /Users or /Repos'
    assert dbfs("/Users2") == (
        'query parameter "path" value "/Users2" is not within /Users or /FileStore/shared_uploads')
    assert allow.check("/api/2.0/dbfs/list", []) == 'query parameter "path" is required on /api/2.0/dbfs/list'
    assert allow.check("/api/2.0/workspace/list", [("path", "/Users/a"), ("path", "/Shared")]) is not None
    assert {p: e.get("roots") for p, e in allow.endpoints.items()} == {
        "/api/2.0/workspace/list": {"path": ["/Users", "/Repos"]},
        "/api/2.0/dbfs/list": {"path": ["/Users", "/FileStore/shared_uploads"]},
        "/api/2.0/preview/scim/v2/Users": None,
        "/api/2.0/preview/scim/v2/Me": None,
        "/api/2.0/preview/scim/v2/ServicePrincipals": None,
    }


def test_a_sibling_root_is_denied_unsent(sim):
    cap = dbx_scan.HttpCapability(sim, "dapi-sim")
    [res] = cap.send(None, [dbx_scan.record(path="/api/2.0/workspace/list", query=[("path", "/Shared")])])
    assert (res.tag, res.payload) == ("denied", 'query parameter "path" value "/Shared" is not within /Users or /Repos')


def test_denied_reason_reaches_the_component_interface(sim):
    cap = dbx_scan.HttpCapability(sim, "dapi-sim")
    [res] = cap.send(None, [dbx_scan.record(path="/api/2.0/dbfs/list", query=[("count", "1")])])
    assert (res.tag, res.payload) == ("denied", 'query parameter "count" is not allowed on /api/2.0/dbfs/list')
