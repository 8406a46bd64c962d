//! `dbx-inventory diff OLD NEW` (issue 11, part 4): two scans of two generated workspaces, the
//! second with users added, removed, grown, shrunk and one turned `error`, give the rows the
//! changes made to the fixture imply; CSVs and journals read the same; the weekly rerun's kept
//! journal diffs against the new one; files that are not scans are refused, named.

use std::collections::BTreeMap;

use crate::util::{by_user, read_csv, Sim, Work};

const FAST: [&str; 4] = ["--rate-limit", "workspace=300", "--rate-limit", "dbfs=300"];

fn start(fixture: dbx_sim::Fixture, seed: u64) -> Sim {
    Sim::start_with(dbx_sim::SimConfig {
        fixture,
        limits: None,
        latency_ms: 2,
        seed,
        ..Default::default()
    })
}

fn scan(work: &Work, sim: &Sim, users_file: &str, out: &str) -> crate::util::Done {
    let mut args = vec!["--users-file", users_file, "-o", out, "-q"];
    args.extend_from_slice(&FAST);
    let done = work.scan(sim, &args).run();
    check!(done, done.code == 0 || done.code == 3, "the scan of {out} ran");
    done
}

fn under(path: &str, user: &str) -> bool {
    path.starts_with(&format!("/Users/{user}/"))
}

/// What the test did to a user of the second workspace.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Did {
    Removed,
    /// Added with these files and bytes.
    Added(u128, u128),
    /// Grew by one file of these bytes.
    Grew(u128),
    /// Lost one file of these bytes.
    Shrank(u128),
    /// Its Workspace home fails (status `error`).
    Broke,
}

