//! `scan --account-id`: each running workspace scanned as its own single-workspace run (own
//! credentials, limiter and in-flight cap; its journal and outputs in the account's folder),
//! up to `--max-workspaces` at once under one cap on requests in flight, all on one compiled
//! scanner; then the account's outputs, merged from the workspaces' ([`super::merge`]).
//!
//! A workspace that fails (not assigned, unreachable, stopped) is named and the others go on;
//! the run then exits 3. The journal is one file per workspace (rows keyed by workspace and
//! user); `--resume` continues each.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use futures::stream::{self, StreamExt as _};
use tokio::sync::Semaphore;
use tracing::Instrument as _;

use super::merge::{self, Part, PartState};
use super::{folder_of, Account, Listed};
use crate::cli::ScanArgs;
use crate::connect;
use crate::error::{FatalError, Interrupted, Outcome, UsageError};
use crate::journal;
use crate::record::Visibility;
use crate::run::{self, interrupt};

/// `dbx-inventory scan --account-id`.
pub async fn run(mut args: ScanArgs, resolved: dbx_auth::ResolvedAuth) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    refuse_flags(&args)?;
    let dir = folder_of(&args.output);
    journal::check_paths(
        &dir.join("account"),
        &[
            ("--output", Some(args.output.as_path())),
            ("--jsonl", args.journal.jsonl.as_deref()),
            ("--html", args.html.as_deref()),
            ("--objects", args.objects.as_deref()),
        ],
    )?;
    std::fs::create_dir_all(&dir).map_err(|e| FatalError(format!("cannot create {}: {e}", dir.display())))?;
    // One account run per output at a time (each workspace's journal has its own lock too).
    let _lock = journal::Lock::exclusive(&dir.join("account"), "dbx-inventory scan --account-id")?;
    let files = merge::Files::create(&args)?;
    if args.users_file.as_deref() == Some(Path::new("-")) {
        // Each workspace reads the list: standard input is read once, into the folder.
        let kept = dir.join("users-from-stdin.txt");
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut text)?;
        std::fs::write(&kept, text).map_err(|e| FatalError(format!("cannot write {}: {e}", kept.display())))?;
        args.users_file = Some(kept);
    }
    check_users_and_flags(&args)?;
    let account = Account::open(resolved, &args.limits).await?;
    let (chosen, skipped) = account.choose(&args.account.workspaces)?;
    refuse_unfinished(&args, &dir, &chosen)?;
    if !args.quiet {
        banner(&account, &args, &dir, &chosen, &skipped);
    }
    for (w, why) in &skipped {
        println!("[{}] skipped: {why}", w.shown());
    }
    let at_once = (args.account.max_workspaces as usize).min(chosen.len()).max(1);
    let global = Arc::new(Semaphore::new(args.account.account_max_in_flight as usize));
    let allow = connect::scan_allow_list(args.notebook_sizes);
    // One compiled scanner for every workspace; its pool holds the workspaces running at once.
    let pool = u32::try_from(at_once)
        .unwrap_or(u32::MAX)
        .saturating_mul(args.concurrency + 8);
    let base = Arc::new(account.engine(&args.limits, allow, pool)?);
    let ctx = Ctx {
        account: &account,
        args: &args,
        dir: &dir,
        base,
        global,
        stopping: Arc::new(AtomicBool::new(false)),
    };
    // Each workspace's run stops itself on Ctrl-C/SIGTERM; those not started yet are not started.
    let mut stop = interrupt::listen();
    let scans = stream::iter(chosen)
        .map(|w| ctx.scan_one(w))
        .buffer_unordered(at_once)
        .collect::<Vec<Part>>();
    tokio::pin!(scans);
    let mut parts = tokio::select! {
        parts = &mut scans => parts,
        _ = stop.requested() => {
            ctx.stopping.store(true, Ordering::SeqCst);
            scans.await
        }
    };
    parts.sort_by(|a, b| a.listed.deployment_name.cmp(&b.listed.deployment_name));
    // Stopped by a signal over a finished account run's outputs: those are kept, this run's go to
    // `.partial` siblings (as a single run's do).
    let partial = parts.iter().any(|p| p.state.interrupted()) && args.output.exists();
    let merged = merge::write(files.partial(partial, &args), &args, &parts, &skipped)?;
    if !parts.iter().any(|p| p.state.interrupted()) {
        // Not stopped: an earlier stopped run's `.partial` account outputs are stale now.
        let finals = [
            Some(&args.output),
            args.journal.jsonl.as_ref(),
            args.html.as_ref(),
            args.objects.as_ref(),
        ];
        for p in finals.into_iter().flatten() {
            let _ = std::fs::remove_file(crate::output::partial_path(p));
        }
    }
    merge::summary(
        &mut std::io::stdout(),
        &parts,
        &skipped,
        &merged,
        &args,
        partial,
        started.elapsed(),
    );
    outcome(&parts)
}

