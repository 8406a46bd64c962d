//! Service principals (`tests/fixtures/service_principals.json`): their homes, named by their
//! application id, are theirs, not orphans.
//!
//! * users: alice (homes in both trees), bob (inactive, DBFS home), carol (no home);
//! * service principals: etl-service (`6f1c…`, homes in both trees), nightly-bot (`0b9e…`,
//!   Workspace home), old-sync (`3d0f…`, inactive, homes in both trees), deploy-job (`9a8b…`,
//!   no home);
//! * genuine orphans: ghost@example.com (Workspace) and `1d0f…` (DBFS; a deleted service
//!   principal).

use crate::util::{fixture, names_where, Run, Sim, Work};

const ETL: &str = "6f1c7a52-0d4e-4b8e-9d61-3c2b8f0a9e17";
const BOT: &str = "0b9e5a1d-7c3f-4e2a-8f6b-1d4c9e7a2b30";
const OLD: &str = "3d0f6c2e-9a8b-4c1d-b2e3-f4a5b6c7d8e9";
const DEPLOY: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
const GONE: &str = "1d0f6c2e-9a8b-4c1d-b2e3-f4a5b6c7d8e9";

fn refusing() -> Sim {
    let sim = Sim::start(fixture("service_principals"));
    sim.add_faults([dbx_sim::Fault::new("scim", "/ServicePrincipals", 403)]);
    sim
}

#[test]
fn active_service_principals_homes_are_their_rows_and_only_genuine_and_inactive_ones_are_orphans() {
    let sim = Sim::start(fixture("service_principals"));
    let done = Run::scan(
        &sim,
        &[
            "--all-users",
            "--orphans",
            "-o",
            "out.csv",
            "--jsonl",
            "out.jsonl",
            "--html",
            "out.html",
        ],
    )
    .run();
    check!(done, done.code == 0);
    let (header, rows) = done.csv("out.csv");
    let at = |c: &str| header.iter().position(|h| h == c);
    check!(
        done,
        at("principal") == at("orphan").map(|i| i + 1),
        "principal follows orphan: {header:?}"
    );
    let order: Vec<&str> = rows.iter().map(|r| r["username"].as_str()).collect();
    assert_eq!(
        order,
        [
            "alice@example.com",
            "carol@example.com",
            // Active service principals, in listing order, after the users.
            ETL,
            BOT,
            DEPLOY,
            // Orphans and inactive principals, sorted.
            GONE,
            OLD,
            "bob@example.com",
            "ghost@example.com",
        ],
        "{}",
        done.explain()
    );
    assert_eq!(
        names_where(&rows, "orphan", "yes"),
        [GONE, OLD, "bob@example.com", "ghost@example.com"],
        "exactly the genuine orphans and the inactive principals' homes"
    );
    assert_eq!(names_where(&rows, "orphan", "unknown"), Vec::<&str>::new());
    assert_eq!(
        names_where(&rows, "principal", "service_principal"),
        [ETL, BOT, DEPLOY, OLD]
    );
    let r = done.rows("out.csv");
    done.check_fields(
        &r[ETL],
        &[
            ("principal", "service_principal"),
            ("orphan", "no"),
            ("file_count", "3"),
            ("total_size", "1300"),
            ("dbfs_bytes", "1000"),
            ("workspace_bytes", "300"),
            ("file_source", "both"),
            ("dbfs_home", "yes"),
            ("workspace_home", "yes"),
        ],
    );
    done.check_fields(
        &r[BOT],
        &[
            ("principal", "service_principal"),
            ("orphan", "no"),
            ("file_count", "2"),
            ("total_size", "50"),
            ("notebooks", "1"),
            ("dbfs_home", "no"),
            ("workspace_home", "yes"),
        ],
    );
    done.check_fields(
        &r[DEPLOY],
        &[
            ("principal", "service_principal"),
            ("orphan", "no"),
            ("status", "no_home"),
            ("workspace_home", "no"),
        ],
    );
    // The inactive service principal's home is an orphan, still marked as its row.
    done.check_fields(
        &r[OLD],
        &[
            ("principal", "service_principal"),
            ("orphan", "yes"),
            ("total_size", "700"),
        ],
    );
    done.check_fields(
        &r[GONE],
        &[
            ("principal", "user"),
            ("orphan", "yes"),
            ("total_size", "70"),
            ("workspace_home", "not_scanned"),
        ],
    );
    done.check_fields(&r["alice@example.com"], &[("principal", "user"), ("orphan", "no")]);
    done.check_fields(&r["bob@example.com"], &[("principal", "user"), ("orphan", "yes")]);
    check!(done, !done.stderr.contains("could not be listed"));
    check!(
        done,
        done.stdout.contains(&format!("{ETL} (service principal etl-service)"))
    );
    check!(done, done.stdout.contains("Orphaned homes (no active user): 4"));
    check!(done, done.stdout.contains("Service principals' homes: 4"));

    // JSON Lines: the display name and the principal; HTML: the display name by the home.
    let jsonl = done.file("out.jsonl");
    let etl: serde_json::Value = jsonl
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["username"] == ETL)
        .expect("the etl-service line");
    assert_eq!(
        (&etl["principal"], &etl["display_name"], &etl["orphan"]),
        (
            &serde_json::json!("service_principal"),
            &serde_json::json!("etl-service"),
            &serde_json::json!(false)
        )
    );
    let alice = jsonl.lines().next().unwrap();
    check!(
        done,
        alice.contains(r#""principal":"user""#) && !alice.contains("display_name"),
        "{alice}"
    );
    let html = done.file("out.html");
    check!(done, html.contains("service principal etl-service"));
    check!(done, html.contains("service principal old-sync"));
}

