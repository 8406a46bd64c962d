//! The scheduler (phase one): up to `concurrency` user scans in flight, each in its own fresh
//! component instance, rows sent to the writer as each finishes. Cancelling is aborting the
//! returned task (its scans are dropped with it); each scan's deadline and compute limit are the
//! sandbox's ([`crate::sandbox::GuestLimits`]).

use std::sync::Arc;

use tokio::sync::{mpsc, Semaphore};
use tokio::task::{JoinHandle, JoinSet};

use super::job::Job;
use crate::model::UserRow;
use crate::sandbox::Runtime;

/// Starts scanning the jobs that arrive on `jobs`; each row goes to `rows` with its input position.
pub fn spawn(
    rt: Arc<Runtime>,
    batch_size: u32,
    concurrency: usize,
    mut jobs: mpsc::Receiver<(usize, Job)>,
    rows: mpsc::Sender<(usize, UserRow)>,
) -> JoinHandle<anyhow::Result<()>> {
    tokio::spawn(async move {
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
            tasks.spawn(async move {
                // Homes /Users does not list are recorded without a request (scan::homes).
                let mut row = rt
                    .scan_user(&job.user, job.trees.without(job.no_home), batch_size)
                    .await;
                row.add_absent_homes(job.trees.and(job.no_home), rt.notebook_sizes());
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
