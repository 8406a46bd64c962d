//! What a journal gives besides resuming (issue 5): `summary` rebuilds the outputs from it alone,
//! --jsonl holds every user's full detail, outputs may not overwrite it, and the progress lines.
#![cfg(unix)]

use std::collections::HashMap;

use crate::resume::three;
use crate::util::{fixture, Sim, Work};

#[test]
fn summary_rebuilds_the_outputs_from_the_journal_alone() {
    let sim = Sim::start(fixture("semantics"));
    let work = Work::new();
    let users = [
        "alice@example.com",
        "bob@example.com",
        "frank@example.com",
        "carol@example.com",
        "-o",
        "out.csv",
        "--jsonl",
        "out.jsonl",
        "--retry-attempts",
        "2",
    ];
    let first = work.scan(&sim, &users).run();
    check!(first, first.code == 3);
    drop(sim); // the workspace is gone: summary must not need it

    let s = work
        .run(&[
            "summary",
            "--journal",
            "out.csv.journal",
            "-o",
            "re.csv",
            "--jsonl",
            "re.jsonl",
        ])
        .run();
    check!(s, s.code == 0);
    s.check_same(
        "summary's CSV equals the scan's",
        work.read("out.csv"),
        work.read("re.csv"),
    );
    s.check_same(
        "summary's JSON Lines equal the scan's",
        work.read("out.jsonl"),
        work.read("re.jsonl"),
    );
    let block = |o: &str| o[o.find("SUMMARY").unwrap()..o.find("Results saved").unwrap()].to_string();
    s.check_same("the same summary block", block(&first.stdout), block(&s.stdout));
    check!(s, s.stdout.contains("Users: 4 recorded (a list of 4 user(s)"));

    // A duplicate row under another spelling is reported and counted once.
    let journal = work.path("out.csv.journal");
    let text = std::fs::read_to_string(&journal).unwrap();
    let alice = text
        .lines()
        .find(|l| l.contains("\"username\":\"alice@example.com\""))
        .unwrap();
    std::fs::write(
        &journal,
        format!("{text}{}\n", alice.replace("alice@example.com", "Alice@Example.com")),
    )
    .unwrap();
    let dup = work
        .run(&["summary", "--journal", "out.csv.journal", "-o", "dup.csv"])
        .run();
    check!(dup, dup.code == 0);
    check!(
        dup,
        dup.stderr.contains("1 user(s) recorded more than once")
            && dup.stderr.contains("alice@example.com / Alice@Example.com")
    );
    check!(dup, dup.stdout.contains("Total users processed: 4"));
    dup.check_same(
        "totals unchanged: alice counted once",
        block(&first.stdout),
        block(&dup.stdout),
    );
    assert_eq!(dup.csv("dup.csv").1.len(), 4, "{}", dup.explain());

    // Bad inputs are named.
    let missing = work.run(&["summary", "--journal", "nope.journal"]).run();
    check!(missing, missing.code == 1 && missing.stderr.contains("nope.journal"));
    let clobber = work
        .run(&["summary", "--journal", "out.csv.journal", "-o", "out.csv.journal"])
        .run();
    check!(
        clobber,
        clobber.code == 2 && clobber.stderr.contains("--output out.csv.journal is the journal file")
    );
    let not_journal = work.run(&["summary", "--journal", "out.csv"]).run();
    check!(
        not_journal,
        not_journal.code == 1 && not_journal.stderr.contains("not a dbx-inventory journal")
    );
}

