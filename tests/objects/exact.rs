//! The rows are the files as listed, and each user's row count is the CSV's `file_count`.

use super::{expected, per_user, read, scan_objects, AS_OF_MS};
use crate::util::{generated, Sim, Work};

/// Each user's rows in the objects file equal the CSV's `file_count`, and no row belongs to a user
/// the CSV does not list.
#[track_caller]
fn counts_match_csv(done: &crate::util::Done, csv: &str, parquet: &str) {
    let objs = read(&done.dir.join(parquet));
    let rows = done.rows(csv);
    let got = per_user(&objs);
    for (user, row) in &rows {
        let want: u64 = row["file_count"].parse().unwrap();
        assert_eq!(
            got.get(user).copied().unwrap_or(0),
            want,
            "rows of {user}\n{}",
            done.explain()
        );
    }
    for user in got.keys() {
        assert!(rows.contains_key(user), "rows for {user}, who is not in the CSV");
    }
}

#[test]
fn a_generated_workspace_gives_every_file_of_every_user_exactly_as_listed() {
    let (sim, users) = generated(40, 5);
    let work = Work::new();
    let names: Vec<&str> = users.iter().map(String::as_str).collect();
    let done = scan_objects(&work, &sim, &names, &[]);
    assert!(done.stdout.contains("Objects: "), "{}", done.explain());
    let got = read(&work.path("o.parquet"));
    let want = expected(&dbx_sim::generate(40, 5), &users, AS_OF_MS);
    assert!(want.len() > 100, "a generated workspace has files: {}", want.len());
    if got != want {
        let missing: Vec<_> = want.iter().filter(|o| !got.contains(o)).take(5).collect();
        let extra: Vec<_> = got.iter().filter(|o| !want.contains(o)).take(5).collect();
        panic!(
            "{} rows, {} expected\nmissing: {missing:#?}\nextra: {extra:#?}\n{}",
            got.len(),
            want.len(),
            done.explain()
        );
    }
    counts_match_csv(&done, "out.csv", "o.parquet");
}

#[test]
fn every_fixture_gives_each_user_as_many_rows_as_the_csv_counts_files() {
    for (name, extra) in [
        ("semantics", &["--notebook-sizes"][..]),
        ("semantics", &[][..]),
        ("hosts_four_locations", &[][..]),
        ("orphans", &["--orphans"][..]),
        ("service_principals", &[][..]),
    ] {
        let sim = Sim::start(crate::util::fixture(name));
        let work = Work::new();
        let mut args = vec!["--all-users"];
        args.extend_from_slice(extra);
        let done = scan_objects(&work, &sim, &[], &args);
        counts_match_csv(&done, "out.csv", "o.parquet");
    }
}

#[test]
fn a_run_without_objects_keeps_no_spool_and_the_objects_file_refuses_the_spools_name() {
    let (sim, users) = generated(3, 2);
    let work = Work::new();
    let done = work.scan(&sim, &[&users[0], "-o", "out.csv"]).run();
    assert_eq!(done.code, 0, "{}", done.explain());
    assert!(!work.path("out.csv.journal.objects").exists());
    let done = work
        .scan(&sim, &[&users[0], "-o", "b.csv", "--objects", "b.csv.journal.objects"])
        .run();
    assert_eq!(done.code, 2, "{}", done.explain());
    assert!(
        done.stderr
            .contains("--objects b.csv.journal.objects: that is the journal's objects spool"),
        "{}",
        done.explain()
    );
    let done = work
        .scan(&sim, &[&users[0], "-o", "c.csv", "--objects", "nodir/x.parquet"])
        .run();
    assert_ne!(done.code, 0);
    assert!(done.stderr.contains("nodir"), "{}", done.explain());
    assert!(
        !work.path("c.csv").exists() && !work.path("c.csv.journal").exists(),
        "nothing written"
    );
    let done = work.scan(&sim, &[&users[0], "-o", "d.csv", "--objects", "."]).run();
    assert_ne!(done.code, 0);
    assert!(
        done.stderr.contains("--objects .: output . is a directory"),
        "{}",
        done.explain()
    );
}
