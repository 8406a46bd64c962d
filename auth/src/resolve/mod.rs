//! `resolve`: flags → environment → config file, into one [`ResolvedAuth`].
//!
//! The rules are the Databricks SDKs' "unified auth" (databricks-sdk-py `Config`, Go SDK
//! `config.Config`):
//! * each attribute is taken from the highest-priority source that sets it: flags, then the
//!   environment, then the profile;
//! * the config file is not read at all when no profile was asked for and flags/environment
//!   already give a host or credentials;
//! * profile choice: `--profile` / `DATABRICKS_CONFIG_PROFILE` (must exist), else
//!   `[__settings__] default_profile` (must exist), else `[DEFAULT]` (when it has keys);
//! * a token and client credentials together without `auth_type` is an error.
//!
//! Files, in the order `resolve` runs: `steps` (the function itself, one named step after
//! another: host, rate limit, source), `attrs` (one attribute and its origin; flags, then the
//! environment), `profile` (the config file: whether it is read, which profile, what it adds,
//! and the "looked at" wording of errors), `method` (PAT or OAuth M2M, and the errors for every
//! other case), `types` (what goes in and out: [`AuthFlags`], [`ResolvedAuth`], …).

mod attrs;
mod method;
mod profile;
mod steps;
mod types;

pub use steps::resolve;
pub use types::{AuthFlags, Method, Origin, ProfileRef, ResolvedAuth, Source};

#[cfg(test)]
mod tests;
