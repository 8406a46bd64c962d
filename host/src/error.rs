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

/// The refusal of an output (or journal) whose directory does not exist, before anything is
/// created: `the directory nodir does not exist (-o nodir/results.csv); create it or choose
/// another path`. `None` when the directory exists (or is the current one).
pub fn missing_directory(flag: &str, path: &std::path::Path) -> Option<FatalError> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty())?;
    if dir.is_dir() {
        return None;
    }
    let what = if dir.exists() {
        "is not a directory"
    } else {
        "does not exist"
    };
    let flag = match flag {
        "" => String::new(),
        f => format!("{f} "),
    };
    Some(FatalError(format!(
        "the directory {} {what} ({flag}{}); create it or choose another path",
        dir.display(),
        path.display()
    )))
}
