//! The one writer of a scan (phase two of the two-phase model): scans run in parallel and
//! send their rows here; the [`Recorder`] appends each to the journal, and once the journal has
//! made it durable, counts it, prints its lines and keeps it for the final outputs.
//!
//! It also opens the journal for a run ([`open_journal`]): the run's identity (host, the
//! options that change results, the users) and the path checks.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use crate::cli::JournalArgs;
use crate::console;
use crate::journal::{self, Identity, Kept, Opened, UsersIdentity, Writer};
use crate::progress::Progress;
use crate::report::{Status, UserRow};
use crate::scan::Job;

/// The journal path of a run: `--journal`, else the output path + `.journal`.
pub fn journal_path(args: &JournalArgs, output: &Path) -> PathBuf {
    args.journal.clone().unwrap_or_else(|| {
        let mut s = output.as_os_str().to_owned();
        s.push(".journal");
        PathBuf::from(s)
    })
}

/// `dbfs+workspace`, `dbfs`, `workspace`.
pub fn trees(dbfs: bool, workspace: bool) -> String {
    match (dbfs, workspace) {
        (true, true) => "dbfs+workspace",
        (true, false) => "dbfs",
        (false, true) => "workspace",
        (false, false) => "none",
    }
    .to_string()
}

/// The identity of a run: workspace, result-changing options, users.
pub fn identity(host: &str, dbfs: bool, workspace: bool, orphans: bool, users: Option<&[String]>) -> Identity {
    let options = BTreeMap::from([
        ("trees".to_string(), trees(dbfs, workspace)),
        ("orphans".to_string(), if orphans { "yes" } else { "no" }.to_string()),
    ]);
    let users = match users {
        Some(list) => UsersIdentity::List {
            count: list.len() as u64,
            sha256: journal::users_digest(list),
        },
        None => UsersIdentity::AllUsers,
    };
    Identity {
        host: host.to_string(),
        options,
        users,
    }
}

/// Refuses output paths that are the journal or each other (one would overwrite the other).
pub fn check_paths(journal: &Path, outputs: &[(&str, Option<&Path>)]) -> anyhow::Result<()> {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let j = abs(journal);
    let mut seen: Vec<(&str, PathBuf)> = Vec::new();
    for (flag, p) in outputs {
        let Some(p) = p else { continue };
        let a = abs(p);
        if a == j {
            return Err(crate::UsageError(format!(
                "{flag} {} is the journal file; choose another path",
                p.display()
            ))
            .into());
        }
        if let Some((other, _)) = seen.iter().find(|(_, q)| *q == a) {
            return Err(
                crate::UsageError(format!("{flag} and {other} are both {}; choose two paths", p.display())).into(),
            );
        }
        seen.push((flag, a));
    }
    Ok(())
}

/// Opens the journal of a scan (see [`journal::open`] for the rules).
pub fn open_journal(args: &JournalArgs, path: PathBuf, identity: &Identity) -> anyhow::Result<Opened> {
    let settings = journal::Settings {
        path,
        resume: args.resume,
        overwrite: args.overwrite,
        force: args.force,
        keep_errors: args.keep_errors,
    };
    journal::open(&settings, identity)
}

/// The banner's journal line: `Journal: results.csv.journal (resuming: 120 user(s) already
/// recorded, 180 to scan)`.
pub fn banner_line(path: &Path, previous: &journal::Resolved, skipped: usize, to_scan: Option<usize>) -> String {
    let recorded = previous.rows.len();
    let state = match (recorded, to_scan) {
        (0, _) => "new".to_string(),
        (_, Some(n)) => format!("resuming: {skipped} user(s) already recorded, {n} to scan"),
        (_, None) => format!("resuming: {skipped} user(s) already recorded are skipped"),
    };
    let rescans = recorded - skipped;
    let again = if rescans > 0 {
        format!(", {rescans} in error scanned again")
    } else {
        String::new()
    };
    format!("Journal: {} ({state}{again})", path.display())
}

/// Sits between the user feeder and the scheduler: remembers the input order (for the
/// outputs) and holds back users the journal already has. Sets `to_scan` when the input ends.
pub async fn skip_recorded(
    mut rx: mpsc::Receiver<(usize, Job)>,
    tx: mpsc::Sender<(usize, Job)>,
    skip: Arc<HashSet<String>>,
    order: Arc<Mutex<Vec<String>>>,
    to_scan: Arc<Mutex<Option<usize>>>,
) {
    let mut n = 0usize;
    while let Some((idx, job)) = rx.recv().await {
        order.lock().expect("not poisoned").push(job.user.clone());
        if skip.contains(&journal::user_key(&job.user)) {
            continue;
        }
        n += 1;
        if tx.send((idx, job)).await.is_err() {
            break;
        }
    }
    *to_scan.lock().expect("not poisoned") = Some(n);
}

