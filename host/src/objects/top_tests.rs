//! Tests of `top`'s aggregation and reading, on Parquet files written by [`super::parquet::write`]
//! from a spool (and, for files the writer would never write, by the arrow writer directly).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow_schema::{Field, Schema};
use clap::Parser as _;

use super::parquet::{write, Owner as FileOwner};
use super::read::{self, Object};
use super::spool::Spool;
use super::top::{extension, folder_of, Options, Stats, Tally, NO_PATH, OUTSIDE_HOME};
use super::{ObjectRow, ObjectStore as _};
use crate::error::FatalError;
use crate::model::{Ages, Location};

const DAY: i64 = 86_400_000;
/// 2026-11-30T00:00:00Z.
const AS_OF: i64 = 1_795_996_800_000;
const STALE_BEFORE: i64 = AS_OF - 365 * DAY;

fn obj(location: Location, path: Option<&str>, size: Option<u64>, modified_ms: Option<i64>) -> ObjectRow {
    ObjectRow {
        location,
        path: path.map(str::to_string),
        object_type: "FILE".into(),
        size,
        modified_ms,
        language: None,
    }
}

/// A Parquet file of `rows` (user, workspace, object), written the way `scan --objects` writes it:
/// a spool with one attempt per owner, then [`write`].
fn parquet_of(dir: &Path, rows: &[(&str, Option<&str>, ObjectRow)]) -> PathBuf {
    let spool_path = dir.join("run.journal.objects");
    let spool = Spool::create(&spool_path).unwrap();
    // One attempt per (user, workspace): attempt k + 1 is owners[k]'s.
    let mut owners: Vec<(&str, Option<&str>)> = Vec::new();
    for (user, ws, o) in rows {
        let k = match owners.iter().position(|x| *x == (*user, *ws)) {
            Some(k) => k,
            None => {
                owners.push((*user, *ws));
                owners.len() - 1
            }
        };
        spool.put(k as u64 + 1, std::slice::from_ref(o)).unwrap();
    }
    // A dropped attempt (a re-scan): its objects are not in the file.
    spool
        .put(999, &[obj(Location::Dbfs, Some("/Users/gone/x"), Some(1), None)])
        .unwrap();
    drop(spool);
    let out = dir.join("objects.parquet");
    let file = crate::output::AtomicFile::create(&out).unwrap();
    let owner_of = |attempt: u64| {
        let k = usize::try_from(attempt).ok()?.checked_sub(1)?;
        let (username, workspace) = *owners.get(k)?;
        Some((k, FileOwner { username, workspace }))
    };
    let written = write(&spool_path, owners.len(), owner_of, file, |_| Ok(())).unwrap();
    assert_eq!(written.rows, rows.len() as u64);
    out
}

fn opts(depth: usize) -> Options {
    Options {
        ages: Ages {
            as_of_ms: AS_OF,
            stale_days: 365,
        },
        depth,
        stale_only: false,
        big: 100,
        oldest: 2,
        folders: true,
        extensions: true,
    }
}

fn tally(path: &Path, opts: Options) -> Tally {
    let mut t = Tally::new(opts);
    let rows = read::for_each(path, |o| t.add(o)).unwrap();
    assert_eq!(rows, t.rows);
    t
}

/// Folder → (files, bytes) of a tally's folders table (all rows).
fn folders(t: &Tally) -> Vec<(String, u64, u128)> {
    let (rows, n) = t.folders(usize::MAX);
    assert_eq!(rows.len(), n);
    rows.iter()
        .map(|(f, s)| {
            (
                format!("{} {} {}", f.owner.username, f.location, f.folder),
                s.files,
                s.bytes,
            )
        })
        .collect()
}

