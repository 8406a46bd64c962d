//! The `scan` command: users in → sandboxed scans in parallel → one collector records rows in
//! input order → CSV, console summary, exit status.

use std::collections::HashSet;
use std::io::Write as _;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use tokio::sync::{mpsc, Semaphore};

use crate::bindings::scanner::ScanOptions;
use crate::cli::ScanArgs;
use crate::console::{self, Totals};
use crate::output::{write_csv, AtomicFile};
use crate::report::{Status, UserRow};
use crate::runtime::Runtime;
use crate::users;
use crate::Outcome;

/// Where the users of a run come from.
pub enum UserSource {
    /// A fixed list (arguments, users file), already deduplicated.
    List(Vec<String>),
    /// Every SCIM user, listed while scanning.
    AllUsers {
        /// SCIM page size.
        page_size: u32,
        /// Also scan orphaned homes (`--orphans`, see [`crate::orphans`]).
        orphans: bool,
    },
}

/// One scan for the scheduler.
#[derive(Debug, Clone)]
pub struct Job {
    /// Username (home directory name).
    pub user: String,
    /// Trees to scan when not the run's (orphans are scanned where their home was listed).
    pub options: Option<ScanOptions>,
    /// Mark the row as an orphaned home.
    pub orphan: bool,
}

impl Job {
    /// A plain user scan with the run's options.
    pub fn user(user: String) -> Job {
        Job { user, options: None, orphan: false }
    }
}

/// Options of one scan run, validated.
pub struct ScanRun {
    /// Users.
    pub source: UserSource,
    /// Duplicates dropped from the input.
    pub duplicates: Vec<String>,
    /// Trees and batch size.
    pub options: ScanOptions,
    /// Users in flight.
    pub concurrency: usize,
    /// CSV path.
    pub output: std::path::PathBuf,
    /// HTML report path (`--html`).
    pub html: Option<std::path::PathBuf>,
    /// Quiet console.
    pub quiet: bool,
    /// Workspace shown in the banner.
    pub host_label: String,
    /// Extra banner lines (auth source, runtime).
    pub banner_extra: Vec<String>,
}

/// Validates `scan` arguments into a run (no network yet).
pub fn prepare(args: &ScanArgs, host_label: String, banner_extra: Vec<String>) -> anyhow::Result<ScanRun> {
    let source = if args.all_users {
        UserSource::AllUsers { page_size: 100, orphans: args.orphans }
    } else {
        let mut given = args.users.clone();
        if let Some(f) = &args.users_file {
            given.extend(users::read_users_file(f)?);
        }
        let given: Vec<String> =
            given.into_iter().map(|u| users::home_path_to_user(u.trim()).to_string()).filter(|u| !u.is_empty()).collect();
        if given.is_empty() {
            match &args.users_file {
                Some(f) => anyhow::bail!("users file {} lists no users (only blank lines or # comments)", f.display()),
                None => return Err(crate::UsageError("no users given: name users, or use --users-file FILE or --all-users".into()).into()),
            }
        }
        let (kept, dropped) = users::dedupe(given);
        return Ok(ScanRun {
            source: UserSource::List(kept),
            duplicates: dropped,
            options: options(args),
            concurrency: args.concurrency as usize,
            output: args.output.clone(),
            html: args.html.clone(),
            quiet: args.quiet,
            host_label,
            banner_extra,
        });
    };
    Ok(ScanRun {
        source,
        duplicates: vec![],
        options: options(args),
        concurrency: args.concurrency as usize,
        output: args.output.clone(),
        html: args.html.clone(),
        quiet: args.quiet,
        host_label,
        banner_extra,
    })
}

fn options(args: &ScanArgs) -> ScanOptions {
    ScanOptions { dbfs: !args.workspace_only, workspace: !args.dbfs_only, batch_size: args.batch_size }
}

fn mode(o: &ScanOptions) -> &'static str {
    match (o.dbfs, o.workspace) {
        (true, true) => "DBFS + Workspace homes",
        (true, false) => "DBFS homes only (--dbfs-only)",
        (false, true) => "Workspace homes only (--workspace-only)",
        (false, false) => "nothing",
    }
}

