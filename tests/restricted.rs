//! Scans under restricted credentials: with a non-admin `--user-token` the simulator answers 404
//! for other users' Workspace homes, exactly as for missing ones. Those homes must come out as
//! `workspace_home=not_visible` (status `error`, naming whose credentials and why), never as
//! `empty`/`no`; the caller's own home and DBFS are scanned as usual; banner and summary say so.

use serde_json::Value;

use crate::util::{Run, Sim, Work};

const USERS: [&str; 4] = ["alice@x.com", "bob@x.com", "carol@x.com", "dave@x.com"];

/// alice (the user token's owner) and bob have Workspace files, dave an empty Workspace home,
/// carol none; bob and carol have DBFS files.
fn sim(extra: Vec<dbx_sim::Fault>) -> Sim {
    let mut fixture = dbx_sim::Fixture::from_json(
        r#"{
          "users": [{"userName": "alice@x.com"}, {"userName": "bob@x.com"}, {"userName": "carol@x.com"}, {"userName": "dave@x.com"}],
          "workspace": [
            {"path": "/Users/alice@x.com/nb", "object_type": "NOTEBOOK", "language": "PYTHON"},
            {"path": "/Users/alice@x.com/d/f.csv", "object_type": "FILE", "size": 100},
            {"path": "/Users/bob@x.com/f.py", "object_type": "FILE", "size": 10},
            {"path": "/Users/dave@x.com", "object_type": "DIRECTORY"}
          ],
          "dbfs": [
            {"path": "/Users/bob@x.com/x.bin", "is_dir": false, "file_size": 1000},
            {"path": "/Users/carol@x.com/y.bin", "is_dir": false, "file_size": 5}
          ]
        }"#,
    )
    .unwrap();
    fixture.faults = extra;
    Sim::start_with(dbx_sim::SimConfig {
        fixture,
        limits: None,
        user_tokens: vec![("dapi-alice".into(), "alice@x.com".into())],
        ..Default::default()
    })
}

fn scan_as(work: &Work, sim: &Sim, token: &str, extra: &[&str]) -> crate::util::Done {
    let mut args = USERS.to_vec();
    // The two homes (`/Repos` under non-admin credentials is in places.rs).
    args.extend_from_slice(&[
        "-o",
        "out.csv",
        "--jsonl",
        "out.jsonl",
        "--html",
        "out.html",
        "--locations",
        "dbfs,workspace",
    ]);
    args.extend_from_slice(extra);
    let mut run = Run::against(work, sim, "scan", &args);
    run.env("DATABRICKS_TOKEN", token);
    run.run()
}

fn not_visible(user: &str) -> String {
    format!(
        "workspace /Users/{user}: not visible to these credentials (alice@x.com is not a workspace admin, and \
         Databricks answers 404 for another user's folder the caller may not read, exactly as for a missing one): \
         whether this home exists is unknown; scan with a workspace admin's credentials"
    )
}

#[test]
fn a_non_admin_scan_reports_other_users_workspace_homes_as_not_visible_never_empty() {
    let sim = sim(vec![]);
    let work = Work::new();
    let done = scan_as(&work, &sim, "dapi-alice", &[]);
    check!(done, done.code == 3, "some users in error: exit 3");
    check!(
        done,
        done.stdout.lines().any(|l| l
            == "Credentials: alice@x.com (NOT a workspace admin): other users' Workspace homes are not visible to \
                them; a 404 on one is reported as workspace_home=not_visible (status error), never as no home")
    );
    check!(
        done,
        done.stdout.lines().any(|l| l
            == "  Workspace homes not visible to these credentials: 3 (counted as errors; not a workspace admin — \
                scan again with an admin's credentials to see them)")
    );
    let r = done.rows("out.csv");
    // Her own home and everyone's DBFS: scanned as usual.
    done.check_fields(
        &r["alice@x.com"],
        &[
            ("status", "success"),
            ("workspace_home", "yes"),
            ("workspace_files", "2"),
            ("workspace_bytes", "100"),
        ],
    );
    done.check_fields(
        &r["bob@x.com"],
        &[
            ("status", "error"),
            ("workspace_home", "not_visible"),
            ("dbfs_home", "yes"),
            ("dbfs_bytes", "1000"),
            ("error", &not_visible("bob@x.com")),
        ],
    );
    done.check_fields(
        &r["carol@x.com"],
        &[
            ("status", "error"),
            ("workspace_home", "not_visible"),
            ("dbfs_home", "yes"),
            ("dbfs_bytes", "5"),
        ],
    );
    done.check_fields(
        &r["dave@x.com"],
        &[
            ("status", "error"),
            ("workspace_home", "not_visible"),
            ("dbfs_home", "no"),
            ("error", &not_visible("dave@x.com")),
        ],
    );
    check!(
        done,
        r.values()
            .all(|row| row["status"] != "empty" && row["workspace_home"] != "no")
    );
    // JSON Lines and the HTML report say it too.
    let jsonl = done.file("out.jsonl");
    let dave: Value = jsonl
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["username"] == "dave@x.com")
        .unwrap();
    assert_eq!(
        (&dave["workspace_home"], &dave["workspace"]["not_visible"]),
        (&Value::from("not_visible"), &Value::Bool(true))
    );
    check!(
        done,
        done.file("out.html")
            .contains(r#"<span id="count-not-visible" data-value="3">3</span>"#)
    );
    // The journal keeps it: `summary` rebuilds the same CSV and says how many homes were not seen.
    let csv = work.read("out.csv");
    let summary = work
        .run(&["summary", "--journal", "out.csv.journal", "-o", "again.csv"])
        .run();
    check!(summary, summary.code == 0);
    summary.check_same("summary rebuilds the CSV", &csv, work.read("again.csv"));
    check!(
        summary,
        summary
            .stdout
            .contains("Workspace homes not visible to these credentials: 3")
    );
}

