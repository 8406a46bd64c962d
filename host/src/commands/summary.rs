//! `dbx-inventory summary --journal FILE`: rebuilds a scan's outputs (CSV, JSON Lines, HTML)
//! and prints its summary from the journal alone, without touching the workspace.

use std::io::Write as _;

use crate::cli::SummaryArgs;
use crate::error::{FatalError, Outcome};
use crate::journal::{self, UsersIdentity};
use crate::model::{Trees, UserRow};
use crate::output::{console, csv, html, jsonl, AtomicFile};

/// `dbx-inventory summary`: outputs and summary from a journal alone.
pub fn run(args: SummaryArgs) -> anyhow::Result<Outcome> {
    journal::check_paths(
        &args.journal,
        &[
            ("--output", args.output.as_deref()),
            ("--jsonl", args.jsonl.as_deref()),
            ("--html", args.html.as_deref()),
            ("--objects", args.objects.as_deref()),
        ],
    )?;
    if let Some(p) = args.objects.as_deref() {
        crate::objects::spool::check_output(&args.journal, "--objects", p)?;
    }
    let shown = args.journal.display();
    // Read under the shared lock: refused at once while a scan writes the journal.
    let _lock = journal::Lock::shared(&args.journal)?;
    let contents =
        journal::read(&args.journal)?.ok_or_else(|| FatalError(format!("journal {shown} does not exist")))?;
    let Some(header) = contents.header.clone() else {
        return Err(FatalError(format!(
            "journal {shown} holds no header yet (the scan stopped before it started)"
        ))
        .into());
    };
    // Create the outputs first: an unwritable path fails before anything is written.
    let csv = args.output.as_deref().map(AtomicFile::create).transpose()?;
    let jsonl = args.jsonl.as_deref().map(AtomicFile::create).transpose()?;
    if args.objects.is_some() && !header.identity.options.objects {
        return Err(crate::error::UsageError(format!(
            "--objects: journal {shown} is of a scan run without --objects; its files were not kept (scan again with \
             --objects FILE.parquet)"
        ))
        .into());
    }
    let objects = args.objects.as_deref().map(AtomicFile::create).transpose()?;
    let resolved = journal::resolve(&contents.entries);
    let rows: Vec<UserRow> = resolved
        .in_recorded_order()
        .into_iter()
        .map(|k| (*k.row).clone())
        .collect();
    let ordered: Vec<&UserRow> = rows.iter().collect();

    let mut out = std::io::stdout();
    let id = &header.identity;
    let _ = writeln!(out, "Journal: {shown}");
    let _ = writeln!(out, "Workspace: {}", id.host);
    let _ = writeln!(out, "Run started: {} ({})", header.started, header.tool);
    match &contents.end {
        Some(end) => {
            let _ = writeln!(out, "Run finished: {} ({} user(s))", end.finished, end.users);
        }
        None => {
            let _ = writeln!(
                out,
                "Run finished: no (the run stopped before the end, or a version without end marks wrote it)"
            );
        }
    }
    let _ = writeln!(
        out,
        "Options: {}",
        id.options
            .entries()
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
        csv::write_csv(f, &ordered)?;
    }
    if let Some(f) = jsonl {
        jsonl::write_jsonl(f, &ordered)?;
    }
    if let Some(p) = &args.html {
        let trees = id.options.trees.unwrap_or(Trees::NONE);
        let meta = html::HtmlMeta::now(&id.host, trees).with_ages(id.options.ages());
        html::write_html(p, &ordered, &meta)?;
    }
    let objects_line = match (objects, args.objects.as_deref()) {
        (Some(f), Some(p)) => Some(crate::run::finish::write_objects(&args.journal, &ordered, f, p)?),
        _ => None,
    };
    console::summary(&mut out, &console::Totals::of(ordered.iter().copied()), 0);
    console::saved_lines(
        &mut out,
        args.output.as_deref(),
        args.jsonl.as_deref(),
        args.html.as_deref(),
    );
    if let Some(line) = objects_line {
        let _ = writeln!(out, "{line}");
    }
    Ok(Outcome::Clean)
}
