//! Hostile 2xx bodies end to end (issue 9, items 2–4 and duplicate entries): the real binary
//! against the simulator, whose fault rules replace chosen answers with a given body. Each user
//! meets one class; the row's status, counts, error message and the exact totals are checked, in
//! the CSV, the JSON Lines, the HTML report and the console summary, and every run must end.

use std::time::{Duration, Instant};

use crate::util::{Done, Run, Sim};
use dbx_sim::{DbfsEntry, Fault, Fixture, UserEntry, WorkspaceEntry};

/// Longest a run may take here: the bodies are small and nothing is retried.
const RUN_LIMIT: Duration = Duration::from_secs(120);

fn user(name: &str) -> UserEntry {
    UserEntry {
        user_name: name.into(),
        active: Some(true),
        ..Default::default()
    }
}

fn ws(path: &str, object_type: &str, size: Option<u64>) -> WorkspaceEntry {
    WorkspaceEntry {
        path: path.into(),
        object_type: Some(object_type.into()),
        size,
        ..Default::default()
    }
}

fn dbfs(path: &str, size: u64) -> DbfsEntry {
    DbfsEntry {
        path: path.into(),
        is_dir: false,
        file_size: Some(size),
        ..Default::default()
    }
}

/// Answer `status` with exactly `body` on every call for `path` of `api`.
fn body(api: &str, path: &str, status: u16, body: String) -> Fault {
    let mut f = Fault::new(api, path, status);
    f.body = Some(body);
    f
}

/// Runs to the end, or fails the test when it takes longer than `RUN_LIMIT` (a hang).
fn run_bounded(run: Run) -> Done {
    let mut running = run.spawn();
    let started = Instant::now();
    while !running.finished() {
        if started.elapsed() > RUN_LIMIT {
            let done = running.kill();
            panic!("the run did not end within {RUN_LIMIT:?}\n{}", done.explain());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    running.wait()
}

const MAX: u64 = u64::MAX;

fn hostile_workspace() -> Fixture {
    let names = [
        "err200@x.com",
        "arrays@x.com",
        "deep@x.com",
        "sizes@x.com",
        "overflow@x.com",
        "overflow1@x.com",
        "dups@x.com",
    ];
    let deep = format!("{{\"files\":[{}{}]}}", "[".repeat(100_000), "]".repeat(100_000));
    Fixture {
        users: names.iter().map(|n| user(n)).collect(),
        workspace: vec![
            ws("/Users/err200@x.com/ok.txt", "FILE", Some(3)),
            ws("/Users/err200@x.com/sub/lost.txt", "FILE", Some(1000)),
            ws("/Users/arrays@x.com/a", "FILE", Some(1)),
            ws("/Users/deep@x.com/nb", "NOTEBOOK", None),
            ws("/Users/sizes@x.com/placeholder", "FILE", Some(1)),
            ws("/Users/overflow@x.com/w.bin", "FILE", Some(15)),
            ws("/Users/overflow1@x.com/huge.bin", "FILE", Some(MAX)),
            ws("/Users/overflow1@x.com/d/small.bin", "FILE", Some(15)),
            ws("/Users/dups@x.com/placeholder", "FILE", Some(1)),
        ],
        dbfs: vec![
            dbfs("/Users/err200@x.com/f.bin", 10),
            dbfs("/Users/arrays@x.com/f.bin", 1),
            dbfs("/Users/deep@x.com/f.bin", 1),
            dbfs("/Users/overflow@x.com/huge.bin", MAX),
        ],
        faults: vec![
            // Item 2: an error inside a 200.
            body(
                "workspace",
                "/Users/err200@x.com/sub",
                200,
                r#"{"error_code":"INTERNAL_ERROR","message":"boom"}"#.into(),
            ),
            // Item 3: entries that are not objects, in both trees.
            body(
                "workspace",
                "/Users/arrays@x.com",
                200,
                r#"{"objects":[["/Users/arrays@x.com/x","FILE",1000]]}"#.into(),
            ),
            body("dbfs", "/Users/arrays@x.com", 200, r#"{"files":[[]]}"#.into()),
            body("dbfs", "/Users/deep@x.com", 200, deep),
            // Item 4: sizes that are not sizes (only 7 is one).
            body(
                "workspace",
                "/Users/sizes@x.com",
                200,
                r#"{"objects":[
                    {"path":"/Users/sizes@x.com/half","object_type":"FILE","size":1.5},
                    {"path":"/Users/sizes@x.com/neg","object_type":"FILE","size":-1},
                    {"path":"/Users/sizes@x.com/big","object_type":"FILE","size":18446744073709551616},
                    {"path":"/Users/sizes@x.com/exp","object_type":"FILE","size":1e3},
                    {"path":"/Users/sizes@x.com/word","object_type":"FILE","size":"lots"},
                    {"path":"/Users/sizes@x.com/seven","object_type":"FILE","size":7}
                ]}"#
                .into(),
            ),
            // Item 7: the same file three times, a notebook twice.
            body(
                "workspace",
                "/Users/dups@x.com",
                200,
                r#"{"objects":[
                    {"path":"/Users/dups@x.com/f","object_type":"FILE","size":10},
                    {"path":"/Users/dups@x.com/nb","object_type":"NOTEBOOK"},
                    {"path":"/Users/dups@x.com/f","object_type":"FILE","size":10},
                    {"path":"/Users/dups@x.com/nb","object_type":"NOTEBOOK"},
                    {"path":"/Users/dups@x.com/f/","object_type":"FILE","size":10}
                ]}"#
                .into(),
            ),
        ],
        ..Default::default()
    }
}

