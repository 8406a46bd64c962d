//! `scan --all-users --orphans`: homes under /Users (DBFS and Workspace) whose owner is not an
//! active SCIM user are scanned too and marked, on `tests/fixtures/orphans.json`:
//!
//! * SCIM users: alice, carol (inactive, DBFS home), Bob@Example.com (DBFS home spelled the same,
//!   Workspace home spelled `bob@example.com`), dave (inactive, no home), erin (no home),
//!   frank (`active` not given, empty Workspace home);
//! * homes with no SCIM user: ghost (both trees), `MIXED@…` (Workspace) and `mixed@…` (DBFS), the
//!   last two one orphan (names compare ignoring case everywhere: one row per name);
//! * plain files directly under /Users in both trees (not homes).

use crate::util::{fixture, names_where, Run, Sim};

#[test]
fn orphaned_homes_are_scanned_marked_sorted_after_the_users_and_summed() {
    let sim = Sim::start(fixture("orphans"));
    let done = Run::scan(&sim, &["--all-users", "--orphans", "-o", "out.csv"]).run();
    check!(done, done.code == 0);
    let (header, rows) = done.csv("out.csv");
    assert!(header.contains(&"orphan".to_string()));
    let order: Vec<&str> = rows.iter().map(|r| r["username"].as_str()).collect();
    assert_eq!(
        order,
        [
            // Active SCIM users (and unknown status), in SCIM order.
            "alice@example.com",
            "Bob@Example.com",
            "erin@example.com",
            "frank@example.com",
            // Then orphans and inactive users, sorted case-insensitively, then exactly.
            "carol@example.com",
            "dave@example.com",
            "ghost@example.com",
            "MIXED@example.com",
        ],
        "{}",
        done.explain()
    );
    let r = done.rows("out.csv");
    done.check_fields(
        &r["alice@example.com"],
        &[("orphan", "no"), ("total_size", "1200"), ("status", "success")],
    );
    // Bob's homes match him ignoring case: not orphans.
    done.check_fields(
        &r["Bob@Example.com"],
        &[("orphan", "no"), ("dbfs_bytes", "50"), ("dbfs_home", "yes")],
    );
    done.check_fields(&r["erin@example.com"], &[("orphan", "no"), ("status", "no_home")]);
    done.check_fields(
        &r["frank@example.com"],
        &[("orphan", "no"), ("status", "empty"), ("workspace_home", "yes")],
    );
    // The inactive user's home is an orphan, scanned in the tree where it was listed.
    done.check_fields(
        &r["carol@example.com"],
        &[
            ("orphan", "yes"),
            ("total_size", "3000"),
            ("dbfs_home", "yes"),
            ("workspace_home", "not_scanned"),
        ],
    );
    // An inactive user without a home keeps a row, not marked.
    done.check_fields(
        &r["dave@example.com"],
        &[
            ("orphan", "no"),
            ("status", "no_home"),
            ("dbfs_home", "no"),
            ("workspace_home", "no"),
        ],
    );
    done.check_fields(
        &r["ghost@example.com"],
        &[
            ("orphan", "yes"),
            ("file_count", "3"),
            ("total_size", "4500"),
            ("file_source", "both"),
            ("dbfs_home", "yes"),
            ("workspace_home", "yes"),
        ],
    );
    // Two spellings, one per tree: one orphan named by the first spelling, each tree's folder
    // scanned under its own spelling (the simulator's paths are case-sensitive), and warned about.
    done.check_fields(
        &r["MIXED@example.com"],
        &[
            ("orphan", "yes"),
            ("total_size", "77"),
            ("dbfs_home", "yes"),
            ("workspace_home", "yes"),
        ],
    );
    check!(
        done,
        done.stderr
            .contains("DBFS home /Users/mixed@example.com differs in case only")
    );
    assert!(
        !order.iter().any(|u| u.contains("README") || u.contains("notes.txt")),
        "files under /Users are not homes"
    );

    check!(
        done,
        done.stdout
            .contains("Orphaned homes (no active user): 3, holding 7.4 KB (7,577 bytes)")
    );
    check!(done, done.stdout.contains("ghost@example.com (orphaned home)"));
    check!(done, !done.stdout.contains("alice@example.com (orphaned home)"));
    check!(done, done.stdout.contains("Total users processed: 8"));
    // The Workspace home differing from Bob's SCIM name in case only is pointed out.
    check!(
        done,
        done.stderr
            .contains("Workspace home /Users/bob@example.com differs in case only from user Bob@Example.com")
    );
    check!(done, !done.stderr.contains("twice"), "one row per name");
}

#[test]
fn without_orphans_every_scim_user_is_scanned_in_order_and_nothing_is_marked() {
    let sim = Sim::start(fixture("orphans"));
    let done = Run::scan(&sim, &["--all-users", "-o", "out.csv"]).run();
    check!(done, done.code == 0);
    let (_, rows) = done.csv("out.csv");
    let order: Vec<&str> = rows.iter().map(|r| r["username"].as_str()).collect();
    assert_eq!(
        order,
        [
            "alice@example.com",
            "carol@example.com",
            "Bob@Example.com",
            "dave@example.com",
            "erin@example.com",
            "frank@example.com"
        ]
    );
    assert!(rows.iter().all(|r| r["orphan"] == "no"));
    check!(done, !done.stdout.contains("Orphaned homes"));
}

#[test]
fn orphans_respect_the_scanned_trees() {
    let sim = Sim::start(fixture("orphans"));
    let done = Run::scan(&sim, &["--all-users", "--orphans", "--dbfs-only", "-o", "out.csv"]).run();
    check!(done, done.code == 0);
    let (_, rows) = done.csv("out.csv");
    let orphans = names_where(&rows, "orphan", "yes");
    assert_eq!(
        orphans,
        ["carol@example.com", "ghost@example.com", "mixed@example.com"],
        "{}",
        done.explain()
    );
    assert!(rows.iter().all(|r| r["workspace_home"] == "not_scanned"));
    assert_eq!(
        sim.requests("workspace/list"),
        0,
        "the Workspace /Users is not listed when not scanned"
    );
    check!(
        done,
        done.stdout
            .contains("Orphaned homes (no active user): 3, holding 6.8 KB (7,007 bytes)")
    );
}

#[test]
fn orphans_need_all_users() {
    let done = Run::new(&["scan", "alice@example.com", "--orphans"]).run();
    check!(done, done.code == 2 && done.stderr.contains("--all-users"));
    let done = Run::new(&["scan", "--orphans"]).run();
    check!(done, done.code == 2 && done.stderr.contains("--all-users"));
}

#[test]
fn a_failed_home_listing_fails_the_run_naming_the_tree_and_keeps_the_scanned_users() {
    let mut fx = fixture("orphans");
    fx.faults.push(dbx_sim::Fault::new("workspace", "/Users", 403));
    let sim = Sim::start(fx);
    let done = Run::scan(&sim, &["--all-users", "--orphans", "-o", "out.csv"]).run();
    check!(done, done.code == 1);
    check!(
        done,
        done.stderr.contains("Workspace /Users") && done.stderr.contains("--orphans") && done.stderr.contains("403")
    );
    let (_, rows) = done.csv("out.csv");
    assert_eq!(rows.len(), 4, "the active users scanned before the failure are saved");
    assert!(rows.iter().all(|r| r["orphan"] == "no"));
}
