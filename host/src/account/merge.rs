//! An account run's outputs, from its workspaces' (each exactly a single-workspace scan's):
//! the CSV with a `workspace` column after the seed's seven, JSON Lines with a
//! `deployment_name` field (their `workspace` is the Workspace location's figures), the objects file with its `workspace` column filled, the HTML report with a
//! per-workspace table; and the console's per-workspace summary.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;

use super::Listed;
use crate::cli::ScanArgs;
use crate::error::Outcome;
use crate::journal;
use crate::model::{Trees, UserRow};
use crate::output::html::{self, WorkspaceLine};
use crate::output::{console, AtomicFile};
use crate::record::Visibility;
use crate::run::Written;

/// Where the `workspace` column goes: after the seed's seven columns.
pub const WORKSPACE_COLUMN: usize = 7;

/// How one workspace's scan ended.
pub enum PartState {
    /// Scanned; its outputs are written.
    Done {
        /// Clean, or some users in `error`.
        outcome: Outcome,
        /// Its outputs.
        written: Written,
        /// Which homes its credentials could not see.
        visibility: Visibility,
    },
    /// Stopped after writing what it had (a signal, the workspace stopped answering).
    StoppedAfter {
        /// Why, as the run said it.
        why: String,
        /// By a signal.
        interrupted: bool,
        /// Its (partial) outputs.
        written: Written,
    },
    /// Stopped by a signal before any output.
    Stopped(String),
    /// Not scanned: why (not assigned, unreachable, refused journal, …).
    Failed(String),
    /// Not started: the run was stopped first.
    NotStarted,
}

impl PartState {
    /// Stopped by a signal (or never started because of one).
    pub fn interrupted(&self) -> bool {
        matches!(
            self,
            PartState::Stopped(_) | PartState::NotStarted | PartState::StoppedAfter { interrupted: true, .. }
        )
    }

    /// Failed: not scanned, or stopped by a failure.
    pub fn failed(&self) -> bool {
        matches!(
            self,
            PartState::Failed(_) | PartState::StoppedAfter { interrupted: false, .. }
        )
    }

    /// Scanned, with users in `error`.
    pub fn some_users_failed(&self) -> bool {
        matches!(
            self,
            PartState::Done {
                outcome: Outcome::SomeUsersFailed,
                ..
            }
        )
    }

    fn label(&self) -> (&'static str, String) {
        match self {
            PartState::Done { visibility, .. } => ("scanned", visibility.non_admin_note().unwrap_or_default()),
            PartState::StoppedAfter { why, .. } => ("stopped", why.clone()),
            PartState::Stopped(why) => ("stopped", why.clone()),
            PartState::Failed(why) => ("failed", why.clone()),
            PartState::NotStarted => ("not_started", "the run was stopped before it started".into()),
        }
    }
}

/// One workspace of the run.
pub struct Part {
    /// As the account lists it.
    pub listed: Listed,
    /// How its scan ended.
    pub state: PartState,
    /// Its outputs, when it wrote them.
    pub written: Option<Written>,
    /// Its journal.
    pub journal: std::path::PathBuf,
}

/// The account's output files, created before anything is scanned (an unwritable path fails first).
pub struct Files {
    csv: AtomicFile,
    jsonl: Option<AtomicFile>,
    html: Option<AtomicFile>,
    objects: Option<AtomicFile>,
}

impl Files {
    /// Creates the run's output files (renamed into place once written).
    pub fn create(args: &ScanArgs) -> anyhow::Result<Files> {
        Ok(Files {
            csv: AtomicFile::create(&args.output)?,
            jsonl: args.journal.jsonl.as_deref().map(AtomicFile::create).transpose()?,
            html: args.html.as_deref().map(AtomicFile::create).transpose()?,
            objects: args.objects.as_deref().map(AtomicFile::create).transpose()?,
        })
    }

