//! `scan --notebook-sizes`: every notebook without a listed size is exported
//! (`workspace/export`, format SOURCE) and counted by its decoded length, in `notebook_bytes` and
//! in `workspace_bytes`/`total_size`; a notebook that cannot be exported is counted in
//! `notebooks_unsized` (and stays in `unsized_objects`), never an error. Without the flag the
//! export endpoint is not on the allow-list.

use serde_json::json;

use crate::util::{evil_component, Run, Sim};

const U: &str = "nb@example.com";
/// In every notebook source, to prove the content never reaches an output or a log.
const MARKER: &str = "SOURCE-MARKER-7d1e";

/// The notebooks of `U` and the exact bytes of the ones that can be exported.
fn sources() -> Vec<(&'static str, &'static str, String)> {
    vec![
        (
            "py",
            "PYTHON",
            format!("# Databricks notebook source\nprint('{MARKER} héllo')\n"),
        ),
        (
            "d/sql",
            "SQL",
            format!("-- Databricks notebook source\nSELECT '{MARKER}'"),
        ),
        (
            "d/scala",
            "SCALA",
            format!("// Databricks notebook source\nval m = \"{MARKER}\""),
        ),
        ("d/e/r", "R", format!("# Databricks notebook source\nm <- '{MARKER}'")),
        ("empty", "PYTHON", String::new()),
    ]
}

/// A workspace with notebooks of every language, an empty one, one over the export size limit
/// (1000 bytes here) and one whose export always fails with 500; a file with a size; DBFS.
fn sim() -> Sim {
    let mut ws: Vec<serde_json::Value> = sources()
        .into_iter()
        .map(|(p, lang, src)| {
            json!({"path": format!("/Users/{U}/{p}"), "object_type": "NOTEBOOK", "language": lang, "content": src})
        })
        .collect();
    ws.push(
        json!({"path": format!("/Users/{U}/big"), "object_type": "NOTEBOOK", "language": "PYTHON",
                   "content": format!("# {MARKER}\n{}", "x".repeat(1500))}),
    );
    ws.push(
        json!({"path": format!("/Users/{U}/broken"), "object_type": "NOTEBOOK", "language": "SQL",
                   "content": "SELECT 1"}),
    );
    ws.push(json!({"path": format!("/Users/{U}/data.csv"), "object_type": "FILE", "size": 100}));
    let fixture: dbx_sim::Fixture = serde_json::from_value(json!({
        "users": [{"userName": U}],
        "workspace": ws,
        "dbfs": [{"path": format!("/Users/{U}/x.bin"), "file_size": 10}],
        "faults": [{"api": "workspace", "path": format!("/Users/{U}/broken"), "status": 500}],
    }))
    .unwrap();
    Sim::start_with(dbx_sim::SimConfig {
        fixture,
        limits: None,
        max_export_bytes: 1000,
        ..Default::default()
    })
}

fn exported_bytes() -> u64 {
    sources().iter().map(|(_, _, s)| s.len() as u64).sum()
}

#[test]
fn notebook_bytes_are_exact_and_notebooks_that_cannot_be_exported_are_unsized_not_errors() {
    let sim = sim();
    let done = Run::scan(
        &sim,
        &[
            U,
            "--notebook-sizes",
            "-o",
            "out.csv",
            "--jsonl",
            "out.jsonl",
            "--debug",
        ],
    )
    .run();
    check!(done, done.code == 0);
    let (header, rows) = done.csv("out.csv");
    let at = header
        .iter()
        .position(|h| h == "notebook_bytes")
        .expect("a notebook_bytes column");
    assert_eq!(
        header[at - 1..at + 2],
        ["principal", "notebook_bytes", "notebooks_unsized"]
    );
    let nb = exported_bytes();
    done.check_fields(
        &rows[0],
        &[
            ("status", "success"),
            ("error", ""),
            ("notebook_bytes", &nb.to_string()),
            ("notebooks_unsized", "2"),
            ("notebooks", "7"),
            // Only the two notebooks that could not be exported are still unsized.
            ("unsized_objects", "2"),
            ("workspace_bytes", &(nb + 100).to_string()),
            ("total_size", &(nb + 110).to_string()),
            ("file_count", "9"),
        ],
    );
    // One export per notebook, the failing one retried (6 attempts), the one over the size
    // limit not retried (400).
    let stats = sim.stats();
    let export = &stats.by_endpoint["workspace/export"];
    assert_eq!(
        (export.get(&200), export.get(&400), export.get(&500)),
        (Some(&5), Some(&1), Some(&6)),
        "{stats:?}"
    );
    // The sources were measured, never written or logged.
    for (what, text) in [
        ("stdout", done.stdout.clone()),
        ("stderr", done.stderr.clone()),
        ("csv", done.file("out.csv")),
        ("jsonl", done.file("out.jsonl")),
        ("journal", done.file("out.csv.journal")),
    ] {
        check!(
            done,
            !text.contains(MARKER),
            "the notebook source appears in the {what}"
        );
    }
}

