//! The `users` command (SCIM export) and `scan --all-users`, through the real binary: paging by the
//! users actually returned, short pages, `--max-users`, `--active-only`, formats, retries,
//! failures that leave no partial file, and home paths given instead of usernames.

use crate::util::{fixture, Run, Sim, Work};

/// `n` users `user00@example.com`…; every third one inactive when `with_inactive`.
fn users_fixture(n: usize, with_inactive: bool) -> dbx_sim::Fixture {
    let users = (0..n)
        .map(|i| dbx_sim::UserEntry {
            user_name: format!("user{i:02}@example.com"),
            display_name: Some(format!("User {i}")),
            active: Some(!(with_inactive && i % 3 == 2)),
            ..Default::default()
        })
        .collect();
    dbx_sim::Fixture {
        users,
        ..Default::default()
    }
}

fn names(range: impl Iterator<Item = usize>) -> String {
    range.map(|i| format!("user{i:02}@example.com\n")).collect()
}

/// A simulator answering at most `page` users per SCIM page, whatever `count` asks for.
fn sim_with_pages(fixture: dbx_sim::Fixture, page: usize) -> Sim {
    Sim::start_with(dbx_sim::SimConfig {
        fixture,
        limits: None,
        scim_max_page: page,
        ..Default::default()
    })
}

fn users_run(sim: &Sim, args: &[&str]) -> Run {
    Run::against(&Work::new(), sim, "users", args)
}

#[test]
fn short_pages_are_followed_by_the_number_of_users_returned() {
    // 10 users, pages of at most 3 (the tool asks for 100): 3 + 3 + 3 + 1.
    let sim = sim_with_pages(users_fixture(10, false), 3);
    let done = users_run(&sim, &["-o", "users.txt"]).run();
    check!(done, done.code == 0);
    assert_eq!(
        done.file("users.txt"),
        names(0..10),
        "every user exactly once, in order, no header"
    );
    assert_eq!(sim.requests("scim/Users"), 4, "{}", done.explain());
    check!(done, done.stdout.contains("Saved 10 users to: users.txt"));
}

#[test]
fn max_users_stops_paging_early() {
    let sim = sim_with_pages(users_fixture(10, false), 3);
    let done = users_run(&sim, &["-o", "users.txt", "--max-users", "4"]).run();
    check!(done, done.code == 0);
    assert_eq!(done.file("users.txt"), names(0..4));
    assert_eq!(
        sim.requests("scim/Users"),
        2,
        "the third page is never asked for\n{}",
        done.explain()
    );
    // 0 means all.
    let done = users_run(&sim, &["-o", "all.txt", "--max-users", "0"]).run();
    check!(done, done.code == 0);
    assert_eq!(done.file("all.txt"), names(0..10));
}

#[test]
fn active_only_drops_inactive_users_and_max_users_counts_the_kept_ones() {
    let sim = sim_with_pages(users_fixture(10, true), 3);
    let done = users_run(&sim, &["-o", "users.txt", "--active-only"]).run();
    check!(done, done.code == 0);
    assert_eq!(done.file("users.txt"), names([0, 1, 3, 4, 6, 7, 9].into_iter()));
    let done = users_run(&sim, &["-o", "users.txt", "--active-only", "--max-users", "5"]).run();
    check!(done, done.code == 0);
    assert_eq!(done.file("users.txt"), names([0, 1, 3, 4, 6].into_iter()));
    // Without --active-only, inactive users are listed too.
    let done = users_run(&sim, &["-o", "users.txt"]).run();
    assert_eq!(done.file("users.txt"), names(0..10));
}

#[test]
fn without_output_a_numbered_list_with_display_names() {
    let sim = sim_with_pages(users_fixture(3, false), 100);
    let done = users_run(&sim, &[]).run();
    check!(done, done.code == 0);
    check!(done, done.stdout.contains("1. user00@example.com (User 0)"));
    check!(done, done.stdout.contains("3. user02@example.com (User 2)"));
    check!(done, done.stdout.contains("Total users: 3"));
}