/// What every workspace's scan shares.
struct Ctx<'a> {
    account: &'a Account,
    args: &'a ScanArgs,
    dir: &'a Path,
    base: Arc<crate::sandbox::Runtime>,
    global: Arc<Semaphore>,
    stopping: Arc<AtomicBool>,
}

impl Ctx<'_> {
    /// One workspace's scan, as a single-workspace run would do it, under its name.
    async fn scan_one(&self, w: Listed) -> Part {
        let name = w.deployment_name.clone();
        let state = if self.stopping.load(Ordering::SeqCst) {
            PartState::NotStarted
        } else {
            self.scan_workspace(&w)
                .instrument(tracing::info_span!("workspace", name = %name))
                .await
        };
        match &state {
            PartState::Failed(why) => eprintln!("[{name}] error: {why}"),
            PartState::Stopped(why) => eprintln!("[{name}] {why}"),
            _ => {}
        }
        let written = match &state {
            PartState::Done { written, .. } | PartState::StoppedAfter { written, .. } => Some(written.clone()),
            _ => None,
        };
        Part {
            journal: self.dir.join(format!("{name}.csv.journal")),
            listed: w,
            state,
            written,
        }
    }

    async fn scan_workspace(&self, w: &Listed) -> PartState {
        let ws = match self.account.workspace(w).await {
            Ok(ws) => ws,
            Err(why) => return PartState::Failed(why),
        };
        let ws_args = workspace_args(self.args, self.dir, &w.deployment_name);
        let extra = vec![format!(
            "Auth: {} (workspace token of account {})",
            ws.resolved.describe(),
            self.account.id
        )];
        let mut run = match run::prepare(&ws_args, ws.resolved.host_str(), extra) {
            Ok(r) => r,
            Err(e) => return PartState::Failed(format!("{e:#}")),
        };
        run.label = Some(w.deployment_name.clone());
        let allow = connect::scan_allow_list(self.args.notebook_sizes);
        let (rt, identity) = match self
            .account
            .runtime(&self.base, &ws, &self.args.limits, allow, Some(self.global.clone()))
            .await
        {
            Ok(r) => r,
            Err(why) => return PartState::Failed(why),
        };
        let rt = Arc::new(rt);
        run.banner_extra.push(identity.banner_line());
        run.visibility = Visibility::of(&identity);
        let admin = run.visibility.clone();
        let written = run.written.clone();
        let result = run::run(rt, run).await;
        match (result, written.get().cloned()) {
            (Ok(outcome), Some(written)) => PartState::Done {
                outcome,
                written,
                visibility: admin,
            },
            (Ok(_), None) => PartState::Failed("the run ended without writing its outputs".into()),
            (Err(e), Some(written)) => {
                let interrupted = e.is::<Interrupted>();
                PartState::StoppedAfter {
                    why: format!("{e:#}"),
                    interrupted,
                    written,
                }
            }
            (Err(e), None) if e.is::<Interrupted>() => PartState::Stopped(format!("{e:#}")),
            (Err(e), None) => PartState::Failed(format!("{e:#}")),
        }
    }
}

/// A workspace's scan flags: the account run's, its outputs in the account's folder.
fn workspace_args(args: &ScanArgs, dir: &Path, name: &str) -> ScanArgs {
    let mut a = args.clone();
    a.output = dir.join(format!("{name}.csv"));
    a.html = args.html.as_ref().map(|_| dir.join(format!("{name}.html")));
    a.journal.jsonl = args.journal.jsonl.as_ref().map(|_| dir.join(format!("{name}.jsonl")));
    a.objects = args.objects.as_ref().map(|_| dir.join(format!("{name}.parquet")));
    a.journal.journal = None;
    a
}

