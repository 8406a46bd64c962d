//! The local scheduler (phase one): up to `concurrency` user scans in flight, each in its own
//! fresh component instance, rows sent to the writer as each finishes. Cancelling is aborting the
//! returned task (its scans are dropped with it); each scan's deadline and compute limit are the
//! sandbox's ([`crate::sandbox::GuestLimits`]).

use std::sync::Arc;

use tokio::sync::{mpsc, OnceCell, Semaphore};
use tokio::task::{JoinHandle, JoinSet};

use super::{respelled, scan_job, CaseLookup};
use crate::feed::HomeIndex;
use crate::model::{Job, UserRow};
use crate::sandbox::Runtime;

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
