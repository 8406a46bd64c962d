//! Every place a user keeps files, and how old it is (issue 19): the four locations (DBFS home,
//! UI uploads, Workspace home, `/Repos`), exact on a fixture with files in each, times on both
//! sides of the stale boundary, undated files, empty folders, a name-prefix sibling and a
//! non-admin caller; `--resume` after SIGKILL and a second scan with the same `--as-of` give the
//! same bytes; a workspace without DBFS is said once, not one error per user.

use serde_json::json;

use crate::util::{generated, journal_user_lines, Run, Sim, Work};

/// 2026-12-01T00:00:00Z.
const AS_OF: &str = "2026-12-01T00:00:00Z";
const AS_OF_MS: i64 = 1_796_083_200_000;
const DAY: i64 = 86_400_000;

fn fixture() -> dbx_sim::Fixture {
    let boundary = AS_OF_MS - 365 * DAY;
    serde_json::from_value(json!({
        "users": [{"userName": "alice@x.com"}, {"userName": "bob@x.com"}, {"userName": "carol@x.com"}],
        "dbfs": [
            {"path": "/Users/alice@x.com/old.bin", "is_dir": false, "file_size": 100, "modification_time": boundary - 1},
            {"path": "/Users/alice@x.com/edge.bin", "is_dir": false, "file_size": 10, "modification_time": boundary},
            {"path": "/FileStore/shared_uploads/alice@x.com/sales.csv", "is_dir": false, "file_size": 5000, "modification_time": AS_OF_MS - 3 * DAY},
            {"path": "/FileStore/shared_uploads/alice@x.com/nodate.csv", "is_dir": false, "file_size": 7},
            // A name-prefix sibling and another user's uploads: never alice's.
            {"path": "/FileStore/shared_uploads/alice@x.com2/not-hers.csv", "is_dir": false, "file_size": 999999, "modification_time": 1},
            {"path": "/FileStore/shared_uploads/bob@x.com", "is_dir": true}
        ],
        "workspace": [
            {"path": "/Users/alice@x.com/f.py", "object_type": "FILE", "size": 40, "modified_at": AS_OF_MS - 4 * 365 * DAY},
            {"path": "/Users/alice@x.com/nb", "object_type": "NOTEBOOK", "language": "PYTHON", "modified_at": AS_OF_MS - DAY},
            {"path": "/Repos/alice@x.com/proj", "object_type": "REPO"},
            {"path": "/Repos/alice@x.com/proj/model.pkl", "object_type": "FILE", "size": 70000, "modified_at": AS_OF_MS - 100 * DAY},
            {"path": "/Users/bob@x.com", "object_type": "DIRECTORY"},
            {"path": "/Repos/carol@x.com/r/x.sql", "object_type": "FILE", "size": 3, "modified_at": AS_OF_MS + 2 * DAY}
        ]
    }))
    .unwrap()
}

fn sim() -> Sim {
    Sim::start_with(dbx_sim::SimConfig {
        fixture: fixture(),
        limits: None,
        user_tokens: vec![("dapi-bob".into(), "bob@x.com".into())],
        ..Default::default()
    })
}

const USERS: [&str; 3] = ["alice@x.com", "bob@x.com", "carol@x.com"];

fn scan(work: &Work, sim: &Sim, extra: &[&str]) -> crate::util::Done {
    let mut args = USERS.to_vec();
    args.extend_from_slice(&["-o", "out.csv", "--as-of", AS_OF, "--jsonl", "out.jsonl"]);
    args.extend_from_slice(extra);
    work.scan(sim, &args).run()
}

