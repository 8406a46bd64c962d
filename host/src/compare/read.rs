//! One scan read back for `diff`, from either of the files a scan leaves: its CSV (columns found
//! by header name, so CSVs with more columns — later versions, the seed's seven — read the same)
//! or its journal (the last good row of each user, [`crate::journal::resolve`]). Which one a file
//! is comes from its content, not its name. Anything else is refused, naming the file and what is
//! wrong with it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::FatalError;
use crate::format::untext_cell;
use crate::journal::{self, RunIdentity};
use crate::model::{Ages, Status, UserKey};

/// The CSV columns `diff` needs (the seed's names; any others are ignored).
pub const NEEDED_COLUMNS: [&str; 4] = ["username", "status", "file_count", "total_size"];

/// One user of a scan, as `diff` compares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanRow {
    /// Username as recorded.
    pub username: String,
    /// Outcome.
    pub status: Status,
    /// Files (DBFS + Workspace).
    pub files: u128,
    /// Bytes (DBFS + Workspace).
    pub bytes: u128,
    /// Stale files over the locations; `None` when the scan did not record them (a CSV or
    /// journal of a version before ages were measured).
    pub stale_files: Option<u128>,
    /// Their bytes; `None` likewise.
    pub stale_bytes: Option<u128>,
    /// The workspace (an account run's CSV, its `workspace` column); `None` otherwise.
    pub workspace: Option<String>,
}

/// What kind of file a scan was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanKind {
    /// The scan's CSV (`-o`).
    Csv,
    /// The scan's journal.
    Journal,
}

/// A scan read back.
#[derive(Debug, Clone)]
pub struct Scan {
    /// The file.
    pub path: PathBuf,
    /// CSV or journal.
    pub kind: ScanKind,
    /// The run's identity (journals only: a CSV does not record its workspace).
    pub identity: Option<RunIdentity>,
    /// When the run started (journals only).
    pub started: Option<String>,
    /// The ages reference of the run (journals that record it only; a CSV does not).
    pub ages: Option<Ages>,
    /// Whether the rows carry stale counts (a CSV with the `stale_files`/`stale_bytes` columns,
    /// a journal that records its ages reference).
    pub has_stale: bool,
    /// When the run finished (journals with an end mark only).
    pub finished: Option<String>,
    /// One row per user, in the file's order.
    pub rows: Vec<ScanRow>,
    /// Things to tell the user (torn line, duplicates, an unfinished run).
    pub notes: Vec<String>,
}

impl Scan {
    /// `results.csv (CSV)` / `results.csv.journal (journal, started …)`, for the console.
    pub fn label(&self) -> String {
        match (self.kind, &self.started) {
            (ScanKind::Journal, Some(s)) => format!("{} (journal, run started {s})", self.path.display()),
            (ScanKind::Journal, None) => format!("{} (journal)", self.path.display()),
            (ScanKind::Csv, _) => format!("{} (CSV)", self.path.display()),
        }
    }
}

fn bad(path: &Path, what: impl std::fmt::Display) -> anyhow::Error {
    FatalError(format!("{}: {what}", path.display())).into()
}

/// Reads the scan in `path` (a dbx-inventory CSV or journal).
pub fn read_scan(path: &Path) -> anyhow::Result<Scan> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(bad(path, "no such file (give a scan's CSV or journal)"))
        }
        Err(_) if path.is_dir() => return Err(bad(path, "is a directory, not a scan's CSV or journal")),
        Err(e) => return Err(bad(path, format!("cannot read it ({e})"))),
    };
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    match bytes.get(start) {
        None => Err(bad(path, "is empty, not a dbx-inventory CSV or journal")),
        Some(b'{') => {
            // Read it again under the shared lock, as `summary` does: a journal a scan is
            // writing is refused, and what is read is what the last run left.
            let _lock = journal::Lock::shared(path)?;
            let bytes = std::fs::read(path).map_err(|e| bad(path, format!("cannot read it ({e})")))?;
            read_journal(path, &bytes)
        }
        Some(_) => read_csv(path, &bytes),
    }
}