#[test]
fn without_the_flag_nothing_is_exported_and_the_columns_are_empty() {
    let sim = sim();
    let done = Run::scan(&sim, &[U, "-o", "out.csv"]).run();
    check!(done, done.code == 0);
    let (_, rows) = done.csv("out.csv");
    done.check_fields(
        &rows[0],
        &[
            ("notebook_bytes", ""),
            ("notebooks_unsized", ""),
            ("unsized_objects", "7"),
            ("workspace_bytes", "100"),
            ("total_size", "110"),
        ],
    );
    check!(done, sim.requests("workspace/export") == 0);
}

/// The allow-list of a run without `--notebook-sizes` refuses export, whoever asks for it: a
/// component that exports regardless is denied, and the server sees nothing. With the flag the
/// same request goes through.
#[test]
fn the_allow_list_without_the_flag_refuses_export() {
    let sim = sim();
    let wasm = evil_component();
    let user = "export@example.com";
    let done = Run::scan(&sim, &[user, "-o", "out.csv", "--component", wasm.to_str().unwrap()]).run();
    let r = done.rows("out.csv");
    check!(
        done,
        r[user]["error"]
            == "export denied: path \"/api/2.0/workspace/export\" is not on the read-only allow-list of this run \
                (only with --notebook-sizes)",
        "{:?}",
        r[user]
    );
    check!(done, sim.stats().total_requests == 0, "{:?}", sim.stats());

    let done = Run::scan(
        &sim,
        &[
            user,
            "--notebook-sizes",
            "-o",
            "out.csv",
            "--component",
            wasm.to_str().unwrap(),
        ],
    )
    .run();
    let r = done.rows("out.csv");
    // Answered (404: that notebook does not exist), so it reached the server.
    check!(done, r[user]["error"] == "export answered 404", "{:?}", r[user]);
    check!(done, sim.requests("workspace/export") == 1);
}

/// Exports run under their own limiter family at the published 60/s, beside list's 50/s: against
/// a simulator enforcing both, no export is refused and no second holds more than the limit
/// allows (60, plus the client's burst of 12).
#[test]
fn the_export_familys_limit_holds_against_the_simulators_stats() {
    let fixture = dbx_sim::generate(30, 5);
    let sim = Sim::start_with(dbx_sim::SimConfig {
        fixture,
        limits: Some(dbx_sim::Limits::default()),
        ..Default::default()
    });
    let done = Run::scan(&sim, &["--all-users", "--notebook-sizes", "-o", "out.csv"]).run();
    check!(done, done.code == 0);
    let stats = sim.stats();
    let export = &stats.families["export"];
    let list = &stats.families["workspace"];
    check!(
        done,
        export.admitted > 120,
        "too few exports to test the limit: {stats:?}"
    );
    check!(done, export.throttled == 0 && list.throttled == 0, "{stats:?}");
    // (75: the client releases at most 72 in a second; arrival jitter on loopback may bunch a few.)
    check!(done, export.peak_per_second <= 75, "{stats:?}");
    check!(done, stats.status_429 == 0, "{stats:?}");
    // Every notebook of the workspace was sized: one export each.
    let (_, rows) = done.csv("out.csv");
    let notebooks: u64 = rows.iter().map(|r| r["notebooks"].parse::<u64>().unwrap()).sum();
    let unsized_nb: u64 = rows
        .iter()
        .map(|r| r["notebooks_unsized"].parse::<u64>().unwrap())
        .sum();
    check!(
        done,
        unsized_nb == 0 && export.admitted == notebooks,
        "{notebooks} notebooks, {stats:?}"
    );
}
