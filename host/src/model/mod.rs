//! The records every stage shares: who a user is ([`UserKey`]), which trees a scan covers
//! ([`Trees`]), who owns a home and whether it is orphaned ([`Principal`], [`Orphan`]), and what
//! is recorded for a user ([`UserRow`]). No dependency on any other module.

mod principal;
mod row;
mod trees;
mod user_key;

pub use principal::{looks_like_application_id, Orphan, Principal};
pub use row::{Status, TreeStats, UserRow};
pub use trees::Trees;
pub use user_key::UserKey;
