//! The objects file read by the tools admins use: pyarrow, pandas and DuckDB (the README's
//! recipe: the largest stale folders per user). Needs a Python with them in
//! `DBX_OBJECTS_PYTHON` (scripts/test.sh makes one from tests/python/requirements-objects.txt).

use super::{expected, read, scan_objects, AS_OF_MS};
use crate::util::{generated, Work};

fn python() -> String {
    match std::env::var("DBX_OBJECTS_PYTHON") {
        Ok(p) if !p.is_empty() => p,
        _ => panic!(
            "DBX_OBJECTS_PYTHON is not set: this test needs a Python with pyarrow, pandas and duckdb. Run \
             scripts/test.sh, or export DBX_OBJECTS_PYTHON=$(scripts/spark-venv.sh tests/python/requirements-objects.txt)"
        ),
    }
}

#[test]
#[ignore = "needs DBX_OBJECTS_PYTHON (pyarrow, pandas, duckdb); scripts/test.sh runs it"]
fn pyarrow_pandas_and_duckdb_read_the_files_as_listed() {
    let (sim, users) = generated(25, 21);
    let work = Work::new();
    let names: Vec<&str> = users.iter().map(String::as_str).collect();
    scan_objects(&work, &sim, &names, &[]);
    let want = expected(&dbx_sim::generate(25, 21), &users, AS_OF_MS);
    assert_eq!(read(&work.path("o.parquet")), want);
    let script = work.write("read.py", include_str!("read_objects.py"));
    let out = std::process::Command::new(python())
        .arg(&script)
        .arg(work.path("o.parquet"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // pyarrow's rows, as JSON lines, equal the files as listed.
    let mut rows: Vec<super::Obj> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("ROW "))
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let s = |k: &str| v[k].as_str().map(str::to_string);
            super::Obj {
                username: s("username").unwrap(),
                location: s("location").unwrap(),
                path: s("path"),
                object_type: s("object_type").unwrap(),
                size: v["size"].as_i64(),
                modified: v["modified"].as_i64(),
                language: s("language"),
                workspace: s("workspace"),
            }
        })
        .collect();
    rows.sort();
    assert_eq!(rows, want, "pyarrow's rows");
    // pandas and DuckDB agree on the count and the stale bytes.
    let stale_bytes: i64 = want
        .iter()
        .filter(|o| o.modified.is_some_and(|m| m < AS_OF_MS - 365 * 86_400_000))
        .filter_map(|o| o.size)
        .sum();
    for line in [
        format!("PANDAS rows={}", want.len()),
        format!("DUCKDB rows={} stale_bytes={stale_bytes}", want.len()),
    ] {
        assert!(stdout.contains(&line), "{line:?} not in\n{stdout}");
    }
    assert!(stdout.contains("RECIPE "), "the README's DuckDB recipe ran:\n{stdout}");
}
