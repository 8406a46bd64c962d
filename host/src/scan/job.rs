//! What a scan run is asked to do: where its users come from ([`UserSource`]), the validated run
//! options ([`ScanRun`], from `scan` flags by [`prepare`]) and the unit of work ([`Job`]).

use std::path::PathBuf;

use super::feed;
use crate::cli::{JournalArgs, ScanArgs};
use crate::error::UsageError;
use crate::journal;
use crate::model::Trees;

/// Where the users of a run come from.
#[derive(Debug, Clone)]
pub enum UserSource {
    /// A fixed list (arguments, users file), already deduplicated.
    List(Vec<String>),
    /// Every SCIM user, listed while scanning.
    AllUsers {
        /// SCIM page size.
        page_size: u32,
        /// Also scan orphaned homes (`--orphans`, see [`super::orphans`]).
        orphans: bool,
    },
}

impl UserSource {
    /// The fixed list, if the users are known up front.
    pub fn list(&self) -> Option<&[String]> {
        match self {
            UserSource::List(u) => Some(u),
            UserSource::AllUsers { .. } => None,
        }
    }

    /// True when orphaned homes are scanned too.
    pub fn orphans(&self) -> bool {
        matches!(self, UserSource::AllUsers { orphans: true, .. })
    }

    /// The banner's `Users to process:` value.
    pub fn banner_label(&self) -> String {
        match self {
            UserSource::List(u) => crate::format::thousands(u.len() as u64),
            UserSource::AllUsers { orphans: false, .. } => "all workspace users (listing via SCIM)".to_string(),
            UserSource::AllUsers { orphans: true, .. } => {
                "all workspace users (listing via SCIM) + orphaned homes under /Users".to_string()
            }
        }
    }
}

/// One scan for the scheduler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Username (home directory name).
    pub user: String,
    /// Trees to scan (an orphan only where its home was listed).
    pub trees: Trees,
    /// Mark the row as an orphaned home.
    pub orphan: bool,
}

impl Job {
    /// A plain user scan.
    pub fn user(user: String, trees: Trees) -> Job {
        Job {
            user,
            trees,
            orphan: false,
        }
    }
}

/// Options of one scan run, validated.
pub struct ScanRun {
    /// Users.
    pub source: UserSource,
    /// Duplicates dropped from the input.
    pub duplicates: Vec<String>,
    /// Trees scanned.
    pub trees: Trees,
    /// Requests a scanner puts in one batch (0: the scanner's default).
    pub batch_size: u32,
    /// Users in flight.
    pub concurrency: usize,
    /// CSV path.
    pub output: PathBuf,
    /// HTML report path (`--html`).
    pub html: Option<PathBuf>,
    /// Quiet console.
    pub quiet: bool,
    /// Workspace shown in the banner.
    pub host_label: String,
    /// Extra banner lines (auth source, runtime).
    pub banner_extra: Vec<String>,
    /// Journal, resume, JSON Lines (see [`crate::journal`]).
    pub journal: JournalArgs,
    /// `--debug`: plain progress lines instead of a bar, per-user timing.
    pub debug: bool,
    /// The journal's exclusive lock, held for the whole run (one run per journal).
    pub lock: journal::Lock,
    /// What was skipped from the input and why (printed as notes).
    pub notes: Vec<String>,
}

/// Validates `scan` arguments into a run (no network yet) and takes the journal's lock: a
/// journal another run holds is refused here, before anything is contacted.
pub fn prepare(args: &ScanArgs, host_label: String, banner_extra: Vec<String>) -> anyhow::Result<ScanRun> {
    let mut notes = Vec::new();
    let (source, duplicates) = if args.all_users {
        (
            UserSource::AllUsers {
                page_size: 100,
                orphans: args.orphans,
            },
            vec![],
        )
    } else {
        let given = feed::given_users(&args.users, args.users_file.as_deref())?;
        notes = given.notes;
        if given.users.is_empty() {
            let skipped = notes.iter().map(|n| format!(" ({n})")).collect::<String>();
            match &args.users_file {
                Some(f) => anyhow::bail!(
                    "users file {} lists no users (only blank lines or # comments){skipped}",
                    f.display()
                ),
                None => {
                    return Err(UsageError(format!(
                        "no users given{skipped}: name users, or use --users-file FILE or --all-users"
                    ))
                    .into())
                }
            }
        }
        let (kept, dropped) = feed::dedupe(given.users);
        (UserSource::List(kept), dropped)
    };
    let journal_path = journal::journal_path(&args.journal, &args.output);
    journal::check_paths(
        &journal_path,
        &[
            ("--output", Some(&args.output)),
            ("--jsonl", args.journal.jsonl.as_deref()),
            ("--html", args.html.as_deref()),
        ],
    )?;
    let lock = journal::Lock::exclusive(&journal_path, "dbx-inventory scan")?;
    Ok(ScanRun {
        source,
        duplicates,
        trees: Trees::from_flags(args.dbfs_only, args.workspace_only),
        batch_size: args.batch_size,
        concurrency: args.concurrency as usize,
        output: args.output.clone(),
        html: args.html.clone(),
        quiet: args.quiet,
        host_label,
        banner_extra,
        journal: args.journal.clone(),
        debug: args.debug,
        lock,
        notes,
    })
}
