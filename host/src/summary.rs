//! Final outputs built from recorded rows, and the `summary` command.
//!
//! A scan's CSV and JSON Lines are built at the end from the journal's rows plus this run's,
//! one row per user, in input order ([`order_rows`]). `dbx-inventory summary --journal FILE`
//! rebuilds the same outputs from a journal alone, without touching the workspace, and prints
//! the same summary.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::cli::SummaryArgs;
use crate::console::{self, Totals};
use crate::journal::{self, Kept, UsersIdentity};
use crate::output::{write_csv, AtomicFile};
use crate::report::{Status, TreeStats, UserRow};
use crate::Outcome;

/// One row per user: those of `input` in input order, then any others (recorded by an earlier
/// run for users this run does not list) by recorded input position, then journal position.
pub fn order_rows(mut rows: HashMap<String, Kept>, input: &[String]) -> Vec<UserRow> {
    let mut out = Vec::with_capacity(rows.len());
    for u in input {
        if let Some(k) = rows.remove(&journal::user_key(u)) {
            out.push(k.row);
        }
    }
    let mut rest: Vec<Kept> = rows.into_values().collect();
    rest.sort_by_key(|k| (k.i, k.seq));
    out.extend(rest.into_iter().map(|k| k.row));
    out
}

/// Totals over rows.
pub fn totals<'a>(rows: impl IntoIterator<Item = &'a UserRow>) -> Totals {
    let mut t = Totals::default();
    for r in rows {
        t.add(r);
    }
    t
}

/// One JSON Lines object: everything known about a user.
#[derive(Debug, Serialize)]
pub struct DetailRecord<'a> {
    /// Username (or home directory name for an orphan).
    pub username: &'a str,
    /// `success` | `empty` | `error`.
    pub status: Status,
    /// Error message, when `status` is `error`.
    pub error: Option<&'a str>,
    /// Files in both trees.
    pub file_count: u64,
    /// Bytes in both trees.
    pub total_size: u64,
    /// `both` | `dbfs` | `workspace` | `none`.
    pub file_source: &'a str,
    /// A home with no active workspace user.
    pub orphan: bool,
    /// Requests made for this user.
    pub requests: u64,
    /// Wall time of the scan.
    pub duration_ms: u64,
    /// DBFS counts (`null` when not scanned).
    pub dbfs: Option<&'a TreeStats>,
    /// Workspace counts (`null` when not scanned).
    pub workspace: Option<&'a TreeStats>,
}

impl<'a> DetailRecord<'a> {
    /// The record of a row.
    pub fn of(r: &'a UserRow) -> Self {
        DetailRecord {
            username: &r.username,
            status: r.status,
            error: r.error.as_deref(),
            file_count: r.file_count(),
            total_size: r.total_size(),
            file_source: r.file_source(),
            orphan: r.orphan,
            requests: r.requests,
            duration_ms: r.duration_ms,
            dbfs: r.dbfs.as_ref(),
            workspace: r.workspace.as_ref(),
        }
    }
}

/// Writes rows (in order) as JSON Lines into an atomic file.
pub fn write_jsonl(file: AtomicFile, rows: &[&UserRow]) -> anyhow::Result<()> {
    let mut file = file;
    {
        let mut w = std::io::BufWriter::new(file.file());
        for r in rows {
            serde_json::to_writer(&mut w, &DetailRecord::of(r))?;
            w.write_all(b"\n")?;
        }
        w.flush()?;
    }
    file.commit()
}

