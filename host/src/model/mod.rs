//! The records every stage shares: who a user is ([`UserKey`]), which trees a scan covers
//! ([`Trees`]), who owns a home and whether it is orphaned ([`Principal`], [`Orphan`]), what is
//! recorded for a user ([`UserRow`]), and who the credentials belong to ([`Identity`]). No
//! dependency on any other module.

mod caller;
mod principal;
mod row;
mod trees;
mod user_key;

pub use caller::{Caller, Identity};
pub use principal::{looks_like_application_id, Orphan, Principal};
pub use row::{Status, TreeStats, UserRow};
pub use trees::Trees;
pub use user_key::UserKey;
