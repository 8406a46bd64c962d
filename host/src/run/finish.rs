//! The run's last step: the outputs from the journal's rows and this run's (one per user, in
//! input order), the console's summary, why the run did not finish (the exit code), and the
//! journal's end mark. A run that did not finish never replaces a finished run's outputs: it
//! writes `.partial` siblings ([`Outputs`]).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::collect::Collected;
use super::config::{ScanRun, Written};
use super::open::Opening;
use crate::error::{FatalError, Interrupted, Outcome};
use crate::feed::{self, UserSource};
use crate::journal;
use crate::model::UserRow;
use crate::output::{console, csv, html, jsonl, AtomicFile};
use crate::sandbox::Runtime;

/// The output files, created before any scanning so a path that cannot be written fails first.
pub struct OutputFiles {
    csv: AtomicFile,
    html: Option<AtomicFile>,
    jsonl: Option<AtomicFile>,
    objects: Option<AtomicFile>,
}

impl OutputFiles {
    /// Creates the run's output files (written and renamed into place at the end).
    pub fn create(run: &ScanRun) -> anyhow::Result<OutputFiles> {
        Ok(OutputFiles {
            csv: AtomicFile::create(&run.output)?,
            html: run.html.as_deref().map(AtomicFile::create).transpose()?,
            jsonl: run.journal.jsonl.as_deref().map(AtomicFile::create).transpose()?,
            objects: run
                .objects
                .as_deref()
                .map(|p| AtomicFile::create(p).map_err(|e| anyhow::anyhow!("--objects {}: {e:#}", p.display())))
                .transpose()?,
        })
    }
}

