//! `dbx-inventory top FILE.parquet`: the tables of an objects file written by the library's own
//! writer (exact output), the refusals of a file that is not one (naming the file and the
//! column), and `top` on what `scan --objects` wrote of a simulated workspace (its totals are the
//! CSV's).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use dbx_inventory::model::Location;
use dbx_inventory::objects::parquet::{write, Owner};
use dbx_inventory::objects::spool::Spool;
use dbx_inventory::objects::{ObjectRow, ObjectStore as _};
use dbx_inventory::output::AtomicFile;

use crate::util::{Run, Sim, Work};

const DAY: i64 = 86_400_000;
/// 2026-11-30T00:00:00Z.
const AS_OF_MS: i64 = 1_795_996_800_000;

fn file(location: Location, path: &str, size: Option<u64>, days_old: Option<i64>) -> ObjectRow {
    ObjectRow {
        location,
        path: Some(path.to_string()),
        object_type: if size.is_some() { "FILE" } else { "NOTEBOOK" }.into(),
        size,
        modified_ms: days_old.map(|d| AS_OF_MS - d * DAY),
        language: None,
    }
}

/// An objects file as `scan --objects` writes it (a spool, then the writer), in `work`.
fn objects_file(work: &Work, name: &str) -> PathBuf {
    use Location::*;
    let users: [(&str, Vec<ObjectRow>); 2] = [
        (
            "alice@example.com",
            vec![
                file(
                    Dbfs,
                    "/Users/alice@example.com/tables/sales/part-0.parquet",
                    Some(300 << 20),
                    Some(800),
                ),
                file(
                    Dbfs,
                    "/Users/alice@example.com/tables/sales/part-1.parquet",
                    Some(200 << 20),
                    Some(10),
                ),
                file(Dbfs, "/Users/alice@example.com/tables/_log.JSON", Some(4_096), Some(10)),
                file(Dbfs, "/Users/alice@example.com/notes.txt", Some(1_000), None),
                file(
                    Uploads,
                    "/FileStore/shared_uploads/alice@example.com/big.CSV",
                    Some(150 << 20),
                    Some(400),
                ),
                file(Workspace, "/Users/alice@example.com/Projects/Report", None, Some(500)),
            ],
        ),
        (
            "bob@example.com",
            vec![
                file(
                    Workspace,
                    "/Users/bob@example.com/\u{1b}[31mred/a.py",
                    Some(10),
                    Some(1),
                ),
                file(Repos, "/Repos/bob@example.com/tool/.gitignore", Some(20), Some(2)),
                file(Dbfs, "/Users/bob@example.com/dump.tar.gz", Some(2 << 30), Some(1000)),
            ],
        ),
    ];
    let spool_path = work.path(&format!("{name}.spool"));
    let spool = Spool::create(&spool_path).unwrap();
    for (i, (_, rows)) in users.iter().enumerate() {
        spool.put(i as u64 + 1, rows).unwrap();
    }
    drop(spool);
    let out = work.path(name);
    // Attempt k + 1 is user k's.
    let owner_of = |attempt: u64| {
        let k = usize::try_from(attempt).ok()?.checked_sub(1)?;
        let owner = Owner {
            username: users.get(k)?.0,
            workspace: None,
        };
        Some((k, owner))
    };
    write(
        &spool_path,
        users.len(),
        owner_of,
        AtomicFile::create(&out).unwrap(),
        |_| Ok(()),
    )
    .unwrap();
    out
}

