//! The run's second step: users → (skip those already in the journal) → the scheduler (local or
//! Spark) → rows, as tasks upstream of the writer.

use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::config::ScanRun;
use super::open::Opening;
use crate::feed::{self, UserSource};
use crate::journal;
use crate::model::{Job, UserRow};
use crate::sandbox::Runtime;
use crate::schedule::{self, spark};

/// The tasks upstream of the writer.
pub struct Upstream {
    feed: JoinHandle<anyhow::Result<()>>,
    filter: JoinHandle<()>,
    /// The local scheduler or the Spark backend.
    scheduler: JoinHandle<anyhow::Result<()>>,
    /// Every user of the input, in input order (for the outputs).
    pub input_order: Arc<Mutex<Vec<String>>>,
    /// Users to scan, once the input has ended.
    pub to_scan: Arc<Mutex<Option<usize>>>,
}

impl Upstream {
    /// Stops every task upstream of the writer.
    pub fn abort(&self) {
        self.feed.abort();
        self.filter.abort();
        self.scheduler.abort();
    }

    /// Waits for every task: whether listing the users succeeded, and whether the scans ran
    /// (a Spark backend can fail as a whole).
    pub async fn join(self) -> anyhow::Result<(anyhow::Result<()>, anyhow::Result<()>)> {
        let scans = self.scheduler.await.context("scheduler task")?;
        self.filter.await.context("journal filter task")?;
        Ok((self.feed.await.context("user listing task")?, scans))
    }
}

/// Starts users → (skip those already in the journal) → scheduler → rows; the rows arrive on
/// the returned receiver with their input positions.
pub fn start(rt: &Arc<Runtime>, run: &ScanRun, o: &Opening) -> (Upstream, mpsc::Receiver<(usize, UserRow)>) {
    let (feed_tx, feed_rx) = mpsc::channel::<(usize, Job)>(1024);
    let (job_tx, job_rx) = mpsc::channel::<(usize, Job)>(1024);
    let (row_tx, row_rx) = mpsc::channel::<(usize, UserRow)>(1024);
    let input_order = Arc::new(Mutex::new(Vec::new()));
    let to_scan = Arc::new(Mutex::new(o.to_scan_fixed));
    // A fixed list placed without /Users: a user with no home anywhere is looked up there for
    // another spelling (schedule::respelled; on Spark the host looks and sends the job again).
    let case = match (&run.source, run.list_homes) {
        (UserSource::List(_), false) => schedule::CaseLookup::Lazy(run.trees),
        _ => schedule::CaseLookup::Off,
    };
    let scheduler = match run.spark.clone() {
        Some(mut plan) => {
            if let Some(last) = &o.archived {
                plan.weights = journal::request_counts(last);
            }
            // The executors measure ages from the run's reference.
            plan.worker_args.extend([
                "--as-of-ms".to_string(),
                o.ages.as_of_ms.to_string(),
                "--stale-days".to_string(),
                o.ages.stale_days.to_string(),
            ]);
            spark::spawn(rt.clone(), plan, case, job_rx, row_tx)
        }
        None => schedule::local::spawn(rt.clone(), run.batch_size, run.concurrency, case, job_rx, row_tx),
    };
    let upstream = Upstream {
        feed: tokio::spawn({
            let trees = run.trees;
            let (rt, source, list_homes) = (rt.clone(), run.source.clone(), run.list_homes);
            async move { feed::feed_users(&rt, source, trees, list_homes, feed_tx).await }
        }),
        filter: tokio::spawn(feed::skip_recorded(
            feed_rx,
            job_tx,
            o.skip.clone(),
            input_order.clone(),
            to_scan.clone(),
        )),
        scheduler,
        input_order,
        to_scan,
    };
    (upstream, row_rx)
}
