//! `dbx-inventory diff OLD NEW [-o FILE] [--html FILE]`: what changed between two scans, from
//! their CSVs or journals alone (nothing is contacted). Two scans of different workspaces (or
//! with different trees scanned) are still compared, with a warning; so are scans whose
//! workspace is not recorded (CSVs).

use std::io::Write as _;
use std::path::Path;

use crate::cli::DiffArgs;
use crate::compare::{self, Scan};
use crate::error::{Outcome, UsageError};
use crate::model::Trees;
use crate::output::html::{self, HtmlMeta};
use crate::output::{diff as out, AtomicFile};

/// `dbx-inventory diff`.
pub fn run(args: DiffArgs) -> anyhow::Result<Outcome> {
    let (old_path, new_path) = match (&args.old, &args.new) {
        (Some(o), Some(n)) => (o.as_path(), n.as_path()),
        (given, _) => return Err(UsageError(two_scans_needed(given.as_deref())).into()),
    };
    check_paths(&args, old_path, new_path)?;
    // Create the outputs first: an unwritable path fails before anything is read.
    let csv_file = args.output.as_deref().map(AtomicFile::create).transpose()?;
    let html_file = args.html.as_deref().map(AtomicFile::create).transpose()?;
    let old = compare::read_scan(old_path)?;
    let new = compare::read_scan(new_path)?;
    for note in old.notes.iter().chain(&new.notes) {
        eprintln!("note: {note}");
    }
    let (workspace, mut warnings) = same_workspace(&old, &new);
    let (ages_warnings, ages_notes) = compare::ages_notes(&old, &new);
    warnings.extend(ages_warnings);
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    for n in &ages_notes {
        eprintln!("note: {n}");
    }
    if same_file(old_path, new_path) {
        eprintln!(
            "warning: OLD and NEW are the same file ({}): nothing can have changed",
            new_path.display()
        );
    }
    account_or_not(&old, &new)?;
    let d = compare::diff(&old.rows, &new.rows);
    let mut stdout = std::io::stdout();
    out::print(&mut stdout, &old, &new, &workspace, &d);
    out::print_workspaces(&mut stdout, &d);
    if let Some(f) = csv_file {
        out::write_diff_csv(f, &d)?;
    }
    if let Some(f) = html_file {
        let shown = warnings.iter().chain(&ages_notes).cloned().collect();
        let meta = HtmlMeta::now(&workspace, Trees::BOTH).with_notes(shown);
        html::diff::write(f, &old, &new, &d, &meta)?;
    }
    if let Some(p) = &args.output {
        let _ = writeln!(stdout, "\nComparison saved to: {}", p.display());
    }
    if let Some(p) = &args.html {
        let _ = writeln!(stdout, "HTML report saved to: {}", p.display());
    }
    let _ = stdout.flush();
    Ok(Outcome::Clean)
}

fn abs(p: &Path) -> std::path::PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => abs(a) == abs(b),
    }
}

/// An account run's CSV (a `workspace` column) compares with another account run's only: its
/// users are matched within their workspace.
fn account_or_not(old: &Scan, new: &Scan) -> anyhow::Result<()> {
    let account = |s: &Scan| s.rows.first().is_some_and(|r| r.workspace.is_some());
    if old.rows.is_empty() || new.rows.is_empty() || account(old) == account(new) {
        return Ok(());
    }
    let (acc, one) = if account(old) { (old, new) } else { (new, old) };
    Err(UsageError(format!(
        "{} is an account run's CSV (a workspace column) and {} is one workspace's scan: compare two account runs' \
         CSVs, or one workspace's CSV with its CSV in the account run's folder (results.workspaces/<workspace>.csv)",
        acc.path.display(),
        one.path.display()
    ))
    .into())
}

/// What `diff` needs, when OLD or NEW is missing (`given`: the one scan given, if any).
fn two_scans_needed(given: Option<&Path>) -> String {
    let what = match given {
        Some(p) => format!("only one was given ({})", p.display()),
        None => "none was given".to_string(),
    };
    format!(
        "diff compares two scans of a workspace, OLD and NEW, and {what}. Each is a scan's CSV \
         (`scan -o results.csv`) or its journal (results.csv.journal, or one a rerun kept, \
         results.csv.journal.2026-12-01T07-50-40Z), e.g. `dbx-inventory diff last-month.csv \
         results.csv`. To see one scan alone: `dbx-inventory summary --journal results.csv.journal`"
    )
}

/// Refuses an output that would overwrite OLD, NEW or the other output.
fn check_paths(args: &DiffArgs, old: &Path, new: &Path) -> anyhow::Result<()> {
    let outputs = [("--output", args.output.as_deref()), ("--html", args.html.as_deref())];
    for (flag, p) in outputs {
        let Some(p) = p else { continue };
        for (name, input) in [("OLD", old), ("NEW", new)] {
            if same_file(p, input) {
                return Err(UsageError(format!(
                    "{flag} {} is {name}, one of the scans compared; choose another path",
                    p.display()
                ))
                .into());
            }
        }
    }
    if let (Some(a), Some(b)) = (&args.output, &args.html) {
        if same_file(a, b) {
            return Err(UsageError(format!(
                "--html and --output are both {}; choose two paths",
                a.display()
            ))
            .into());
        }
    }
    Ok(())
}

/// The workspace line of the report, and the warnings when the two scans may not be of the
/// same workspace (different hosts, or a side that does not record it) or scanned other trees.
fn same_workspace(old: &Scan, new: &Scan) -> (String, Vec<String>) {
    let mut warnings = Vec::new();
    let host = |s: &Scan| s.identity.as_ref().map(|i| i.host.clone());
    let line = match (host(old), host(new)) {
        (Some(a), Some(b)) if a == b => a,
        (Some(a), Some(b)) => {
            warnings.push(format!(
                "OLD and NEW are scans of different workspaces ({a} and {b}): users are matched by name across them"
            ));
            format!("{a} → {b} (different workspaces)")
        }
        (a, b) => {
            let unknown: Vec<String> = [(&a, old), (&b, new)]
                .iter()
                .filter(|(h, _)| h.is_none())
                .map(|(_, s)| s.path.display().to_string())
                .collect();
            let what = if unknown.len() == 1 {
                "is a CSV, which does not record its workspace"
            } else {
                "are CSVs, which do not record their workspace"
            };
            warnings.push(format!(
                "cannot check that OLD and NEW are scans of the same workspace: {} {what} (compare the \
                 journals to have it checked)",
                unknown.join(" and "),
            ));
            match a.or(b) {
                Some(h) => format!("{h} (according to one scan only)"),
                None => "not recorded in the CSVs".to_string(),
            }
        }
    };
    let trees = |s: &Scan| s.identity.as_ref().and_then(|i| i.options.entries().remove("trees"));
    if let (Some(a), Some(b)) = (trees(old), trees(new)) {
        if a != b {
            warnings.push(format!(
                "OLD scanned {a}, NEW scanned {b}: sizes differ by what was scanned, not only by what changed"
            ));
        }
    }
    (line, warnings)
}