/// Checks the credentials before scanning: a rejected token stops the run with no rows.
pub async fn preflight(rt: &Runtime, auth: &dbx_auth::ResolvedAuth) -> anyhow::Result<String> {
    let auth_desc = auth.describe();
    match rt.whoami().await? {
        Ok(me) => Ok(me),
        Err(f) if matches!(f.status, Some(401)) => Err(crate::FatalError(format!(
            "authentication failed: {}\nDetail: {}",
            auth.rejection_message(401),
            f.message
        ))
        .into()),
        // The host stopped the run before sending (e.g. the OAuth token endpoint refused the
        // client credentials): its reason is complete and already names the source.
        Err(f) if f.status.is_none() && rt.policy().stop_reason().is_some() => Err(crate::FatalError(format!(
            "cannot authenticate: {}",
            rt.policy().stop_reason().unwrap_or(f.message)
        ))
        .into()),
        Err(f) if f.status.is_none() => {
            Err(crate::FatalError(format!("cannot reach the workspace ({auth_desc}): {}", f.message)).into())
        }
        // 403 and the like: SCIM may be closed to this principal; the scan itself may still work.
        Err(f) => {
            tracing::warn!("could not identify the caller: {}", f.message);
            Ok(String::from("(unknown)"))
        }
    }
}

/// Runs the scan and returns the outcome (for the exit code).
pub async fn run(rt: Arc<Runtime>, run: ScanRun) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    // Fail early, before any scanning, if the output cannot be written.
    let out_file = AtomicFile::create(&run.output)?;
    let html_file = run.html.as_deref().map(AtomicFile::create).transpose()?;
    let (total_label, fixed_total) = match &run.source {
        UserSource::List(u) => (crate::report::thousands(u.len() as u64), Some(u.len())),
        UserSource::AllUsers { orphans: false, .. } => ("all workspace users (listing via SCIM)".to_string(), None),
        UserSource::AllUsers { orphans: true, .. } => {
            ("all workspace users (listing via SCIM) + orphaned homes under /Users".to_string(), None)
        }
    };
    let mut stdout = std::io::stdout();
    if !run.quiet {
        console::banner(&mut stdout, &total_label, mode(&run.options), &run.host_label, &run.banner_extra);
        if !run.duplicates.is_empty() {
            let _ = writeln!(stdout, "Skipping {} duplicate user(s): {}\n", run.duplicates.len(), run.duplicates.join(", "));
        }
    }

    // Users → scanners.
    let (user_tx, mut user_rx) = mpsc::channel::<(usize, Job)>(1024);
    let (row_tx, mut row_rx) = mpsc::channel::<(usize, UserRow)>(1024);
    let listed_total = Arc::new(std::sync::Mutex::new(fixed_total));
    let lister = {
        let rt = rt.clone();
        let listed_total = listed_total.clone();
        let source = match &run.source {
            UserSource::List(u) => UserSource::List(u.clone()),
            UserSource::AllUsers { page_size, orphans } => UserSource::AllUsers { page_size: *page_size, orphans: *orphans },
        };
        let options = run.options;
        tokio::spawn(async move { feed_users(&rt, source, options, user_tx, listed_total).await })
    };
    let scheduler = {
        let rt = rt.clone();
        let options = run.options;
        let permits = Arc::new(Semaphore::new(run.concurrency));
        tokio::spawn(async move {
            let mut tasks = tokio::task::JoinSet::new();
            while let Some((idx, job)) = user_rx.recv().await {
                let permit = permits.clone().acquire_owned().await.expect("open");
                let rt = rt.clone();
                let tx = row_tx.clone();
                tasks.spawn(async move {
                    let mut row = rt.scan_user(&job.user, job.options.unwrap_or(options)).await;
                    row.orphan = job.orphan;
                    drop(permit);
                    let _ = tx.send((idx, row)).await;
                });
                while tasks.try_join_next().is_some() {}
            }
            while tasks.join_next().await.is_some() {}
        })
    };

    // The one collector: records rows, prints progress.
    let mut rows: Vec<Option<UserRow>> = Vec::new();
    let mut totals = Totals::default();
    let mut done = 0usize;
    while let Some((idx, row)) = row_rx.recv().await {
        done += 1;
        let n = listed_total.lock().unwrap().map_or("?".to_string(), |n| n.to_string());
        if !run.quiet || row.status == Status::Error {
            let _ = write!(stdout, "{}", console::user_lines(done, &n, &row));
            let _ = stdout.flush();
        }
        tracing::debug!(user = %row.username, ms = row.duration_ms, requests = row.requests, "user finished");
        totals.add(&row);
        if rows.len() <= idx {
            rows.resize_with(idx + 1, || None);
        }
        rows[idx] = Some(row);
    }
    scheduler.await.context("scheduler task")?;
    let listing = lister.await.context("user listing task")?;

    let ordered: Vec<&UserRow> = rows.iter().flatten().collect();
    write_csv(out_file, &ordered)?;
    if let Some(f) = html_file {
        let meta = crate::html::HtmlMeta::now(&run.host_label, run.options.dbfs, run.options.workspace);
        crate::html::write(f, &ordered, &meta)?;
    }
    console::summary(&mut stdout, &totals, run.duplicates.len());
    let _ = writeln!(stdout, "\nResults saved to: {}", run.output.display());
    if let Some(p) = &run.html {
        let _ = writeln!(stdout, "HTML report saved to: {}", p.display());
    }

    if let Some(reason) = rt.policy().stop_reason() {
        return Err(crate::FatalError(format!(
            "the run stopped: {reason}. {} user(s) recorded in {} before it stopped",
            ordered.len(),
            run.output.display()
        ))
        .into());
    }
    if let Err(e) = listing {
        return Err(crate::FatalError(format!(
            "listing workspace users failed: {e:#}. {} user(s) scanned and saved to {}",
            ordered.len(),
            run.output.display()
        ))
        .into());
    }
    if !run.quiet {
        console::footer(&mut stdout, totals.errors == 0, started.elapsed(), totals.users, &run.output.display().to_string());
    }
    Ok(if totals.errors > 0 { Outcome::SomeUsersFailed } else { Outcome::Clean })
}