#[test]
fn csv_and_json_formats() {
    let sim = sim_with_pages(users_fixture(3, true), 100);
    let done = users_run(&sim, &["-o", "u.csv", "--format", "csv"]).run();
    check!(done, done.code == 0);
    let text = done.file("u.csv");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("userName,displayName,active,id"));
    assert!(lines.next().unwrap().starts_with("user00@example.com,User 0,true,"));
    assert!(text.contains("user02@example.com,User 2,false,"));
    let done = users_run(&sim, &["-o", "u.json", "--format", "json"]).run();
    check!(done, done.code == 0);
    let v: serde_json::Value = serde_json::from_str(&done.file("u.json")).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert_eq!(v[2]["userName"], "user02@example.com");
    assert_eq!(v[2]["active"], false);
    let done = users_run(&sim, &["--format", "xml"]).run();
    check!(done, done.code == 2 && done.stderr.contains("xml"));
}

#[test]
fn transient_scim_failures_are_retried() {
    let sim = sim_with_pages(users_fixture(7, false), 3);
    // The second page fails twice (503, then 429), then answers.
    let mut f503 = dbx_sim::Fault::new("scim", "/Users", 503);
    f503.offset = Some(1);
    f503.times = Some(1);
    let mut f429 = dbx_sim::Fault::new("scim", "/Users", 429);
    f429.offset = Some(1);
    f429.times = Some(1);
    sim.add_faults([f503, f429]);
    let done = users_run(&sim, &["-o", "users.txt"]).run();
    check!(done, done.code == 0);
    assert_eq!(done.file("users.txt"), names(0..7));
    let scim = &sim.stats().by_endpoint["scim/Users"];
    assert!(
        scim.get(&503).copied().unwrap_or(0) + scim.get(&429).copied().unwrap_or(0) >= 2,
        "{scim:?}"
    );
}

#[test]
fn a_failed_listing_exits_nonzero_and_leaves_no_partial_file() {
    let sim = sim_with_pages(users_fixture(10, false), 3);
    // The first page answers; every later one fails.
    let mut f = dbx_sim::Fault::new("scim", "/Users", 500);
    f.offset = Some(1);
    sim.add_faults([f]);
    let run = users_run(&sim, &["-o", "users.txt", "--retry-attempts", "2"]);
    run.write("users.txt", "previous@example.com\n");
    let done = run.run();
    check!(done, done.code == 1);
    check!(
        done,
        done.stderr.contains("listing users failed")
            && done.stderr.contains("500")
            && done.stderr.contains("users.txt")
    );
    assert_eq!(
        done.file("users.txt"),
        "previous@example.com\n",
        "the previous file is untouched"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&done.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("users.txt") && n != "users.txt")
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind: {leftovers:?}");

    // Without a previous file: none is created.
    let run = users_run(&sim, &["-o", "fresh.txt", "--retry-attempts", "2"]);
    let done = run.run();
    check!(done, done.code == 1 && !done.dir.join("fresh.txt").exists());
}

#[test]
fn rejected_credentials_stop_the_export_with_no_file() {
    let sim = sim_with_pages(users_fixture(3, false), 100);
    let mut run = users_run(&sim, &["-o", "users.txt"]);
    run.env("DATABRICKS_TOKEN", "dapi-not-valid-0042");
    let done = run.run();
    check!(done, done.code == 1 && done.stderr.contains("401"));
    check!(
        done,
        !done.stderr.contains("dapi-not-valid-0042") && !done.stdout.contains("dapi-not-valid-0042")
    );
    check!(done, !done.dir.join("users.txt").exists());
}