#[test]
fn diff_of_two_generated_workspaces_gives_the_expected_rows() {
    const USERS: usize = 40;
    let a = dbx_sim::generate(USERS, 31);
    let names: Vec<String> = a.users.iter().map(|u| u.user_name.clone()).collect();
    let mut b = a.clone();
    let mut did: BTreeMap<String, Did> = BTreeMap::new();
    // Three users leave.
    for u in &names[0..3] {
        b.users.retain(|x| &x.user_name != u);
        b.workspace.retain(|e| !under(&e.path, u));
        b.dbfs.retain(|e| !under(&e.path, u));
        did.insert(u.clone(), Did::Removed);
    }
    // Three join, each with a DBFS file and a Workspace file.
    for i in 0..3u64 {
        let u = format!("new.user{i}@example.com");
        b.users.push(dbx_sim::UserEntry {
            user_name: u.clone(),
            active: Some(true),
            ..Default::default()
        });
        b.dbfs.push(dbx_sim::DbfsEntry {
            path: format!("/Users/{u}/data.bin"),
            file_size: Some((i + 1) * 1_000),
            ..Default::default()
        });
        b.workspace.push(dbx_sim::WorkspaceEntry {
            path: format!("/Users/{u}/notes.txt"),
            object_type: Some("FILE".into()),
            size: Some(7),
            ..Default::default()
        });
        did.insert(u, Did::Added(2, u128::from((i + 1) * 1_000 + 7)));
    }
    // Three grow by one DBFS file each.
    for (i, u) in names[3..6].iter().enumerate() {
        let bytes = 5_000_000 * (i as u64 + 1);
        b.dbfs.push(dbx_sim::DbfsEntry {
            path: format!("/Users/{u}/growth-{i}.bin"),
            file_size: Some(bytes),
            ..Default::default()
        });
        did.insert(u.clone(), Did::Grew(u128::from(bytes)));
    }
    // One loses a DBFS file; another's Workspace home fails.
    let shrinking = names[6..]
        .iter()
        .find_map(|u| {
            b.dbfs
                .iter()
                .position(|e| under(&e.path, u) && !e.is_dir && e.file_size.is_some_and(|s| s > 0))
                .map(|p| (u.clone(), p))
        })
        .expect("the generator gives some users DBFS files");
    let gone = b.dbfs.remove(shrinking.1);
    did.insert(shrinking.0.clone(), Did::Shrank(u128::from(gone.file_size.unwrap())));
    let broken = names[6..].iter().find(|u| !did.contains_key(*u)).unwrap().clone();
    b.faults.push(
        serde_json::from_value(
            serde_json::json!({"api": "workspace", "path": format!("/Users/{broken}"), "status": 500}),
        )
        .unwrap(),
    );
    did.insert(broken.clone(), Did::Broke);

    let work = Work::new();
    work.write("a.txt", &names.join("\n"));
    let b_names: Vec<String> = b.users.iter().map(|u| u.user_name.clone()).collect();
    work.write("b.txt", &b_names.join("\n"));
    let (sim_a, sim_b) = (start(a, 31), start(b, 32));
    scan(&work, &sim_a, "a.txt", "old.csv");
    scan(&work, &sim_b, "b.txt", "new.csv");
    let old = by_user(read_csv(&work.path("old.csv")).1);
    let new = by_user(read_csv(&work.path("new.csv")).1);

    let done = work
        .run(&["diff", "old.csv", "new.csv", "-o", "diff.csv", "--html", "growth.html"])
        .run();
    check!(done, done.code == 0);
    check!(
        done,
        done.stderr.contains(
            "warning: cannot check that OLD and NEW are scans of the same workspace: old.csv and new.csv are CSVs, which do not record their workspace"
        )
    );
    let (header, rows) = read_csv(&work.path("diff.csv"));
    assert_eq!(
        header,
        [
            "username",
            "status_old",
            "status_new",
            "files_old",
            "files_new",
            "bytes_old",
            "bytes_new",
            "files_delta",
            "bytes_delta",
            "change",
            "stale_bytes_old",
            "stale_bytes_new",
            "stale_bytes_delta",
            "stale_files_old",
            "stale_files_new",
            "stale_files_delta"
        ]
    );
    // Two CSVs: their stale columns are compared, and the ages reference is said to be unknown.
    check!(
        done,
        done.stderr
            .contains("the ages reference (as-of, stale days) of OLD and NEW is not recorded")
    );
    assert_eq!(rows.len(), USERS + 3, "every user of either scan, once");
    let rows = by_user(rows);
    let n = |s: &str| -> i128 { s.parse().unwrap_or_else(|e| panic!("{s:?}: {e}")) };
    for (user, r) in &rows {
        let (o, nw) = (old.get(user), new.get(user));
        // Each side is that scan's row, exactly; an absent side is empty.
        let side = |row: Option<&BTreeMap<String, String>>, col: &str| row.map_or(String::new(), |x| x[col].clone());
        done.check_fields(
            r,
            &[
                ("status_old", &side(o, "status")),
                ("status_new", &side(nw, "status")),
                ("files_old", &side(o, "file_count")),
                ("files_new", &side(nw, "file_count")),
                ("bytes_old", &side(o, "total_size")),
                ("bytes_new", &side(nw, "total_size")),
                ("stale_bytes_old", &side(o, "stale_bytes")),
                ("stale_bytes_new", &side(nw, "stale_bytes")),
                ("stale_files_old", &side(o, "stale_files")),
                ("stale_files_new", &side(nw, "stale_files")),
            ],
        );
        let stale = |row: Option<&BTreeMap<String, String>>| row.map_or(0, |x| n(&x["stale_bytes"]));
        check!(
            done,
            n(&r["stale_bytes_delta"]) == stale(nw) - stale(o),
            "{user}: {r:?}"
        );
        let (fd, bd) = (n(&r["files_delta"]), n(&r["bytes_delta"]));
        let expected = match did.get(user) {
            None => ("same", 0, 0),
            Some(Did::Removed) => ("removed", -n(&o.unwrap()["file_count"]), -n(&o.unwrap()["total_size"])),
            Some(Did::Added(f, b)) => ("new", *f as i128, *b as i128),
            Some(Did::Grew(b)) => ("grown", 1, *b as i128),
            Some(Did::Shrank(b)) => ("shrunk", -1, -(*b as i128)),
            Some(Did::Broke) => {
                check!(
                    done,
                    r["status_new"] == "error" && r["status_old"] != "error",
                    "{user}: {r:?}"
                );
                continue;
            }
        };
        assert_eq!((r["change"].as_str(), fd, bd), expected, "{user}: {r:?}");
    }
    for user in did.keys() {
        assert!(rows.contains_key(user), "{user} is in the diff");
    }

    // The console: totals old → new from the two CSVs, the counts, the movers, the status change.
    let total = |m: &BTreeMap<String, BTreeMap<String, String>>, c: &str| m.values().map(|r| n(&r[c])).sum::<i128>();
    let (bo, bn) = (total(&old, "total_size"), total(&new, "total_size"));
    let thousands = |v: i128| {
        let s = v.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, ch) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(ch);
        }
        out
    };
    let bytes_line = done
        .stdout
        .lines()
        .find(|l| l.starts_with("Bytes "))
        .unwrap_or_default()
        .to_string();
    let words: Vec<&str> = bytes_line.split_whitespace().collect();
    let sign = if bn >= bo { "+" } else { "-" };
    assert_eq!(
        words,
        [
            "Bytes",
            &thousands(bo),
            &thousands(bn),
            &format!("{sign}{}", thousands(bn - bo))
        ],
        "{}",
        done.stdout
    );
    // The broken user's row counts what was seen before the failure: not a size change, `error`.
    check!(done, rows[&broken]["change"] == "error");
    check!(
        done,
        done.stdout.contains(&format!(
            "Users: 3 added, 3 removed, 3 grown, 1 shrunk, {} unchanged; 1 changed status",
            USERS + 3 - 3 - 3 - 3 - 1 - 1
        ))
    );
    let growers = done
        .stdout
        .split("Top 20 growers (by bytes):")
        .nth(1)
        .unwrap_or_default();
    let first = growers.lines().nth(2).unwrap_or_default();
    check!(
        done,
        first.trim_start().starts_with("1  ") && first.contains(names[5].as_str()),
        "the largest growth first: {first:?}"
    );
    check!(done, done.stdout.contains(&broken) && done.stdout.contains("→ error"));
    check!(
        done,
        done.stdout.contains("Comparison saved to: diff.csv")
            && done.stdout.contains("HTML report saved to: growth.html")
    );

    // The HTML: self-contained, and its numbers are the CSV's.
    let html = done.file("growth.html");
    check!(done, !html.contains("<script") && html.contains("<svg"));
    check!(done, html.contains(&format!(r#"id="bytes-old" data-value="{bo}""#)));
    check!(
        done,
        html.contains(&format!(r#"id="bytes-delta" data-value="{}""#, bn - bo))
    );
    check!(
        done,
        html.contains(r#"id="count-new" data-value="3""#) && html.contains(r#"id="count-removed" data-value="3""#)
    );

    // The journals give the same comparison, and know the workspaces differ.
    let j = work
        .run(&["diff", "old.csv.journal", "new.csv.journal", "-o", "diff-j.csv"])
        .run();
    check!(j, j.code == 0);
    check!(
        j,
        j.stderr.contains(&format!(
            "warning: OLD and NEW are scans of different workspaces ({} and {})",
            sim_a.url, sim_b.url
        ))
    );
    j.check_same(
        "journals and CSVs compare the same",
        work.read("diff.csv"),
        work.read("diff-j.csv"),
    );
}

#[test]
fn the_weekly_rerun_diffs_against_the_journal_it_kept() {
    let fixture = dbx_sim::generate(15, 41);
    let names: Vec<String> = fixture.users.iter().map(|u| u.user_name.clone()).collect();
    let sim = start(fixture, 41);
    let work = Work::new();
    work.write("users.txt", &names.join("\n"));
    scan(&work, &sim, "users.txt", "results.csv");
    scan(&work, &sim, "users.txt", "results.csv");
    let kept: Vec<String> = std::fs::read_dir(work.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("results.csv.journal.20"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let done = work.run(&["diff", &kept[0], "results.csv.journal"]).run();
    check!(done, done.code == 0);
    check!(done, !done.stderr.contains("warning"), "same workspace, same options");
    // Each run is as of its own start: said, as a note.
    check!(
        done,
        done.stderr
            .contains("stale counts are measured from each run's own as-of")
            && done
                .stdout
                .lines()
                .any(|l| l.starts_with("Stale bytes ") && l.trim_end().ends_with(" 0"))
    );
    check!(done, done.stdout.contains(&format!("Workspace: {}", sim.url)));
    check!(
        done,
        done.stdout
            .contains("Users: 0 added, 0 removed, 0 grown, 0 shrunk, 15 unchanged; 0 changed status")
    );
    // A CSV against a journal: the same users, nothing changed.
    let mixed = work.run(&["diff", "results.csv", &kept[0]]).run();
    check!(mixed, mixed.code == 0 && mixed.stdout.contains("15 unchanged"));
    check!(mixed, mixed.stderr.contains("results.csv is a CSV"));
}

#[test]
fn files_that_are_not_scans_are_refused_naming_them() {
    let work = Work::new();
    work.write("users.txt", "alice@example.com\nbob@example.com\n");
    work.write(
        "ok.csv",
        "username,file_count,total_size,total_size_gb,status,file_source,error\nalice@example.com,1,10,0.00,success,dbfs,\n",
    );
    work.write(
        "details.jsonl",
        "{\"username\":\"alice@example.com\",\"status\":\"success\"}\n",
    );
    for (args, code, says) in [
        (
            vec!["diff", "users.txt", "ok.csv"],
            1,
            "users.txt: not a dbx-inventory CSV or journal: no column username",
        ),
        (vec!["diff", "ok.csv", "missing.csv"], 1, "missing.csv: no such file"),
        (vec!["diff", "ok.csv", "details.jsonl"], 1, "a --jsonl detail file?"),
        (
            vec!["diff", "ok.csv", "ok.csv", "-o", "ok.csv"],
            2,
            "--output ok.csv is OLD",
        ),
        (
            vec!["diff", "ok.csv", "ok.csv", "-o", "x.csv", "--html", "x.csv"],
            2,
            "--html and --output are both x.csv",
        ),
        (vec!["diff", "ok.csv"], 2, "NEW"),
    ] {
        let done = work.run(&args).run();
        check!(done, done.code == code && done.stderr.contains(says), "{args:?}");
        check!(done, !work.path("x.csv").exists(), "nothing written");
    }
    // The seed's seven columns are enough; the same file twice is compared, with a warning.
    let same = work.run(&["diff", "ok.csv", "ok.csv"]).run();
    check!(
        same,
        same.code == 0 && same.stderr.contains("OLD and NEW are the same file")
    );
    check!(same, same.stdout.contains("1 unchanged"));
}

#[test]
fn a_journal_being_written_is_refused_and_an_unfinished_one_compared_with_a_note() {
    let (sim, users) = crate::util::generated(40, 42);
    let work = Work::new();
    work.write("users.txt", &users.join("\n"));
    let mut args = vec!["--users-file", "users.txt", "-o", "out.csv", "-q"];
    args.extend_from_slice(&["--rate-limit", "workspace=5", "--rate-limit", "dbfs=5"]);
    let mut running = work.scan(&sim, &args).spawn();
    let journal = work.path("out.csv.journal");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while crate::util::journal_user_lines(&journal) < 2 {
        assert!(
            !running.finished() && std::time::Instant::now() < deadline,
            "the scan records rows"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let busy = work.run(&["diff", "out.csv.journal", "out.csv.journal"]).run();
    check!(
        busy,
        busy.code == 2
            && busy
                .stderr
                .contains("journal out.csv.journal is being written by a running scan")
    );
    let killed = running.kill();
    // Complete user lines only (a kill may tear the last one; it is ignored, and noted).
    let recorded = std::fs::read_to_string(&journal)
        .unwrap()
        .split_inclusive('\n')
        .filter(|l| l.ends_with('\n') && l.starts_with("{\"type\":\"user\""))
        .count();
    let done = work
        .run(&["diff", "out.csv.journal", "out.csv.journal", "-o", "d.csv"])
        .run();
    check!(killed, killed.signal == Some(9));
    check!(
        done,
        done.code == 0
            && done
                .stderr
                .contains("note: journal out.csv.journal is of a run that did not finish: its")
    );
    assert_eq!(
        read_csv(&work.path("d.csv")).1.len(),
        recorded,
        "every recorded user, once"
    );
}
