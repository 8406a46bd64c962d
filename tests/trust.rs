//! No confident wrong answer (issue 18): ordinary mistakes — a name in another letter case, a URL
//! that is not a workspace, a user with no folder at all, a rerun stopped halfway, two runs on
//! one output, a non-admin's orphan count — end in the right inventory or in a refusal that says
//! why, never in a wrong one that looks clean.

use std::time::Duration;

use serde_json::json;

use crate::util::{generated, journal_user_lines, Fake, Run, Sim, Work};

const SVEN: &str = "sven.jones@example.com";

/// The three outputs of a scan.
const OUTPUTS: [&str; 6] = ["-o", "out.csv", "--jsonl", "out.jsonl", "--html", "out.html"];

/// sven's DBFS home is spelled `Sven.Jones@…`, his Workspace home `sven.jones@…` (the SCIM name);
/// alice has an empty Workspace home and nothing in DBFS; nobody@… has no folder and is no user.
fn sim() -> Sim {
    let fixture: dbx_sim::Fixture = serde_json::from_value(json!({
        "users": [{"userName": SVEN}, {"userName": "alice@example.com"}, {"userName": "ghost@example.com"}],
        "workspace": [
            {"path": format!("/Users/{SVEN}/a.csv"), "object_type": "FILE", "size": 100},
            {"path": format!("/Users/{SVEN}/d/b.csv"), "object_type": "FILE", "size": 20},
            {"path": "/Users/alice@example.com", "object_type": "DIRECTORY"}
        ],
        "dbfs": [{"path": "/Users/Sven.Jones@example.com/x.bin", "is_dir": false, "file_size": 3}]
    }))
    .unwrap();
    Sim::start(fixture)
}

#[test]
fn a_name_in_another_letter_case_scans_the_folders_as_spelled_and_keeps_the_given_name() {
    let sim = sim();
    for extra in [&[][..], &["--list-homes"][..]] {
        let mut args = vec!["SVEN.JONES@EXAMPLE.COM", "-o", "out.csv", "--jsonl", "out.jsonl"];
        args.extend_from_slice(extra);
        let done = Run::scan(&sim, &args).run();
        check!(done, done.code == 0, "{extra:?}");
        let r = done.rows("out.csv");
        done.check_fields(
            &r["SVEN.JONES@EXAMPLE.COM"],
            &[
                ("status", "success"),
                ("file_count", "3"),
                ("total_size", "123"),
                ("dbfs_home", "yes"),
                ("workspace_home", "yes"),
                ("error", ""),
            ],
        );
        check!(done, done.stdout.contains("COMPLETED SUCCESSFULLY"));
    }
}