#[test]
fn four_locations_and_ages_are_exact() {
    let sim = sim();
    let work = Work::new();
    let done = scan(&work, &sim, &[]);
    check!(done, done.code == 0);
    let r = done.rows("out.csv");
    done.check_fields(
        &r["alice@x.com"],
        &[
            ("status", "success"),
            // 110 + 5007 + 40 + 70000; the notebook has no size.
            ("file_count", "7"),
            ("total_size", "75157"),
            ("file_source", "both"),
            ("dbfs_files", "2"),
            ("dbfs_bytes", "110"),
            ("uploads_files", "2"),
            ("uploads_bytes", "5007"),
            ("workspace_files", "2"),
            ("workspace_bytes", "40"),
            ("repos_files", "1"),
            ("repos_bytes", "70000"),
            ("git_folders", "1"),
            ("dbfs_home", "yes"),
            ("uploads_home", "yes"),
            ("workspace_home", "yes"),
            ("repos_home", "yes"),
            ("last_modified", "2026-11-30T00:00:00Z"),
            // 1 ms before the boundary and the 4-year-old file; exactly at it is not stale.
            ("stale_files", "2"),
            ("stale_bytes", "140"),
            ("undated_files", "1"),
            ("largest_file", "/Repos/alice@x.com/proj/model.pkl"),
            ("largest_file_bytes", "70000"),
        ],
    );
    done.check_fields(
        &r["bob@x.com"],
        &[
            ("status", "empty"),
            ("uploads_home", "yes"),
            ("workspace_home", "yes"),
            ("repos_home", "no"),
            ("dbfs_home", "no"),
            ("last_modified", ""),
            ("largest_file", ""),
            ("largest_file_bytes", "0"),
        ],
    );
    done.check_fields(
        &r["carol@x.com"],
        &[
            ("status", "success"),
            ("repos_files", "1"),
            ("file_source", "workspace"),
            // Two days after the as-of: no date, never stale.
            ("undated_files", "1"),
            ("last_modified", ""),
        ],
    );
    check!(
        done,
        done.stdout
            .contains("Ages: as of 2026-12-01T00:00:00Z; stale = last modified more than 365 days before")
    );
    // One listing per folder: 3 DBFS (alice's home, her uploads, bob's uploads), plus the
    // probes of absent folders (bob and carol: DBFS home; carol: uploads).
    let stats = sim.stats();
    check!(done, sim.requests("dbfs/list") == 3 + 3, "{stats:?}");
    // The Workspace: alice (home, /Repos, the Git folder), bob (home; /Repos absent), carol
    // (home absent; /Repos, r).
    check!(done, sim.requests("workspace/list") == 3 + 2 + 3, "{stats:?}");

    // The same --as-of on an unchanged workspace: the same bytes.
    let again = Work::new();
    let second = scan(&again, &sim, &[]);
    check!(second, again.read("out.csv") == work.read("out.csv"));
    // --stale-days moves the boundary.
    let third = scan(&Work::new(), &sim, &["--stale-days", "2000"]);
    check!(third, third.rows("out.csv")["alice@x.com"]["stale_files"] == "0");
}

#[test]
fn locations_can_be_chosen_and_the_seed_flags_mean_a_side() {
    let sim = sim();
    let done = scan(&Work::new(), &sim, &["--locations", "uploads,repos"]);
    check!(done, done.code == 0);
    let a = &done.rows("out.csv")["alice@x.com"];
    done.check_fields(
        a,
        &[
            ("total_size", "75007"),
            ("dbfs_home", "not_scanned"),
            ("workspace_home", "not_scanned"),
            ("uploads_home", "yes"),
            ("repos_home", "yes"),
        ],
    );
    let dbfs = scan(&Work::new(), &sim, &["--dbfs-only"]);
    let a = &dbfs.rows("out.csv")["alice@x.com"];
    dbfs.check_fields(
        a,
        &[
            ("total_size", "5117"),
            ("repos_home", "not_scanned"),
            ("uploads_home", "yes"),
        ],
    );
    for bad in [
        &["--locations", "dbfs,home"][..],
        &["--locations", "dbfs", "--dbfs-only"][..],
        &["--as-of", "last week"][..],
    ] {
        let done = scan(&Work::new(), &sim, bad);
        check!(done, done.code == 2, "{bad:?}");
    }
}