fn a_home() -> Vec<(&'static str, Option<&'static str>, ObjectRow)> {
    let t = Some(AS_OF - DAY);
    let a = "a@x.com";
    vec![
        (
            a,
            None,
            obj(Location::Dbfs, Some("/Users/a@x.com/data/x/1.csv"), Some(1000), t),
        ),
        (
            a,
            None,
            obj(Location::Dbfs, Some("/Users/a@x.com/data/2.csv"), Some(500), t),
        ),
        (
            a,
            None,
            obj(Location::Dbfs, Some("dbfs:/Users/a@x.com/data/y"), Some(250), t),
        ),
        (a, None, obj(Location::Dbfs, Some("/Users/a@x.com/top.txt"), Some(7), t)),
        (
            a,
            None,
            obj(Location::Workspace, Some("/Users/A@X.com/proj/nb"), None, t),
        ),
        (
            a,
            None,
            obj(
                Location::Uploads,
                Some("/FileStore/shared_uploads/a@x.com/u.csv"),
                Some(5),
                t,
            ),
        ),
        (
            a,
            None,
            obj(Location::Repos, Some("/Repos/a@x.com/repo/src/m.py"), Some(3), t),
        ),
        (
            a,
            None,
            obj(Location::Dbfs, Some("/Users/b@x.com/not-mine.csv"), Some(11), t),
        ),
        (
            a,
            None,
            obj(Location::Dbfs, Some("/Users/a@x.com.evil/x.csv"), Some(13), t),
        ),
        (a, None, obj(Location::Workspace, None, Some(17), t)),
        (
            "b@x.com",
            None,
            obj(Location::Dbfs, Some("/Users/b@x.com/big.bin"), Some(2000), t),
        ),
    ]
}

#[test]
fn folders_are_taken_at_a_depth_below_each_users_folder() {
    let dir = tempfile::tempdir().unwrap();
    let file = parquet_of(dir.path(), &a_home());
    let f = |s: &str, files, bytes| (s.to_string(), files, bytes);
    let t = tally(&file, opts(1));
    assert_eq!(
        folders(&t),
        [
            f("b@x.com dbfs dbfs:/Users/b@x.com", 1, 2000),
            f("a@x.com dbfs dbfs:/Users/a@x.com/data", 3, 1750),
            f(&format!("a@x.com dbfs {OUTSIDE_HOME}"), 2, 24),
            f(&format!("a@x.com workspace {NO_PATH}"), 1, 17),
            f("a@x.com dbfs dbfs:/Users/a@x.com", 1, 7),
            f("a@x.com uploads dbfs:/FileStore/shared_uploads/a@x.com", 1, 5),
            f("a@x.com repos /Repos/a@x.com/repo", 1, 3),
            f("a@x.com workspace /Users/A@X.com/proj", 1, 0),
        ]
    );
    assert_eq!(
        (t.outside, t.user_count(), t.total.files, t.total.bytes),
        (3, 2, 11, 3806)
    );
    let t = tally(&file, opts(2));
    let names: Vec<String> = folders(&t).into_iter().map(|r| r.0).collect();
    assert!(
        names.contains(&"a@x.com dbfs dbfs:/Users/a@x.com/data/x".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"a@x.com dbfs dbfs:/Users/a@x.com/data".to_string()),
        "2.csv and y stay in data"
    );
    assert!(
        names.contains(&"a@x.com repos /Repos/a@x.com/repo/src".to_string()),
        "{names:?}"
    );
    let t = tally(&file, opts(0));
    assert_eq!(folders(&t)[1], f("a@x.com dbfs dbfs:/Users/a@x.com", 4, 1757));
}

#[test]
fn a_folder_is_a_prefix_of_the_path_and_needs_the_users_own_folder() {
    let o = |location: &'static str, path: &'static str| Object {
        username: "a@x.com",
        location,
        path: Some(path),
        ..Object::default()
    };
    assert_eq!(
        folder_of(&o("dbfs", "/Users/a@x.com/a/b/c/d.txt"), 2),
        Some("/Users/a@x.com/a/b")
    );
    assert_eq!(
        folder_of(&o("dbfs", "/Users/a@x.com/a/b/c/d.txt"), 9),
        Some("/Users/a@x.com/a/b/c")
    );
    assert_eq!(folder_of(&o("dbfs", "/Users/a@x.com"), 1), Some("/Users/a@x.com"));
    assert_eq!(
        folder_of(&o("workspace", "dbfs:/Users/a@x.com/x"), 1),
        None,
        "no scheme in the Workspace"
    );
    assert_eq!(
        folder_of(&o("uploads", "/Users/a@x.com/x"), 1),
        None,
        "another location's root"
    );
    assert_eq!(folder_of(&o("mars", "/Users/a@x.com/x"), 1), None);
    assert_eq!(folder_of(&o("dbfs", "/Users/a@x.comX/x"), 1), None);
    assert_eq!(folder_of(&o("dbfs", "/Users//a@x.com/x"), 1), None);
}