#[test]
fn jsonl_holds_the_full_detail_of_every_user_in_csv_order() {
    let sim = Sim::start(fixture("semantics"));
    let work = Work::new();
    let out = work
        .scan(
            &sim,
            &[
                "alice@example.com",
                "bob@example.com",
                "frank@example.com",
                "-o",
                "out.csv",
                "--jsonl",
                "out.jsonl",
                "--retry-attempts",
                "2",
                "--workspace-only",
            ],
        )
        .run();
    check!(out, out.code == 3);
    check!(out, out.stdout.contains("Details (JSON Lines) saved to: out.jsonl"));
    let text = std::fs::read_to_string(work.path("out.jsonl")).unwrap();
    let recs: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let names: Vec<&str> = recs.iter().map(|r| r["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["alice@example.com", "bob@example.com", "frank@example.com"]);
    let by: HashMap<&str, &serde_json::Value> = names.iter().copied().zip(recs.iter()).collect();
    let a = by["alice@example.com"];
    assert_eq!(a["status"], "success");
    assert_eq!(a["error"], serde_json::Value::Null);
    assert_eq!(a["dbfs"], serde_json::Value::Null, "DBFS not scanned");
    let w = &a["workspace"];
    assert_eq!((w["files"].as_u64(), w["bytes"].as_u64()), (Some(11), Some(1363)));
    assert_eq!(
        (a["file_count"].as_u64(), a["total_size"].as_u64()),
        (Some(11), Some(1363))
    );
    assert!(
        w["directories"].as_u64().unwrap() > 0 && w["unsized_objects"].as_u64().unwrap() > 0,
        "{w}"
    );
    assert_eq!((w["notebooks"].as_u64(), w["repos"].as_u64()), (Some(2), Some(1)));
    assert!(w["home_exists"].as_bool().unwrap() && w["max_depth"].as_u64().unwrap() >= 15);
    assert!(a["requests"].as_u64().unwrap() > 0 && a["duration_ms"].is_u64() && a["orphan"] == false);
    assert_eq!(by["frank@example.com"]["workspace"]["vanished_dirs"], 1);
    let b = by["bob@example.com"];
    assert_eq!(b["status"], "error");
    assert!(
        b["error"].as_str().unwrap().contains("/Users/bob@example.com/broken"),
        "{b}"
    );
    // The CSV agrees.
    out.check_fields(&out.rows("out.csv")["alice@example.com"], &[("workspace_files", "11")]);
    assert!(!text.contains("dapi-sim"), "no secret in the detail file");
    assert!(
        !std::fs::read_to_string(work.path("out.csv.journal"))
            .unwrap()
            .contains("dapi-sim"),
        "no secret in the journal"
    );
}

#[test]
fn outputs_may_not_overwrite_the_journal() {
    let sim = Sim::start(fixture("semantics"));
    let work = Work::new();
    let o = work
        .scan(
            &sim,
            &["alice@example.com", "-o", "out.csv", "--jsonl", "out.csv.journal"],
        )
        .run();
    check!(
        o,
        o.code == 2 && o.stderr.contains("--jsonl out.csv.journal is the journal file")
    );
    let o = work
        .scan(&sim, &["alice@example.com", "-o", "out.csv", "--journal", "out.csv"])
        .run();
    check!(
        o,
        o.code == 2 && o.stderr.contains("--output out.csv is the journal file")
    );
    // --overwrite never replaces a file that is not a journal.
    work.write("keep.txt", "precious\n");
    let o = work
        .scan(
            &sim,
            &[
                "alice@example.com",
                "-o",
                "out.csv",
                "--journal",
                "keep.txt",
                "--overwrite",
            ],
        )
        .run();
    check!(
        o,
        o.code == 1 && o.stderr.contains("keep.txt is not a dbx-inventory journal")
    );
    assert_eq!(std::fs::read_to_string(work.path("keep.txt")).unwrap(), "precious\n");
}

#[test]
fn progress_lines_go_to_stderr_unless_quiet() {
    let sim = Sim::start(fixture("semantics"));
    let work = Work::new();
    let o = work.scan(&sim, &three(&[])).run();
    check!(o, o.code == 0);
    check!(
        o,
        o.stderr.contains("progress: 3 users recorded in") && o.stderr.contains("req/s"),
        "final progress line"
    );
    check!(o, !o.stdout.contains("progress:"), "stdout keeps the seed's format");
    check!(o, o.stdout.contains("[3/3] "));
    let q = work.scan(&sim, &three(&["--resume", "-q"])).run();
    check!(
        q,
        q.code == 0 && !q.stderr.contains("progress:") && !q.stdout.contains("[1/")
    );
    check!(q, q.stdout.contains("SUMMARY"));
    // --debug: per-user timing through tracing.
    let d = work.scan(&sim, &["alice@example.com", "-o", "d.csv", "--debug"]).run();
    check!(
        d,
        d.code == 0 && d.stderr.contains("alice@example.com scanned in ") && d.stderr.contains(" ms (")
    );
}
