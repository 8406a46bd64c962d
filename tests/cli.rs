//! Command-line behaviour: usage errors, exit codes, bad credentials, bad inputs.

use crate::util::{fixture, Done, Run, Sim, Work};

#[test]
fn help_documents_exit_codes() {
    let done = Run::new(&["scan", "--help"]).run();
    check!(done, done.code == 0);
    check!(
        done,
        done.stdout.contains("Exit codes:") && done.stdout.contains("3  the run finished but some users")
    );
}

/// The `-h` help of a command, as heading → the long flags under it.
fn help_sections(command: &str) -> Vec<(String, Vec<String>)> {
    let done = Run::new(&[command, "-h"]).run();
    check!(done, done.code == 0);
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    for line in done.stdout.lines() {
        if !line.starts_with(' ') && line.ends_with(':') && !line.starts_with("Usage") {
            sections.push((line.trim_end_matches(':').to_string(), Vec::new()));
        } else if let (Some(last), Some(flag)) = (
            sections.last_mut(),
            line.split_whitespace().find(|w| w.starts_with("--")),
        ) {
            // A flag's line is indented at most 6; its wrapped help much more.
            if line.trim_start().starts_with('-') && line.len() - line.trim_start().len() <= 6 {
                last.1.push(flag.trim_end_matches(',').to_string());
            }
        }
    }
    sections
}

fn section<'a>(sections: &'a [(String, Vec<String>)], heading: &str) -> &'a [String] {
    &sections
        .iter()
        .find(|(h, _)| h == heading)
        .unwrap_or_else(|| panic!("no {heading} heading in {sections:?}"))
        .1
}

#[test]
fn short_help_groups_flags_under_their_headings() {
    let scan = help_sections("scan");
    assert_eq!(
        section(&scan, "Users"),
        ["--users-file", "--all-users", "--orphans", "--list-homes"]
    );
    assert_eq!(
        section(&scan, "Output"),
        ["--output", "--html", "--objects", "--debug", "--quiet"]
    );
    assert_eq!(
        section(&scan, "What is scanned"),
        [
            "--dbfs-only",
            "--workspace-only",
            "--locations",
            "--as-of",
            "--stale-days",
            "--notebook-sizes"
        ]
    );
    assert!(
        section(&scan, "Limits").contains(&"--concurrency".to_string()),
        "{scan:?}"
    );
    assert_eq!(section(&scan, "Options"), ["--help", "--version"]);

    let users = help_sections("users");
    assert_eq!(
        section(&users, "Which users"),
        ["--max-users", "--active-only", "--service-principals"]
    );
    assert_eq!(section(&users, "Output"), ["--output", "--format", "--debug"]);
    assert!(!section(&users, "Limits").contains(&"--service-principals".to_string()));

    // `profiles` reads the config file only: no flag that would do nothing.
    let profiles = help_sections("profiles");
    assert_eq!(
        profiles,
        [(
            "Options".to_string(),
            vec!["--help".to_string(), "--version".to_string()]
        )]
    );
    let done = Run::new(&["profiles", "--host", "https://x"]).run();
    check!(done, done.code == 2);
}

#[test]
fn diff_with_one_scan_says_what_it_needs() {
    for args in [&["diff", "results.csv"][..], &["diff"]] {
        let done = Run::new(args).run();
        check!(done, done.code == 2);
        check!(
            done,
            done.stderr
                .contains("diff compares two scans of a workspace, OLD and NEW")
                && done.stderr.contains("CSV")
                && done.stderr.contains("journal")
        );
    }
    let done = Run::new(&["diff", "results.csv"]).run();
    check!(done, done.stderr.contains("only one was given (results.csv)"));
}

#[test]
fn usage_errors_exit_2_and_name_the_problem() {
    let done = Run::new(&["scan", "a@x.com", "--dbfs-only", "--workspace-only"]).run();
    check!(done, done.code == 2);
    check!(done, done.stderr.contains("--workspace-only"));
    let done = Run::new(&["scan", "a@x.com", "--rate-limit"]).run();
    check!(done, done.code == 2);
    let done = Run::new(&["scan", "a@x.com", "--concurrency", "zero"]).run();
    check!(done, done.code == 2 && done.stderr.contains("zero"));
}

#[test]
fn no_users_is_a_usage_error() {
    let sim = Sim::start(fixture("semantics"));
    let done = Run::scan(&sim, &["-o", "out.csv"]).run();
    check!(done, done.code == 2 && done.stderr.contains("no users given"));
}

