"""The official databricks-sdk (Python) against dbx-sim: it must not tell the simulator from a
real workspace. Each test states the behaviour it checks."""

import base64
import math
import time

import pytest
import requests
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound, ResourceDoesNotExist, Unauthenticated
from databricks.sdk.service.workspace import ExportFormat

from conftest import CLIENT_ID, CLIENT_SECRET, TOKEN, USERS, Sim


def pat_client(sim, token=TOKEN, **kw) -> WorkspaceClient:
    return WorkspaceClient(host=sim.url, token=token, **kw)


def ws_key(o):
    """An SDK ObjectInfo as comparable fields."""
    return (
        o.path,
        o.object_type.value if o.object_type else None,
        o.language.value if o.language else None,
        o.size,
    )


def ws_expected(e):
    return (e["path"], e.get("object_type"), e.get("language"), e.get("size"))


def homes(tree):
    return sorted(tree.children.get("/Users", ()))


# --- SCIM users -----------------------------------------------------------------------------------


def test_users_are_listed_across_pages_in_fixture_order(sim, fixture):
    w = pat_client(sim)
    sim.reset_stats()
    names = [u.user_name for u in w.users.list()]
    assert names == [u["userName"] for u in fixture["users"]]
    assert USERS % 100 != 0, "the total must not be a multiple of the page size"
    # Pages of 100, 100, 37, then the empty page that ends the SDK's loop.
    assert sim.calls("scim/Users", 200) == math.ceil(USERS / 100) + 1


def test_users_page_by_returned_count_when_count_is_small(sim, fixture):
    w = pat_client(sim)
    sim.reset_stats()
    names = [u.user_name for u in w.users.list(count=33)]
    assert names == [u["userName"] for u in fixture["users"]]
    assert sim.calls("scim/Users", 200) == math.ceil(USERS / 33) + 1


def test_service_principals_are_listed_across_pages_in_fixture_order(sim, fixture):
    w = pat_client(sim)
    sim.reset_stats()
    got = [(sp.application_id, sp.display_name, sp.active, sp.id) for sp in w.service_principals.list(count=4)]
    want = fixture["service_principals"]
    assert len(want) == USERS // 25
    assert [g[:3] for g in got] == [(s["applicationId"], s["displayName"], s["active"]) for s in want]
    assert all(g[3] and g[3].isdigit() for g in got), "every one has a SCIM id"
    assert sim.calls("scim/ServicePrincipals", 200) == math.ceil(len(want) / 4) + 1
    one = w.service_principals.get(got[0][3])
    assert (one.application_id, one.display_name) == got[0][:2]
    # Their homes, named by the application id, are served like anyone's.
    homes = {e["path"].split("/")[2] for e in fixture["workspace"] if e["path"].startswith("/Users/")}
    with_home = [g[0] for g in got if g[0] in homes]
    assert with_home, "some service principals have a Workspace home"
    assert w.workspace.get_status(f"/Users/{with_home[0]}").object_type.value == "DIRECTORY"


def test_users_filter_and_attributes(sim, fixture):
    w = pat_client(sim)
    target = fixture["users"][150]
    got = list(w.users.list(filter=f'userName eq "{target["userName"]}"', attributes="userName,displayName"))
    assert [u.user_name for u in got] == [target["userName"]]
    assert got[0].display_name == target["displayName"]
    assert got[0].id, "id is always returned"
    assert not got[0].emails and got[0].active is None, "attributes= projects the resource"
    assert list(w.users.list(filter='userName eq "nobody@nowhere.example"')) == []


def test_me_is_the_first_fixture_user_for_a_pat(sim, fixture):
    me = pat_client(sim).current_user.me()
    assert me.user_name == fixture["users"][0]["userName"]
    assert me.active == fixture["users"][0]["active"]


# --- Workspace ------------------------------------------------------------------------------------


def test_recursive_workspace_listing_of_every_home_equals_fixture(sim, workspace_tree):
    w = pat_client(sim)
    saw_repo = saw_untyped = saw_empty = False
    for home in homes(workspace_tree):
        got = [ws_key(o) for o in w.workspace.list(home, recursive=True)]
        expected = [
            ws_expected(e)
            for e in workspace_tree.walk(home, descend=lambda e: e.get("object_type") == "DIRECTORY")
        ]
        assert got == expected, home
        saw_repo |= any(t == "REPO" for _, t, _, _ in got)
        saw_untyped |= any(t is None for _, t, _, _ in got)
        saw_empty |= not workspace_tree.children.get(home)
    assert saw_repo and saw_untyped and saw_empty, "the generated workspace should have all shapes"


