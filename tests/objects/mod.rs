//! The object inventory (issue 22): `scan --objects FILE.parquet` holds every counted file of
//! every recorded user exactly once, as its listing gave it.
//!
//! `exact`: the rows equal the fixture's file lists (paths, sizes, times, types, languages) and
//! each user's row count equals the CSV's `file_count` on every fixture; `resume`: kill -9 and
//! `--resume` give the same set, `summary --objects` rebuilds it, refusals name the path.
//! The file is read back here with the `parquet` crate; `python` reads it with pyarrow, pandas
//! and DuckDB, and `tests/spark/objects.rs` with `spark.read.parquet`.

mod exact;
mod python;
mod resume;

use std::collections::BTreeMap;
use std::path::Path;

use arrow_array::{Array, Int64Array, RecordBatch, StringArray, TimestampMillisecondArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::util::{Done, Sim, Work};

/// One row of the objects file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Obj {
    pub username: String,
    pub location: String,
    pub path: Option<String>,
    pub object_type: String,
    pub size: Option<i64>,
    pub modified: Option<i64>,
    pub language: Option<String>,
    pub workspace: Option<String>,
}

/// The exact columns and types the file must have (tools outside the project read them).
const SCHEMA: [(&str, &str, bool); 8] = [
    ("username", "Utf8", false),
    ("location", "Utf8", false),
    ("path", "Utf8", true),
    ("object_type", "Utf8", false),
    ("size", "Int64", true),
    ("modified", "Timestamp(ms, \"UTC\")", true),
    ("language", "Utf8", true),
    ("workspace", "Utf8", true),
];

/// Every row of the objects file at `path`, sorted; panics naming what is wrong with its schema.
pub fn read(path: &Path) -> Vec<Obj> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let schema: Vec<(String, String, bool)> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), format!("{}", f.data_type()), f.is_nullable()))
        .collect();
    let want: Vec<(String, String, bool)> = SCHEMA
        .iter()
        .map(|(n, t, null)| (n.to_string(), t.to_string(), *null))
        .collect();
    assert_eq!(schema, want, "the objects file's columns");
    let meta = builder.metadata().clone();
    for rg in meta.row_groups() {
        for c in rg.columns() {
            assert_eq!(format!("{:?}", c.compression()).split('(').next(), Some("ZSTD"));
        }
    }
    let mut out = Vec::new();
    for batch in builder.build().unwrap() {
        out.extend(rows_of(&batch.unwrap()));
    }
    out.sort();
    out
}

fn rows_of(b: &RecordBatch) -> Vec<Obj> {
    let s = |i: usize| b.column(i).as_any().downcast_ref::<StringArray>().unwrap().clone();
    let (user, loc, path, ty, lang, ws) = (s(0), s(1), s(2), s(3), s(6), s(7));
    let size = b.column(4).as_any().downcast_ref::<Int64Array>().unwrap();
    let modified = b
        .column(5)
        .as_any()
        .downcast_ref::<TimestampMillisecondArray>()
        .unwrap();
    let opt_s = |a: &StringArray, i: usize| (!a.is_null(i)).then(|| a.value(i).to_string());
    (0..b.num_rows())
        .map(|i| Obj {
            username: user.value(i).to_string(),
            location: loc.value(i).to_string(),
            path: opt_s(&path, i),
            object_type: ty.value(i).to_string(),
            size: (!size.is_null(i)).then(|| size.value(i)),
            modified: (!modified.is_null(i)).then(|| modified.value(i)),
            language: opt_s(&lang, i),
            workspace: opt_s(&ws, i),
        })
        .collect()
}

/// Rows per user.
pub fn per_user(objs: &[Obj]) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for o in objs {
        *m.entry(o.username.clone()).or_default() += 1;
    }
    m
}

const DAY_MS: i64 = 86_400_000;

/// The as-of every objects test scans with: 2026-12-01T00:00:00Z.
pub const AS_OF: &str = "2026-12-01T00:00:00Z";
pub const AS_OF_MS: i64 = 1_796_083_200_000;

/// `scan USERS… -o out.csv --as-of AS_OF --locations (all four) --objects o.parquet EXTRA…` in
/// `work`, checked to finish (exit 0, or 3 with error rows).
pub fn scan_objects(work: &Work, sim: &Sim, users: &[&str], extra: &[&str]) -> Done {
    let mut args = users.to_vec();
    args.extend([
        "-o",
        "out.csv",
        "--as-of",
        AS_OF,
        "--locations",
        "dbfs,uploads,workspace,repos",
        "--objects",
        "o.parquet",
    ]);
    args.extend_from_slice(extra);
    let done = work.scan(sim, &args).run();
    assert!(matches!(done.code, 0 | 3), "{}", done.explain());
    done
}

/// A listing's time as the scanner reads it: a non-negative integer (or a string of digits) no
/// later than a day after the as-of.
fn valid_time(v: Option<&serde_json::Value>, as_of_ms: i64) -> Option<i64> {
    let t: u64 = match v? {
        serde_json::Value::Number(n) => n.as_u64()?,
        serde_json::Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok()?,
        _ => return None,
    };
    let t = i64::try_from(t).ok()?;
    (t <= as_of_ms + DAY_MS).then_some(t)
}

/// What the objects file must hold for `users` of a plain fixture (no duplicates, nothing
/// outside the homes): every non-directory entry below each user's folder in the four locations.
pub fn expected(fixture: &dbx_sim::Fixture, users: &[String], as_of_ms: i64) -> Vec<Obj> {
    let mut out = Vec::new();
    let owner = |path: &str, roots: &[(&str, &'static str)]| -> Option<(String, &'static str)> {
        roots.iter().find_map(|(root, loc)| {
            let rest = path.strip_prefix(root)?.strip_prefix('/')?;
            let (user, below) = rest.split_once('/')?;
            (!below.is_empty() && users.iter().any(|u| u == user)).then(|| (user.to_string(), *loc))
        })
    };
    for e in &fixture.dbfs {
        if e.is_dir {
            continue;
        }
        let roots = [("/Users", "dbfs"), ("/FileStore/shared_uploads", "uploads")];
        if let Some((user, loc)) = owner(&e.path, &roots) {
            out.push(Obj {
                username: user,
                location: loc.into(),
                path: Some(e.path.clone()),
                object_type: "FILE".into(),
                size: e.file_size.map(|s| s as i64),
                modified: valid_time(e.extra.get("modification_time"), as_of_ms),
                language: None,
                workspace: None,
            });
        }
    }
    for e in &fixture.workspace {
        if matches!(e.object_type.as_deref(), Some("DIRECTORY" | "REPO")) {
            continue;
        }
        let roots = [("/Users", "workspace"), ("/Repos", "repos")];
        if let Some((user, loc)) = owner(&e.path, &roots) {
            out.push(Obj {
                username: user,
                location: loc.into(),
                path: Some(e.path.clone()),
                object_type: e.object_type.clone().unwrap_or_default(),
                size: e.size.map(|s| s as i64),
                modified: valid_time(e.extra.get("modified_at"), as_of_ms),
                language: e.language.clone(),
                workspace: None,
            });
        }
    }
    out.sort();
    out
}