fn read_journal(path: &Path, bytes: &[u8]) -> anyhow::Result<Scan> {
    let c = journal::parse(bytes).map_err(|e| {
        let hint = if bytes.starts_with(b"{\"username\"") {
            " (a --jsonl detail file? diff reads a scan's CSV or its journal)"
        } else {
            ""
        };
        bad(path, format!("{e}{hint}"))
    })?;
    let Some(header) = c.header.clone() else {
        return Err(bad(
            path,
            "the journal holds no header yet (its scan stopped before it started)",
        ));
    };
    let shown = path.display();
    let mut notes = Vec::new();
    if let Some(t) = &c.torn {
        notes.push(format!(
            "journal {shown}: ignored a torn last line (line {}, {} bytes)",
            t.line, t.bytes
        ));
    }
    let resolved = journal::resolve(&c.entries);
    if let Some(d) = resolved.duplicate_report() {
        notes.push(format!("journal {shown}: {d}"));
    }
    if c.end.is_none() {
        notes.push(format!(
            "journal {shown} is of a run that did not finish: its {} recorded user(s) are compared as they are",
            resolved.rows.len()
        ));
    }
    // A journal of a version before ages were measured records no reference: its rows' zero
    // stale counts mean "not measured".
    let ages = header.identity.options.ages();
    let rows = resolved
        .in_recorded_order()
        .into_iter()
        .map(|k| {
            let (stale_files, stale_bytes, _) = k.row.age_totals();
            ScanRow {
                username: k.row.username.clone(),
                status: k.row.status,
                files: k.row.file_count(),
                bytes: k.row.total_size(),
                stale_files: ages.map(|_| stale_files),
                stale_bytes: ages.map(|_| stale_bytes),
                workspace: None,
            }
        })
        .collect();
    Ok(Scan {
        path: path.to_path_buf(),
        kind: ScanKind::Journal,
        identity: Some(header.identity),
        started: Some(header.started),
        ages,
        has_stale: ages.is_some(),
        finished: c.end.map(|e| e.finished),
        rows,
        notes,
    })
}