#[test]
fn extensions_are_the_last_suffix_of_the_name_lowercased() {
    for (path, want) in [
        ("/Users/a/A.CSV", Some("CSV")),
        ("/Users/a/x.tar.gz", Some("gz")),
        ("/Users/a/.bashrc", None),
        ("/Users/a/.env.local", Some("local")),
        ("/Users/a/noext", None),
        ("/Users/a/dir.d/file", None),
        ("/Users/a/trailing.", None),
        ("/Users/a/dir.d/", None),
    ] {
        assert_eq!(extension(path), want, "{path}");
    }
    let dir = tempfile::tempdir().unwrap();
    let t = Some(AS_OF);
    let rows: Vec<_> = [
        "/Users/a/A.CSV",
        "/Users/a/b.csv",
        "/Users/a/.bashrc",
        "/Users/a/nb",
        "/Users/a/Ü.PNG",
    ]
    .iter()
    .map(|p| ("a", None, obj(Location::Workspace, Some(p), Some(10), t)))
    .collect();
    let t = tally(&parquet_of(dir.path(), &rows), opts(1));
    let (exts, n) = t.extensions(10);
    let got: Vec<(&str, u64, u128)> = exts.iter().map(|(e, s)| (e.as_str(), s.files, s.bytes)).collect();
    assert_eq!(got, [("", 2, 20), ("csv", 2, 20), ("png", 1, 10)], "ties: by name");
    assert_eq!(n, 3);
    assert_eq!(t.extensions(1).0.len(), 1, "--limit");
}

#[test]
fn stale_files_are_those_strictly_before_the_boundary_and_undated_ones_never() {
    let dir = tempfile::tempdir().unwrap();
    let rows = vec![
        (
            "a",
            None,
            obj(
                Location::Dbfs,
                Some("/Users/a/old.csv"),
                Some(10),
                Some(STALE_BEFORE - 1),
            ),
        ),
        (
            "a",
            None,
            obj(Location::Dbfs, Some("/Users/a/edge.csv"), Some(20), Some(STALE_BEFORE)),
        ),
        (
            "a",
            None,
            obj(Location::Dbfs, Some("/Users/a/undated.csv"), Some(40), None),
        ),
        (
            "a",
            None,
            obj(Location::Workspace, Some("/Users/a/nb"), None, Some(STALE_BEFORE - DAY)),
        ),
    ];
    let file = parquet_of(dir.path(), &rows);
    let t = tally(&file, opts(1));
    let want = Stats {
        files: 4,
        bytes: 70,
        stale_files: 2,
        stale_bytes: 10,
        newest_ms: Some(STALE_BEFORE),
    };
    assert_eq!(t.total, want);
    assert_eq!(t.stale_before(), STALE_BEFORE);
    let t = tally(
        &file,
        Options {
            stale_only: true,
            ..opts(1)
        },
    );
    let want = Stats {
        files: 2,
        bytes: 10,
        stale_files: 2,
        stale_bytes: 10,
        newest_ms: Some(STALE_BEFORE - 1),
    };
    assert_eq!((&t.total, t.rows), (&want, 4));
    let (users, _) = t.users(5);
    assert_eq!(users[0].1, &want);
}

#[test]
fn sums_past_u64_are_exact_and_bad_sizes_add_no_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let max = i64::MAX as u64;
    let rows: Vec<_> = (0..3)
        .map(|i| {
            (
                "a",
                None,
                obj(Location::Dbfs, Some(&format!("/Users/a/d/{i}.bin")), Some(max), None),
            )
        })
        .chain([(
            "a",
            None,
            obj(Location::Dbfs, Some("/Users/a/d/huge"), Some(u64::MAX), None),
        )])
        .collect();
    let mut t = tally(&parquet_of(dir.path(), &rows), opts(1));
    let three = 3 * u128::from(max);
    assert_eq!(
        (t.total.files, t.total.bytes),
        (4, three),
        "a size past i64 is null in the file"
    );
    assert_eq!(t.folders(1).0[0].1.bytes, three);
    assert_eq!(t.users(1).0[0].1.bytes, three);
    // A hostile file's negative size is no size.
    let o = Object {
        username: "a",
        location: "dbfs",
        path: Some("/Users/a/d/neg"),
        size: Some(-5),
        ..Object::default()
    };
    t.add(&o).unwrap();
    assert_eq!((t.total.files, t.total.bytes), (5, three));
}

#[test]
fn the_oldest_big_files_are_kept_oldest_then_largest() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = AS_OF - 900 * DAY;
    let p = |n: &str| format!("/Users/a/{n}");
    let rows: Vec<_> = [
        ("new", 150, Some(AS_OF)),
        ("old-100", 100, Some(t0)),
        ("older-small", 99, Some(t0 - DAY)),
        ("old-200", 200, Some(t0)),
        ("undated", 500, None),
    ]
    .iter()
    .map(|(n, s, m)| ("a", None, obj(Location::Dbfs, Some(&p(n)), Some(*s), *m)))
    .collect();
    let t = tally(&parquet_of(dir.path(), &rows), opts(1));
    let got: Vec<(String, u64)> = t.oldest().into_iter().map(|b| (b.path.unwrap(), b.size)).collect();
    assert_eq!(
        got,
        [
            ("dbfs:/Users/a/old-200".to_string(), 200),
            ("dbfs:/Users/a/old-100".to_string(), 100)
        ]
    );
    assert_eq!((t.big_dated, t.big_undated), (3, 1));
}