/// `dbx-inventory summary`: outputs and summary from a journal alone.
pub fn run(args: SummaryArgs) -> anyhow::Result<Outcome> {
    crate::record::check_paths(
        &args.journal,
        &[
            ("--output", args.output.as_deref()),
            ("--jsonl", args.jsonl.as_deref()),
            ("--html", args.html.as_deref()),
        ],
    )?;
    let shown = args.journal.display();
    let contents =
        journal::read(&args.journal)?.ok_or_else(|| crate::FatalError(format!("journal {shown} does not exist")))?;
    let Some(header) = contents.header.clone() else {
        return Err(crate::FatalError(format!(
            "journal {shown} holds no header yet (the scan stopped before it started)"
        ))
        .into());
    };
    // Create the outputs first: an unwritable path fails before anything is written.
    let csv = args.output.as_deref().map(AtomicFile::create).transpose()?;
    let jsonl = args.jsonl.as_deref().map(AtomicFile::create).transpose()?;
    let resolved = journal::resolve(&contents.entries);
    let rows: Vec<UserRow> = resolved
        .in_recorded_order()
        .into_iter()
        .map(|k| k.row.clone())
        .collect();
    let ordered: Vec<&UserRow> = rows.iter().collect();

    let mut out = std::io::stdout();
    let id = &header.identity;
    let _ = writeln!(out, "Journal: {shown}");
    let _ = writeln!(out, "Workspace: {}", id.host);
    let _ = writeln!(out, "Run started: {} ({})", header.started, header.tool);
    let _ = writeln!(
        out,
        "Options: {}",
        id.options
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    match &id.users {
        UsersIdentity::List { count, .. } if (rows.len() as u64) < *count => {
            let _ = writeln!(
                out,
                "Users: {} of {count} recorded — incomplete: run the scan again with --resume to record the rest",
                rows.len()
            );
        }
        users => {
            let _ = writeln!(out, "Users: {} recorded ({users})", rows.len());
        }
    }
    if let Some(t) = &contents.torn {
        eprintln!(
            "note: journal {shown}: ignored a torn last line (line {}, {} bytes)",
            t.line, t.bytes
        );
    }
    if let Some(d) = resolved.duplicate_report() {
        eprintln!("warning: journal {shown}: {d}");
    }
    if contents.headers > 1 {
        eprintln!(
            "note: journal {shown} was continued with --force ({} run identities); the last is shown",
            contents.headers
        );
    }

    if let Some(f) = csv {
        write_csv(f, &ordered)?;
    }
    if let Some(f) = jsonl {
        write_jsonl(f, &ordered)?;
    }
    if let Some(p) = &args.html {
        let dbfs = id.options.get("trees").is_some_and(|t| t.contains("dbfs"));
        let workspace = id.options.get("trees").is_some_and(|t| t.contains("workspace"));
        crate::html::write_html(p, &ordered, &crate::html::HtmlMeta::now(&id.host, dbfs, workspace))?;
    }
    console::summary(&mut out, &totals(ordered.iter().copied()), 0);
    saved_lines(
        &mut out,
        args.output.as_deref(),
        args.jsonl.as_deref(),
        args.html.as_deref(),
    );
    Ok(Outcome::Clean)
}

/// `Results saved to: …` lines.
pub fn saved_lines(out: &mut impl std::io::Write, csv: Option<&Path>, jsonl: Option<&Path>, html: Option<&Path>) {
    if let Some(p) = csv {
        let _ = writeln!(out, "\nResults saved to: {}", p.display());
    }
    if let Some(p) = jsonl {
        let _ = writeln!(out, "Details (JSON Lines) saved to: {}", p.display());
    }
    if let Some(p) = html {
        let _ = writeln!(out, "HTML report saved to: {}", p.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(u: &str) -> UserRow {
        UserRow {
            username: u.into(),
            status: Status::Success,
            error: None,
            dbfs: Some(TreeStats {
                home_exists: true,
                files: 2,
                bytes: 10,
                vanished_dirs: 1,
                ..Default::default()
            }),
            workspace: None,
            requests: 3,
            duration_ms: 7,
            orphan: false,
        }
    }

    #[test]
    fn rows_follow_the_input_then_the_recorded_order() {
        let rows: HashMap<String, Kept> = [
            ("b@x.com", 1, 0),
            ("z@x.com", 9, 1),
            ("a@x.com", 0, 2),
            ("y@x.com", 5, 3),
        ]
        .into_iter()
        .map(|(u, i, seq)| (u.to_string(), Kept { i, seq, row: row(u) }))
        .collect();
        let input = ["A@x.com".to_string(), "b@x.com".into(), "c@x.com".into()];
        let names: Vec<String> = order_rows(rows, &input).into_iter().map(|r| r.username).collect();
        assert_eq!(names, ["a@x.com", "b@x.com", "y@x.com", "z@x.com"]);
    }

    #[test]
    fn detail_records_carry_every_count() {
        let r = row("a@x.com");
        let v = serde_json::to_value(DetailRecord::of(&r)).unwrap();
        assert_eq!(v["username"], "a@x.com");
        assert_eq!(v["status"], "success");
        assert_eq!(v["error"], serde_json::Value::Null);
        assert_eq!(v["file_count"], 2);
        assert_eq!(v["dbfs"]["vanished_dirs"], 1);
        assert_eq!(v["dbfs"]["unsized_objects"], 0);
        assert_eq!(v["workspace"], serde_json::Value::Null);
        assert_eq!(
            (v["requests"].as_u64(), v["duration_ms"].as_u64(), v["orphan"].as_bool()),
            (Some(3), Some(7), Some(false))
        );
    }
}