#[test]
fn missing_users_file_is_named() {
    let sim = Sim::start(fixture("semantics"));
    let done = Run::scan(&sim, &["--users-file", "nope.txt"]).run();
    check!(done, done.code == 1 && done.stderr.contains("nope.txt"));
}

#[test]
fn bad_rate_limit_spec_is_named() {
    let sim = Sim::start(fixture("semantics"));
    let done = Run::scan(&sim, &["alice@example.com", "--rate-limit", "jobs=5"]).run();
    check!(done, done.code == 1 && done.stderr.contains("jobs"));
}

#[test]
fn bad_token_stops_the_run_and_claims_no_success() {
    let sim = Sim::start(fixture("semantics"));
    let mut run = Run::scan(&sim, &["alice@example.com", "dave@example.com", "-o", "out.csv"]);
    run.env("DATABRICKS_TOKEN", "dapi-wrong-secret-123");
    let done = run.run();
    check!(done, done.code == 1);
    check!(
        done,
        done.stderr.contains("authentication failed") && done.stderr.contains("401")
    );
    check!(
        done,
        !done.stderr.contains("dapi-wrong-secret-123") && !done.stdout.contains("dapi-wrong-secret-123"),
        "secret leaked"
    );
    check!(done, !done.dir.join("out.csv").exists(), "no CSV claiming results");
    check!(done, !done.stdout.contains("✓"));
}

#[test]
fn unreachable_workspace_is_a_clear_failure() {
    // A port nobody listens on (bound then released).
    let port = crate::util::free_port();
    let mut run = Run::new(&["scan", "alice@example.com", "--retry-attempts", "1"]);
    run.env("DATABRICKS_HOST", &format!("http://127.0.0.1:{port}"))
        .env("DATABRICKS_TOKEN", "dapi-sim");
    let done = run.run();
    check!(
        done,
        done.code == 1 && done.stderr.contains("cannot reach the workspace")
    );
}

#[test]
fn unwritable_output_fails_before_scanning() {
    let sim = Sim::start(fixture("semantics"));
    let done = Run::scan(&sim, &["alice@example.com", "-o", "no/such/dir/out.csv"]).run();
    check!(done, done.code == 1 && done.stderr.contains("no/such/dir/out.csv"));
    let lists = sim.requests("workspace/list");
    assert_eq!(lists, 0, "nothing scanned before the output was checked");
}

/// The files a run left in its folder (the users files it was given aside).
fn left_behind(done: &Done) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(&done.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("users"))
        .collect();
    names.sort();
    names
}

#[test]
fn a_missing_output_directory_is_named_and_nothing_is_left_behind() {
    let sim = Sim::start(fixture("semantics"));
    let done = Run::scan(&sim, &["alice@example.com", "-o", "nodir/results.csv"]).run();
    check!(done, done.code == 1);
    check!(
        done,
        done.stderr
            .contains("the directory nodir does not exist (--output nodir/results.csv)")
            && !done.stderr.contains("lock file")
    );
    check!(done, left_behind(&done).is_empty(), "left {:?}", left_behind(&done));
    for (flag, path) in [
        ("--journal", "nodir/j.journal"),
        ("--html", "nodir/r.html"),
        ("--jsonl", "nodir/r.jsonl"),
    ] {
        let done = Run::scan(&sim, &["alice@example.com", "-o", "out.csv", flag, path]).run();
        check!(done, done.code == 1);
        check!(
            done,
            done.stderr
                .contains(&format!("the directory nodir does not exist ({flag} {path})"))
        );
        check!(done, left_behind(&done).is_empty(), "left {:?}", left_behind(&done));
    }
    let done = Run::against(&Work::new(), &sim, "users", &["-o", "nodir/users.txt"]).run();
    check!(
        done,
        done.code == 1
            && done
                .stderr
                .contains("the directory nodir does not exist (nodir/users.txt)")
    );
    assert_eq!(sim.listings(), 0, "nothing scanned");
}