/// Sends users to the scheduler: a fixed list, or SCIM pages as they arrive (deduplicated).
async fn feed_users(
    rt: &Runtime,
    source: UserSource,
    options: ScanOptions,
    tx: mpsc::Sender<(usize, Job)>,
    total: Arc<std::sync::Mutex<Option<usize>>>,
) -> anyhow::Result<()> {
    match source {
        UserSource::List(list) => {
            for (i, u) in list.into_iter().enumerate() {
                if tx.send((i, Job::user(u))).await.is_err() {
                    break;
                }
            }
            Ok(())
        }
        UserSource::AllUsers { page_size, orphans } => {
            let mut seen = HashSet::new();
            // With --orphans, inactive users' homes are orphans: they wait for the home listing.
            let mut inactive = Vec::new();
            let mut scanned = Vec::new();
            let mut idx = 0usize;
            let scim = async {
                let mut start = 1u32;
                loop {
                    let page = rt.list_users(start, page_size).await?.map_err(|f| anyhow::anyhow!("{}", f.message))?;
                    for u in page.users {
                        if orphans && u.active == Some(false) {
                            inactive.push(u.user_name);
                        } else if seen.insert(u.user_name.to_lowercase()) {
                            if orphans {
                                scanned.push(u.user_name.clone());
                            }
                            tx.send((idx, Job::user(u.user_name))).await.ok();
                            idx += 1;
                        }
                    }
                    match page.next_start_index {
                        Some(n) if n > start => start = n,
                        _ => break,
                    }
                }
                anyhow::Ok(())
            };
            let homes = async {
                if orphans {
                    crate::orphans::list_homes(rt, options).await.map(Some)
                } else {
                    Ok(None)
                }
            };
            let (scim, homes) = tokio::join!(scim, homes);
            scim?;
            if let Some(homes) = homes? {
                for job in crate::orphans::plan(&homes, &scanned, &inactive, options) {
                    tx.send((idx, job)).await.ok();
                    idx += 1;
                }
            }
            *total.lock().unwrap() = Some(idx);
            Ok(())
        }
    }
}