#[test]
fn the_report_escapes_what_the_file_holds() {
    let dir = tempfile::tempdir().unwrap();
    let evil = "/Users/e\u{1b}]0;pwn\u{7}@x.com/\u{1b}[2Jdata/a.\u{202e}txt";
    let rows = vec![(
        "e\u{1b}]0;pwn\u{7}@x.com",
        Some("ws\nfake line"),
        obj(Location::Dbfs, Some(evil), Some(500), Some(1)),
    )];
    let file = parquet_of(dir.path(), &rows);
    let cli = crate::cli::Cli::try_parse_from(["dbx-inventory", "top", "f.parquet", "--big", "1"]).unwrap();
    let crate::cli::Command::Top(args) = cli.command else {
        panic!()
    };
    let o = Options { big: 1, ..opts(1) };
    let out = crate::commands::top::report(&args, &o, &tally(&file, o));
    assert!(
        !out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\u{202e}'),
        "{out}"
    );
    assert!(
        out.contains("dbfs:/Users/e\\u{1b}]0;pwn\\u{7}@x.com/\\u{1b}[2Jdata"),
        "{out}"
    );
    assert!(out.contains(".\\u{202e}txt"), "{out}");
    assert!(
        out.contains("ws\\u{a}fake line"),
        "the workspace column, escaped: {out}"
    );
    assert!(!out.lines().any(|l| l.starts_with("fake line")), "{out}");
}

/// A Parquet file of one batch, written by the arrow writer (what other tools could write).
fn arrow_file(dir: &Path, cols: Vec<(&str, ArrayRef)>) -> PathBuf {
    let fields: Vec<Field> = cols
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        cols.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap();
    let path = dir.join("other.parquet");
    let mut w =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    path
}

fn read_err(path: &Path) -> String {
    let e = read::for_each(path, |_| Ok(())).unwrap_err();
    assert!(e.downcast_ref::<FatalError>().is_some(), "{e:#}");
    format!("{e:#}")
}

#[test]
fn a_file_that_is_not_an_objects_file_is_refused_naming_it_and_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("users.csv");
    std::fs::write(&text, "username\na@x.com\n").unwrap();
    let e = read_err(&text);
    assert!(e.starts_with(&format!("{}: not a Parquet file", text.display())), "{e}");
    let e = read_err(&dir.path().join("missing.parquet"));
    assert!(e.contains("missing.parquet: no such file"), "{e}");
    assert!(read_err(dir.path()).contains("is a directory"));

    let s = |v: &[&str]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
    let base = || {
        vec![
            ("username", s(&["a"])),
            ("location", s(&["dbfs"])),
            ("path", s(&["/Users/a/x.csv"])),
        ]
    };
    let mut cols = base();
    cols.push((
        "modified",
        Arc::new(TimestampMicrosecondArray::from(vec![5_000_999])) as ArrayRef,
    ));
    let e = read_err(&arrow_file(dir.path(), cols));
    assert!(e.contains("other.parquet: no column `size` (an int64)"), "{e}");
    let mut cols = base();
    cols.push(("size", s(&["12"])));
    cols.push((
        "modified",
        Arc::new(TimestampMicrosecondArray::from(vec![5_000_999])) as ArrayRef,
    ));
    let e = read_err(&arrow_file(dir.path(), cols));
    assert!(
        e.contains("other.parquet: column `size` is of type Utf8, not an int64"),
        "{e}"
    );

    // Microseconds, no workspace column, a time zone-less timestamp: read, as ms.
    let mut cols = base();
    cols.push(("size", Arc::new(Int64Array::from(vec![12])) as ArrayRef));
    cols.push((
        "modified",
        Arc::new(TimestampMicrosecondArray::from(vec![5_000_999])) as ArrayRef,
    ));
    let file = arrow_file(dir.path(), cols);
    let t = tally(&file, opts(1));
    assert_eq!((t.total.files, t.total.bytes, t.total.newest_ms), (1, 12, Some(5_000)));
    assert!(!t.has_workspaces());
}