#[test]
fn hostile_bodies_give_errors_naming_the_path_and_exact_counts() {
    let sim = Sim::start(hostile_workspace());
    let run = Run::scan(
        &sim,
        &[
            "--all-users",
            "-o",
            "out.csv",
            "--jsonl",
            "out.jsonl",
            "--html",
            "out.html",
        ],
    );
    let done = run_bounded(run);
    let rows = done.rows("out.csv");
    check!(done, rows.len() == 7, "7 rows, got {}", rows.len());

    let err = &rows["err200@x.com"];
    done.check_fields(err, &[("status", "error"), ("file_count", "2"), ("total_size", "13")]);
    check!(
        done,
        err["error"].contains("workspace /Users/err200@x.com/sub: HTTP 200 INTERNAL_ERROR: boom"),
        "error-in-200 message: {:?}",
        err["error"]
    );

    let arr = &rows["arrays@x.com"];
    done.check_fields(
        arr,
        &[
            ("status", "error"),
            ("file_count", "0"),
            ("total_size", "0"),
            ("unsized_objects", "0"),
        ],
    );
    // The first failure is named (DBFS is listed first), the other one counted.
    check!(
        done,
        arr["error"].starts_with("dbfs /Users/arrays@x.com: malformed response (HTTP 200)")
            && arr["error"].ends_with("(and 1 more failures)"),
        "array entries: {:?}",
        arr["error"]
    );

    let deep = &rows["deep@x.com"];
    done.check_fields(
        deep,
        &[("status", "error"), ("dbfs_files", "0"), ("workspace_files", "1")],
    );
    check!(
        done,
        deep["error"].starts_with("dbfs /Users/deep@x.com: malformed response (HTTP 200)"),
        "deep nesting: {:?}",
        deep["error"]
    );

    done.check_fields(
        &rows["sizes@x.com"],
        &[
            ("status", "success"),
            ("file_count", "6"),
            ("total_size", "7"),
            ("unsized_objects", "5"),
            ("error", ""),
        ],
    );

    // Two trees that each fit in u64 but not together: the exact sum, never wrapped.
    let exact = (u128::from(MAX) + 15).to_string();
    done.check_fields(
        &rows["overflow@x.com"],
        &[
            ("status", "success"),
            ("file_count", "2"),
            ("total_size", exact.as_str()),
            ("total_size_gb", "17179869184.00"),
            ("dbfs_bytes", &MAX.to_string()),
            ("workspace_bytes", "15"),
        ],
    );
    // One tree past u64: an error naming the overflow; bytes is what was added before it.
    let one = &rows["overflow1@x.com"];
    done.check_fields(
        one,
        &[
            ("status", "error"),
            ("file_count", "2"),
            ("workspace_bytes", &MAX.to_string()),
        ],
    );
    check!(
        done,
        one["error"].starts_with(
            "workspace /Users/overflow1@x.com/d/small.bin: size 15 takes the tree's total past 18446744073709551615 bytes"
        ),
        "overflow message: {:?}",
        one["error"]
    );

    done.check_fields(
        &rows["dups@x.com"],
        &[
            ("status", "success"),
            ("file_count", "2"),
            ("total_size", "10"),
            ("notebooks", "1"),
            ("unsized_objects", "1"),
        ],
    );

    // Totals across users: exact u128 sums in the console summary, the JSON Lines and the HTML.
    let total: u128 = rows.values().map(|r| r["total_size"].parse::<u128>().unwrap()).sum();
    check!(
        done,
        total > u128::from(MAX),
        "the test means the total to pass u64 ({total})"
    );
    let with_commas = {
        let s = total.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    check!(
        done,
        done.stdout
            .contains(&format!("Total size across all users: 32.0 EB ({with_commas} bytes)")),
        "summary total {with_commas}"
    );
    let jsonl = done.file("out.jsonl");
    let line = jsonl.lines().find(|l| l.contains("\"overflow@x.com\"")).unwrap();
    check!(
        done,
        line.contains(&format!("\"total_size\":{exact},")),
        "jsonl: {line}"
    );
    let html = done.file("out.html");
    check!(
        done,
        html.contains(&format!(r#"id="total-bytes" data-value="{total}""#)),
        "html total-bytes {total}"
    );
    check!(done, done.code == 3, "exit {} (3: some users failed)", done.code);
}
