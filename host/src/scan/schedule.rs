//! The scheduler (phase one): up to `concurrency` user scans in flight, each in its own fresh
//! component instance, rows sent to the writer as each finishes. Cancelling is aborting the
//! returned task (its scans are dropped with it); each scan's deadline and compute limit are the
//! sandbox's ([`crate::sandbox::GuestLimits`]).

use std::sync::Arc;

use tokio::sync::{mpsc, OnceCell, Semaphore};
use tokio::task::{JoinHandle, JoinSet};

use super::homes::{self, HomeIndex};
use super::job::Job;
use crate::model::{Orphan, Principal, Status, Trees, UserRow};
use crate::sandbox::Runtime;

/// Whether a user given by name who turns out to have no home anywhere is looked up in the
/// `/Users` listings (listed once, on the first such user) for a folder spelled in another
/// letter case. Off when the feeder already placed every job with those listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseLookup {
    /// Look the spelling up (a fixed list scanned without `--list-homes`).
    Lazy(Trees),
    /// Never (the jobs came placed, or from SCIM).
    Off,
}

/// Starts scanning the jobs that arrive on `jobs`; each row goes to `rows` with its input position.
pub fn spawn(
    rt: Arc<Runtime>,
    batch_size: u32,
    concurrency: usize,
    case: CaseLookup,
    mut jobs: mpsc::Receiver<(usize, Job)>,
    rows: mpsc::Sender<(usize, UserRow)>,
) -> JoinHandle<anyhow::Result<()>> {
    tokio::spawn(async move {
        let index: Arc<OnceCell<HomeIndex>> = Arc::new(OnceCell::new());
        // Why the workspace has no DBFS API, once a scan has met it (see `without_dbfs`).
        let dbfs_off: Arc<std::sync::OnceLock<String>> = Arc::new(std::sync::OnceLock::new());
        let permits = Arc::new(Semaphore::new(concurrency));
        let mut tasks = JoinSet::new();
        while let Some((idx, job)) = jobs.recv().await {
            let permit = permits
                .clone()
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            let rt = rt.clone();
            let tx = rows.clone();
            let index = index.clone();
            let dbfs_off = dbfs_off.clone();
            tasks.spawn(async move {
                let mut row = without_dbfs(&rt, &job, batch_size, &dbfs_off).await;
                if let CaseLookup::Lazy(trees) = case {
                    if let Some(better) = respelled(&rt, &index, trees, &job, &row).await {
                        row = scan_job(&rt, &better, batch_size).await;
                    }
                }
                job.mark(&mut row);
                drop(permit);
                let _ = tx.send((idx, row)).await;
            });
            while tasks.try_join_next().is_some() {}
        }
        while tasks.join_next().await.is_some() {}
        Ok(())
    })
}

/// Scans one job: each home folder under its own spelling (one scan unless the trees spell it
/// differently), homes `/Users` does not list recorded without a request ([`homes`]); the row
/// carries the username given.
pub async fn scan_job(rt: &Runtime, job: &Job, batch_size: u32) -> UserRow {
    let mut row: Option<UserRow> = None;
    for (folder, trees) in job.scans() {
        // Also with no tree left to scan: the scanner still checks the name (an invalid one is
        // an error row, never `no_home`).
        let r = rt.scan_user(&folder, trees, batch_size).await;
        match row.as_mut() {
            Some(first) => first.merge(r),
            None => row = Some(r),
        }
    }
    let mut row = row.expect("a job has at least one scan");
    // A name the scanner refused as a whole keeps its error; every other row is the user's.
    row.username = job.user.clone();
    row.add_absent_homes(job.trees.and(job.no_home), rt.notebook_sizes());
    row.settle_status();
    row
}

/// Scans a job; once a scan has shown that the workspace has no DBFS API (every DBFS request
/// answers "DBFS root is disabled" / `FEATURE_DISABLED`: GCP's default, or "disable legacy DBFS"),
/// the DBFS side is left out — of this job (scanned again without it) and of every later one —
/// and marked `not_available` in the row: said once, never one error row per user, and no
/// request spent finding out in a workspace that has DBFS.
async fn without_dbfs(rt: &Runtime, job: &Job, batch_size: u32, dbfs_off: &std::sync::OnceLock<String>) -> UserRow {
    let dbfs = job.trees.dbfs_side();
    if dbfs_off.get().is_none() || dbfs.is_empty() {
        let row = scan_job(rt, job, batch_size).await;
        let met = row
            .error
            .as_deref()
            .filter(|e| !dbfs.is_empty() && crate::connect::names_dbfs_disabled(e));
        match met {
            None => return row,
            Some(e) => {
                if dbfs_off.set(e.to_string()).is_ok() {
                    tracing::warn!(
                        "this workspace has no DBFS API ({e}): the DBFS locations are marked not_available in every \
                         row and only the Workspace side is scanned"
                    );
                }
            }
        }
    }
    let mut rest = job.clone();
    rest.trees = job.trees.without(dbfs);
    rest.no_home = rest.no_home.and(rest.trees);
    let mut row = scan_job(rt, &rest, batch_size).await;
    row.add_unavailable(dbfs);
    row.settle_status();
    row
}

/// The job again with the folders' own spelling, when a user given by name has no home in any
/// tree under that spelling but `/Users` lists one spelled in another case (listed once per
/// run, on the first such user). `None` when there is nothing better to scan.
pub(crate) async fn respelled(
    rt: &Runtime,
    index: &OnceCell<HomeIndex>,
    trees: Trees,
    job: &Job,
    row: &UserRow,
) -> Option<Job> {
    let given = job.principal == Principal::User && job.orphan == Orphan::No && job.folders.is_same();
    if !given || row.status == Status::Error || !row.has_no_home() {
        return None;
    }
    let index = index
        .get_or_init(|| async { HomeIndex::from_homes(&homes::list_or_probe(rt, trees, homes::HOMES_WAIT).await) })
        .await;
    let folders = index.spellings(&job.user);
    if folders.is_same() {
        return None;
    }
    tracing::debug!("{}: scanning the home folders spelled {folders:?}", job.user);
    Some(Job {
        folders,
        no_home: Trees::NONE,
        ..job.clone()
    })
}
