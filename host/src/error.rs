//! How a run ends: the outcome of a finished run and the three errors that stop one. `main`
//! maps each to its exit code (0/3, 2, 130, 1).

/// How a finished run went, for the exit code.
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
