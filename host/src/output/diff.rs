//! The outputs of `diff`: the console report and the CSV (`-o`), one row per user of either
//! scan. The HTML report is [`super::html::diff`].

use super::csv::text_cell;
use super::AtomicFile;
use crate::compare::{delta, Change, Diff, Scan, UserDiff, TOP_MOVERS};
use crate::format::{human_size, thousands};

/// The CSV header of `diff -o`.
pub const DIFF_HEADER: &[&str] = &[
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
    "stale_files_delta",
];

/// Most added or removed users the console lists (the CSV and the HTML list more).
pub const CONSOLE_LISTED: usize = 50;

/// `+1,234` / `-56` / `0`.
pub fn signed_thousands(v: i128) -> String {
    match v {
        0 => "0".to_string(),
        v if v > 0 => format!("+{}", thousands(v.unsigned_abs())),
        v => format!("-{}", thousands(v.unsigned_abs())),
    }
}

/// `+2.5 GB` / `-340 B` / `0 B`.
pub fn signed_size(v: i128) -> String {
    match v {
        0 => "0 B".to_string(),
        v if v > 0 => format!("+{}", human_size(v.unsigned_abs())),
        v => format!("-{}", human_size(v.unsigned_abs())),
    }
}

/// `+8.3%`, `-0.1%`, `n/a` (the old total was 0).
pub fn signed_percent(p: Option<f64>) -> String {
    match p {
        None => "n/a".to_string(),
        Some(p) if p > 0.0 && p < 0.05 => "+<0.1%".to_string(),
        Some(p) if p < 0.0 && p > -0.05 => "-<0.1%".to_string(),
        Some(p) if p > 0.0 => format!("+{p:.1}%"),
        Some(p) => format!("{p:.1}%"),
    }
}

/// One CSV record: an absent side's status, files and bytes are empty; its deltas count it 0.
pub fn diff_record(u: &UserDiff) -> Vec<String> {
    let status = |s: &Option<crate::compare::Side>| s.as_ref().map_or(String::new(), |s| s.status.as_str().to_string());
    let num = |s: &Option<crate::compare::Side>, f: fn(&crate::compare::Side) -> u128| {
        s.as_ref().map_or(String::new(), |s| f(s).to_string())
    };
    vec![
        text_cell(u.username()).into_owned(),
        status(&u.old),
        status(&u.new),
        num(&u.old, |s| s.files),
        num(&u.new, |s| s.files),
        num(&u.old, |s| s.bytes),
        num(&u.new, |s| s.bytes),
        u.files_delta().to_string(),
        u.bytes_delta().to_string(),
        u.change().as_str().to_string(),
        opt(u.stale_bytes_old()),
        opt(u.stale_bytes_new()),
        opt(u.stale_bytes_delta()),
        opt(u.stale_files_old()),
        opt(u.stale_files_new()),
        opt(u.stale_files_delta()),
    ]
}

/// A count that may be unknown: empty then.
fn opt(v: Option<impl ToString>) -> String {
    v.map_or(String::new(), |v| v.to_string())
}

/// Writes the diff's CSV into an atomic file and commits it.
pub fn write_diff_csv(file: AtomicFile, diff: &Diff) -> anyhow::Result<()> {
    let mut file = file;
    let mut w = csv::Writer::from_writer(file.file());
    // Account runs: a `workspace` column after `username`.
    let account = diff.users.iter().any(|u| u.workspace().is_some());
    let with_workspace = |mut record: Vec<String>, workspace: &str| {
        if account {
            record.insert(1, workspace.to_string());
        }
        record
    };
    let header = DIFF_HEADER.iter().map(|h| h.to_string()).collect();
    w.write_record(with_workspace(header, "workspace"))?;
    for u in &diff.users {
        w.write_record(with_workspace(diff_record(u), u.workspace().unwrap_or_default()))?;
    }
    w.flush()?;
    drop(w);
    file.commit()
}