#[test]
fn a_user_with_no_folder_anywhere_is_no_home_and_a_name_no_one_has_is_said_once() {
    let sim = sim();
    let mut args = vec!["alice@example.com", "ghost@example.com", "typo@example.com"];
    args.extend(OUTPUTS);
    let done = Run::scan(&sim, &args).run();
    check!(done, done.code == 0);
    let r = done.rows("out.csv");
    // A home that exists but holds nothing is the seed's `empty`; no folder at all is `no_home`.
    done.check_fields(
        &r["alice@example.com"],
        &[("status", "empty"), ("workspace_home", "yes")],
    );
    for u in ["ghost@example.com", "typo@example.com"] {
        done.check_fields(
            &r[u],
            &[
                ("status", "no_home"),
                ("dbfs_home", "no"),
                ("workspace_home", "no"),
                ("error", ""),
            ],
        );
    }
    let jsonl = done.file("out.jsonl");
    check!(done, jsonl.matches("\"status\":\"no_home\"").count() == 2, "{jsonl}");
    let html = done.file("out.html");
    check!(
        done,
        html.contains(r#"id="count-no-home" data-value="2""#),
        "the report counts them"
    );
    check!(
        done,
        done.stdout
            .contains("∅ No home: no folder in DBFS /Users/typo@example.com or Workspace /Users/typo@example.com")
    );
    check!(
        done,
        done.stdout.contains("∅ No home (no folder in any scanned location): 2")
    );
    // ghost is a SCIM user (never logged in); typo is nobody: said once, at the end.
    let line = done
        .stdout
        .lines()
        .find(|l| l.starts_with("Not workspace users"))
        .unwrap_or_default();
    check!(done, line.ends_with(": typo@example.com"), "{line}");
}

#[test]
fn a_server_that_is_not_a_workspace_stops_the_run_before_anything_is_scanned() {
    // A plain web server: 404 to everything.
    let fake = Fake::start(|_, _| (404, json!("Not Found")));
    for args in [&["scan", "alice@example.com", "-o", "out.csv"][..], &["check"][..]] {
        let cmd = args[0];
        let mut run = Run::new(args);
        run.env("DATABRICKS_HOST", &fake.url).env("DATABRICKS_TOKEN", "dapi-x");
        let done = run.run();
        check!(done, done.code == 1, "{cmd}");
        check!(
            done,
            done.stderr.contains("does not answer like a Databricks workspace")
                && done.stderr.contains("Is this the workspace URL?"),
            "{cmd}"
        );
        check!(
            done,
            !done.stdout.contains("COMPLETED") && !done.stdout.contains("homes"),
            "{cmd}"
        );
        check!(
            done,
            !done.dir.join("out.csv").exists() && !done.dir.join("out.csv.journal").exists()
        );
    }
}

#[test]
fn a_rerun_stopped_halfway_keeps_the_finished_runs_outputs_and_says_how_to_get_both() {
    let (sim, _) = generated(120, 5);
    let work = Work::new();
    let outs = OUTPUTS;
    let mut args = vec!["--all-users", "-q"];
    args.extend_from_slice(&outs);
    let first = work.scan(&sim, &args).run();
    check!(first, first.code == 0);
    let finished = (work.read("out.csv"), work.read("out.jsonl"), work.read("out.html"));

    // The weekly rerun, stopped after a few users.
    let mut args = vec!["--all-users", "--rate-limit", "workspace=20"];
    args.extend_from_slice(&outs);
    let mut child = work.scan(&sim, &args).spawn();
    let journal = work.path("out.csv.journal");
    // The finished run's journal is moved aside first, then the new one fills.
    while !rerun_journal_started(&work) || journal_user_lines(&journal) < 5 {
        assert!(!child.finished(), "the rerun ended before it could be stopped");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.signal("INT");
    let stopped = child.wait();
    check!(stopped, stopped.code == 130);
    check!(
        stopped,
        (work.read("out.csv"), work.read("out.jsonl"), work.read("out.html")) == finished,
        "the finished run's outputs are untouched"
    );
    let (_, partial) = crate::util::read_csv(&work.path("out.partial.csv"));
    check!(
        stopped,
        !partial.is_empty() && partial.len() < 120,
        "{} partial rows",
        partial.len()
    );
    check!(
        stopped,
        work.path("out.partial.jsonl").exists() && work.path("out.partial.html").exists()
    );
    check!(
        stopped,
        stopped.stderr.contains("kept unchanged")
            && stopped
                .stderr
                .contains("dbx-inventory summary --journal out.csv.journal."),
        "names the finished run's journal to rebuild from"
    );
    // Its archived journal gives last week's outputs back.
    let archived = archived(&work).expect("the finished run's journal was kept");
    let back = work.run(&["summary", "--journal", &archived, "-o", "back.csv"]).run();
    check!(back, back.code == 0 && work.read("back.csv") == finished.0);

    // A resume stopped again still keeps them; one that finishes replaces them and drops the partials.
    let mut args = vec!["--all-users", "--resume", "-q"];
    args.extend_from_slice(&outs);
    let done = work.scan(&sim, &args).run();
    check!(done, done.code == 0);
    let (_, rows) = crate::util::read_csv(&work.path("out.csv"));
    check!(
        done,
        rows.len() == 120 + 4,
        "{} rows (120 users + 4 service principals)",
        rows.len()
    );
    check!(
        done,
        !work.path("out.partial.csv").exists() && !work.path("out.partial.html").exists()
    );
}

#[test]
fn a_second_run_with_its_own_journal_cannot_write_the_same_output() {
    let (sim, _) = generated(60, 3);
    let work = Work::new();
    let mut first = work
        .scan(&sim, &["--all-users", "-o", "out.csv", "--rate-limit", "workspace=10"])
        .spawn();
    let journal = work.path("out.csv.journal");
    while journal_user_lines(&journal) < 1 {
        assert!(!first.finished(), "the first run ended too soon");
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = work
        .scan(&sim, &["--all-users", "-o", "out.csv", "--journal", "other.journal"])
        .run();
    check!(second, second.code == 2);
    check!(
        second,
        second
            .stderr
            .contains("--output out.csv is being written by another run")
            && !second.stderr.contains("--journal FILE"),
        "refused, naming the output, without advice that leads back to it"
    );
    check!(second, !work.path("other.journal").exists());
    first.signal("TERM");
    let _ = first.wait();
}

#[test]
fn a_non_admin_orphan_scan_says_its_orphan_count_is_incomplete() {
    let fixture = dbx_sim::Fixture::from_json(
        r#"{
          "users": [{"userName": "alice@x.com"}],
          "workspace": [{"path": "/Users/alice@x.com/f.py", "object_type": "FILE", "size": 1},
                        {"path": "/Users/gone@x.com/g.py", "object_type": "FILE", "size": 2}],
          "dbfs": [{"path": "/Users/left@x.com/y.bin", "is_dir": false, "file_size": 5}]
        }"#,
    )
    .unwrap();
    let sim = Sim::start_with(dbx_sim::SimConfig {
        fixture,
        limits: None,
        user_tokens: vec![("dapi-alice".into(), "alice@x.com".into())],
        ..Default::default()
    });
    for (token, said) in [("dapi-alice", true), ("dapi-sim", false)] {
        let work = Work::new();
        let mut run = Run::against(
            &work,
            &sim,
            "scan",
            &["--all-users", "--orphans", "-o", "out.csv", "--html", "out.html"],
        );
        run.env("DATABRICKS_TOKEN", token);
        let done = run.run();
        let note = "orphaned homes are incomplete: alice@x.com is not a workspace admin";
        check!(done, done.stdout.contains(note) == said, "{token}");
        check!(done, done.file("out.html").contains(note) == said, "{token}");
    }
}

#[cfg(unix)]
#[test]
fn outputs_have_the_journals_file_mode() {
    use std::os::unix::fs::PermissionsExt as _;
    let sim = sim();
    let mut args = vec!["alice@example.com"];
    args.extend(OUTPUTS);
    let done = Run::scan(&sim, &args).run();
    check!(done, done.code == 0);
    let mode = |n: &str| std::fs::metadata(done.dir.join(n)).unwrap().permissions().mode() & 0o777;
    let journal = mode("out.csv.journal");
    for out in ["out.csv", "out.jsonl", "out.html"] {
        check!(
            done,
            mode(out) == journal,
            "{out}: {:o}, journal {:o}",
            mode(out),
            journal
        );
    }
}

#[test]
fn diff_does_not_call_a_failed_scan_shrinkage_and_the_report_says_what_sizes_include() {
    let sim = sim();
    let work = Work::new();
    let args = ["SVEN.JONES@EXAMPLE.COM", "alice@example.com", "--html", "out.html"];
    let mut a = args.to_vec();
    a.extend_from_slice(&["-o", "old.csv"]);
    let old = work.scan(&sim, &a).run();
    check!(old, old.code == 0);
    let html = old.file("out.html");
    check!(
        old,
        html.contains("Homes scanned") && html.contains("2 (2 user(s))"),
        "rows are homes, broken down"
    );
    check!(
        old,
        html.contains(r#"id="notebook-bytes">not included"#),
        "says notebooks have no size here"
    );
    sim.add_faults([serde_json::from_value::<dbx_sim::Fault>(
        json!({"api": "workspace", "path": format!("/Users/{SVEN}/d"), "status": 500}),
    )
    .unwrap()]);
    let mut a = args.to_vec();
    a.extend_from_slice(&["-o", "new.csv", "--retry-attempts", "1"]);
    let new = work.scan(&sim, &a).run();
    check!(new, new.code == 3);
    let d = work.run(&["diff", "old.csv", "new.csv", "-o", "d.csv"]).run();
    check!(d, d.code == 0);
    let rows = d.rows("d.csv");
    d.check_fields(
        &rows["SVEN.JONES@EXAMPLE.COM"],
        &[("status_old", "success"), ("status_new", "error"), ("change", "error")],
    );
    check!(
        d,
        d.stdout.contains("0 shrunk") && d.stdout.contains("1 in error in one of the scans")
    );
}

#[test]
fn a_user_with_only_notebooks_says_why_the_size_is_zero() {
    let fixture = dbx_sim::Fixture::from_json(
        r#"{"users": [{"userName": "nb@x.com"}],
            "workspace": [{"path": "/Users/nb@x.com/n1", "object_type": "NOTEBOOK", "language": "PYTHON"}]}"#,
    )
    .unwrap();
    let sim = Sim::start(fixture);
    let done = Run::scan(&sim, &["nb@x.com", "-o", "out.csv"]).run();
    check!(done, done.code == 0);
    check!(
        done,
        done.stdout.contains(
            "✓ Files: 1, Size: 0 B (1 object(s) without a size, e.g. notebooks; --notebook-sizes measures notebooks)"
        ),
        "{}",
        done.stdout
    );
}

/// The finished run's kept journal (`out.csv.journal.<end time>`), once there is one.
/// True once the rerun's own journal is in place. The finished one is kept by a hard link under
/// its archive name and then unlinked: in between, both names are the finished journal (all its
/// rows), and a signal then would reach the rerun before it listens for one.
fn rerun_journal_started(work: &Work) -> bool {
    let (Some(kept), Ok(journal)) = (archived(work), std::fs::metadata(work.path("out.csv.journal"))) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        std::fs::metadata(work.path(&kept)).is_ok_and(|k| k.ino() != journal.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = (kept, journal);
        true
    }
}

fn archived(work: &Work) -> Option<String> {
    std::fs::read_dir(work.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("out.csv.journal.2") && !n.ends_with(".lock"))
}
