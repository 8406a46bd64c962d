//! Which trees a scan covers. One type instead of `(dbfs, workspace)` pairs and label strings;
//! each place that shows the choice asks for its own label here.

use std::fmt;

/// The trees of a user's files that a scan walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Trees {
    /// The DBFS home `dbfs:/Users/<user>`.
    pub dbfs: bool,
    /// The Workspace home `/Users/<user>`.
    pub workspace: bool,
}

impl Trees {
    /// Both trees.
    pub const BOTH: Trees = Trees {
        dbfs: true,
        workspace: true,
    };

    /// The trees of `--dbfs-only` / `--workspace-only` (neither flag: both).
    pub fn from_flags(dbfs_only: bool, workspace_only: bool) -> Trees {
        Trees {
            dbfs: !workspace_only,
            workspace: !dbfs_only,
        }
    }

    /// No tree.
    pub const NONE: Trees = Trees {
        dbfs: false,
        workspace: false,
    };

    /// The trees `self` covers and `other` does not.
    pub fn without(self, other: Trees) -> Trees {
        Trees {
            dbfs: self.dbfs && !other.dbfs,
            workspace: self.workspace && !other.workspace,
        }
    }

    /// True when no tree is covered.
    pub fn is_empty(self) -> bool {
        !self.dbfs && !self.workspace
    }

    /// The trees both `self` and `other` cover.
    pub fn and(self, other: Trees) -> Trees {
        Trees {
            dbfs: self.dbfs && other.dbfs,
            workspace: self.workspace && other.workspace,
        }
    }

    /// The journal's `trees` option: `dbfs+workspace`, `dbfs`, `workspace` (stable format).
    pub fn journal_label(self) -> &'static str {
        match (self.dbfs, self.workspace) {
            (true, true) => "dbfs+workspace",
            (true, false) => "dbfs",
            (false, true) => "workspace",
            (false, false) => "none",
        }
    }

    /// Reads [`Trees::journal_label`] back.
    pub fn from_journal_label(label: &str) -> Option<Trees> {
        Some(match label {
            "dbfs+workspace" => Trees::BOTH,
            "dbfs" => Trees::from_flags(true, false),
            "workspace" => Trees::from_flags(false, true),
            "none" => Trees {
                dbfs: false,
                workspace: false,
            },
            _ => return None,
        })
    }

    /// The banner's `Mode:` line.
    pub fn banner_mode(self) -> &'static str {
        match (self.dbfs, self.workspace) {
            (true, true) => "DBFS + Workspace homes",
            (true, false) => "DBFS homes only (--dbfs-only)",
            (false, true) => "Workspace homes only (--workspace-only)",
            (false, false) => "nothing",
        }
    }
}

/// `DBFS + Workspace`, `DBFS only`, `Workspace only` (the HTML report's wording).
impl fmt::Display for Trees {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match (self.dbfs, self.workspace) {
            (true, true) => "DBFS + Workspace",
            (true, false) => "DBFS only",
            (false, true) => "Workspace only",
            (false, false) => "none",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_labels_read_back() {
        for t in [
            Trees::BOTH,
            Trees::from_flags(true, false),
            Trees::from_flags(false, true),
        ] {
            assert_eq!(Trees::from_journal_label(t.journal_label()), Some(t));
        }
        assert_eq!(Trees::from_flags(true, false).journal_label(), "dbfs");
        assert_eq!(Trees::from_journal_label("dbfs,workspace"), None);
        assert_eq!(Trees::from_flags(false, true).to_string(), "Workspace only");
        assert_eq!(Trees::BOTH.banner_mode(), "DBFS + Workspace homes");
    }
}
