//! The object-level inventory (`scan --objects FILE.parquet`): every counted file as a row.
//!
//! The scanner hands the files it counts to its `objects` import as it lists them; each scan
//! (one `scan-user` call, an *attempt*) gets a random id, and its batches go to an
//! [`ObjectStore`] under that id: the run's [`spool::Spool`] beside the journal, or a worker's
//! files until its row is printed. A row records the attempts it was made of ([`UserRow::objects`]),
//! so a scan that was dropped (a re-scan, a retried Spark task, a row lost to a kill) leaves its
//! objects in the spool unreferenced, and the Parquet file ([`parquet`]) takes exactly the
//! objects of the rows kept: every file of a kept row once, none of a dropped one.
//!
//! [`UserRow::objects`]: crate::model::UserRow::objects

pub mod attempt_files;
pub mod kept;
pub mod parquet;
pub mod spool;

use serde::{Deserialize, Serialize};

use crate::model::Location;

/// One counted file, as its listing gave it (the guest's `objects.object`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRow {
    /// The location it was listed in.
    #[serde(rename = "loc")]
    pub location: Location,
    /// Its path as the API gave it; `None` for an entry without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `FILE` for DBFS files, the Workspace `object_type` as given, or empty.
    #[serde(rename = "type", default)]
    pub object_type: String,
    /// Its valid size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Its valid modification time, ms since the epoch.
    #[serde(rename = "mtime", default, skip_serializing_if = "Option::is_none")]
    pub modified_ms: Option<i64>,
    /// The Workspace `language`, when given.
    #[serde(rename = "lang", default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// A batch of one attempt's objects: a spool frame's payload, and (with the job's position) a
/// worker's `objects` line.
#[derive(Debug, Serialize, Deserialize)]
pub struct Batch {
    /// The attempt the objects belong to.
    pub attempt: u64,
    /// The objects.
    pub objects: Vec<ObjectRow>,
}

/// Where the objects of scans in progress go, by attempt.
pub trait ObjectStore: Send + Sync {
    /// Keeps a batch of `attempt`'s objects.
    fn put(&self, attempt: u64, objects: &[ObjectRow]) -> anyhow::Result<()>;
}

/// A new attempt id: random, so attempts of different processes (a resumed run, Spark workers)
/// never share one; never 0.
pub fn new_attempt() -> u64 {
    loop {
        let id: u64 = rand::random();
        if id != 0 {
            return id;
        }
    }
}
