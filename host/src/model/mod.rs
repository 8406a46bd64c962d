//! The records every stage shares: who a user is ([`UserKey`]), which trees a scan covers
//! ([`Trees`]), who owns a home and whether it is orphaned ([`Principal`], [`Orphan`]), what is
//! recorded for a user ([`UserRow`]), and who the credentials belong to ([`Identity`]). No
//! dependency on any other module.

mod caller;
mod principal;
mod row;
mod trees;

pub use caller::{Caller, Identity};
pub use principal::{looks_like_application_id, Orphan, Principal};
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

    /// The journal identity option holding the as-of (ms).
    pub const AS_OF_OPTION: &'static str = "as_of_ms";
    /// The journal identity option holding the stale days.
    pub const STALE_DAYS_OPTION: &'static str = "stale_days";

    /// The reference a journal's identity options record; `None` when either is absent or
    /// unreadable (journals of earlier versions).
    pub fn from_options(options: &std::collections::BTreeMap<String, String>) -> Option<Ages> {
        Some(Ages {
            as_of_ms: options.get(Self::AS_OF_OPTION)?.parse().ok()?,
            stale_days: options.get(Self::STALE_DAYS_OPTION)?.parse().ok()?,
        })
    }
}
/// The case-insensitive user key is shared with the simulator (`dbx-api`).
pub use dbx_api::UserKey;