#[test]
fn runs_stopped_before_the_journal_leave_no_lock_file() {
    let sim = Sim::start(fixture("semantics"));
    // Rejected credentials: the lock was taken, no journal line written.
    let mut run = Run::scan(&sim, &["alice@example.com", "-o", "out.csv"]);
    run.env("DATABRICKS_TOKEN", "dapi-wrong-secret-123");
    let done = run.run();
    check!(done, done.code == 1);
    check!(done, left_behind(&done).is_empty(), "left {:?}", left_behind(&done));
    // A users file refused: nothing at all.
    let run = Run::scan(&sim, &["--users-file", "users.txt", "-o", "out.csv"]);
    run.write("users.txt", "alice@example.com,\n");
    let done = run.run();
    check!(done, done.code == 2);
    check!(done, left_behind(&done).is_empty(), "left {:?}", left_behind(&done));
    // A finished run keeps its journal and its (empty) lock file.
    let done = Run::scan(&sim, &["alice@example.com", "-o", "out.csv", "-q"]).run();
    check!(done, done.code == 0);
    assert_eq!(
        left_behind(&done),
        ["out.csv", "out.csv.journal", "out.csv.journal.lock"]
    );
}

#[test]
fn an_https_url_to_a_plain_http_server_gets_a_hint() {
    let sim = Sim::start(fixture("semantics"));
    let https = sim.url.replacen("http://", "https://", 1);
    let mut run = Run::new(&["scan", "alice@example.com", "-o", "out.csv", "--retry-attempts", "1"]);
    run.env("DATABRICKS_HOST", &https).env("DATABRICKS_TOKEN", "dapi-sim");
    let done = run.run();
    check!(
        done,
        done.code == 1 && done.stderr.contains("cannot reach the workspace")
    );
    let plain = sim.url.trim_end_matches('/');
    check!(
        done,
        done.stderr
            .contains(&format!("hint: the server answered plain HTTP: use {plain}?"))
    );
    check!(done, left_behind(&done).is_empty(), "left {:?}", left_behind(&done));
    // A port where nobody answers gets no such hint.
    let port = crate::util::free_port();
    let mut run = Run::new(&["scan", "alice@example.com", "--retry-attempts", "1"]);
    run.env("DATABRICKS_HOST", &format!("https://127.0.0.1:{port}"))
        .env("DATABRICKS_TOKEN", "dapi-sim");
    let done = run.run();
    check!(
        done,
        done.code == 1 && done.stderr.contains("cannot reach the workspace") && !done.stderr.contains("plain HTTP")
    );
}

#[test]
fn demo_scans_a_simulated_workspace_into_demo_results_csv() {
    let done = Run::new(&["demo", "--users", "25", "--latency-ms", "2", "--seed", "5"]).run();
    check!(done, done.code == 0 || done.code == 3);
    // 25 users and the generated workspace's one service principal (one per 25 users).
    check!(
        done,
        done.stdout.contains("SUMMARY") && done.stdout.contains("Total users processed: 26")
    );
    let (header, rows) = done.csv("demo-results.csv");
    assert_eq!(header[0], "username");
    assert_eq!(rows.len(), 26);
    assert_eq!(rows.iter().filter(|r| r["principal"] == "service_principal").count(), 1);
    let files: u64 = rows.iter().map(|r| r["file_count"].parse::<u64>().unwrap()).sum();
    check!(done, files > 0, "a generated workspace holds files");
}

#[test]
fn spark_launcher_writes_the_package_folder_and_refuses_paths_it_cannot_use() {
    let work = Work::new();
    let done = work.run(&["spark-launcher", "-o", "pkg"]).run();
    check!(done, done.code == 0 && done.stdout.contains("Wrote the Spark launcher"));
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../launcher/dbx_spark");
    for entry in std::fs::read_dir(&source).unwrap() {
        let name = entry.unwrap().file_name();
        if name.to_string_lossy().ends_with(".py") {
            assert_eq!(
                std::fs::read(work.path("pkg").join(&name)).unwrap(),
                std::fs::read(source.join(&name)).unwrap(),
                "{name:?}"
            );
        }
    }
    // Written again over itself: fine.
    let again = work.run(&["spark-launcher", "-o", "pkg"]).run();
    check!(again, again.code == 0);
    // The old one-file form, a missing parent folder, a file in the way: refused, naming the path.
    let py = work.run(&["spark-launcher", "-o", "dbx_spark.py"]).run();
    check!(py, py.code == 1 && py.stderr.contains("not a .py file: dbx_spark.py"));
    let missing = work.run(&["spark-launcher", "-o", "nodir/dbx_spark"]).run();
    check!(
        missing,
        missing.code == 1
            && missing.stderr.contains("the directory nodir does not exist")
            && !work.path("nodir").exists()
    );
    std::fs::write(work.path("afile"), "x").unwrap();
    let file = work.run(&["spark-launcher", "-o", "afile"]).run();
    check!(
        file,
        file.code == 1 && file.stderr.contains("-o afile: a file, not a folder")
    );
}