/// Flags an account run cannot honour, refused by name before anything is contacted.
fn refuse_flags(args: &ScanArgs) -> anyhow::Result<()> {
    if args.spark.enabled() {
        return Err(UsageError(
            "an account scan runs in this process (each workspace at its own limits): --spark-master, \
             --spark-remote and --cluster-id scan one workspace; give that workspace's URL as --host"
                .into(),
        )
        .into());
    }
    if let Some(j) = &args.journal.journal {
        return Err(UsageError(format!(
            "--journal {}: an account scan keeps one journal per workspace in {} (beside -o)",
            j.display(),
            folder_of(&args.output).display()
        ))
        .into());
    }
    Ok(())
}

/// What every workspace's run would refuse alike (no users, a bad users file, `--locations`,
/// `--as-of`) is refused once, before the console is contacted.
fn check_users_and_flags(args: &ScanArgs) -> anyhow::Result<()> {
    run::config::trees_of(args)?;
    if let Some(a) = &args.as_of {
        crate::format::parse_as_of(a).map_err(|e| UsageError(format!("--as-of {e}")))?;
    }
    if !args.all_users
        && crate::feed::given_users(&args.users, args.users_file.as_deref())?
            .users
            .is_empty()
    {
        return Err(UsageError("no users given: name users, or use --users-file FILE or --all-users".into()).into());
    }
    Ok(())
}

/// A plain run over unfinished workspace journals would refuse them one by one, after scanning
/// the others again: refused as a whole instead, naming them.
fn refuse_unfinished(args: &ScanArgs, dir: &Path, chosen: &[Listed]) -> anyhow::Result<()> {
    if args.journal.resume || args.journal.overwrite || args.journal.force {
        return Ok(());
    }
    let mut unfinished = Vec::new();
    for w in chosen {
        let path = dir.join(format!("{}.csv.journal", w.deployment_name));
        if let Ok(Some(c)) = journal::read(&path) {
            if c.end.is_none() && !c.entries.is_empty() {
                unfinished.push(format!("{} ({} user row(s))", w.deployment_name, c.entries.len()));
            }
        }
    }
    if unfinished.is_empty() {
        return Ok(());
    }
    Err(UsageError(format!(
        "the account run in {} did not finish: the journals of {} hold rows of an unfinished run. Add --resume to \
         continue it (users already recorded are not scanned again), or --overwrite to start over",
        dir.display(),
        unfinished.join(", ")
    ))
    .into())
}

fn banner(account: &Account, args: &ScanArgs, dir: &Path, chosen: &[Listed], skipped: &[(Listed, String)]) {
    let mut out = std::io::stdout().lock();
    let names: Vec<String> = chosen.iter().map(Listed::describe).collect();
    let _ =
        std::io::Write::write_fmt(
            &mut out,
            format_args!(
            "dbx-inventory account scan\nAccount: {} — {}\nWorkspaces: {} to scan{}: {}\nAt once: {} workspace(s), \
             {} request(s) in flight over all; each at its own limits\nPer workspace: {}\n\n",
            account.id,
            account.resolved.describe(),
            chosen.len(),
            if skipped.is_empty() {
                String::new()
            } else {
                format!(", {} skipped", skipped.len())
            },
            if names.is_empty() { "none".into() } else { names.join(", ") },
            (args.account.max_workspaces as usize).min(chosen.len()),
            args.account.account_max_in_flight,
            dir.display(),
        ),
        );
}

/// The account run's outcome: 130 when stopped by a signal, 3 when a workspace failed (named
/// above) or has users in error, else 0.
fn outcome(parts: &[Part]) -> anyhow::Result<Outcome> {
    let interrupted = parts.iter().any(|p| p.state.interrupted());
    let failed: Vec<String> = parts
        .iter()
        .filter(|p| p.state.failed())
        .map(|p| p.listed.deployment_name.clone())
        .collect();
    if interrupted {
        return Err(Interrupted(format!(
            "stopped by a signal: what was recorded is in each workspace's journal; to scan the rest, run the same \
             command again with --resume{}",
            if failed.is_empty() {
                String::new()
            } else {
                format!(" (failed: {})", failed.join(", "))
            }
        ))
        .into());
    }
    if !failed.is_empty() {
        eprintln!(
            "error: {} workspace(s) not scanned in full: {} (the reasons are above; the others are in the outputs). \
             Once fixed, run again with --resume",
            failed.len(),
            failed.join(", ")
        );
        return Ok(Outcome::SomeUsersFailed);
    }
    Ok(if parts.iter().any(|p| p.state.some_users_failed()) {
        Outcome::SomeUsersFailed
    } else {
        Outcome::Clean
    })
}
