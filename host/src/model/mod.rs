//! The records every stage shares: who a user is ([`UserKey`]), which trees a scan covers
//! ([`Trees`]), and what is recorded for a user ([`UserRow`]). No dependency on any other module.

mod row;
mod trees;
mod user_key;

pub use row::{Status, TreeStats, UserRow};
pub use trees::Trees;
pub use user_key::UserKey;