/// Writes the outputs and the summary, and turns how the run ended into its outcome. An
/// account run's workspace prints its summary at once, each line under its name.
pub async fn finish(
    rt: &Runtime,
    run: &ScanRun,
    o: Opening,
    c: Collected,
    files: OutputFiles,
    started: Instant,
) -> anyhow::Result<Outcome> {
    let mut stdout = console::Out::labelled(run.label.as_deref());
    let Collected {
        new_rows,
        mut writer,
        repeats,
        interrupted,
        listing,
        scans,
        input_order,
    } = c;
    let jsonl_path = run.journal.jsonl.as_deref();
    // Why the run did not finish (None: it did). Decided before the outputs are written: a run
    // that did not finish never replaces a finished run's outputs.
    let stop_reason = rt.policy().stop_reason();
    let unfinished = interrupted.is_some() || stop_reason.is_some() || listing.is_err() || scans.is_err();
    let outputs = Outputs::new(
        run,
        jsonl_path,
        unfinished && (o.after_finished_run || partial_exists(run, jsonl_path)),
    );

    // Outputs from the journal's rows and this run's, one per user, in input order.
    let input: &[String] = match &run.source {
        UserSource::List(u) => u,
        UserSource::AllUsers { .. } => &input_order,
    };
    let scanned_now = new_rows.len();
    // One map of all rows: this run's as it is when the journal had none (no second copy).
    let mut all = o.previous.rows;
    if all.is_empty() {
        all = new_rows;
    } else {
        all.reserve(new_rows.len());
        all.extend(new_rows);
    }
    let from_journal = all.len() - scanned_now;
    let ordered: Vec<&UserRow> = journal::order_rows(&all, input);
    csv::write_csv(files.csv.redirect(&outputs.csv), &ordered)?;
    if let (Some(f), Some(p)) = (files.html, &outputs.html) {
        let notes = run
            .source
            .orphans()
            .then(|| run.visibility.orphans_note())
            .flatten()
            .into_iter()
            .collect();
        html::write(
            f.redirect(p),
            &ordered,
            &html::HtmlMeta::now(&run.host_label, run.trees)
                .with_notes(notes)
                .with_ages(Some(rt.ages())),
        )?;
    }
    if let (Some(f), Some(p)) = (files.jsonl, &outputs.jsonl) {
        jsonl::write_jsonl(f.redirect(p), &ordered)?;
    }
    let objects_line = match (files.objects, &outputs.objects) {
        (Some(f), Some(p)) => Some(write_objects(&o.journal_path, &ordered, f.redirect(p), p)?),
        _ => None,
    };
    let totals = console::Totals::of(ordered.iter().copied());
    console::summary(&mut stdout, &totals, run.duplicates.len());
    if let Some(note) = run.source.orphans().then(|| run.visibility.orphans_note()).flatten() {
        let _ = writeln!(stdout, "Note: {note}");
    }
    if !unfinished && matches!(run.source, UserSource::List(_)) {
        not_workspace_users(rt, &ordered, &mut stdout).await;
    }
    if let Some(t) = rt.policy().throttling() {
        let _ = writeln!(
            stdout,
            "Throttled by the workspace: {}; {}",
            t.share(),
            crate::policy::Throttling::cause(rt.policy().limits())
        );
    }
    if from_journal > 0 {
        let _ = writeln!(
            stdout,
            "Taken from the journal: {from_journal} user(s); scanned in this run: {scanned_now}"
        );
    }
    if repeats > 0 {
        let _ = writeln!(
            stdout,
            "Repeats dropped: {repeats} user(s) delivered twice (a retried Spark task); the first row of each was kept"
        );
    }
    console::saved_lines(
        &mut stdout,
        Some(&outputs.csv),
        outputs.jsonl.as_deref(),
        outputs.html.as_deref(),
    );
    if let Some(line) = objects_line {
        let _ = writeln!(stdout, "{line}");
    }
    let _ = writeln!(stdout, "Journal: {}", o.journal_path.display());
    let _ = run.written.set(Written {
        csv: outputs.csv.clone(),
        jsonl: outputs.jsonl.clone(),
        objects: outputs.objects.clone(),
        finished: !unfinished,
    });

    let mut recorded = format!(
        "{} user(s) recorded in {} (journal {})",
        ordered.len(),
        outputs.csv.display(),
        o.journal_path.display()
    );
    if outputs.partial {
        recorded.push_str(&outputs.kept_note(run, jsonl_path, &o.journal_path, o.archived.as_deref()));
    }
    if let Some(signal) = interrupted {
        return Err(Interrupted(format!(
            "stopped by {signal}: {recorded}. To scan the rest, run the same command again with --resume"
        ))
        .into());
    }
    if let Some(reason) = stop_reason {
        return Err(FatalError(format!(
            "the run stopped: {reason}. {recorded} before it stopped; once fixed, run again with --resume to scan the rest"
        ))
        .into());
    }
    if let Err(e) = listing {
        return Err(FatalError(format!(
            "listing workspace users failed: {e:#}. {recorded}; run again with --resume to scan the rest"
        ))
        .into());
    }
    if let Err(e) = scans {
        return Err(FatalError(format!(
            "{e:#}\n{recorded}; once fixed, run again with --resume (on Spark or locally) to scan the rest"
        ))
        .into());
    }
    // Finished: partial outputs of earlier unfinished runs are stale now.
    for p in outputs.partials(run, jsonl_path) {
        let _ = std::fs::remove_file(p);
    }
    // Every user of the run is recorded and the outputs are written: mark the run finished, so
    // the next plain run of the same command keeps this journal and starts a new one. A run with
    // `error` rows is finished too (`--resume` scans just those again).
    writer
        .end_run(&journal::End::now(
            totals.users,
            totals.errors,
            totals.files,
            totals.bytes,
        ))
        .map_err(|e| {
            FatalError(format!(
                "{e:#}. The outputs are written; the journal lacks its end mark, so the next run needs --resume or --overwrite"
            ))
        })?;
    // An account run's workspaces end with its own summary instead.
    if !run.quiet && run.label.is_none() {
        console::footer(
            &mut stdout,
            totals.errors == 0,
            started.elapsed(),
            totals.users,
            &run.output.display().to_string(),
        );
    }
    Ok(if totals.errors > 0 {
        Outcome::SomeUsersFailed
    } else {
        Outcome::Clean
    })
}

/// Where this run's outputs go: the final names, or (a run that did not finish while the final
/// names hold a finished run's outputs) their `.partial` siblings.
struct Outputs {
    csv: PathBuf,
    jsonl: Option<PathBuf>,
    html: Option<PathBuf>,
    objects: Option<PathBuf>,
    partial: bool,
}