#[test]
fn all_users_without_orphans_scans_every_service_principal_too() {
    let sim = Sim::start(fixture("service_principals"));
    let done = Run::scan(&sim, &["--all-users", "-o", "out.csv"]).run();
    check!(done, done.code == 0);
    let (_, rows) = done.csv("out.csv");
    let order: Vec<&str> = rows.iter().map(|r| r["username"].as_str()).collect();
    assert_eq!(
        order,
        [
            "alice@example.com",
            "bob@example.com",
            "carol@example.com",
            ETL,
            BOT,
            OLD,
            DEPLOY
        ],
        "{}",
        done.explain()
    );
    assert_eq!(
        names_where(&rows, "principal", "service_principal"),
        [ETL, BOT, OLD, DEPLOY]
    );
    assert_eq!(names_where(&rows, "orphan", "no").len(), 7);
    assert_eq!(sim.requests("scim/ServicePrincipals"), 1);
}

#[test]
fn a_refused_service_principal_listing_makes_uuid_named_homes_unknown_and_says_so_once() {
    let sim = refusing();
    let done = Run::scan(&sim, &["--all-users", "--orphans", "-o", "out.csv"]).run();
    check!(done, done.code == 0, "the run goes on");
    check!(
        done,
        done.stderr.matches("service principals could not be listed").count() == 1,
        "said once"
    );
    check!(
        done,
        done.stderr.contains("HTTP 403 PERMISSION_DENIED")
            && done
                .stderr
                .contains("homes named like an application id are marked orphan=unknown"),
        "says why and what it means"
    );
    let (_, rows) = done.csv("out.csv");
    let order: Vec<&str> = rows.iter().map(|r| r["username"].as_str()).collect();
    assert_eq!(
        order,
        [
            "alice@example.com",
            "carol@example.com",
            BOT,
            GONE,
            OLD,
            ETL,
            "bob@example.com",
            "ghost@example.com"
        ],
        "{}",
        done.explain()
    );
    assert_eq!(names_where(&rows, "orphan", "unknown"), [BOT, GONE, OLD, ETL]);
    assert_eq!(
        names_where(&rows, "orphan", "yes"),
        ["bob@example.com", "ghost@example.com"]
    );
    assert_eq!(names_where(&rows, "principal", "service_principal"), Vec::<&str>::new());
    let r = done.rows("out.csv");
    done.check_fields(&r[ETL], &[("orphan", "unknown"), ("total_size", "1300")]);
    check!(done, done.stdout.contains(&format!("{ETL} (orphan status unknown)")));
    check!(
        done,
        done.stdout
            .contains("orphan status unknown (service principals not listed): 4")
    );
    check!(done, done.stdout.contains("Orphaned homes (no active user): 2"));
}