#[test]
fn an_admin_scan_of_the_same_workspace_sees_every_home() {
    let sim = sim(vec![]);
    let done = scan_as(&Work::new(), &sim, "dapi-sim", &[]);
    check!(done, done.code == 0);
    check!(
        done,
        done.stdout
            .lines()
            .any(|l| l == "Credentials: alice@x.com (workspace admin: every home is visible)")
    );
    check!(done, !done.stdout.contains("not visible"));
    let r = done.rows("out.csv");
    done.check_fields(
        &r["bob@x.com"],
        &[
            ("status", "success"),
            ("workspace_home", "yes"),
            ("workspace_bytes", "10"),
        ],
    );
    done.check_fields(&r["carol@x.com"], &[("status", "success"), ("workspace_home", "no")]);
    done.check_fields(&r["dave@x.com"], &[("status", "empty"), ("workspace_home", "yes")]);
}

#[test]
fn unknown_admin_status_behaves_as_before_and_says_so() {
    // SCIM Me closed (403): who the caller is cannot be known.
    let sim = sim(vec![dbx_sim::Fault::new("scim", "/Me", 403)]);
    let done = scan_as(&Work::new(), &sim, "dapi-alice", &[]);
    check!(done, done.code == 0);
    check!(
        done,
        done.stdout.lines().any(|l| l.starts_with("Credentials: unknown caller, admin status unknown (GET /api/2.0/preview/scim/v2/Me: HTTP 403 PERMISSION_DENIED")
            && l.ends_with("a Workspace home answering 404 is reported as no home, which for non-admin credentials may mean not visible"))
    );
    let r = done.rows("out.csv");
    done.check_fields(
        &r["bob@x.com"],
        &[("status", "success"), ("workspace_home", "no"), ("dbfs_bytes", "1000")],
    );
    done.check_fields(&r["dave@x.com"], &[("status", "no_home"), ("workspace_home", "no")]);
}

#[test]
fn a_non_admin_all_users_scan_on_dbfs_only_has_nothing_to_hide() {
    let sim = sim(vec![]);
    let mut run = Run::against(
        &Work::new(),
        &sim,
        "scan",
        &["--all-users", "--dbfs-only", "-o", "out.csv"],
    );
    run.env("DATABRICKS_TOKEN", "dapi-alice");
    let done = run.run();
    check!(done, done.code == 0);
    let r = done.rows("out.csv");
    assert_eq!(r.len(), 4);
    check!(
        done,
        r.values()
            .all(|row| row["workspace_home"] == "not_scanned" && row["status"] != "error")
    );
}

/// `--all-users` lists `/Users` instead of probing each home; a non-admin's Workspace `/Users`
/// shows only its own home, so every other home is absent from it — which must still come out as
/// not visible (no request for it), never as no home.
#[test]
fn a_non_admin_all_users_scan_reports_homes_missing_from_users_as_not_visible() {
    let sim = sim(vec![]);
    let work = Work::new();
    let mut run = Run::against(
        &work,
        &sim,
        "scan",
        &["--all-users", "-o", "out.csv", "--locations", "dbfs,workspace"],
    );
    run.env("DATABRICKS_TOKEN", "dapi-alice");
    let done = run.run();
    check!(done, done.code == 3, "some users in error: exit 3");
    let r = done.rows("out.csv");
    done.check_fields(
        &r["alice@x.com"],
        &[
            ("status", "success"),
            ("workspace_home", "yes"),
            ("workspace_bytes", "100"),
        ],
    );
    for user in ["bob@x.com", "carol@x.com", "dave@x.com"] {
        done.check_fields(
            &r[user],
            &[
                ("status", "error"),
                ("workspace_home", "not_visible"),
                ("error", &not_visible(user)),
            ],
        );
    }
    done.check_fields(&r["bob@x.com"], &[("dbfs_home", "yes"), ("dbfs_bytes", "1000")]);
    // Only alice's Workspace home was listed: /Users, then her home and its folder.
    let listed = sim.stats().by_endpoint["workspace/list"].values().sum::<u64>();
    check!(done, listed == 3, "{listed} Workspace listings");
}
