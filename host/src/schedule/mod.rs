//! Scheduling the jobs: [`local`] scans them in this process (N sandboxed instances), [`spark`]
//! hands them to Spark executors in waves. Both scan a job the same way ([`scan_job`]) and look a
//! given name up in another letter case the same way ([`respelled`]).

pub mod local;
pub mod spark;

use tokio::sync::OnceCell;

use crate::feed::roots::{list_or_probe, HOMES_WAIT};
use crate::feed::HomeIndex;
use crate::model::{Job, Orphan, Principal, Status, Trees, UserRow};
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

/// Scans one job: each home folder under its own spelling (one scan unless the trees spell it
/// differently), homes `/Users` does not list recorded without a request ([`HomeIndex`]); the row
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

/// The job again with the folders' own spelling, when a user given by name has no home in any
/// tree under that spelling but `/Users` lists one spelled in another case (listed once per
/// run, on the first such user). `None` when there is nothing better to scan.
pub async fn respelled(
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
        .get_or_init(|| async { HomeIndex::from_homes(&list_or_probe(rt, trees, HOMES_WAIT).await) })
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