    /// With `partial`, each file goes to its `.partial` sibling instead.
    pub fn partial(self, partial: bool, args: &ScanArgs) -> Files {
        if !partial {
            return self;
        }
        let to = |f: AtomicFile, p: &Path| f.redirect(&crate::output::partial_path(p));
        Files {
            csv: to(self.csv, &args.output),
            jsonl: self.jsonl.zip(args.journal.jsonl.as_deref()).map(|(f, p)| to(f, p)),
            html: self.html.zip(args.html.as_deref()).map(|(f, p)| to(f, p)),
            objects: self.objects.zip(args.objects.as_deref()).map(|(f, p)| to(f, p)),
        }
    }
}

/// What the merge counted.
pub struct Merged {
    /// Each part's totals (from its journal), in `parts`' order.
    pub totals: Vec<console::Totals>,
    /// The account's totals.
    pub all: console::Totals,
    /// Objects written, with `--objects`.
    pub objects: Option<u64>,
}

/// Writes the account's outputs from the parts' outputs.
pub fn write(files: Files, args: &ScanArgs, parts: &[Part], skipped: &[(Listed, String)]) -> anyhow::Result<Merged> {
    let done: Vec<(&Part, &Written)> = parts.iter().filter_map(|p| Some((p, p.written.as_ref()?))).collect();
    write_csv(files.csv, &done)?;
    if let Some(f) = files.jsonl {
        write_jsonl(f, &done)?;
    }
    let objects = match files.objects {
        Some(f) => {
            let each: Vec<(&Path, &str)> = done
                .iter()
                .filter_map(|(p, w)| Some((w.objects.as_deref()?, p.listed.deployment_name.as_str())))
                .collect();
            Some(crate::objects::parquet::concat(&each, f)?)
        }
        None => None,
    };
    // Each workspace's rows, read back from its journal, counted; kept only for the report.
    let (mut totals, mut all, mut kept) = (Vec::new(), console::Totals::default(), Vec::new());
    for p in parts {
        let rows = match p.written {
            Some(_) => journal_rows(&p.journal)?,
            None => Vec::new(),
        };
        let mut t = console::Totals::default();
        for r in &rows {
            t.add(r);
            all.add(r);
        }
        totals.push(t);
        if files.html.is_some() {
            kept.extend(rows);
        }
    }
    if let Some(f) = files.html {
        let mut lines: Vec<WorkspaceLine> = parts.iter().zip(&totals).map(|(p, t)| line(p, t, args)).collect();
        lines.extend(skipped.iter().map(|(w, why)| WorkspaceLine {
            deployment: w.shown(),
            name: w.name.clone(),
            state: "skipped".into(),
            note: why.clone(),
            ..WorkspaceLine::default()
        }));
        let trees = crate::run::config::trees_of(args).unwrap_or(Trees::ALL);
        let host = format!("account {}", args.account.account_id.clone().unwrap_or_default());
        html::write(f, &kept, &html::HtmlMeta::now(host, trees).with_workspaces(lines))?;
    }
    Ok(Merged { totals, all, objects })
}

fn line(p: &Part, t: &console::Totals, args: &ScanArgs) -> WorkspaceLine {
    let (state, note) = p.state.label();
    WorkspaceLine {
        deployment: p.listed.deployment_name.clone(),
        name: p.listed.name.clone(),
        state: state.into(),
        note,
        users: t.users,
        files: t.files,
        bytes: t.bytes,
        errors: t.errors,
        // Beside the account's report: `results.workspaces/ws-a.html`.
        report: (args.html.is_some() && p.written.is_some()).then(|| {
            let dir = super::folder_of(&args.output);
            let dir = dir
                .file_name()
                .map(|d| d.to_string_lossy().into_owned())
                .unwrap_or_default();
            format!("{dir}/{}.html", p.listed.deployment_name)
        }),
    }
}

/// The CSV: each workspace's rows as its own CSV has them, `workspace` inserted after the
/// seventh column.
fn write_csv(mut file: AtomicFile, done: &[(&Part, &Written)]) -> anyhow::Result<()> {
    let mut out = csv::Writer::from_writer(file.file().try_clone()?);
    let mut header_written = false;
    for (p, w) in done {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_path(&w.csv)
            .with_context(|| format!("cannot read {}", w.csv.display()))?;
        let header = reader.headers()?.clone();
        if !header_written {
            out.write_record(with_workspace(&header, "workspace"))?;
            header_written = true;
        }
        for record in reader.records() {
            let record = record.with_context(|| format!("cannot read {}", w.csv.display()))?;
            out.write_record(with_workspace(&record, &p.listed.deployment_name))?;
        }
    }
    if !header_written {
        let header: csv::StringRecord = crate::output::csv::CSV_HEADER.iter().copied().collect();
        out.write_record(with_workspace(&header, "workspace"))?;
    }
    out.flush()?;
    drop(out);
    file.commit()
}