impl Outputs {
    fn new(run: &ScanRun, jsonl: Option<&Path>, partial: bool) -> Outputs {
        let name = |p: &Path| {
            if partial {
                crate::output::partial_path(p)
            } else {
                p.to_path_buf()
            }
        };
        Outputs {
            csv: name(&run.output),
            jsonl: jsonl.map(name),
            html: run.html.as_deref().map(name),
            objects: run.objects.as_deref().map(name),
            partial,
        }
    }

    /// The `.partial` siblings of the final outputs.
    fn partials(&self, run: &ScanRun, jsonl: Option<&Path>) -> Vec<PathBuf> {
        std::iter::once(run.output.as_path())
            .chain(jsonl)
            .chain(run.html.as_deref())
            .chain(run.objects.as_deref())
            .map(crate::output::partial_path)
            .collect()
    }

    /// What was kept and how to get both results back.
    fn kept_note(&self, run: &ScanRun, jsonl: Option<&Path>, journal: &Path, archived: Option<&Path>) -> String {
        let finals: Vec<String> = std::iter::once(run.output.as_path())
            .chain(jsonl)
            .chain(run.html.as_deref())
            .chain(run.objects.as_deref())
            .map(|p| p.display().to_string())
            .collect();
        let rebuild = match archived {
            Some(a) => format!(
                "; `dbx-inventory summary --journal {} -o FILE` rebuilds them from the finished run's journal",
                a.display()
            ),
            None => String::new(),
        };
        format!(
            ". This run did not finish, so the finished run's outputs were kept unchanged ({}){rebuild}; \
             this run's partial results are in the .partial files (`dbx-inventory summary --journal {} -o FILE` \
             rebuilds them too)",
            finals.join(", "),
            journal.display()
        )
    }
}

/// True when an earlier unfinished run left `.partial` outputs: the final names still hold a
/// finished run's outputs, which this unfinished run must keep too.
fn partial_exists(run: &ScanRun, jsonl: Option<&Path>) -> bool {
    crate::output::partial_path(&run.output).exists()
        || jsonl.is_some_and(|p| crate::output::partial_path(p).exists())
        || [run.html.as_deref(), run.objects.as_deref()]
            .into_iter()
            .flatten()
            .any(|p| crate::output::partial_path(p).exists())
}

/// Writes the object inventory of `rows` from the journal's spool; the console's line about it.
pub fn write_objects(journal: &Path, rows: &[&UserRow], file: AtomicFile, shown: &Path) -> anyhow::Result<String> {
    let spool = crate::objects::spool::path_for(journal);
    let w = crate::objects::kept::write_parquet(&spool, rows, file)?;
    Ok(format!(
        "Objects: {} file(s) in {} ({})",
        w.rows,
        shown.display(),
        crate::format::human_size(w.bytes)
    ))
}

/// The users given by name who have no home anywhere and are neither a SCIM user nor a service
/// principal, said once at the end: a typo or someone who left, not an empty home.
async fn not_workspace_users(rt: &Runtime, rows: &[&UserRow], out: &mut impl Write) {
    let homeless: Vec<String> = rows
        .iter()
        .filter(|r| r.status == crate::model::Status::NoHome && r.orphan == crate::model::Orphan::No)
        .map(|r| r.username.clone())
        .collect();
    if homeless.is_empty() {
        return;
    }
    let shown = |names: &[String]| {
        let more = names.len().saturating_sub(20);
        let mut s = names.iter().take(20).cloned().collect::<Vec<_>>().join(", ");
        if more > 0 {
            s.push_str(&format!(" … and {more} more"));
        }
        s
    };
    match feed::principals::not_workspace_users(rt, &homeless).await {
        Ok(strangers) if strangers.is_empty() => {}
        Ok(strangers) => {
            let _ = writeln!(
                out,
                "Not workspace users ({} name(s) that are neither a SCIM user nor a service principal; no_home in the CSV): {}",
                strangers.len(),
                shown(&strangers)
            );
        }
        Err(why) => {
            let _ = writeln!(
                out,
                "Not checked whether the {} user(s) with no home are workspace users: {why}",
                homeless.len()
            );
        }
    }
}
