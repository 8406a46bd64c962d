//! The run's first step: the journal opened under the run's identity (a `--resume` keeps its
//! ages' reference), what it already holds, and the banner that says so.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;

use super::config::ScanRun;
use crate::journal;
use crate::model::{Ages, UserKey, UserRow};
use crate::objects::kept;
use crate::objects::spool::{self, Spool};
use crate::output::console;
use crate::sandbox::Runtime;

/// The journal as this run found it, and what follows from it.
pub struct Opening {
    /// The journal's path (`prepare` holds its lock until the run ends).
    pub journal_path: PathBuf,
    /// The journal's rows before this run.
    pub previous: journal::Resolved,
    /// The finished run's journal, when this run started a new one beside it.
    pub archived: Option<PathBuf>,
    /// The journal followed a finished run (its outputs are kept if this run does not finish).
    pub after_finished_run: bool,
    /// Users the journal already has (not scanned again).
    pub skip: Arc<HashSet<UserKey>>,
    /// Users to scan, when the list is fixed.
    pub to_scan_fixed: Option<usize>,
    /// The ages' reference of the run.
    pub ages: Ages,
}

/// Opens the journal under the run's identity: refusals (another run's journal, one not to be
/// discarded) happen here; a `--resume` keeps the journal's ages.
pub fn open_journal(rt: &Runtime, run: &ScanRun) -> anyhow::Result<(Opening, journal::Writer)> {
    let journal_path = run.lock.journal().to_path_buf();
    let list = run.source.list();
    let mut identity = journal::identity(&run.host_label, run.trees, run.source.orphans(), list);
    // Rows with and without notebook bytes are not the same results.
    identity.options.notebook_sizes = rt.notebook_sizes();
    // Nor are rows whose objects were kept and rows whose were not.
    identity.options.objects = run.objects.is_some();
    // The ages' reference is part of the results: a --resume keeps its journal's.
    let ages = run_ages(run, &journal_path);
    rt.set_ages(ages);
    identity.options.set_ages(ages);
    let mut opened = journal::open(
        &journal::Settings::from_args(&run.journal, journal_path.clone()),
        &identity,
    )?;
    keep_objects(rt, run, &journal_path, &mut opened)?;
    // A fixed list decides the outputs: earlier rows of users not in it (a journal continued
    // with --force, or edited) are left out, by name. --all-users has no fixed list.
    let unlisted = list.map(|l| opened.forget_unlisted(l)).unwrap_or_default();
    let label = console::label_prefix(run.label.as_deref());
    if !unlisted.is_empty() {
        eprintln!(
            "{label}warning: {}",
            journal::unlisted_warning(&journal_path, &unlisted)
        );
    }
    let skip = Arc::new(std::mem::take(&mut opened.skip));
    let to_scan_fixed = list.map(|l| l.iter().filter(|u| !skip.contains(&UserKey::of(u))).count());
    for note in run.notes.iter().chain(&opened.notes) {
        eprintln!("{label}note: {note}");
    }
    let opening = Opening {
        journal_path,
        previous: opened.previous,
        archived: opened.archived,
        after_finished_run: opened.after_finished_run,
        skip,
        to_scan_fixed,
        ages,
    };
    Ok((opening, opened.writer))
}

/// The banner: what is scanned, where, as of when, and the journal's state.
pub fn banner(run: &ScanRun, o: &Opening, out: &mut impl Write) {
    let mut extra = run.banner_extra.clone();
    extra.push(format!(
        "Ages: as of {}; stale = last modified more than {} days before",
        crate::format::rfc3339_ms(o.ages.as_of_ms),
        o.ages.stale_days
    ));
    extra.push(console::journal_line(
        &o.journal_path,
        o.previous.rows.len(),
        o.skip.len(),
        o.to_scan_fixed,
        o.archived.as_deref(),
    ));
    console::banner(
        out,
        &run.source.banner_label(),
        &run.trees.banner_mode(),
        &run.host_label,
        &extra,
    );
    if !run.duplicates.is_empty() {
        let _ = writeln!(
            out,
            "Skipping {} duplicate user(s): {}\n",
            run.duplicates.len(),
            run.duplicates.join(", ")
        );
    }
}

/// The run's ages: `--as-of`/`--stale-days` when given; else, on `--resume`, what the journal
/// recorded; else now and 365 days.
fn run_ages(run: &ScanRun, journal: &std::path::Path) -> crate::model::Ages {
    let header = run.journal.resume.then(|| journal::last_header(journal)).flatten();
    let recorded = header.map(|h| h.identity.options).unwrap_or_default();
    crate::model::Ages {
        as_of_ms: run.as_of.or(recorded.as_of_ms).unwrap_or_else(crate::format::now_ms),
        stale_days: run
            .stale_days
            .or(recorded.stale_days)
            .unwrap_or(crate::model::Ages::DEFAULT_STALE_DAYS),
    }
}

/// The objects spool beside the journal: a finished run's goes with its archived journal; with
/// `--objects`, this run's is created (or continued with the journal), the rows whose objects it
/// does not hold whole are scanned again, and every scan hands its objects to it.
fn keep_objects(rt: &Runtime, run: &ScanRun, journal: &Path, opened: &mut journal::Opened) -> anyhow::Result<()> {
    let path = spool::path_for(journal);
    if let Some(archived) = &opened.archived {
        if path.exists() {
            std::fs::rename(&path, spool::path_for(archived)).with_context(|| {
                format!(
                    "cannot move the objects spool {} beside the kept journal",
                    path.display()
                )
            })?;
        }
    }
    if run.objects.is_none() {
        return Ok(());
    }
    let rows: Vec<(&UserKey, &UserRow)> = opened.previous.rows.iter().map(|(k, kept)| (k, &*kept.row)).collect();
    let (spool, counts) = if opened.continued {
        Spool::append_to(&path, &kept::attempts(rows.iter().map(|(_, r)| *r)))?
    } else {
        (Spool::create(&path)?, Default::default())
    };
    let spool = Arc::new(spool);
    let incomplete = kept::incomplete(&rows, &counts);
    if !incomplete.is_empty() {
        opened.notes.push(format!(
            "objects spool {}: the objects of {} recorded user(s) are not all there (a power loss, or the spool was \
             changed): they are scanned again",
            path.display(),
            incomplete.len()
        ));
    }
    for k in &incomplete {
        opened.previous.rows.remove(k);
        opened.skip.remove(k);
    }
    opened.writer.sync_spool_first(spool.clone());
    rt.keep_objects(spool);
    Ok(())
}
