//! The records every stage shares: who a user is ([`UserKey`]), which trees a scan covers
//! ([`Trees`]), who owns a home and whether it is orphaned ([`Principal`], [`Orphan`]), what is
//! recorded for a user ([`UserRow`]), the unit of work ([`Job`], for a [`Listed`] principal or a name), and who the credentials belong to ([`CallerIdentity`]). No
//! dependency on any other module.

mod caller;
mod job;
mod principal;
mod row;
mod trees;

pub use caller::{Caller, CallerIdentity};
pub use job::{Folders, Job};
pub use principal::{looks_like_application_id, Listed, Orphan, Principal};
pub use row::{AgeBytes, FileInfo, Status, TreeStats, UserRow};
pub use trees::{Location, Trees};

/// The reference of the files' ages: the run's as-of (ms since the epoch, UTC) and how many
/// days before it a file is stale (`--as-of`, `--stale-days`; kept in the journal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ages {
    /// The as-of instant.
    pub as_of_ms: i64,
    /// Stale when modified strictly before as-of minus this many days.
    pub stale_days: u32,
}

impl Ages {
    /// The default number of stale days.
    pub const DEFAULT_STALE_DAYS: u32 = 365;
}
/// The case-insensitive user key is shared with the simulator (`dbx-api`).
pub use dbx_api::UserKey;
