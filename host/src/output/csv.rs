//! The CSV: one row per user, the seed's seven columns first, then the breakdown.

use super::AtomicFile;
use crate::format::{gib_2dp, rfc3339_ms};
use crate::model::{Location, TreeStats, UserRow};

/// The CSV header: the seed's seven columns, in order, then the breakdown.
pub const CSV_HEADER: &[&str] = &[
    "username",
    "file_count",
    "total_size",
    "total_size_gb",
    "status",
    "file_source",
    "error",
    "dbfs_files",
    "dbfs_bytes",
    "workspace_files",
    "workspace_bytes",
    "directories",
    "unsized_objects",
    "notebooks",
    "git_folders",
    "vanished_dirs",
    "dbfs_home",
    "workspace_home",
    "orphan",
    "principal",
    "notebook_bytes",
    "notebooks_unsized",
    "uploads_files",
    "uploads_bytes",
    "repos_files",
    "repos_bytes",
    "uploads_home",
    "repos_home",
    "last_modified",
    "stale_files",
    "stale_bytes",
    "undated_files",
    "largest_file",
    "largest_file_bytes",
];

fn home(t: Option<&TreeStats>) -> &'static str {
    UserRow::home_label(t)
}

pub use crate::format::text_cell;

/// One CSV record for a row.
pub fn csv_record(r: &UserRow) -> Vec<String> {
    let d = r.dbfs.as_ref();
    let w = r.workspace.as_ref();
    let u = r.uploads.as_ref();
    let p = r.repos.as_ref();
    let sum = |f: fn(&TreeStats) -> u64| r.located().map(|(_, t)| u128::from(f(t))).sum::<u128>();
    // Notebooks live on the Workspace side (home and /Repos): their measured bytes, when asked.
    let ws_side: Vec<&TreeStats> = [w, p].into_iter().flatten().collect();
    let measured = ws_side.iter().any(|t| t.notebook_bytes.is_some());
    let (stale_files, stale_bytes, undated) = r.age_totals();
    let largest = r.largest(1);
    vec![
        text_cell(&r.username).into_owned(),
        r.file_count().to_string(),
        r.total_size().to_string(),
        gib_2dp(r.total_size()),
        r.status.as_str().to_string(),
        r.file_source().to_string(),
        text_cell(r.error.as_deref().unwrap_or_default()).into_owned(),
        d.map_or(0, |t| t.files).to_string(),
        d.map_or(0, |t| t.bytes).to_string(),
        w.map_or(0, |t| t.files).to_string(),
        w.map_or(0, |t| t.bytes).to_string(),
        sum(|t| t.directories).to_string(),
        sum(|t| t.unsized_objects).to_string(),
        sum(|t| t.notebooks).to_string(),
        sum(|t| t.repos).to_string(),
        sum(|t| t.vanished_dirs).to_string(),
        home(d).to_string(),
        home(w).to_string(),
        r.orphan.as_str().to_string(),
        r.principal.as_str().to_string(),
        if measured {
            ws_side
                .iter()
                .map(|t| u128::from(t.notebook_bytes.unwrap_or(0)))
                .sum::<u128>()
                .to_string()
        } else {
            String::new()
        },
        if measured {
            ws_side
                .iter()
                .map(|t| u128::from(t.notebooks_unsized))
                .sum::<u128>()
                .to_string()
        } else {
            String::new()
        },
        u.map_or(0, |t| t.files).to_string(),
        u.map_or(0, |t| t.bytes).to_string(),
        p.map_or(0, |t| t.files).to_string(),
        p.map_or(0, |t| t.bytes).to_string(),
        home(u).to_string(),
        home(p).to_string(),
        r.last_modified_ms().map(rfc3339_ms).unwrap_or_default(),
        stale_files.to_string(),
        stale_bytes.to_string(),
        undated.to_string(),
        largest
            .first()
            .map(|(l, f)| text_cell(&l.full_path(&f.path)).into_owned())
            .unwrap_or_default(),
        largest.first().map_or(0, |(_, f)| f.bytes).to_string(),
    ]
}

/// The CSV's `<location>_home` value of a location (for tests and `diff`).
pub fn home_of(r: &UserRow, l: Location) -> &'static str {
    home(r.at(l))
}

/// Writes rows (already in input order) as CSV into an atomic file.
pub fn write_csv(file: AtomicFile, rows: &[&UserRow]) -> anyhow::Result<()> {
    let mut file = file;
    write_csv_to(file.file(), rows)?;
    file.commit()
}

/// Writes the header and the rows as CSV to `out` (the bytes of [`write_csv`]; `csv-rows` uses it
/// for standard output).
pub fn write_csv_to(out: impl std::io::Write, rows: &[&UserRow]) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER)?;
    for r in rows {
        w.write_record(csv_record(r))?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Orphan, Principal, Status};

    #[test]
    fn record_has_seed_columns_first() {
        let row = UserRow {
            username: "john.doe@company.com".into(),
            status: Status::Success,
            error: None,
            dbfs: Some(TreeStats {
                home_exists: true,
                files: 1000,
                bytes: 52_000_000,
                directories: 3,
                ..Default::default()
            }),
            workspace: Some(TreeStats {
                home_exists: true,
                files: 234,
                bytes: 678_912,
                directories: 2,
                unsized_objects: 200,
                notebooks: 200,
                ..Default::default()
            }),
            requests: 5,
            duration_ms: 123,
            orphan: Orphan::No,
            principal: Principal::User,
            display_name: None,
            uploads: None,
            repos: None,
            objects: Vec::new(),
        };
        let rec = csv_record(&row);
        assert_eq!(
            &rec[..7],
            [
                "john.doe@company.com",
                "1234",
                "52678912",
                "0.05",
                "success",
                "both",
                ""
            ]
        );
        assert_eq!(rec.len(), CSV_HEADER.len());
        assert_eq!(rec[11], "5");
        assert_eq!(rec[12], "200");
    }

    #[test]
    fn cells_a_spreadsheet_would_run_are_neutralised() {
        for (given, written) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("alice@example.com", "alice@example.com"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(text_cell(given), written, "{given:?}");
        }
        let row = UserRow {
            username: "=cmd|' /C calc'!A0".into(),
            status: crate::model::Status::Error,
            error: Some("-boom".into()),
            dbfs: None,
            workspace: None,
            requests: 0,
            duration_ms: 0,
            orphan: Orphan::No,
            principal: Principal::User,
            display_name: None,
            uploads: None,
            repos: None,
            objects: Vec::new(),
        };
        let rec = csv_record(&row);
        assert_eq!((rec[0].as_str(), rec[6].as_str()), ("'=cmd|' /C calc'!A0", "'-boom"));
    }
}
