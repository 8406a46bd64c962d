//! One user's result as the host records it (journal, CSV, JSON Lines), and the derived
//! seed-compatible fields (`file_count`, `total_size`, `status`, `file_source`).
//!
//! A host-side copy of the guest's `tree-stats` on purpose: this is the journal's stable format
//! (serde names, defaults), while the WIT record may grow. The guest's report becomes a row in
//! one place, `sandbox::bindings`.

use serde::{Deserialize, Serialize};

use super::principal::{Orphan, Principal};
use super::trees::Location;
use super::Trees;

/// Outcome of a user's scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Files found, nothing failed.
    Success,
    /// Nothing failed, a home exists, no files found (the seed's "directory exists but no files").
    Empty,
    /// Nothing failed and the user has no folder in any scanned location (`no_home`): not the
    /// seed's `empty`, which promised a directory. Decided by the host ([`UserRow::settle_status`]).
    #[serde(rename = "no_home")]
    NoHome,
    /// Something failed; counts show what was seen.
    Error,
}

impl Status {
    /// The seed's status word.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Success => "success",
            Status::Empty => "empty",
            Status::NoHome => "no_home",
            Status::Error => "error",
        }
    }

    /// The status word read back (CSV, `diff`): `success`, `empty`, `no_home`, `error`.
    pub fn parse(word: &str) -> Option<Status> {
        Some(match word {
            "success" => Status::Success,
            "empty" => Status::Empty,
            "no_home" => Status::NoHome,
            "error" => Status::Error,
            _ => return None,
        })
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
    /// List requests issued (notebook exports included).
    pub requests: u32,
    /// The home answered 404 to credentials known not to be a workspace admin, and it is not
    /// theirs: Databricks answers 404 for a folder the caller may not read, so whether it exists
    /// is unknown (`workspace_home=not_visible`). Set by `record::visibility`, never by the guest.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_visible: bool,
    /// Decoded bytes of the notebooks exported (`--notebook-sizes`), already part of `bytes`;
    /// `None` when notebook sizes were not asked for (journals of earlier runs: `None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notebook_bytes: Option<u64>,
    /// Notebooks whose export failed (still counted in `unsized_objects`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub notebooks_unsized: u64,
    /// The location cannot be scanned in this workspace at all (DBFS turned off): nothing was
    /// requested (`<location>_home=not_available`). Set by the host, never by the guest.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_available: bool,
    /// The newest valid modification time of the files (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_ms: Option<i64>,
    /// Files modified strictly before the run's as-of minus its stale days.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub stale_files: u64,
    /// Their bytes.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub stale_bytes: u64,
    /// Files without a valid time.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub undated_files: u64,
    /// Bytes by age band.
    #[serde(default, skip_serializing_if = "AgeBytes::is_empty")]
    pub age: AgeBytes,
    /// The largest sized files, largest first, at most 10.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub largest: Vec<FileInfo>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Bytes of sized files by age at the run's as-of.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgeBytes {
    /// Under 30 days.
    #[serde(default)]
    pub under_30_days: u64,
    /// 30 to 90 days.
    #[serde(default)]
    pub under_90_days: u64,
    /// 90 to 365 days.
    #[serde(default)]
    pub under_1_year: u64,
    /// 1 to 3 years.
    #[serde(default)]
    pub under_3_years: u64,
    /// Older.
    #[serde(default)]
    pub older: u64,
    /// No valid time.
    #[serde(default)]
    pub undated: u64,
}

impl AgeBytes {
    /// The bands' names, in order (JSON keys, HTML `data-band`).
    pub const NAMES: [&'static str; 6] = [
        "under_30_days",
        "under_90_days",
        "under_1_year",
        "under_3_years",
        "older",
        "undated",
    ];

    /// The bands in order, with their names.
    pub fn bands(&self) -> [(&'static str, u64); 6] {
        let v = [
            self.under_30_days,
            self.under_90_days,
            self.under_1_year,
            self.under_3_years,
            self.older,
            self.undated,
        ];
        std::array::from_fn(|i| (Self::NAMES[i], v[i]))
    }

    fn is_empty(&self) -> bool {
        self.bands().iter().all(|(_, n)| *n == 0)
    }
}

/// One of the largest files of a location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    /// Path as the API gave it (DBFS without `dbfs:`).
    pub path: String,
    /// Size.
    pub bytes: u64,
    /// Valid modification time (ms), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_ms: Option<i64>,
}

