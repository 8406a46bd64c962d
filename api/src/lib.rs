//! The rules of the Databricks REST API that the host (`dbx-inventory`), the simulator
//! (`dbx-sim`) and the credentials crate (`dbx-auth`) share, so each lives in one place:
//! the rate-limit [`Family`] and its published rate, the `--rate-limit` grammar ([`RateSpec`],
//! also a clap `value_parser`: [`parse_rate_spec`]), which answers are retried
//! ([`is_retryable_status`]) and how `Retry-After` is read ([`parse_retry_after`]), and the
//! case-insensitive identity of a user ([`UserKey`]). Plain data and functions, no I/O.

mod family;
mod rate;
mod retry;
mod user_key;

pub use family::Family;
pub use rate::{parse_rate_spec, RatePart, RateSpec};
pub use retry::{is_retryable_status, parse_retry_after};
pub use user_key::UserKey;