def test_workspace_get_status_returns_the_fixture_object(sim, fixture):
    w = pat_client(sim)
    nb = next(e for e in fixture["workspace"] if e.get("object_type") == "NOTEBOOK")
    f = next(e for e in fixture["workspace"] if e.get("object_type") == "FILE" and "size" in e)
    d = next(e for e in fixture["workspace"] if e.get("object_type") == "DIRECTORY")
    for e in (nb, f, d):
        o = w.workspace.get_status(e["path"])
        assert ws_key(o) == ws_expected(e)
        assert o.object_id == e["object_id"]
    assert w.workspace.get_status(nb["path"]).size is None, "notebooks carry no size"


def test_listing_a_file_returns_the_file_and_an_empty_dir_nothing(sim, workspace_tree):
    w = pat_client(sim)
    f = next(e for e in workspace_tree.nodes.values() if e.get("object_type") == "FILE")
    assert [ws_key(o) for o in w.workspace.list(f["path"])] == [ws_expected(f)]
    empty = next(h for h in homes(workspace_tree) if not workspace_tree.children.get(h))
    assert list(w.workspace.list(empty)) == []
    r = requests.get(f"{sim.url}/api/2.0/workspace/list", params={"path": empty},
                     headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert r.json() == {}, "an empty directory is {} on the wire"


def test_missing_workspace_path_raises_not_found(sim):
    w = pat_client(sim)
    with pytest.raises(NotFound) as e:
        w.workspace.get_status("/Users/nobody@example.com")
    assert isinstance(e.value, ResourceDoesNotExist)
    assert "Path (/Users/nobody@example.com) doesn't exist." in str(e.value)
    with pytest.raises(NotFound):
        list(w.workspace.list("/Users/nobody@example.com/deeper"))


def test_export_returns_base64_notebook_source(sim, fixture):
    w = pat_client(sim)
    nb = next(e for e in fixture["workspace"] if e.get("language") == "PYTHON")
    out = w.workspace.export(nb["path"], format=ExportFormat.SOURCE)
    src = base64.b64decode(out.content).decode()
    assert src.startswith("# Databricks notebook source")
    assert len(src) > 1000


# --- DBFS -----------------------------------------------------------------------------------------


def test_recursive_dbfs_listing_of_every_home_equals_fixture(sim, dbfs_tree):
    w = pat_client(sim)
    dbfs_homes = homes(dbfs_tree)
    assert dbfs_homes
    for home in dbfs_homes:
        got = [(f.path, f.is_dir, f.file_size, f.modification_time) for f in w.dbfs.list(home, recursive=True)]
        expected = [
            (e["path"], False, e.get("file_size"), e.get("modification_time"))
            for e in dbfs_tree.walk(home, descend=lambda e: e.get("is_dir", False))
        ]
        assert got == expected, home


def test_dbfs_get_status_and_missing_path(sim, fixture):
    w = pat_client(sim)
    f = next(e for e in fixture["dbfs"] if not e["is_dir"])
    st = w.dbfs.get_status(f["path"])
    assert (st.path, st.is_dir, st.file_size) == (f["path"], False, f["file_size"])
    with pytest.raises(NotFound) as e:
        w.dbfs.get_status("/Users/nobody@example.com")
    assert "No file or directory exists on path /Users/nobody@example.com." in str(e.value)


# --- Volumes (Files API) --------------------------------------------------------------------------


def test_volume_directory_pages_equal_fixture(sim, fixture):
    w = pat_client(sim)
    vol = "/Volumes/main/default/landing"
    files = sorted(e["path"] for e in fixture["volumes"] if e["path"].startswith(vol + "/"))
    assert files
    direct = sorted({"/".join(p.split("/")[:6]) for p in files})
    sim.reset_stats()
    entries = list(w.files.list_directory_contents(vol, page_size=2))
    assert [e.path for e in entries] == direct
    assert sim.calls("fs/directories", 200) >= math.ceil(len(direct) / 2)
    assert sorted(f.path for f in w.dbfs.list(vol)) == direct


def test_walking_volumes_page_by_page_finds_every_fixture_file(sim, fixture):
    # (The SDK's own recursive volume walk re-enters the top directory for nested names, so walk
    # with list_directory_contents.)
    w = pat_client(sim)
    found, queue = [], ["/Volumes/main", "/Volumes/dev"]
    while queue:
        d = queue.pop(0)
        for e in w.files.list_directory_contents(d, page_size=50):
            if e.is_directory:
                queue.append(e.path)
            else:
                found.append((e.path, e.file_size, e.last_modified))
    expected = [(e["path"], e["file_size"], e["last_modified"]) for e in fixture["volumes"] if not e["is_directory"]]
    assert sorted(found) == sorted(expected)


# --- Throttling, retries, errors ------------------------------------------------------------------


def test_429_from_a_fault_is_retried_by_the_sdk(sim, fixture):
    w = pat_client(sim)
    nb = next(e for e in fixture["workspace"] if e.get("object_type") == "NOTEBOOK")
    sim.reset_stats()
    sim.add_faults([{"api": "workspace", "path": nb["path"], "status": 429, "times": 2}])
    t0 = time.monotonic()
    assert w.workspace.get_status(nb["path"]).path == nb["path"]
    assert time.monotonic() - t0 >= 1.5, "the SDK honours Retry-After: 1"
    assert sim.calls("workspace/get-status", 429) == 2
    assert sim.calls("workspace/get-status", 200) == 1


def test_rate_limit_429s_are_retried_by_the_sdk(limited_sim):
    w = pat_client(limited_sim)
    limited_sim.reset_stats()
    for _ in range(12):
        assert w.workspace.get_status("/Users").object_type.value == "DIRECTORY"
    assert limited_sim.calls("workspace/get-status", 200) == 12
    assert limited_sim.stats()["status_429"] > 0, "5/s must throttle 12 quick calls"


def test_503_is_retried_by_the_sdk(sim):
    w = pat_client(sim)
    sim.add_faults([{"api": "dbfs", "path": "/FileStore/tables", "status": 503, "times": 1}])
    assert [f.path for f in w.dbfs.list("/FileStore/tables")]


def test_fixture_style_500_fault_reaches_the_caller(sim):
    w = pat_client(sim)
    sim.add_faults([{"api": "workspace", "path": "/Shared", "status": 500, "times": 1}])
    with pytest.raises(Exception) as e:
        w.workspace.get_status("/Shared")
    assert "INTERNAL_ERROR" in repr(e.value) or "unexpected error" in str(e.value)


def test_bad_token_is_401_unauthenticated(sim):
    with pytest.raises(Unauthenticated):
        pat_client(sim, token="dapi-wrong").current_user.me()
    r = requests.get(f"{sim.url}/api/2.0/workspace/list", params={"path": "/"},
                     headers={"Authorization": "Bearer dapi-wrong"}, timeout=10)
    assert r.status_code == 401
    assert r.json()["error_code"] == "UNAUTHENTICATED"


# --- OAuth M2M ------------------------------------------------------------------------------------


def test_discovery_urls_point_at_the_simulator(sim):
    meta = requests.get(f"{sim.url}/.well-known/databricks-config", timeout=10).json()
    assert meta["oidc_endpoint"] == f"{sim.url}/oidc"
    oidc = requests.get(f"{meta['oidc_endpoint']}/.well-known/oauth-authorization-server", timeout=10).json()
    assert oidc["token_endpoint"] == f"{sim.url}/oidc/v1/token"


def test_oauth_m2m_client_lists_users(sim, fixture):
    sim.reset_stats()
    w = WorkspaceClient(host=sim.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    assert w.config.auth_type == "oauth-m2m"
    names = [u.user_name for u in w.users.list()]
    assert names == [u["userName"] for u in fixture["users"]]
    assert w.current_user.me().user_name == CLIENT_ID, "/Me is the service principal"
    assert sim.calls("oauth/token", 200) == 1, "one token serves every call"


def test_oauth_wrong_secret_is_refused(sim):
    with pytest.raises(Exception) as e:
        WorkspaceClient(host=sim.url, client_id=CLIENT_ID, client_secret="wrong").current_user.me()
    assert "invalid_client" in str(e.value) or "401" in str(e.value) or "authenticat" in str(e.value).lower()


def test_expired_oauth_token_is_401():
    s = Sim("--generate", "users=3,seed=1", "--client", "c:s", "--oauth-token-ttl", "1")
    try:
        tok = requests.post(f"{s.url}/oidc/v1/token", auth=("c", "s"),
                            data={"grant_type": "client_credentials", "scope": "all-apis"}, timeout=10).json()
        assert tok["token_type"] == "Bearer" and tok["expires_in"] == 1
        h = {"Authorization": f"Bearer {tok['access_token']}"}
        assert requests.get(f"{s.url}/api/2.0/preview/scim/v2/Me", headers=h, timeout=10).status_code == 200
        time.sleep(1.2)
        r = requests.get(f"{s.url}/api/2.0/preview/scim/v2/Me", headers=h, timeout=10)
        assert r.status_code == 401 and r.json()["error_code"] == "UNAUTHENTICATED"
    finally:
        s.stop()
