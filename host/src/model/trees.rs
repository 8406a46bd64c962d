//! Which locations a scan covers: a user's DBFS home, UI uploads, Workspace home and `/Repos`
//! folder. One type instead of flag tuples and label strings; each place that shows the choice
//! asks for its own label here. (Named `Trees` from when there were two.)

use std::fmt;

/// One location of a user's files (serialized by its [`Location::name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Location {
    /// `dbfs:/Users/<user>` (DBFS API).
    Dbfs,
    /// `dbfs:/FileStore/shared_uploads/<user>`, the UI's "upload data to DBFS" (DBFS API).
    Uploads,
    /// `/Users/<user>` (Workspace API).
    Workspace,
    /// `/Repos/<user>`, legacy Git folders (Workspace API).
    Repos,
}

impl Location {
    /// Every location, in the outputs' order.
    pub const ALL: [Location; 4] = [Location::Dbfs, Location::Uploads, Location::Workspace, Location::Repos];

    /// `dbfs`, `uploads`, `workspace`, `repos` (flags, journal, CSV column prefixes).
    pub fn name(self) -> &'static str {
        match self {
            Location::Dbfs => "dbfs",
            Location::Uploads => "uploads",
            Location::Workspace => "workspace",
            Location::Repos => "repos",
        }
    }

    /// The folder holding one folder per user.
    pub fn root(self) -> &'static str {
        match self {
            Location::Dbfs | Location::Workspace => "/Users",
            Location::Uploads => "/FileStore/shared_uploads",
            Location::Repos => "/Repos",
        }
    }

    /// True for the DBFS side (DBFS API).
    pub fn is_dbfs(self) -> bool {
        matches!(self, Location::Dbfs | Location::Uploads)
    }

    /// The full location of a path the API gave (`dbfs:/…` on the DBFS side).
    pub fn full_path(self, path: &str) -> String {
        if self.is_dbfs() {
            format!("dbfs:{path}")
        } else {
            path.to_string()
        }
    }

    /// The user's folder, as shown to people: `dbfs:/Users/a@x.com`, `/Repos/a@x.com`.
    pub fn folder(self, user: &str) -> String {
        self.full_path(&format!("{}/{user}", self.root()))
    }

    /// `DBFS`, `UI uploads`, `Workspace`, `Repos` (banner, report).
    pub fn label(self) -> &'static str {
        match self {
            Location::Dbfs => "DBFS",
            Location::Uploads => "UI uploads",
            Location::Workspace => "Workspace",
            Location::Repos => "Repos",
        }
    }
}

/// The locations of a user's files that a scan walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Trees {
    /// The DBFS home `dbfs:/Users/<user>`.
    pub dbfs: bool,
    /// The Workspace home `/Users/<user>`.
    pub workspace: bool,
    /// The UI uploads `dbfs:/FileStore/shared_uploads/<user>`.
    pub uploads: bool,
    /// The legacy Git folders `/Repos/<user>`.
    pub repos: bool,
}

impl Trees {
    /// The two homes (DBFS and Workspace `/Users/<user>`).
    pub const BOTH: Trees = Trees {
        dbfs: true,
        workspace: true,
        uploads: false,
        repos: false,
    };

    /// All four locations: the default.
    pub const ALL: Trees = Trees {
        dbfs: true,
        workspace: true,
        uploads: true,
        repos: true,
    };

    /// No location.
    pub const NONE: Trees = Trees {
        dbfs: false,
        workspace: false,
        uploads: false,
        repos: false,
    };

    /// The DBFS side (`--dbfs-only`): DBFS home and UI uploads.
    pub const DBFS_SIDE: Trees = Trees {
        dbfs: true,
        uploads: true,
        workspace: false,
        repos: false,
    };

    /// The Workspace side (`--workspace-only`): Workspace home and `/Repos`.
    pub const WORKSPACE_SIDE: Trees = Trees {
        dbfs: false,
        uploads: false,
        workspace: true,
        repos: true,
    };

    /// The locations of `--dbfs-only` / `--workspace-only` (neither flag: all four).
    pub fn from_flags(dbfs_only: bool, workspace_only: bool) -> Trees {
        match (dbfs_only, workspace_only) {
            (true, false) => Trees::DBFS_SIDE,
            (false, true) => Trees::WORKSPACE_SIDE,
            _ => Trees::ALL,
        }
    }

    /// Only `l`.
    pub fn only(l: Location) -> Trees {
        Trees::NONE.with(l, true)
    }

    /// Whether `l` is covered.
    pub fn has(self, l: Location) -> bool {
        match l {
            Location::Dbfs => self.dbfs,
            Location::Uploads => self.uploads,
            Location::Workspace => self.workspace,
            Location::Repos => self.repos,
        }
    }

    /// `self` with `l` set to `on`.
    pub fn with(mut self, l: Location, on: bool) -> Trees {
        match l {
            Location::Dbfs => self.dbfs = on,
            Location::Uploads => self.uploads = on,
            Location::Workspace => self.workspace = on,
            Location::Repos => self.repos = on,
        }
        self
    }

