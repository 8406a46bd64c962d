//! `notebook-sizes`: notebooks exported and counted by their decoded length (see `walk`, `export`).

use super::fake::{err_json, resp, Fake};
use super::fixtures::{p, BOTH, H, U};
use super::sink::scan_user;
use crate::export::EXPORT_PATH;
use crate::types::{HttpError, ScanOptions, ScanStatus};
use crate::walk::MAX_EXPORTS_PER_BATCH;

const SIZED: ScanOptions = ScanOptions {
    notebook_sizes: true,
    ..BOTH
};

fn exports(f: &Fake) -> Vec<String> {
    f.requests()
        .into_iter()
        .filter(|r| r.path == EXPORT_PATH)
        .map(|r| r.param("path").unwrap().to_string())
        .collect()
}

#[test]
fn notebooks_of_every_language_are_sized_exactly() {
    let mut f = Fake::new();
    f.ws_dir(H)
        .ws_dir(&p("d"))
        .ws_dir(&p("d/e"))
        .ws_nb_src(&p("py"), "PYTHON", "# Databricks notebook source\nprint('hé')\n")
        .ws_nb_src(&p("d/sql"), "SQL", "-- Databricks notebook source\nSELECT 1")
        .ws_nb_src(&p("d/scala"), "SCALA", "// Databricks notebook source\nval x = 1")
        .ws_nb_src(&p("d/e/r"), "R", "# Databricks notebook source\nx <- 1")
        .ws_nb_src(&p("empty"), "PYTHON", "")
        .ws_file(&p("f.csv"), Some(100))
        .ws_obj(
            &p("sized_nb"),
            serde_json::json!({"object_type": "NOTEBOOK", "size": 7}),
        );
    f.dbfs_dir(H).dbfs_file(&p("x"), Some(5));
    let r = scan_user(&mut f, U, SIZED);
    let sources = [
        "# Databricks notebook source\nprint('hé')\n".len(),
        "-- Databricks notebook source\nSELECT 1".len(),
        "// Databricks notebook source\nval x = 1".len(),
        "# Databricks notebook source\nx <- 1".len(),
    ];
    let nb: u64 = sources.iter().map(|n| *n as u64).sum();
    assert_eq!(r.status, ScanStatus::Success, "{:?}", r.error);
    let w = r.workspace.unwrap();
    assert_eq!(w.notebook_bytes, Some(nb));
    assert_eq!(w.bytes, nb + 100 + 7);
    assert_eq!((w.notebooks, w.notebooks_unsized, w.unsized_objects), (6, 0, 0));
    assert_eq!(w.files, 7);
    // Only the notebooks without a listed size are exported, once each; DBFS has no notebooks.
    let mut e = exports(&f);
    e.sort();
    assert_eq!(e, [p("d/e/r"), p("d/scala"), p("d/sql"), p("empty"), p("py")]);
    assert_eq!(w.requests, 3 + 5);
    assert_eq!(w.directories, 3);
    assert_eq!(r.dbfs.unwrap().notebook_bytes, None);
    assert_eq!(r.requests, 3 + 5 + 1);
}

#[test]
fn without_the_option_nothing_is_exported() {
    let mut f = Fake::new();
    f.ws_dir(H).ws_nb_src(&p("py"), "PYTHON", "print(1)");
    let r = scan_user(
        &mut f,
        U,
        ScanOptions {
            notebook_sizes: false,
            ..SIZED
        },
    );
    assert!(exports(&f).is_empty());
    let w = r.workspace.unwrap();
    assert_eq!((w.notebook_bytes, w.notebooks_unsized, w.unsized_objects), (None, 0, 1));
}

#[test]
fn a_notebook_that_cannot_be_exported_is_unsized_never_an_error() {
    let mut f = Fake::new();
    f.ws_dir(H)
        .ws_nb_src(&p("ok"), "PYTHON", "abc")
        .ws_nb(&p("huge"))
        .ws_nb(&p("broken"))
        .ws_nb(&p("odd"))
        .ws_nb(&p("gone"))
        .ws_nb(&p("timeout"))
        .ws_nb(&p("badb64"));
    f.on(
        EXPORT_PATH,
        &p("huge"),
        vec![err_json(
            400,
            "MAX_NOTEBOOK_SIZE_EXCEEDED",
            "File size exceeds 10485760 bytes",
        )],
    )
    .on(EXPORT_PATH, &p("broken"), vec![err_json(500, "INTERNAL_ERROR", "boom")])
    .on(EXPORT_PATH, &p("odd"), vec![resp(200, r#"{"objects":[]}"#)])
    .on(EXPORT_PATH, &p("timeout"), vec![Err(HttpError::Timeout)])
    .on(EXPORT_PATH, &p("badb64"), vec![resp(200, r#"{"content":"YQ"}"#)])
    .on(
        EXPORT_PATH,
        &p("gone"),
        vec![err_json(404, "RESOURCE_DOES_NOT_EXIST", "gone")],
    );
    let r = scan_user(&mut f, U, SIZED);
    assert_eq!(r.status, ScanStatus::Success);
    assert_eq!(r.error, None);
    let w = r.workspace.unwrap();
    assert_eq!(w.notebook_bytes, Some(3));
    assert_eq!(w.bytes, 3);
    assert_eq!((w.notebooks, w.notebooks_unsized, w.unsized_objects), (7, 6, 6));
}

#[test]
fn exports_share_batches_with_listings_a_few_at_a_time() {
    let mut f = Fake::new();
    f.ws_dir(H);
    for i in 0..30 {
        f.ws_nb_src(&p(&format!("nb{i:02}")), "PYTHON", "x");
        f.ws_dir(&p(&format!("d{i:02}")));
    }
    let r = scan_user(&mut f, U, SIZED);
    let w = r.workspace.unwrap();
    assert_eq!((w.notebook_bytes, w.directories), (Some(30), 31));
    for b in &f.batches {
        let n = b.iter().filter(|r| r.path == EXPORT_PATH).count();
        assert!(n <= MAX_EXPORTS_PER_BATCH, "{n} exports in one batch");
    }
    // The second batch carries exports and the 30 subdirectory listings together.
    let second = &f.batches[1];
    assert_eq!(
        second.iter().filter(|r| r.path == EXPORT_PATH).count(),
        MAX_EXPORTS_PER_BATCH
    );
    assert_eq!(second.len(), 30 + MAX_EXPORTS_PER_BATCH);
    assert_eq!(exports(&f).len(), 30);
}

#[test]
fn a_cancelled_export_stops_the_walk() {
    let mut f = Fake::new();
    f.ws_dir(H).ws_nb_src(&p("a"), "PYTHON", "x").ws_dir(&p("d"));
    f.cancel_after = Some(1);
    let r = scan_user(&mut f, U, ScanOptions { dbfs: false, ..SIZED });
    assert_eq!(r.status, ScanStatus::Error);
    assert_eq!(f.batches.len(), 2);
}