/// An account comparison's per-workspace lines: users, files and size old → new, users added
/// and removed, workspaces new or gone.
pub fn print_workspaces(out: &mut impl std::io::Write, d: &Diff) {
    let by = d.by_workspace();
    if by.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nBy workspace:");
    for (w, t) in by {
        let what = match (t.users_old, t.users_new) {
            (0, _) => " (new workspace)",
            (_, 0) => " (not in NEW)",
            _ => "",
        };
        let _ = writeln!(
            out,
            "  {w:<24} users {} → {} (+{} / -{}), files {}, size {} → {} ({}){what}",
            thousands(t.users_old),
            thousands(t.users_new),
            thousands(t.added),
            thousands(t.removed),
            signed_thousands(delta(t.files_old, t.files_new)),
            human_size(t.bytes_old),
            human_size(t.bytes_new),
            signed_size(delta(t.bytes_old, t.bytes_new)),
        );
    }
}

const RULE: &str = "================================================================================";

/// The console report: what was compared, totals old → new, users added and removed, the top
/// growers and shrinkers, status changes.
pub fn print(out: &mut impl std::io::Write, old: &Scan, new: &Scan, workspace: &str, d: &Diff) {
    let _ = writeln!(out, "{RULE}\nSCAN COMPARISON\n{RULE}");
    let _ = writeln!(out, "Old: {}", old.label());
    let _ = writeln!(out, "New: {}", new.label());
    let _ = writeln!(out, "Workspace: {workspace}");
    let _ = writeln!(out, "{RULE}\n");
    let size_change = format!(
        "{} ({})",
        signed_size(d.bytes_delta()),
        signed_percent(d.bytes_percent())
    );
    let totals = [
        ("", "old".to_string(), "new".to_string(), "change".to_string()),
        (
            "Users",
            thousands(d.old.users),
            thousands(d.new.users),
            signed_thousands(i128::from(d.new.users) - i128::from(d.old.users)),
        ),
        (
            "Files",
            thousands(d.old.files),
            thousands(d.new.files),
            signed_thousands(d.files_delta()),
        ),
        ("Size", human_size(d.old.bytes), human_size(d.new.bytes), size_change),
        (
            "Bytes",
            thousands(d.old.bytes),
            thousands(d.new.bytes),
            signed_thousands(d.bytes_delta()),
        ),
    ];
    let unknown = || "unknown".to_string();
    let totals = totals.into_iter().chain([
        (
            "Stale files",
            d.old.stale_files.map_or_else(unknown, thousands),
            d.new.stale_files.map_or_else(unknown, thousands),
            d.stale_files_delta()
                .map_or_else(|| "n/a".to_string(), signed_thousands),
        ),
        (
            "Stale bytes",
            d.old.stale_bytes.map_or_else(unknown, thousands),
            d.new.stale_bytes.map_or_else(unknown, thousands),
            d.stale_bytes_delta()
                .map_or_else(|| "n/a".to_string(), signed_thousands),
        ),
    ]);
    for (label, old, new, change) in totals {
        let _ = writeln!(out, "{label:<11} {old:>22} {new:>22} {change:>22}");
    }
    let _ = writeln!(
        out,
        "\nUsers: {} added, {} removed, {} grown, {} shrunk, {} unchanged; {} changed status",
        thousands(d.count(Change::New) as u64),
        thousands(d.count(Change::Removed) as u64),
        thousands(d.count(Change::Grown) as u64),
        thousands(d.count(Change::Shrunk) as u64),
        thousands(d.count(Change::Same) as u64),
        thousands(d.status_changes().count() as u64),
    );
    let failed = d.count(Change::Error);
    if failed > 0 {
        let _ = writeln!(
            out,
            "       {} in error in one of the scans: not counted as grown or shrunk (a failed scan's sizes are partial)",
            thousands(failed as u64)
        );
    }
    list(
        out,
        "Added (in the new scan only)",
        d.with(Change::New).collect(),
        |u| format!("{} files, {}", thousands(u.files_new()), human_size(u.bytes_new())),
    );
    list(
        out,
        "Removed (in the old scan only)",
        d.with(Change::Removed).collect(),
        |u| format!("{} files, {}", thousands(u.files_old()), human_size(u.bytes_old())),
    );
    movers(out, &format!("Top {TOP_MOVERS} growers"), &d.growers(TOP_MOVERS));
    movers(out, &format!("Top {TOP_MOVERS} shrinkers"), &d.shrinkers(TOP_MOVERS));
    let changed: Vec<&UserDiff> = d.status_changes().collect();
    list(out, "Status changed", changed, |u| {
        let s = |s: &Option<crate::compare::Side>| s.as_ref().map_or("", |s| s.status.as_str());
        format!("{} → {}", s(&u.old), s(&u.new))
    });
    let _ = writeln!(out, "{RULE}");
}

