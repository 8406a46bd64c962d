//! (The two homes only, `--locations dbfs,workspace`: the other locations are issue 19's, in
//! `places.rs`.)
//!
//! No wasted probes: once `/Users` has been listed in a tree (`--all-users` does it; `--list-homes`
//! for a list scan), a user whose home it does not list is recorded as having no home there
//! without a request. When `/Users` cannot be listed, each home is probed, with one warning.
//!
//! Fault rules on the homes that must not be requested prove it: a request there would answer
//! 500 and turn the row into an error.

use serde_json::json;

use crate::util::{Run, Sim};

const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";
const CAROL: &str = "carol@example.com";

/// alice has homes in both trees (a subfolder in each), bob only in the Workspace, carol none.
/// `trap` puts a 500 fault on every home that `/Users` does not list.
fn sim(trap: bool, extra_faults: Vec<serde_json::Value>) -> Sim {
    let mut faults = extra_faults;
    if trap {
        for (api, user) in [("dbfs", BOB), ("dbfs", CAROL), ("workspace", CAROL)] {
            faults.push(json!({"api": api, "path": format!("/Users/{user}"), "status": 500}));
        }
    }
    let fixture: dbx_sim::Fixture = serde_json::from_value(json!({
        "users": [{"userName": ALICE}, {"userName": BOB}, {"userName": CAROL}],
        "workspace": [
            {"path": format!("/Users/{ALICE}/d/f.csv"), "object_type": "FILE", "size": 5},
            {"path": format!("/Users/{BOB}/g.csv"), "object_type": "FILE", "size": 7},
        ],
        "dbfs": [{"path": format!("/Users/{ALICE}/d/x.bin"), "file_size": 11}],
        "faults": faults,
    }))
    .unwrap();
    Sim::start(fixture)
}

#[test]
fn all_users_issues_no_request_for_a_home_users_does_not_list() {
    let sim = sim(true, vec![]);
    let done = Run::scan(&sim, &["--all-users", "-o", "out.csv", "--locations", "dbfs,workspace"]).run();
    check!(done, done.code == 0);
    let r = done.rows("out.csv");
    done.check_fields(
        &r[ALICE],
        &[
            ("status", "success"),
            ("total_size", "16"),
            ("dbfs_home", "yes"),
            ("workspace_home", "yes"),
        ],
    );
    done.check_fields(
        &r[BOB],
        &[
            ("status", "success"),
            ("total_size", "7"),
            ("dbfs_home", "no"),
            ("workspace_home", "yes"),
        ],
    );
    done.check_fields(
        &r[CAROL],
        &[
            ("status", "no_home"),
            ("error", ""),
            ("dbfs_home", "no"),
            ("workspace_home", "no"),
        ],
    );
    // /Users once per tree, then only directories that exist: alice's home and folder in each
    // tree, bob's Workspace home.
    check!(done, sim.requests("dbfs/list") == 1 + 2, "{:?}", sim.stats());
    check!(done, sim.requests("workspace/list") == 1 + 3, "{:?}", sim.stats());
    check!(done, sim.stats().status_429 == 0 && !done.stderr.contains("probing"));
}

#[test]
fn a_list_scan_probes_unless_asked_to_list_homes() {
    let sim = sim(true, vec![]);
    let users = [ALICE, BOB, CAROL];
    let mut args = users.to_vec();
    args.extend(["-o", "out.csv", "--list-homes", "--locations", "dbfs,workspace"]);
    let done = Run::scan(&sim, &args).run();
    check!(done, done.code == 0);
    let r = done.rows("out.csv");
    done.check_fields(
        &r[CAROL],
        &[("status", "no_home"), ("dbfs_home", "no"), ("workspace_home", "no")],
    );
    done.check_fields(&r[BOB], &[("status", "success"), ("dbfs_home", "no")]);
    check!(done, sim.listings() == 2 + 5, "{:?}", sim.stats());

    // Without --list-homes every home is probed: the trapped ones answer 500.
    let mut args = users.to_vec();
    args.extend(["-o", "out.csv", "--locations", "dbfs,workspace"]);
    let done = Run::scan(&sim, &args).run();
    check!(done, done.code == 3, "a probe of a trapped home is an error row");
    let r = done.rows("out.csv");
    check!(done, r[CAROL]["status"] == "error" && r[BOB]["status"] == "error");
}

#[test]
fn falls_back_to_probing_when_users_answers_403_and_says_so_once() {
    let forbidden = json!({"api": "dbfs", "path": "/Users", "status": 403});
    // Only the Workspace homes are trapped: DBFS homes must be probed now.
    let sim = sim(
        false,
        vec![
            forbidden,
            json!({"api": "workspace", "path": format!("/Users/{CAROL}"), "status": 500}),
        ],
    );
    let done = Run::scan(&sim, &["--all-users", "-o", "out.csv", "--locations", "dbfs,workspace"]).run();
    check!(done, done.code == 0);
    let r = done.rows("out.csv");
    done.check_fields(&r[ALICE], &[("status", "success"), ("total_size", "16")]);
    done.check_fields(&r[BOB], &[("status", "success"), ("dbfs_home", "no")]);
    done.check_fields(
        &r[CAROL],
        &[("status", "no_home"), ("dbfs_home", "no"), ("workspace_home", "no")],
    );
    // DBFS: the refused /Users, one probe per user, alice's folder. Workspace: listed as before.
    check!(done, sim.requests("dbfs/list") == 1 + 3 + 1, "{:?}", sim.stats());
    check!(done, sim.requests("workspace/list") == 1 + 3, "{:?}", sim.stats());
    let warnings = done.stderr.matches("could not list DBFS /Users").count();
    check!(done, warnings == 1, "expected one warning, got {warnings}");
    check!(
        done,
        done.stderr.contains("403") && done.stderr.contains("probing each user's DBFS folder")
    );
}

/// With --orphans the same listing serves both: `/Users` is listed once per tree, and a user
/// without a home is not requested either.
#[test]
fn orphans_and_absent_homes_share_one_listing_per_tree() {
    let sim = sim(true, vec![]);
    let done = Run::scan(
        &sim,
        &[
            "--all-users",
            "--orphans",
            "-o",
            "out.csv",
            "--locations",
            "dbfs,workspace",
        ],
    )
    .run();
    check!(done, done.code == 0);
    let r = done.rows("out.csv");
    done.check_fields(
        &r[CAROL],
        &[("status", "no_home"), ("orphan", "no"), ("dbfs_home", "no")],
    );
    check!(done, sim.requests("dbfs/list") == 1 + 2, "{:?}", sim.stats());
    check!(done, sim.requests("workspace/list") == 1 + 3, "{:?}", sim.stats());
}