#[test]
fn the_export_feeds_scan_users_file() {
    let sim = sim_with_pages(users_fixture(5, false), 2);
    let done = users_run(&sim, &["-o", "users.csv", "--max-users", "3"]).run();
    check!(done, done.code == 0);
    let exported = done.file("users.csv");
    assert_eq!(exported.lines().count(), 3);
    let run = Run::scan(&sim, &["--users-file", "users.csv", "-o", "out.csv"]);
    run.write("users.csv", &exported);
    let done = run.run();
    check!(done, done.code == 0);
    let (_, rows) = done.csv("out.csv");
    let scanned: Vec<String> = rows.iter().map(|r| format!("{}\n", r["username"])).collect();
    assert_eq!(scanned.concat(), exported);
}

#[test]
fn all_users_scan_follows_short_pages() {
    let sim = sim_with_pages(users_fixture(8, false), 3);
    let done = Run::scan(&sim, &["--all-users", "-o", "out.csv"]).run();
    check!(done, done.code == 0);
    let (_, rows) = done.csv("out.csv");
    let scanned: String = rows.iter().map(|r| format!("{}\n", r["username"])).collect();
    assert_eq!(scanned, names(0..8));
    check!(done, done.stdout.contains("Total users processed: 8"));
}

#[test]
fn home_paths_are_accepted_as_usernames() {
    let sim = Sim::start(fixture("semantics"));
    let run = Run::scan(
        &sim,
        &[
            "/Users/alice@example.com",
            "dbfs:/Users/bob@example.com",
            "--users-file",
            "list.txt",
            "-o",
            "out.csv",
        ],
    );
    run.write(
        "list.txt",
        "/dbfs/Users/carol@example.com\n/Workspace/Users/dave@example.com/\nalice@example.com\n/Users/erin@example.com/sub\n",
    );
    let done = run.run();
    let (_, rows) = done.csv("out.csv");
    let got: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["username"].as_str(), r["status"].as_str()))
        .collect();
    assert_eq!(
        got.len(),
        5,
        "alice given twice (as a path and a name) is scanned once\n{}",
        done.explain()
    );
    assert_eq!(got[0].0, "alice@example.com");
    assert_eq!(got[1].0, "bob@example.com");
    assert_eq!(got[2].0, "carol@example.com");
    assert_eq!(got[3].0, "dave@example.com");
    // A deeper path is not a username: an error row naming it, exit 3.
    assert_eq!(got[4], ("/Users/erin@example.com/sub", "error"));
    assert!(rows[4]["error"].contains("invalid username"), "{:?}", rows[4]);
    check!(done, done.code == 3);
    let alice = &rows[0];
    assert_eq!(
        alice["status"], "success",
        "the path spelling reaches the real home: {alice:?}"
    );
}

#[test]
fn empty_arguments_are_noted_and_unicode_whitespace_around_a_name_is_refused() {
    let sim = Sim::start(fixture("semantics"));
    let done = Run::scan(
        &sim,
        &["alice@example.com", "", "dave@example.com", " ", "-o", "out.csv"],
    )
    .run();
    check!(done, done.code == 0);
    check!(
        done,
        done.stderr.contains(
            "note: skipped 2 empty USER argument(s) (the 2nd, 4th of the USER arguments): an empty name is no user"
        )
    );
    assert_eq!(done.csv("out.csv").1.len(), 2);
    let done = Run::scan(&sim, &["", "-o", "out.csv"]).run();
    check!(done, done.code == 2);
    check!(
        done,
        done.stderr
            .contains("no users given (skipped 1 empty USER argument(s) (the 1st")
    );

    // Only ASCII whitespace is trimmed: U+0085 (NEXT LINE) or U+00A0 at an edge is refused, by line.
    let run = Run::scan(&sim, &["--users-file", "list.txt", "-o", "out.csv"]);
    run.write(
        "list.txt",
        "alice@example.com\n\u{85}bob@example.com\n\tcarol@example.com \r\ndave@example.com\u{a0}\n",
    );
    let done = run.run();
    check!(done, done.code == 2);
    check!(
        done,
        done.stderr
            .contains("users file list.txt: line 2 begins with U+0085, line 4 ends with U+00A0: Unicode whitespace")
    );
    check!(
        done,
        !done.dir.join("out.csv").exists() && done.stdout.is_empty(),
        "nothing scanned"
    );
}