fn read_csv(path: &Path, bytes: &[u8]) -> anyhow::Result<Scan> {
    let mut r = csv::ReaderBuilder::new().has_headers(true).from_reader(bytes);
    let header = r
        .headers()
        .map_err(|e| bad(path, format!("not a dbx-inventory CSV or journal ({e})")))?
        .clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').trim() == name)
    };
    let missing: Vec<&str> = NEEDED_COLUMNS.iter().copied().filter(|c| col(c).is_none()).collect();
    if !missing.is_empty() {
        let shown: String = header.iter().take(8).collect::<Vec<_>>().join(",");
        return Err(bad(
            path,
            format!(
                "not a dbx-inventory CSV or journal: no column {} in its first line ({shown}{}); \
                 diff reads the CSV `scan -o` writes (columns {} at least) or the scan's journal",
                missing.join(", "),
                if header.len() > 8 { ",…" } else { "" },
                NEEDED_COLUMNS.join(", ")
            ),
        ));
    }
    let [user, status, files, bytes_col] = NEEDED_COLUMNS.map(|c| col(c).expect("checked above"));
    let homes = [col("dbfs_home"), col("workspace_home")];
    // Columns of later versions: absent from earlier CSVs (then unknown, not an error).
    let (stale_files_col, stale_bytes_col) = (col("stale_files"), col("stale_bytes"));
    // An account run's CSV: users are per workspace.
    let workspace_col = col("workspace");
    let mut rows = Vec::new();
    let mut seen: HashMap<(Option<String>, UserKey), u64> = HashMap::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| bad(path, format!("not a readable CSV ({e})")))?;
        let line = rec.position().map_or(0, |p| p.line());
        let at = |what: String| bad(path, format!("line {line}: {what}"));
        let cell = |i: usize, name: &str| rec.get(i).ok_or_else(|| at(format!("no {name} value")));
        let username = untext_cell(cell(user, "username")?).to_string();
        if username.trim().is_empty() {
            return Err(at("an empty username".into()));
        }
        let status = match Status::parse(cell(status, "status")?) {
            Some(s) => s,
            None => {
                return Err(at(format!(
                    "status {:?} is not success, empty, no_home or error",
                    cell(status, "status")?
                )))
            }
        };
        let number = |i: usize, name: &str| -> anyhow::Result<u128> {
            let v = cell(i, name)?;
            if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                return Err(at(format!("{name} {v:?} is not a whole number")));
            }
            v.parse().map_err(|_| at(format!("{name} {v:?} is too large")))
        };
        // CSVs of earlier versions wrote `empty` for a user with no home in any tree.
        let no_home_anywhere = || {
            let cells: Vec<&str> = homes.iter().flatten().filter_map(|i| rec.get(*i)).collect();
            cells.len() == 2 && cells.iter().all(|c| matches!(*c, "no" | "not_scanned")) && cells.contains(&"no")
        };
        let status = if status == Status::Empty && no_home_anywhere() {
            Status::NoHome
        } else {
            status
        };
        // An optional count: an empty cell is unknown.
        let optional = |i: Option<usize>, name: &str| -> anyhow::Result<Option<u128>> {
            match i {
                Some(i) if !cell(i, name)?.is_empty() => number(i, name).map(Some),
                _ => Ok(None),
            }
        };
        let row = ScanRow {
            files: number(files, "file_count")?,
            bytes: number(bytes_col, "total_size")?,
            stale_files: optional(stale_files_col, "stale_files")?,
            stale_bytes: optional(stale_bytes_col, "stale_bytes")?,
            workspace: match workspace_col {
                Some(i) if cell(i, "workspace")?.is_empty() => return Err(at("an empty workspace".into())),
                Some(i) => Some(cell(i, "workspace")?.to_string()),
                None => None,
            },
            username,
            status,
        };
        if let Some(first) = seen.insert((row.workspace.clone(), UserKey::of(&row.username)), line) {
            let of = row
                .workspace
                .as_deref()
                .map(|w| format!(" of workspace {w}"))
                .unwrap_or_default();
            return Err(at(format!(
                "user {}{of} is listed twice (also line {first}); a scan's CSV has one row per user",
                row.username
            )));
        }
        rows.push(row);
    }
    Ok(Scan {
        path: path.to_path_buf(),
        kind: ScanKind::Csv,
        identity: None,
        started: None,
        ages: None,
        has_stale: stale_files_col.is_some() && stale_bytes_col.is_some(),
        finished: None,
        rows,
        notes: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn err(p: &Path) -> String {
        let e = read_scan(p).unwrap_err();
        assert!(e.downcast_ref::<FatalError>().is_some(), "{e:#}");
        e.to_string()
    }

    #[test]
    fn csv_columns_are_found_by_name_and_cells_unescaped() {
        let d = tempfile::tempdir().unwrap();
        // Columns in another order, and more of them (other versions add some).
        let p = write(
            &d,
            "a.csv",
            "total_size,status,notebook_bytes,username,file_count,principal\n\
             10,success,5,'=cmd,2,no\n\
             0,empty,0,b@x.com,0,yes\n\
             340282366920938463463374607431768211455,error,0,c@x.com,1,no\n",
        );
        let s = read_scan(&p).unwrap();
        assert_eq!(s.kind, ScanKind::Csv);
        assert!(s.identity.is_none());
        assert_eq!(
            s.rows,
            [
                ScanRow {
                    username: "=cmd".into(),
                    status: Status::Success,
                    files: 2,
                    bytes: 10,
                    stale_files: None,
                    stale_bytes: None,
                    workspace: None
                },
                ScanRow {
                    username: "b@x.com".into(),
                    status: Status::Empty,
                    files: 0,
                    bytes: 0,
                    stale_files: None,
                    stale_bytes: None,
                    workspace: None
                },
                ScanRow {
                    username: "c@x.com".into(),
                    status: Status::Error,
                    files: 1,
                    bytes: u128::MAX,
                    stale_files: None,
                    stale_bytes: None,
                    workspace: None
                },
            ]
        );
        assert_eq!(untext_cell("'x"), "'x", "only the spreadsheet guard is taken off");
        assert!(!s.has_stale && s.ages.is_none());
    }

    #[test]
    fn stale_columns_are_read_when_present_and_unknown_when_absent_or_empty() {
        let d = tempfile::tempdir().unwrap();
        let p = write(
            &d,
            "s.csv",
            "username,status,file_count,total_size,stale_files,stale_bytes\n\
             a,success,2,10,1,4\n\
             b,error,0,0,,\n",
        );
        let s = read_scan(&p).unwrap();
        assert!(s.has_stale);
        let stale: Vec<(Option<u128>, Option<u128>)> = s.rows.iter().map(|r| (r.stale_files, r.stale_bytes)).collect();
        assert_eq!(stale, [(Some(1), Some(4)), (None, None)]);
        let p = write(
            &d,
            "bad.csv",
            "username,status,file_count,total_size,stale_files,stale_bytes\na,success,2,10,1,x\n",
        );
        assert!(err(&p).contains("line 2: stale_bytes \"x\" is not a whole number"));
    }

    #[test]
    fn files_that_are_not_scans_are_refused_naming_the_file_and_the_problem() {
        let d = tempfile::tempdir().unwrap();
        let cases = [
            ("empty.csv", "", "is empty"),
            (
                "users.txt",
                "alice@x.com\nbob@x.com\n",
                "no column username, status, file_count, total_size",
            ),
            (
                "other.csv",
                "username,status\na,success\n",
                "no column file_count, total_size",
            ),
            (
                "st.csv",
                "username,status,file_count,total_size\na,done,1,1\n",
                "line 2: status \"done\" is not success, empty, no_home or error",
            ),
            (
                "neg.csv",
                "username,status,file_count,total_size\na,success,-1,1\n",
                "line 2: file_count \"-1\" is not a whole number",
            ),
            (
                "big.csv",
                "username,status,file_count,total_size\na,success,1,340282366920938463463374607431768211456\n",
                "total_size \"340282366920938463463374607431768211456\" is too large",
            ),
            (
                "dup.csv",
                "username,status,file_count,total_size\nA@x,success,1,1\na@X,success,1,1\n",
                "line 3: user a@X is listed twice (also line 2)",
            ),
            (
                "short.csv",
                "username,status,file_count,total_size\na,success,1\n",
                "not a readable CSV",
            ),
            ("x.jsonl", "{\"username\":\"a\"}\n", "a --jsonl detail file?"),
            ("j.json", "{\"a\":1}\n", "not a dbx-inventory journal"),
        ];
        for (name, text, says) in cases {
            let p = write(&d, name, text);
            let e = err(&p);
            assert!(
                e.starts_with(&format!("{}: ", p.display())) && e.contains(says),
                "{name}: {e}"
            );
        }
        let e = err(&d.path().join("missing.csv"));
        assert!(e.contains("missing.csv: no such file"), "{e}");
        let e = err(d.path());
        assert!(e.contains("is a directory"), "{e}");
    }
}