#[test]
fn application_ids_given_by_name_are_scanned_as_their_service_principals() {
    let sim = Sim::start(fixture("service_principals"));
    let work = Work::new();
    work.write(
        "names.txt",
        &format!("alice@example.com\n{}\n/Users/{BOT}\n", ETL.to_uppercase()),
    );
    let done = work
        .scan(
            &sim,
            &["--users-file", "names.txt", "-o", "out.csv", "--jsonl", "out.jsonl"],
        )
        .run();
    check!(done, done.code == 0);
    let (_, rows) = done.csv("out.csv");
    let order: Vec<&str> = rows.iter().map(|r| r["username"].as_str()).collect();
    // The home is /Users/<applicationId> as SCIM spells it.
    assert_eq!(order, ["alice@example.com", ETL, BOT], "{}", done.explain());
    let r = done.rows("out.csv");
    done.check_fields(
        &r[ETL],
        &[
            ("principal", "service_principal"),
            ("total_size", "1300"),
            ("orphan", "no"),
        ],
    );
    done.check_fields(&r[BOT], &[("principal", "service_principal"), ("total_size", "50")]);
    done.check_fields(&r["alice@example.com"], &[("principal", "user")]);
    check!(done, done.file("out.jsonl").contains(r#""display_name":"nightly-bot""#));
    // Without a name shaped like an application id, the service principals are not listed.
    let done = work.scan(&sim, &["alice@example.com", "-o", "two.csv"]).run();
    check!(done, done.code == 0);
    assert_eq!(sim.requests("scim/ServicePrincipals"), 1);

    // Refused: the names are scanned as given (users), and that is said once.
    let sim = refusing();
    let done = work.scan(&sim, &["--users-file", "names.txt", "-o", "three.csv"]).run();
    check!(done, done.code == 0);
    check!(
        done,
        done.stderr.matches("service principals could not be listed").count() == 1
            && done
                .stderr
                .contains("names given like an application id are scanned as users")
    );
    let (_, rows) = done.csv("three.csv");
    assert_eq!(names_where(&rows, "principal", "user").len(), 3);
}

#[test]
fn users_lists_service_principals_in_each_format() {
    let sim = Sim::start(fixture("service_principals"));
    let work = Work::new();
    let run = |args: &[&str]| crate::util::Run::against(&work, &sim, "users", args).run();

    let done = run(&["--service-principals", "-o", "all.txt"]);
    check!(done, done.code == 0);
    check!(done, done.stdout.contains("Saved 3 users and 4 service principals"));
    done.check_same(
        "all.txt",
        format!("alice@example.com\nbob@example.com\ncarol@example.com\n{ETL}\n{BOT}\n{OLD}\n{DEPLOY}\n"),
        work.read("all.txt"),
    );

    let done = run(&[
        "--service-principals",
        "--active-only",
        "--format",
        "csv",
        "-o",
        "all.csv",
    ]);
    check!(done, done.code == 0);
    let text = String::from_utf8(work.read("all.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "userName,displayName,active,id,principal,applicationId");
    assert!(lines[1].starts_with("alice@example.com,Alice,true,") && lines[1].ends_with(",user,"));
    assert_eq!(
        lines.len(),
        1 + 2 + 3,
        "active only: 2 users, 3 service principals\n{text}"
    );
    assert!(
        lines[3].starts_with(",etl-service,true,") && lines[3].ends_with(&format!(",service_principal,{ETL}")),
        "{}",
        lines[3]
    );
    assert!(!text.contains(OLD), "the inactive one is dropped");

    let done = run(&["--service-principals", "--format", "json", "-o", "all.json"]);
    check!(done, done.code == 0);
    let v: serde_json::Value = serde_json::from_slice(&work.read("all.json")).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 7);
    assert_eq!(list[0]["userName"], "alice@example.com");
    assert_eq!(list[0]["principal"], "user");
    assert_eq!(list[5]["applicationId"], OLD);
    assert_eq!(
        (&list[5]["displayName"], &list[5]["active"], &list[5]["principal"]),
        (
            &serde_json::json!("old-sync"),
            &serde_json::json!(false),
            &serde_json::json!("service_principal")
        )
    );
    assert!(list[5]["id"].as_str().is_some_and(|i| !i.is_empty()));

    // Without the flag, the export is exactly the users' as before.
    let done = run(&["--format", "csv", "-o", "users.csv"]);
    check!(done, done.code == 0);
    let text = String::from_utf8(work.read("users.csv")).unwrap();
    assert_eq!(text.lines().next(), Some("userName,displayName,active,id"));
    assert_eq!(text.lines().count(), 4);

    // On screen: numbered, with display names.
    let done = run(&["--service-principals"]);
    check!(done, done.code == 0);
    check!(
        done,
        done.stdout.contains(&format!("    1. {ETL} (etl-service)"))
            && done.stdout.contains("Total service principals: 4")
    );

    // Refused: a clear error, and nothing written.
    let sim = refusing();
    let done = crate::util::Run::against(&work, &sim, "users", &["--service-principals", "-o", "refused.txt"]).run();
    check!(done, done.code != 0);
    check!(
        done,
        done.stderr.contains("listing service principals failed") && done.stderr.contains("HTTP 403"),
        "names the listing and the refusal"
    );
    check!(done, !work.path("refused.txt").exists(), "nothing written");
}

#[test]
fn a_malformed_or_failing_service_principal_listing_fails_the_run_naming_it_and_keeps_the_users() {
    let sim = Sim::start(fixture("service_principals"));
    let mut bad = dbx_sim::Fault::new("scim", "/ServicePrincipals", 200);
    bad.body = Some(r#"{"totalResults":1,"startIndex":1,"Resources":[{"id":"42","applicationId":7}]}"#.into());
    sim.add_faults([bad]);
    let done = Run::scan(&sim, &["--all-users", "--orphans", "-o", "out.csv"]).run();
    check!(done, done.code == 1);
    check!(
        done,
        done.stderr.contains("listing service principals failed")
            && done
                .stderr
                .contains("service principal 1 of the page (id 42): applicationId is a number, not a string"),
        "names the listing, the resource and what is wrong"
    );
    check!(
        done,
        done.file("out.csv.journal").lines().count() == 1 + 2,
        "the two active users are kept"
    );

    let sim = Sim::start(fixture("service_principals"));
    sim.add_faults([dbx_sim::Fault::new("scim", "/ServicePrincipals", 500)]);
    let done = Run::scan(&sim, &["--all-users", "-o", "out.csv", "--retry-attempts", "2"]).run();
    check!(done, done.code == 1);
    check!(
        done,
        done.stderr.contains("listing service principals failed") && done.stderr.contains("HTTP 500"),
        "a failure other than a refusal is not taken for one"
    );
}