fn list(out: &mut impl std::io::Write, title: &str, users: Vec<&UserDiff>, what: impl Fn(&UserDiff) -> String) {
    if users.is_empty() {
        let _ = writeln!(out, "\n{title}: none");
        return;
    }
    let _ = writeln!(out, "\n{title}: {}", thousands(users.len() as u64));
    for u in users.iter().take(CONSOLE_LISTED) {
        let _ = writeln!(out, "  {:<44} {}", u.shown(), what(u));
    }
    if users.len() > CONSOLE_LISTED {
        let _ = writeln!(
            out,
            "  … and {} more (-o FILE writes every user)",
            thousands((users.len() - CONSOLE_LISTED) as u64)
        );
    }
}

fn movers(out: &mut impl std::io::Write, title: &str, users: &[&UserDiff]) {
    if users.is_empty() {
        let _ = writeln!(out, "\n{title}: none");
        return;
    }
    let _ = writeln!(out, "\n{title} (by bytes):");
    let _ = writeln!(
        out,
        "  {:>3}  {:<40} {:>11} {:>11} {:>12} {:>10}",
        "#", "user", "old", "new", "change", "files"
    );
    for (i, u) in users.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {:>3}  {:<40} {:>11} {:>11} {:>12} {:>10}",
            i + 1,
            u.shown(),
            human_size(u.bytes_old()),
            human_size(u.bytes_new()),
            signed_size(u.bytes_delta()),
            signed_thousands(u.files_delta())
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{diff, ScanRow};
    use crate::model::Status;

    #[test]
    fn signed_numbers_read_as_changes() {
        assert_eq!(signed_thousands(1_234_567), "+1,234,567");
        assert_eq!(signed_thousands(-42), "-42");
        assert_eq!(
            signed_thousands(i128::MIN),
            format!("-{}", thousands(i128::MIN.unsigned_abs()))
        );
        assert_eq!(signed_size(-1_572_864), "-1.5 MB");
        assert_eq!(signed_size(0), "0 B");
        assert_eq!(signed_percent(Some(8.26)), "+8.3%");
        assert_eq!(signed_percent(Some(-12.0)), "-12.0%");
        assert_eq!(signed_percent(Some(0.01)), "+<0.1%");
        assert_eq!(signed_percent(Some(0.0)), "0.0%");
        assert_eq!(signed_percent(None), "n/a");
    }

    #[test]
    fn csv_rows_leave_the_absent_side_empty_and_guard_cells() {
        let r = |u: &str, files, bytes| ScanRow {
            username: u.into(),
            status: Status::Success,
            files,
            bytes,
            stale_files: Some(files / 2),
            stale_bytes: Some(bytes / 2),
            workspace: None,
        };
        let mut unknown = r("c", 1, 1);
        unknown.stale_bytes = None;
        unknown.stale_files = None;
        let d = diff(
            &[r("=gone", 2, 20), r("a", 1, 10), r("c", 1, 1)],
            &[r("a", 1, 15), r("b", 3, 30), unknown],
        );
        let recs: Vec<Vec<String>> = d.users.iter().map(diff_record).collect();
        assert_eq!(
            recs[0],
            ["a", "success", "success", "1", "1", "10", "15", "0", "5", "grown", "5", "7", "2", "0", "0", "0"]
        );
        assert_eq!(
            recs[1],
            ["b", "", "success", "", "3", "", "30", "3", "30", "new", "", "15", "15", "", "1", "1"]
        );
        assert_eq!(
            recs[2],
            ["c", "success", "success", "1", "1", "1", "1", "0", "0", "same", "0", "", "", "0", "", ""]
        );
        assert_eq!(
            recs[3],
            ["'=gone", "success", "", "2", "", "20", "", "-2", "-20", "removed", "10", "", "-10", "1", "", "-1"]
        );
        assert_eq!(recs[0].len(), DIFF_HEADER.len());
        assert_eq!(
            DIFF_HEADER[10..13],
            ["stale_bytes_old", "stale_bytes_new", "stale_bytes_delta"],
            "appended after the columns of earlier versions"
        );
    }
}
