//! One user's result as the host records it (journal, CSV, JSON Lines), and the derived
//! seed-compatible fields (`file_count`, `total_size`, `status`, `file_source`).

use serde::{Deserialize, Serialize};

use crate::bindings::scanner;

/// Outcome of a user's scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Files found, nothing failed.
    Success,
    /// Nothing failed, no files found.
    Empty,
    /// Something failed; counts show what was seen.
    Error,
}

impl Status {
    /// The seed's status word.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Success => "success",
            Status::Empty => "empty",
            Status::Error => "error",
        }
    }
}

/// Counts for one tree of one user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeStats {
    /// False when the home does not exist.
    pub home_exists: bool,
    /// Files (every non-directory entry).
    pub files: u64,
    /// Sum of given sizes.
    pub bytes: u64,
    /// Directories listed, the home included.
    pub directories: u64,
    /// Files without a size.
    pub unsized_objects: u64,
    /// Notebooks.
    pub notebooks: u64,
    /// Git folders.
    pub repos: u64,
    /// Subdirectories that vanished during the walk.
    pub vanished_dirs: u64,
    /// Deepest level reached.
    pub max_depth: u32,
    /// List requests issued.
    pub requests: u32,
}

impl From<scanner::TreeStats> for TreeStats {
    fn from(t: scanner::TreeStats) -> Self {
        TreeStats {
            home_exists: t.home_exists,
            files: t.files,
            bytes: t.bytes,
            directories: t.directories,
            unsized_objects: t.unsized_objects,
            notebooks: t.notebooks,
            repos: t.repos,
            vanished_dirs: t.vanished_dirs,
            max_depth: t.max_depth,
            requests: t.requests,
        }
    }
}

/// The recorded result for one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRow {
    /// Username as given (first spelling kept).
    pub username: String,
    /// Outcome.
    pub status: Status,
    /// Message when `status` is `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// DBFS counts, when DBFS was scanned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dbfs: Option<TreeStats>,
    /// Workspace counts, when the Workspace was scanned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<TreeStats>,
    /// Requests the guest issued for this user.
    pub requests: u64,
    /// Wall time of the scan in milliseconds (detail only; never in the CSV).
    pub duration_ms: u64,
    /// True when the home has no active SCIM user (orphan scans).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub orphan: bool,
}

impl UserRow {
    /// Builds a row from the guest's report.
    pub fn from_report(r: scanner::UserReport, duration_ms: u64) -> Self {
        let status = match r.status {
            scanner::ScanStatus::Success => Status::Success,
            scanner::ScanStatus::Empty => Status::Empty,
            scanner::ScanStatus::Error => Status::Error,
        };
        UserRow {
            username: r.username,
            status,
            error: r.error,
            dbfs: r.dbfs.map(Into::into),
            workspace: r.workspace.map(Into::into),
            requests: r.requests as u64,
            duration_ms,
            orphan: false,
        }
    }

    /// A row for a user whose scan could not run or was stopped by the host.
    pub fn failed(username: &str, error: String, duration_ms: u64) -> Self {
        UserRow {
            username: username.to_string(),
            status: Status::Error,
            error: Some(error),
            dbfs: None,
            workspace: None,
            requests: 0,
            duration_ms,
            orphan: false,
        }
    }

    fn trees(&self) -> impl Iterator<Item = &TreeStats> {
        self.dbfs.iter().chain(self.workspace.iter())
    }

    /// DBFS + Workspace files.
    pub fn file_count(&self) -> u64 {
        self.trees().map(|t| t.files).sum()
    }

    /// DBFS + Workspace bytes.
    pub fn total_size(&self) -> u64 {
        self.trees().map(|t| t.bytes).sum()
    }

    /// `both` | `dbfs` | `workspace` | `none`: which trees hold files.
    pub fn file_source(&self) -> &'static str {
        let d = self.dbfs.as_ref().is_some_and(|t| t.files > 0);
        let w = self.workspace.as_ref().is_some_and(|t| t.files > 0);
        match (d, w) {
            (true, true) => "both",
            (true, false) => "dbfs",
            (false, true) => "workspace",
            (false, false) => "none",
        }
    }
}

/// `total_size / 1024³` with two decimals, as the seed wrote it.
pub fn gib_2dp(bytes: u64) -> String {
    format!("{:.2}", bytes as f64 / (1024.0 * 1024.0 * 1024.0))
}

/// Human size in 1024-based units with one decimal: `50.2 MB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KB", "MB", "GB", "TB", "PB"];
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

/// `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_format_like_the_seed() {
        assert_eq!(gib_2dp(0), "0.00");
        assert_eq!(gib_2dp(52_678_912), "0.05");
        assert_eq!(gib_2dp(48_567_890_123), "45.23");
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(52_638_515), "50.2 MB");
        assert_eq!(human_size(48_567_890_123), "45.2 GB");
        assert_eq!(thousands(1234), "1,234");
        assert_eq!(thousands(125_678), "125,678");
        assert_eq!(thousands(48_567_890_123), "48,567,890,123");
        assert_eq!(thousands(7), "7");
    }
}