    /// The covered locations, in [`Location::ALL`] order.
    pub fn locations(self) -> impl Iterator<Item = Location> {
        Location::ALL.into_iter().filter(move |l| self.has(*l))
    }

    fn zip(self, other: Trees, f: impl Fn(bool, bool) -> bool) -> Trees {
        Location::ALL
            .into_iter()
            .fold(Trees::NONE, |t, l| t.with(l, f(self.has(l), other.has(l))))
    }

    /// The locations `self` covers and `other` does not.
    pub fn without(self, other: Trees) -> Trees {
        self.zip(other, |a, b| a && !b)
    }

    /// True when no location is covered.
    pub fn is_empty(self) -> bool {
        self.locations().next().is_none()
    }

    /// The locations both `self` and `other` cover.
    pub fn and(self, other: Trees) -> Trees {
        self.zip(other, |a, b| a && b)
    }

    /// The DBFS side of `self` (DBFS home, uploads).
    pub fn dbfs_side(self) -> Trees {
        self.and(Trees::DBFS_SIDE)
    }

    /// Parses `--locations dbfs,uploads,workspace,repos` (any non-empty subset, any order).
    pub fn parse_list(list: &str) -> Result<Trees, String> {
        let mut t = Trees::NONE;
        for part in list.split(',').map(str::trim) {
            let l = Location::ALL
                .into_iter()
                .find(|l| l.name() == part)
                .ok_or_else(|| format!("{part:?} is not a location: choose from dbfs, uploads, workspace, repos"))?;
            t = t.with(l, true);
        }
        if t.is_empty() {
            return Err("no location given".into());
        }
        Ok(t)
    }

    /// The journal's `trees` option: the names joined by `+`, in [`Location::ALL`] order except
    /// that the two homes keep their earlier labels (`dbfs+workspace`, `dbfs`, `workspace`).
    pub fn journal_label(self) -> String {
        if self.is_empty() {
            return "none".into();
        }
        if !self.uploads && !self.repos {
            return match (self.dbfs, self.workspace) {
                (true, true) => "dbfs+workspace",
                (true, false) => "dbfs",
                _ => "workspace",
            }
            .into();
        }
        self.locations().map(Location::name).collect::<Vec<_>>().join("+")
    }

    /// Reads [`Trees::journal_label`] back.
    pub fn from_journal_label(label: &str) -> Option<Trees> {
        if label == "none" {
            return Some(Trees::NONE);
        }
        let mut t = Trees::NONE;
        for part in label.split('+') {
            t = t.with(Location::ALL.into_iter().find(|l| l.name() == part)?, true);
        }
        Some(t)
    }

    /// The banner's `Mode:` line.
    pub fn banner_mode(self) -> String {
        match self {
            Trees::ALL => "DBFS + UI uploads + Workspace + Repos (every location)".into(),
            Trees::DBFS_SIDE => "DBFS home and UI uploads (--dbfs-only)".into(),
            Trees::WORKSPACE_SIDE => "Workspace home and Repos (--workspace-only)".into(),
            t if t.is_empty() => "nothing".into(),
            t => format!(
                "{} (--locations {})",
                t,
                t.locations().map(Location::name).collect::<Vec<_>>().join(",")
            ),
        }
    }
}

/// `DBFS + UI uploads + Workspace + Repos` (the HTML report's wording).
impl fmt::Display for Trees {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        let labels: Vec<&str> = self.locations().map(Location::label).collect();
        f.write_str(&labels.join(" + "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_labels_read_back() {
        for t in [
            Trees::BOTH,
            Trees::ALL,
            Trees::DBFS_SIDE,
            Trees::WORKSPACE_SIDE,
            Trees::only(Location::Dbfs),
            Trees::only(Location::Repos),
        ] {
            assert_eq!(Trees::from_journal_label(&t.journal_label()), Some(t));
        }
        assert_eq!(Trees::only(Location::Dbfs).journal_label(), "dbfs");
        assert_eq!(Trees::BOTH.journal_label(), "dbfs+workspace");
        assert_eq!(Trees::ALL.journal_label(), "dbfs+uploads+workspace+repos");
        assert_eq!(Trees::from_journal_label("dbfs,workspace"), None);
        assert_eq!(Trees::WORKSPACE_SIDE.to_string(), "Workspace + Repos");
    }

    #[test]
    fn locations_parse_and_the_seed_flags_mean_a_side() {
        assert_eq!(
            Trees::parse_list("repos, dbfs"),
            Ok(Trees::only(Location::Repos).with(Location::Dbfs, true))
        );
        assert!(Trees::parse_list("dbfs,home")
            .unwrap_err()
            .contains("\"home\" is not a location"));
        assert!(Trees::parse_list("").is_err());
        assert_eq!(Trees::from_flags(true, false), Trees::DBFS_SIDE);
        assert_eq!(Trees::from_flags(false, false), Trees::ALL);
        assert_eq!(
            Trees::ALL.without(Trees::BOTH),
            Trees::only(Location::Uploads).with(Location::Repos, true)
        );
    }
}
