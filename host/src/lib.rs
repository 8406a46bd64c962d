//! dbx-inventory: inventory the files every user keeps in a Databricks workspace.
//!
//! The scanning logic lives in a WASI component (`guest/`); this crate is the native host:
//! command line, credentials, the HTTP capability with its policy (allow-list, limiter,
//! retries), the Wasm runtime, the scheduler and the outputs.
#![warn(missing_docs)]

pub mod bindings;
pub mod capability;
pub mod cli;
pub mod connect;
pub mod console;
pub mod demo;
pub mod html;
pub mod init_cmd;
pub mod interrupt;
pub mod journal;
pub mod orphans;
pub mod output;
pub mod policy;
pub mod progress;
pub mod record;
pub mod report;
pub mod runtime;
pub mod scan;
pub mod summary;
pub mod users;
pub mod users_cmd;

/// How a run ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every user scanned cleanly.
    Clean,
    /// Some users ended in `error`.
    SomeUsersFailed,
}

/// A usage error (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// A run stopped by Ctrl-C or SIGTERM (exit code 130), with what was kept and how to resume.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Interrupted(pub String);

/// A failure that stopped the run (exit code 1), already phrased for the user.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FatalError(pub String);