/// Records rows: journal first, then (once durable) console, progress, totals.
pub struct Recorder {
    writer: Writer,
    progress: Progress,
    seen: HashSet<String>,
    rows: HashMap<String, Kept>,
    recorded: usize,
}

impl Recorder {
    /// A recorder appending to `writer`.
    pub fn new(writer: Writer, progress: Progress) -> Recorder {
        Recorder {
            writer,
            progress,
            seen: HashSet::new(),
            rows: HashMap::new(),
            recorded: 0,
        }
    }

    /// The progress display.
    pub fn progress(&mut self) -> &mut Progress {
        &mut self.progress
    }

    /// Users recorded (durably) in this run.
    pub fn recorded(&self) -> usize {
        self.recorded
    }

    /// The journal's path.
    pub fn journal_path(&self) -> &Path {
        self.writer.path()
    }

    /// Takes a finished scan (`idx`: input position).
    pub fn add(&mut self, idx: usize, row: UserRow) -> anyhow::Result<()> {
        if !self.seen.insert(journal::user_key(&row.username)) {
            // The feeder deduplicates, so this is a bug upstream; never record a user twice.
            tracing::warn!(
                "{} finished twice in one run; the second result is ignored",
                row.username
            );
            return Ok(());
        }
        let durable = self.writer.append(idx, row)?;
        self.accept(durable);
        Ok(())
    }

    /// Periodic work: syncs the journal when due, refreshes progress.
    pub fn tick(&mut self) -> anyhow::Result<()> {
        let durable = self.writer.tick()?;
        self.accept(durable);
        self.progress.tick();
        Ok(())
    }

    fn accept(&mut self, durable: Vec<(usize, UserRow)>) {
        for (i, row) in durable {
            self.recorded += 1;
            let n = self.progress.total().map_or("?".to_string(), |t| t.to_string());
            let text = console::user_lines(self.recorded, &n, &row);
            self.progress.user_recorded(&text, row.status == Status::Error);
            tracing::debug!(
                "{} scanned in {} ms ({} requests, {})",
                row.username,
                row.duration_ms,
                row.requests,
                row.status.as_str()
            );
            let seq = self.recorded;
            self.rows
                .insert(journal::user_key(&row.username), Kept { i: i as u64, seq, row });
        }
    }

    /// Syncs what is left and ends the progress display; returns this run's rows by user key.
    pub fn finish(mut self) -> anyhow::Result<HashMap<String, Kept>> {
        let durable = self.writer.sync()?;
        self.accept(durable);
        self.progress.finish();
        Ok(self.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_follows_the_output_unless_named() {
        let a = JournalArgs::default();
        assert_eq!(
            journal_path(&a, Path::new("out/results.csv")),
            Path::new("out/results.csv.journal")
        );
        let a = JournalArgs {
            journal: Some("j.jsonl".into()),
            ..Default::default()
        };
        assert_eq!(journal_path(&a, Path::new("results.csv")), Path::new("j.jsonl"));
    }

    #[test]
    fn identity_has_result_changing_options_only() {
        let users = vec!["a@x.com".to_string()];
        let i = identity("https://h", true, false, false, Some(&users));
        assert_eq!(i.options["trees"], "dbfs");
        assert_eq!(i.options["orphans"], "no");
        assert!(matches!(i.users, UsersIdentity::List { count: 1, .. }));
        assert_eq!(
            identity("https://h", true, true, true, None).users,
            UsersIdentity::AllUsers
        );
    }

    #[test]
    fn outputs_may_not_clobber_the_journal_or_each_other() {
        let j = Path::new("r.csv.journal");
        assert!(check_paths(j, &[("--output", Some(Path::new("r.csv"))), ("--jsonl", None)]).is_ok());
        let e = check_paths(j, &[("--output", Some(Path::new("./r.csv.journal")))])
            .unwrap_err()
            .to_string();
        assert!(e.contains("--output") && e.contains("journal"), "{e}");
        let e = check_paths(
            j,
            &[("--output", Some(Path::new("a"))), ("--jsonl", Some(Path::new("a")))],
        )
        .unwrap_err();
        assert!(e.to_string().contains("--jsonl and --output"), "{e}");
    }
}