fn with_workspace<'a>(record: &'a csv::StringRecord, workspace: &'a str) -> Vec<&'a str> {
    let mut fields: Vec<&str> = record.iter().collect();
    fields.insert(WORKSPACE_COLUMN.min(fields.len()), workspace);
    fields
}

/// JSON Lines: each workspace's lines, each object opening with its `deployment_name`.
fn write_jsonl(mut file: AtomicFile, done: &[(&Part, &Written)]) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(file.file().try_clone()?);
    for (p, w) in done {
        let Some(path) = &w.jsonl else { continue };
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        // `workspace` already holds the Workspace location's figures.
        let field = format!(
            "\"deployment_name\":{}",
            serde_json::to_string(&p.listed.deployment_name)?
        );
        for line in text.lines().filter(|l| !l.is_empty()) {
            let rest = line
                .strip_prefix('{')
                .with_context(|| format!("{}: a line is not a JSON object", path.display()))?;
            if rest.trim_start().starts_with('}') {
                writeln!(out, "{{{field}{rest}")?;
            } else {
                writeln!(out, "{{{field},{rest}")?;
            }
        }
    }
    out.flush()?;
    drop(out);
    file.commit()
}

/// A finished (or stopped) workspace run's rows, from its journal.
fn journal_rows(path: &Path) -> anyhow::Result<Vec<UserRow>> {
    let Some(contents) = journal::read(path)? else {
        return Ok(Vec::new());
    };
    let resolved = journal::resolve(&contents.entries);
    Ok(resolved
        .in_recorded_order()
        .into_iter()
        .map(|k| (*k.row).clone())
        .collect())
}

/// The console's account summary: one line per workspace, then the account's totals.
pub fn summary(
    out: &mut impl Write,
    parts: &[Part],
    skipped: &[(Listed, String)],
    merged: &Merged,
    args: &ScanArgs,
    partial: bool,
    elapsed: Duration,
) {
    let shown = |p: &Path| {
        if partial {
            crate::output::partial_path(p)
        } else {
            p.to_path_buf()
        }
    };
    let _ = writeln!(out, "\nAccount summary ({} workspace(s))", parts.len() + skipped.len());
    for (p, t) in parts.iter().zip(&merged.totals) {
        let (state, note) = p.state.label();
        let note = if note.is_empty() {
            String::new()
        } else {
            format!(" — {}", note.lines().next().unwrap_or_default())
        };
        let _ = writeln!(
            out,
            "  {:<24} {state:<11} {:>8} users {:>12} files {:>12}  {} error(s){note}",
            p.listed.deployment_name,
            crate::format::thousands(t.users),
            crate::format::thousands(t.files),
            crate::format::human_size(t.bytes),
            t.errors,
        );
    }
    for (w, why) in skipped {
        let _ = writeln!(out, "  {:<24} skipped     {why}", w.shown());
    }
    console::summary(out, &merged.all, 0);
    console::saved_lines(
        out,
        Some(&shown(&args.output)),
        args.journal.jsonl.as_deref().map(shown).as_deref(),
        args.html.as_deref().map(shown).as_deref(),
    );
    if let (Some(n), Some(p)) = (merged.objects, &args.objects) {
        let _ = writeln!(
            out,
            "Objects: {} file(s) in {}",
            crate::format::thousands(n),
            shown(p).display()
        );
    }
    if partial {
        let _ = writeln!(
            out,
            "This run was stopped: the finished account run's outputs were kept; this run's are the .partial files"
        );
    }
    let _ = writeln!(
        out,
        "Journals and each workspace's outputs: {}",
        super::folder_of(&args.output).display()
    );
    if !args.quiet {
        let _ = writeln!(out, "Elapsed: {}", crate::format::duration_string(elapsed));
    }
}