impl TreeStats {
    /// `yes` | `no` | `not_visible` | `not_available`: the home column's value for a scanned
    /// location.
    pub fn home_label(&self) -> &'static str {
        if self.not_available {
            "not_available"
        } else if self.not_visible {
            "not_visible"
        } else if self.home_exists {
            "yes"
        } else {
            "no"
        }
    }

    /// The counts of a home that `/Users` does not list: it does not exist, nothing was requested.
    /// With notebook sizes on, its notebook bytes are a measured 0.
    pub fn absent(notebook_sizes: bool) -> TreeStats {
        TreeStats {
            notebook_bytes: notebook_sizes.then_some(0),
            ..TreeStats::default()
        }
    }

    /// A location this workspace cannot serve at all (DBFS turned off).
    pub fn unavailable() -> TreeStats {
        TreeStats {
            not_available: true,
            ..TreeStats::default()
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
    /// UI uploads counts (`dbfs:/FileStore/shared_uploads/<user>`), when scanned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploads: Option<TreeStats>,
    /// `/Repos/<user>` counts, when scanned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repos: Option<TreeStats>,
    /// Requests the guest issued for this user.
    pub requests: u64,
    /// Wall time of the scan in milliseconds (detail only; never in the CSV).
    pub duration_ms: u64,
    /// Whether the home has no active SCIM user or service principal (orphan scans). Journals of
    /// earlier versions hold a boolean here, which still reads.
    #[serde(default, skip_serializing_if = "Orphan::is_no")]
    pub orphan: Orphan,
    /// A user's row or a service principal's (its home named by its application id).
    #[serde(default, skip_serializing_if = "Principal::is_user")]
    pub principal: Principal,
    /// The service principal's `displayName` (JSON Lines and the HTML report; not in the CSV).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The scan attempts whose objects are this row's files (`--objects`, see
    /// [`crate::objects`]); empty without it. In the journal only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<u64>,
}

#[cfg(test)]
impl UserRow {
    /// A `success` row whose sums pass 2⁶⁴: DBFS u64::MAX files and bytes, Workspace 1 file of
    /// 15 bytes, for tests of the u128 sums.
    pub fn huge(username: &str) -> UserRow {
        let tree = |files, bytes| TreeStats {
            home_exists: true,
            files,
            bytes,
            ..Default::default()
        };
        let mut r = UserRow::failed(username, String::new(), 0);
        r.status = Status::Success;
        r.error = None;
        r.dbfs = Some(tree(u64::MAX, u64::MAX));
        r.workspace = Some(tree(1, 15));
        r
    }

    /// A `success` row with two DBFS files (10 bytes, one vanished directory), for tests.
    pub fn sample(username: &str) -> UserRow {
        UserRow {
            username: username.into(),
            status: Status::Success,
            error: None,
            dbfs: Some(TreeStats {
                home_exists: true,
                files: 2,
                bytes: 10,
                vanished_dirs: 1,
                ..Default::default()
            }),
            workspace: None,
            uploads: None,
            repos: None,
            requests: 3,
            duration_ms: 7,
            orphan: Orphan::No,
            principal: Principal::User,
            display_name: None,
            objects: Vec::new(),
        }
    }
}

impl UserRow {
    /// A row for a user whose scan could not run or was stopped by the host.
    pub fn failed(username: &str, error: String, duration_ms: u64) -> Self {
        UserRow {
            username: username.to_string(),
            status: Status::Error,
            error: Some(error),
            dbfs: None,
            workspace: None,
            uploads: None,
            repos: None,
            requests: 0,
            duration_ms,
            orphan: Orphan::No,
            principal: Principal::User,
            display_name: None,
            objects: Vec::new(),
        }
    }

    /// The home column of a tree: [`TreeStats::home_label`], or `not_scanned`.
    pub fn home_label(tree: Option<&TreeStats>) -> &'static str {
        tree.map_or("not_scanned", TreeStats::home_label)
    }

    /// True when the Workspace home could not be seen by the credentials.
    pub fn workspace_not_visible(&self) -> bool {
        self.workspace.as_ref().is_some_and(|t| t.not_visible)
    }

    fn trees(&self) -> impl Iterator<Item = &TreeStats> {
        self.located().map(|(_, t)| t)
    }

    /// A location's counts, when it was scanned.
    pub fn at(&self, l: Location) -> Option<&TreeStats> {
        match l {
            Location::Dbfs => self.dbfs.as_ref(),
            Location::Uploads => self.uploads.as_ref(),
            Location::Workspace => self.workspace.as_ref(),
            Location::Repos => self.repos.as_ref(),
        }
    }

    /// A location's slot.
    pub fn at_mut(&mut self, l: Location) -> &mut Option<TreeStats> {
        match l {
            Location::Dbfs => &mut self.dbfs,
            Location::Uploads => &mut self.uploads,
            Location::Workspace => &mut self.workspace,
            Location::Repos => &mut self.repos,
        }
    }

    /// The scanned locations with their counts, in [`Location::ALL`] order.
    pub fn located(&self) -> impl Iterator<Item = (Location, &TreeStats)> {
        Location::ALL.into_iter().filter_map(|l| self.at(l).map(|t| (l, t)))
    }

    /// The newest valid modification time over the locations (ms).
    pub fn last_modified_ms(&self) -> Option<i64> {
        self.trees().filter_map(|t| t.last_modified_ms).max()
    }

    /// Stale files, stale bytes and undated files over the locations (`u128`: never wraps).
    pub fn age_totals(&self) -> (u128, u128, u128) {
        self.trees().fold((0, 0, 0), |(f, b, u), t| {
            (
                f + u128::from(t.stale_files),
                b + u128::from(t.stale_bytes),
                u + u128::from(t.undated_files),
            )
        })
    }

    /// The user's largest files over the locations, largest first (ties by full location), at
    /// most `n`.
    pub fn largest(&self, n: usize) -> Vec<(Location, &FileInfo)> {
        let mut all: Vec<(Location, &FileInfo)> = self
            .located()
            .flat_map(|(l, t)| t.largest.iter().map(move |f| (l, f)))
            .collect();
        all.sort_by(|(la, a), (lb, b)| {
            b.bytes
                .cmp(&a.bytes)
                .then_with(|| la.full_path(&a.path).cmp(&lb.full_path(&b.path)))
        });
        all.truncate(n);
        all
    }

    /// `a@x.com scanned in 120 ms (7 requests, success)`, the `--debug` line of a finished user.
    pub fn timing(&self) -> String {
        format!(
            "{} scanned in {} ms ({} requests, {})",
            self.username,
            self.duration_ms,
            self.requests,
            self.status.as_str()
        )
    }

    /// Records the trees in `absent` as homes that do not exist (`/Users` does not list them),
    /// for a row scanned in the other trees only. A row the scanner refused as a whole (an
    /// invalid username: an error with no tree) stays as it is.
    pub fn add_absent_homes(&mut self, absent: Trees, notebook_sizes: bool) {
        if self.status == Status::Error && self.trees().next().is_none() {
            return;
        }
        for l in absent.locations() {
            self.at_mut(l)
                .get_or_insert_with(|| TreeStats::absent(notebook_sizes && !l.is_dbfs()));
        }
    }

    /// Joins the row of the same user's scan of the other tree (run apart because the two trees
    /// spell the home differently): trees, requests and time add up; an error wins, then success.
    pub fn merge(&mut self, mut other: UserRow) {
        for l in Location::ALL {
            let theirs = other.at_mut(l).take();
            let mine = self.at_mut(l);
            *mine = mine.take().or(theirs);
        }
        self.requests = self.requests.saturating_add(other.requests);
        self.objects.extend(other.objects);
        self.duration_ms = self.duration_ms.saturating_add(other.duration_ms);
        self.error = match (self.error.take(), other.error) {
            (Some(a), Some(b)) => Some(format!("{a}; {b}")),
            (a, b) => a.or(b),
        };
        self.status = match (self.status, other.status) {
            (Status::Error, _) | (_, Status::Error) => Status::Error,
            (Status::Success, _) | (_, Status::Success) => Status::Success,
            _ => Status::Empty,
        };
    }

    /// Records the locations in `unavailable` as not available in this workspace (DBFS off):
    /// nothing was asked. A row the scanner refused as a whole stays as it is.
    pub fn add_unavailable(&mut self, unavailable: Trees) {
        if self.status == Status::Error && self.trees().next().is_none() {
            return;
        }
        for l in unavailable.locations() {
            self.at_mut(l).get_or_insert_with(TreeStats::unavailable);
        }
    }

    /// True when no scanned location has the user's folder (and none is merely not visible).
    /// A location that is not available says nothing either way; with only such locations the
    /// user has no home that could be seen.
    pub fn has_no_home(&self) -> bool {
        let mut trees = self.trees().peekable();
        trees.peek().is_some() && trees.all(|t| !t.home_exists && !t.not_visible)
    }

    /// `empty` becomes `no_home` when no scanned tree has a home: the one place that decides
    /// it, for this run's rows (the writer) and rows of earlier journals alike (which recorded
    /// such users as `empty`).
    pub fn settle_status(&mut self) {
        if self.status == Status::Empty && self.has_no_home() {
            self.status = Status::NoHome;
        }
    }

    /// DBFS + Workspace files, in `u128`: the sum of two `u64` never wraps.
    pub fn file_count(&self) -> u128 {
        self.trees().map(|t| u128::from(t.files)).sum()
    }

    /// DBFS + Workspace bytes, exact (`u128`: two trees near `u64::MAX` add up past it).
    pub fn total_size(&self) -> u128 {
        self.trees().map(|t| u128::from(t.bytes)).sum()
    }

    /// `both` | `dbfs` | `workspace` | `none`: which side holds files (the seed's words: `dbfs`
    /// is the DBFS side, home and uploads; `workspace` the Workspace side, home and `/Repos`).
    pub fn file_source(&self) -> &'static str {
        let d = self.located().any(|(l, t)| l.is_dbfs() && t.files > 0);
        let w = self.located().any(|(l, t)| !l.is_dbfs() && t.files > 0);
        match (d, w) {
            (true, true) => "both",
            (true, false) => "dbfs",
            (false, true) => "workspace",
            (false, false) => "none",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_across_trees_never_wrap() {
        let r = UserRow::huge("u");
        assert_eq!(r.total_size(), u128::from(u64::MAX) + 15);
        assert_eq!(r.file_count(), u128::from(u64::MAX) + 1);
    }

    #[test]
    fn absent_homes_are_filled_in_except_on_a_refused_user() {
        let mut r = UserRow::sample("a@x.com");
        r.status = Status::Empty;
        r.dbfs = None;
        r.add_absent_homes(Trees::BOTH, true);
        let d = r.dbfs.clone().unwrap();
        let w = r.workspace.clone().unwrap();
        assert!(!d.home_exists && !w.home_exists);
        assert_eq!((d.notebook_bytes, w.notebook_bytes, w.requests), (None, Some(0), 0));
        let mut bad = UserRow::failed("a/b", "invalid username".into(), 0);
        bad.add_absent_homes(Trees::BOTH, false);
        assert_eq!((bad.dbfs, bad.workspace), (None, None));
    }

    #[test]
    fn journal_rows_without_notebook_fields_read_as_not_measured() {
        let t: TreeStats = serde_json::from_str(
            r#"{"home_exists":true,"files":1,"bytes":2,"directories":1,"unsized_objects":0,"notebooks":0,
                "repos":0,"vanished_dirs":0,"max_depth":0,"requests":1}"#,
        )
        .unwrap();
        assert_eq!((t.notebook_bytes, t.notebooks_unsized), (None, 0));
        let back = serde_json::to_string(&t).unwrap();
        assert!(
            !back.contains("notebook_bytes") && !back.contains("notebooks_unsized"),
            "{back}"
        );
    }
}
