//! The records every stage shares: who a user is ([`UserKey`]), which trees a scan covers
//! ([`Trees`]), what is recorded for a user ([`UserRow`]), and who the credentials belong to
//! ([`Identity`]). No dependency on any other module.

mod caller;
mod row;
mod trees;
mod user_key;

pub use caller::{Caller, Identity};
pub use row::{Status, TreeStats, UserRow};
pub use trees::Trees;
pub use user_key::UserKey;