#[test]
fn top_prints_the_largest_folders_extensions_and_oldest_big_files() {
    let work = Work::new();
    objects_file(&work, "objects.parquet");
    let done = work.run(&["top", "objects.parquet", "--as-of", "2026-11-30"]).run();
    check!(done, done.code == 0);
    let want = "\
objects.parquet: 9 file(s) read
Files counted: 9, 2.6 GB (2,829,063,174 bytes), 2 user(s)
Stale: modified before 2025-11-30T00:00:00Z (as of 2026-11-30T00:00:00Z minus 365 days): 4 file(s), 2.4 GB (2,619,342,848 bytes)

Largest folders (1 level below each user's folder): 7
  files      size          bytes  stale files  stale size  newest                user               location   folder
      1    2.0 GB  2,147,483,648            1      2.0 GB  2024-03-05T00:00:00Z  bob@example.com    dbfs       dbfs:/Users/bob@example.com
      3  500.0 MB    524,292,096            1    300.0 MB  2026-11-20T00:00:00Z  alice@example.com  dbfs       dbfs:/Users/alice@example.com/tables
      1  150.0 MB    157,286,400            1    150.0 MB  2025-10-26T00:00:00Z  alice@example.com  uploads    dbfs:/FileStore/shared_uploads/alice@example.com
      1    1000 B          1,000            0         0 B  -                     alice@example.com  dbfs       dbfs:/Users/alice@example.com
      1      20 B             20            0         0 B  2026-11-28T00:00:00Z  bob@example.com    repos      /Repos/bob@example.com/tool
      1      10 B             10            0         0 B  2026-11-29T00:00:00Z  bob@example.com    workspace  /Users/bob@example.com/\\u{1b}[31mred
      1       0 B              0            1         0 B  2025-07-18T00:00:00Z  alice@example.com  workspace  /Users/alice@example.com/Projects

Largest extensions (the file name's last .suffix): 7
  files      size          bytes  stale files  stale size  newest                extension
      1    2.0 GB  2,147,483,648            1      2.0 GB  2024-03-05T00:00:00Z  .gz
      2  500.0 MB    524,288,000            1    300.0 MB  2026-11-20T00:00:00Z  .parquet
      1  150.0 MB    157,286,400            1    150.0 MB  2025-10-26T00:00:00Z  .csv
      1    4.0 KB          4,096            0         0 B  2026-11-20T00:00:00Z  .json
      1    1000 B          1,000            0         0 B  -                     .txt
      2      20 B             20            1         0 B  2026-11-28T00:00:00Z  (none)
      1      10 B             10            0         0 B  2026-11-29T00:00:00Z  .py

Oldest big files (100.0 MB or more, oldest first): 4
  modified                  size          bytes  user               location  path
  2024-03-05T00:00:00Z    2.0 GB  2,147,483,648  bob@example.com    dbfs      dbfs:/Users/bob@example.com/dump.tar.gz
  2024-09-21T00:00:00Z  300.0 MB    314,572,800  alice@example.com  dbfs      dbfs:/Users/alice@example.com/tables/sales/part-0.parquet
  2025-10-26T00:00:00Z  150.0 MB    157,286,400  alice@example.com  uploads   dbfs:/FileStore/shared_uploads/alice@example.com/big.CSV
  2026-11-20T00:00:00Z  200.0 MB    209,715,200  alice@example.com  dbfs      dbfs:/Users/alice@example.com/tables/sales/part-1.parquet
";
    done.check_same("top's output", want, &done.stdout);
}

/// The rows of the table under the line that starts with `title`, split on whitespace.
fn table_rows<'a>(stdout: &'a str, title: &str) -> Vec<Vec<&'a str>> {
    let mut lines = stdout.lines().skip_while(|l| !l.starts_with(title)).skip(2);
    let mut rows = Vec::new();
    for l in lines.by_ref() {
        if l.trim().is_empty() {
            break;
        }
        rows.push(l.split_whitespace().collect());
    }
    rows
}

fn number(cell: &str) -> u128 {
    cell.replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {cell}"))
}

#[test]
fn by_user_and_stale_print_one_table_of_the_stale_files() {
    let work = Work::new();
    objects_file(&work, "objects.parquet");
    let done = work
        .run(&["top", "objects.parquet", "--as-of", "2026-11-30", "--by", "user"])
        .run();
    check!(done, done.code == 0);
    check!(
        done,
        !done.stdout.contains("Largest folders") && !done.stdout.contains("Oldest big files")
    );
    let rows = table_rows(&done.stdout, "Largest users");
    let got: Vec<(&str, u128, u128, u128)> = rows
        .iter()
        .map(|r| (r[8], number(r[0]), number(r[3]), number(r[4])))
        .collect();
    check!(
        done,
        got == [
            ("bob@example.com", 3, 2_147_483_678, 1),
            ("alice@example.com", 6, 681_579_496, 3)
        ],
        "users: {got:?}"
    );

    // --stale: only the stale files count; --stale-days moves the boundary.
    let done = work
        .run(&[
            "top",
            "objects.parquet",
            "--as-of",
            "2026-11-30",
            "--stale",
            "--by",
            "extension",
        ])
        .run();
    check!(done, done.code == 0);
    check!(
        done,
        done.stdout
            .contains("Stale files counted: 4, 2.4 GB (2,619,342,848 bytes), 2 user(s)\n")
    );
    let exts: Vec<(&str, u128)> = table_rows(&done.stdout, "Largest extensions")
        .iter()
        .map(|r| (*r.last().unwrap(), number(r[0])))
        .collect();
    check!(
        done,
        exts == [(".gz", 1), (".parquet", 1), (".csv", 1), ("(none)", 1)],
        "{exts:?}"
    );
    let done = work
        .run(&[
            "top",
            "objects.parquet",
            "--as-of",
            "2026-11-30",
            "--stale",
            "--stale-days",
            "600",
            "--limit",
            "1",
        ])
        .run();
    check!(done, done.code == 0);
    check!(
        done,
        done.stdout
            .contains("Stale files counted: 2, 2.3 GB (2,462,056,448 bytes), 2 user(s)\n")
    );
    check!(
        done,
        done.stdout
            .contains("Largest folders (1 level below each user's folder): 1 of 2\n")
    );
    check!(
        done,
        done.stdout
            .contains("Oldest big files (100.0 MB or more, oldest first): 1 of 2\n")
    );

    // Flags that do not parse are usage errors.
    for (args, what) in [
        (&["--as-of", "last week"][..], "--as-of \"last week\" is neither a date"),
        (&["--big", "1.5GB"][..], "--big \"1.5GB\": not a size"),
        (&["--by", "size"][..], "invalid value 'size' for '--by <GROUPING>'"),
        (&["--limit", "0"][..], "--limit <N>"),
    ] {
        let mut all = vec!["top", "objects.parquet"];
        all.extend_from_slice(args);
        let done = work.run(&all).run();
        check!(
            done,
            done.code == 2 && done.stderr.contains(what),
            "{args:?}: want {what:?}"
        );
    }
}

/// A Parquet file of one batch written by the arrow writer: what another tool could hand `top`.
fn arrow_file(path: &Path, cols: Vec<(&str, ArrayRef)>) {
    let batch = RecordBatch::try_from_iter(cols).unwrap();
    let out = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(out, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

#[test]
fn a_file_that_is_not_an_objects_file_is_refused_naming_the_file_and_the_column() {
    let work = Work::new();
    work.write("users.txt", "alice@example.com\n");
    let done = work.run(&["top", "users.txt"]).run();
    check!(done, done.code == 1);
    check!(done, done.stderr.starts_with("error: users.txt: not a Parquet file ("));
    check!(done, done.stdout.is_empty());

    let done = work.run(&["top", "missing.parquet"]).run();
    check!(
        done,
        done.code == 1 && done.stderr.contains("error: missing.parquet: no such file")
    );

    let s = |v: &str| Arc::new(StringArray::from(vec![v])) as ArrayRef;
    arrow_file(
        &work.path("no-size.parquet"),
        vec![
            ("username", s("a@x.com")),
            ("location", s("dbfs")),
            ("path", s("/Users/a@x.com/x.csv")),
            (
                "modified",
                Arc::new(arrow_array::TimestampMillisecondArray::from(vec![1])),
            ),
        ],
    );
    let done = work.run(&["top", "no-size.parquet"]).run();
    check!(done, done.code == 1);
    check!(
        done,
        done.stderr
            .contains("error: no-size.parquet: no column `size` (an int64): not an objects file of `scan --objects`")
    );
    arrow_file(
        &work.path("text-time.parquet"),
        vec![
            ("username", s("a@x.com")),
            ("location", s("dbfs")),
            ("path", s("/Users/a@x.com/x.csv")),
            ("size", Arc::new(Int64Array::from(vec![1]))),
            ("modified", s("2026-11-30")),
        ],
    );
    let done = work.run(&["top", "text-time.parquet"]).run();
    check!(done, done.code == 1);
    check!(
        done,
        done.stderr
            .contains("error: text-time.parquet: column `modified` is of type Utf8, not a timestamp")
    );
}

#[test]
fn top_of_what_scan_objects_wrote_adds_up_to_the_scans_csv() {
    let (sim, users): (Sim, Vec<String>) = crate::util::generated(25, 9);
    let work = Work::new();
    let mut args: Vec<&str> = users.iter().map(String::as_str).collect();
    args.extend(["-o", "out.csv", "--as-of", "2026-12-01", "--objects", "files.parquet"]);
    let scan = work.scan(&sim, &args).run();
    check!(scan, matches!(scan.code, 0 | 3));
    let rows = scan.rows("out.csv");
    let sum = |col: &str| rows.values().map(|r| number(&r[col])).sum::<u128>();
    let (files, bytes, stale_files, stale_bytes) = (
        sum("file_count"),
        sum("total_size"),
        sum("stale_files"),
        sum("stale_bytes"),
    );
    assert!(files > 100 && stale_files > 0, "a generated workspace has old files");

    let done = Run::in_dir(
        &work,
        &[
            "top",
            "files.parquet",
            "--as-of",
            "2026-12-01",
            "--by",
            "user",
            "--limit",
            "1000",
        ],
    )
    .run();
    check!(done, done.code == 0);
    let thousands = |n: u128| {
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    let counted = format!("Files counted: {}, ", thousands(files));
    check!(done, done.stdout.contains(&counted), "want {counted:?}");
    check!(done, done.stdout.contains(&format!("({} bytes)", thousands(bytes))));
    let stale = format!("{} file(s), ", thousands(stale_files));
    check!(
        done,
        done.stdout.contains(&stale) && done.stdout.contains(&format!("({} bytes)\n", thousands(stale_bytes)))
    );
    // Each user's line is the CSV's row.
    let table = table_rows(&done.stdout, "Largest users");
    let with_files = rows.values().filter(|r| r["file_count"] != "0").count();
    check!(done, table.len() == with_files, "{} users with files", with_files);
    for r in &table {
        let user = r[8];
        let row = &rows[user];
        let got = (number(r[0]), number(r[3]), number(r[4]));
        let want = (
            number(&row["file_count"]),
            number(&row["total_size"]),
            number(&row["stale_files"]),
        );
        check!(done, got == want, "{user}: top {got:?}, CSV {want:?}");
    }
    // The default tables too, with the same files.
    let done = Run::in_dir(
        &work,
        &["top", "files.parquet", "--as-of", "2026-12-01", "--depth", "2"],
    )
    .run();
    check!(done, done.code == 0 && done.stdout.contains(&counted));
    check!(
        done,
        done.stdout
            .contains("Largest folders (2 levels below each user's folder): ")
    );
}