#[test]
fn a_non_admin_sees_other_users_repos_as_not_visible_and_their_uploads() {
    let sim = sim();
    let work = Work::new();
    let mut args = USERS.to_vec();
    args.extend_from_slice(&["-o", "out.csv", "--as-of", AS_OF]);
    let mut run = Run::against(&work, &sim, "scan", &args);
    run.env("DATABRICKS_TOKEN", "dapi-bob");
    let done = run.run();
    let r = done.rows("out.csv");
    done.check_fields(
        &r["alice@x.com"],
        &[
            ("status", "error"),
            ("workspace_home", "not_visible"),
            ("repos_home", "not_visible"),
            // DBFS has no per-user permissions: alice's uploads are counted.
            ("uploads_bytes", "5007"),
        ],
    );
    check!(
        done,
        r["alice@x.com"]["error"].contains("repos /Repos/alice@x.com: not visible")
    );
    done.check_fields(&r["bob@x.com"], &[("workspace_home", "yes"), ("repos_home", "no")]);
}

#[test]
fn a_workspace_without_dbfs_is_said_once_and_the_workspace_side_is_scanned() {
    let sim = Sim::start_with(dbx_sim::SimConfig {
        fixture: fixture(),
        limits: None,
        dbfs_disabled: true,
        ..Default::default()
    });
    let done = scan(&Work::new(), &sim, &[]);
    check!(done, done.code == 0, "not one error per user");
    check!(done, done.stderr.matches("has no DBFS API").count() == 1);
    let r = done.rows("out.csv");
    for u in USERS {
        done.check_fields(
            &r[u],
            &[("dbfs_home", "not_available"), ("uploads_home", "not_available")],
        );
    }
    done.check_fields(&r["alice@x.com"], &[("status", "success"), ("total_size", "70040")]);
    // No request to find out: the first scans meet it (at most two DBFS folders a user), and
    // no later scan asks DBFS again.
    check!(done, sim.requests("dbfs/list") <= 2 * 3, "{:?}", sim.stats());
}

#[test]
fn a_kill_and_resume_give_the_identical_csv_with_the_journals_as_of() {
    let (sim, _) = generated(80, 11);
    let full = Work::new();
    let base = full
        .scan(&sim, &["--all-users", "-o", "out.csv", "-q", "--as-of", "2026-11-01"])
        .run();
    check!(base, base.code == 0);

    let work = Work::new();
    let journal = work.path("out.csv.journal");
    let mut child = work
        .scan(
            &sim,
            &[
                "--all-users",
                "-o",
                "out.csv",
                "-q",
                "--as-of",
                "2026-11-01",
                "--rate-limit",
                "workspace=20",
            ],
        )
        .spawn();
    while journal_user_lines(&journal) < 5 {
        assert!(!child.finished(), "the scan ended before it could be killed");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = child.kill();
    // No --as-of: the resume keeps the journal's.
    let resumed = work
        .scan(&sim, &["--all-users", "-o", "out.csv", "-q", "--resume"])
        .run();
    check!(resumed, resumed.code == 0);
    resumed.check_same("resumed = uninterrupted", full.read("out.csv"), work.read("out.csv"));
}

#[test]
fn orphans_are_found_in_every_root() {
    let mut f = fixture();
    // A departed user's uploads and Git folders: no SCIM user owns them.
    f.dbfs.push(
        serde_json::from_value(
            json!({"path": "/FileStore/shared_uploads/gone@x.com/old.csv", "is_dir": false, "file_size": 64}),
        )
        .unwrap(),
    );
    f.workspace.push(
        serde_json::from_value(json!({"path": "/Repos/gone@x.com/r/a.py", "object_type": "FILE", "size": 36})).unwrap(),
    );
    let sim = Sim::start(f);
    let done = Run::scan(&sim, &["--all-users", "--orphans", "-o", "out.csv", "--as-of", AS_OF]).run();
    check!(done, done.code == 0);
    let r = done.rows("out.csv");
    done.check_fields(
        &r["gone@x.com"],
        &[
            ("orphan", "yes"),
            ("total_size", "100"),
            ("uploads_home", "yes"),
            ("repos_home", "yes"),
            ("dbfs_home", "not_scanned"),
            ("workspace_home", "not_scanned"),
        ],
    );
    // The name-prefix sibling of alice's uploads is an orphan of its own, never alice's.
    done.check_fields(&r["alice@x.com2"], &[("orphan", "yes"), ("uploads_bytes", "999999")]);
    done.check_fields(&r["alice@x.com"], &[("uploads_bytes", "5007")]);
}
