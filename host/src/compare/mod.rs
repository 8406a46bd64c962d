//! What changed between two scans (`dbx-inventory diff OLD NEW`): [`read`] brings a scan in
//! from its CSV or its journal, [`diff`] matches the users (case-insensitive, [`UserKey`]) and
//! does the arithmetic. The outputs (console, CSV, HTML) are in [`crate::output::diff`].
//!
//! Counts are `u128` like every total; changes are `i128`, so neither a sum nor a difference
//! wraps. A user's change is decided by bytes, then by files: `grown` when the bytes went up (or,
//! with the same bytes, the files did — notebooks have no size, so a user who only added notebooks
//! grew), `shrunk` the other way, `same` when both are equal; `new` and `removed` for users in
//! one scan only; `error` when either scan of the user failed (its sizes are partial).

pub mod read;

use std::collections::HashMap;

use crate::model::{Status, UserKey};
pub use read::{read_scan, Scan, ScanKind, ScanRow};

/// Users listed in the growers and shrinkers tables.
pub const TOP_MOVERS: usize = 20;

/// How a user changed between the scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Change {
    /// Only in the new scan.
    New,
    /// Only in the old scan (left the workspace, or not scanned this time).
    Removed,
    /// More bytes (or the same bytes and more files).
    Grown,
    /// Fewer bytes (or the same bytes and fewer files).
    Shrunk,
    /// The same bytes and files.
    Same,
    /// In both scans, and in `error` in one of them: a failed scan counts only what it listed
    /// before the failure, so its bytes are no measure of growth (never `shrunk` or `grown`).
    Error,
}

impl Change {
    /// The word in the CSV's `change` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Removed => "removed",
            Change::Grown => "grown",
            Change::Shrunk => "shrunk",
            Change::Same => "same",
            Change::Error => "error",
        }
    }
}

/// `new - old` as `i128`. Exact for every value up to `i128::MAX` (2^127 − 1, far beyond any
/// sum of `u64` sizes a workspace can hold); beyond it the result saturates instead of wrapping.
pub fn delta(old: u128, new: u128) -> i128 {
    let clamp = |v: u128| i128::try_from(v).unwrap_or(i128::MAX);
    if new >= old {
        clamp(new - old)
    } else {
        clamp(old - new).checked_neg().unwrap_or(i128::MIN)
    }
}

/// One side of a user: status, files, bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    /// Username as spelled in that scan.
    pub username: String,
    /// Outcome.
    pub status: Status,
    /// Files (DBFS + Workspace).
    pub files: u128,
    /// Bytes (DBFS + Workspace).
    pub bytes: u128,
    /// Stale files (`None`: not recorded by that scan).
    pub stale_files: Option<u128>,
    /// Stale bytes (`None`: not recorded by that scan).
    pub stale_bytes: Option<u128>,
    /// The workspace (account runs).
    pub workspace: Option<String>,
}

impl From<&ScanRow> for Side {
    fn from(r: &ScanRow) -> Side {
        Side {
            username: r.username.clone(),
            status: r.status,
            files: r.files,
            bytes: r.bytes,
            stale_files: r.stale_files,
            stale_bytes: r.stale_bytes,
            workspace: r.workspace.clone(),
        }
    }
}

/// New minus old of an optional count: an absent side counts 0 (the user had nothing there),
/// a side that did not record it makes the change unknown.
fn optional_delta(old: Option<&Side>, new: Option<&Side>, f: fn(&Side) -> Option<u128>) -> Option<i128> {
    let value = |s: Option<&Side>| s.map_or(Some(0), f);
    Some(delta(value(old)?, value(new)?))
}

/// One user in either scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserDiff {
    /// In the old scan.
    pub old: Option<Side>,
    /// In the new scan.
    pub new: Option<Side>,
}

impl UserDiff {
    /// The username: the new scan's spelling, else the old one's.
    pub fn username(&self) -> &str {
        self.new
            .as_ref()
            .or(self.old.as_ref())
            .map_or("", |s| s.username.as_str())
    }

    /// The workspace (account runs), `None` otherwise.
    pub fn workspace(&self) -> Option<&str> {
        self.new
            .as_ref()
            .or(self.old.as_ref())
            .and_then(|s| s.workspace.as_deref())
    }

    /// The username as reports show it: `alice@x.com (ws-a)` in an account run's comparison.
    pub fn shown(&self) -> std::borrow::Cow<'_, str> {
        match self.workspace() {
            Some(w) => format!("{} ({w})", self.username()).into(),
            None => self.username().into(),
        }
    }

    /// Files in the old scan (0 when absent).
    pub fn files_old(&self) -> u128 {
        self.old.as_ref().map_or(0, |s| s.files)
    }

    /// Files in the new scan (0 when absent).
    pub fn files_new(&self) -> u128 {
        self.new.as_ref().map_or(0, |s| s.files)
    }

    /// Bytes in the old scan (0 when absent).
    pub fn bytes_old(&self) -> u128 {
        self.old.as_ref().map_or(0, |s| s.bytes)
    }

    /// Bytes in the new scan (0 when absent).
    pub fn bytes_new(&self) -> u128 {
        self.new.as_ref().map_or(0, |s| s.bytes)
    }

    /// New minus old files (an absent side counts 0).
    pub fn files_delta(&self) -> i128 {
        delta(self.files_old(), self.files_new())
    }

    /// New minus old bytes (an absent side counts 0).
    pub fn bytes_delta(&self) -> i128 {
        delta(self.bytes_old(), self.bytes_new())
    }

    /// Stale bytes in the old scan (`None`: absent, or not recorded).
    pub fn stale_bytes_old(&self) -> Option<u128> {
        self.old.as_ref().and_then(|s| s.stale_bytes)
    }

    /// Stale bytes in the new scan (`None`: absent, or not recorded).
    pub fn stale_bytes_new(&self) -> Option<u128> {
        self.new.as_ref().and_then(|s| s.stale_bytes)
    }

    /// Stale files in the old scan (`None`: absent, or not recorded).
    pub fn stale_files_old(&self) -> Option<u128> {
        self.old.as_ref().and_then(|s| s.stale_files)
    }

    /// Stale files in the new scan (`None`: absent, or not recorded).
    pub fn stale_files_new(&self) -> Option<u128> {
        self.new.as_ref().and_then(|s| s.stale_files)
    }

    /// New minus old stale bytes (an absent side counts 0; `None` when a present side did not
    /// record them).
    pub fn stale_bytes_delta(&self) -> Option<i128> {
        optional_delta(self.old.as_ref(), self.new.as_ref(), |s| s.stale_bytes)
    }

    /// New minus old stale files, likewise.
    pub fn stale_files_delta(&self) -> Option<i128> {
        optional_delta(self.old.as_ref(), self.new.as_ref(), |s| s.stale_files)
    }

    /// How the user changed (see the module header).
    pub fn change(&self) -> Change {
        match (&self.old, &self.new) {
            (None, _) => Change::New,
            (_, None) => Change::Removed,
            (Some(o), Some(n)) if o.status == Status::Error || n.status == Status::Error => Change::Error,
            (Some(o), Some(n)) => match (n.bytes.cmp(&o.bytes), n.files.cmp(&o.files)) {
                (std::cmp::Ordering::Greater, _) => Change::Grown,
                (std::cmp::Ordering::Less, _) => Change::Shrunk,
                (_, std::cmp::Ordering::Greater) => Change::Grown,
                (_, std::cmp::Ordering::Less) => Change::Shrunk,
                _ => Change::Same,
            },
        }
    }

    /// True when the user is in both scans with another status.
    pub fn status_changed(&self) -> bool {
        matches!((&self.old, &self.new), (Some(o), Some(n)) if o.status != n.status)
    }
}

/// Totals of one scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SideTotals {
    /// Users.
    pub users: u64,
    /// Users in `error`.
    pub errors: u64,
    /// Files.
    pub files: u128,
    /// Bytes.
    pub bytes: u128,
    /// Stale files (`None` when a row does not record them).
    pub stale_files: Option<u128>,
    /// Stale bytes (`None` likewise).
    pub stale_bytes: Option<u128>,
}

/// The comparison of two scans.
#[derive(Debug, Clone, Default)]
pub struct Diff {
    /// Every user of either scan: those of the new scan in its order, then the removed ones in
    /// the old scan's order.
    pub users: Vec<UserDiff>,
    /// The old scan's totals.
    pub old: SideTotals,
    /// The new scan's totals.
    pub new: SideTotals,
}

impl Diff {
    /// Users with this change, in [`Diff::users`] order.
    pub fn with(&self, change: Change) -> impl Iterator<Item = &UserDiff> {
        self.users.iter().filter(move |u| u.change() == change)
    }

    /// How many users have this change.
    pub fn count(&self, change: Change) -> usize {
        self.with(change).count()
    }

    /// New minus old bytes over all users.
    pub fn bytes_delta(&self) -> i128 {
        delta(self.old.bytes, self.new.bytes)
    }

    /// New minus old files over all users.
    pub fn files_delta(&self) -> i128 {
        delta(self.old.files, self.new.files)
    }

    /// New minus old stale bytes over all users (`None`: a scan did not record them).
    pub fn stale_bytes_delta(&self) -> Option<i128> {
        Some(delta(self.old.stale_bytes?, self.new.stale_bytes?))
    }

    /// New minus old stale files over all users (`None` likewise).
    pub fn stale_files_delta(&self) -> Option<i128> {
        Some(delta(self.old.stale_files?, self.new.stale_files?))
    }

    /// The change in bytes as a percentage of the old total; `None` when the old total is 0.
    pub fn bytes_percent(&self) -> Option<f64> {
        percent(self.old.bytes, self.new.bytes)
    }

    /// The users in both scans who grew the most bytes, largest growth first (ties by
    /// username), at most `n`. Users with the same bytes and more files come last.
    pub fn growers(&self, n: usize) -> Vec<&UserDiff> {
        let mut v: Vec<&UserDiff> = self.with(Change::Grown).collect();
        v.sort_by(|a, b| {
            (b.bytes_delta(), b.files_delta())
                .cmp(&(a.bytes_delta(), a.files_delta()))
                .then_with(|| a.username().cmp(b.username()))
        });
        v.truncate(n);
        v
    }

    /// The users in both scans who lost the most bytes, largest loss first, at most `n`.
    pub fn shrinkers(&self, n: usize) -> Vec<&UserDiff> {
        let mut v: Vec<&UserDiff> = self.with(Change::Shrunk).collect();
        v.sort_by(|a, b| {
            (a.bytes_delta(), a.files_delta())
                .cmp(&(b.bytes_delta(), b.files_delta()))
                .then_with(|| a.username().cmp(b.username()))
        });
        v.truncate(n);
        v
    }

    /// Users in both scans whose status changed (e.g. `success` → `error`).
    pub fn status_changes(&self) -> impl Iterator<Item = &UserDiff> {
        self.users.iter().filter(|u| u.status_changed())
    }
}

/// `(new - old) / old` in percent; `None` when `old` is 0.
pub fn percent(old: u128, new: u128) -> Option<f64> {
    (old > 0).then(|| (new as f64 - old as f64) * 100.0 / old as f64)
}

fn totals(rows: &[ScanRow]) -> SideTotals {
    let mut t = SideTotals {
        stale_files: Some(0),
        stale_bytes: Some(0),
        ..Default::default()
    };
    let add = |sum: Option<u128>, v: Option<u128>| Some(sum? + v?);
    for r in rows {
        t.users += 1;
        t.errors += u64::from(r.status == Status::Error);
        t.files += r.files;
        t.bytes += r.bytes;
        t.stale_files = add(t.stale_files, r.stale_files);
        t.stale_bytes = add(t.stale_bytes, r.stale_bytes);
    }
    t
}

/// What to say when the two scans' ages references differ or are not known: `(warnings,
/// notes)`. Stale counts are measured from each run's own as-of, so a file can turn stale
/// between two weekly runs without being touched (a note); runs with different stale days
/// count different things (a warning: the stale columns are not comparable).
pub fn ages_notes(old: &Scan, new: &Scan) -> (Vec<String>, Vec<String>) {
    let (mut warnings, mut notes) = (Vec::new(), Vec::new());
    let unmeasured: Vec<String> = [("OLD", old), ("NEW", new)]
        .iter()
        .filter(|(_, s)| !s.has_stale)
        .map(|(w, s)| format!("{w} ({})", s.path.display()))
        .collect();
    if !unmeasured.is_empty() {
        notes.push(format!(
            "{} records no stale counts (a scan of a version before ages were measured): stale changes are unknown",
            unmeasured.join(" and ")
        ));
        return (warnings, notes);
    }
    match (old.ages, new.ages) {
        (Some(a), Some(b)) => {
            if a.stale_days != b.stale_days {
                warnings.push(format!(
                    "OLD counts a file stale after {} days, NEW after {} days (--stale-days): the stale \
                     columns measure different things and are NOT comparable",
                    a.stale_days, b.stale_days
                ));
            }
            if a.as_of_ms != b.as_of_ms {
                notes.push(format!(
                    "OLD is as of {}, NEW as of {}: stale counts are measured from each run's own as-of, \
                     so files can turn stale between the runs without being touched",
                    crate::format::rfc3339_ms(a.as_of_ms),
                    crate::format::rfc3339_ms(b.as_of_ms)
                ));
            }
        }
        _ => {
            let unknown: Vec<&str> = [("OLD", old), ("NEW", new)]
                .iter()
                .filter(|(_, s)| s.ages.is_none())
                .map(|(w, _)| *w)
                .collect();
            notes.push(format!(
                "the ages reference (as-of, stale days) of {} is not recorded (a CSV does not record it): \
                 stale counts are measured from each run's own as-of, and are comparable only if both \
                 runs used the same --stale-days (compare the journals to have it checked)",
                unknown.join(" and ")
            ));
        }
    }
    (warnings, notes)
}

/// One workspace of an account comparison (sums never wrap).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkspaceTotals {
    /// Users in the old scan.
    pub users_old: u64,
    /// Users in the new scan.
    pub users_new: u64,
    /// Users only in the new scan.
    pub added: u64,
    /// Users only in the old scan.
    pub removed: u64,
    /// Files, old.
    pub files_old: u128,
    /// Files, new.
    pub files_new: u128,
    /// Bytes, old.
    pub bytes_old: u128,
    /// Bytes, new.
    pub bytes_new: u128,
}

impl Diff {
    /// An account comparison's totals per workspace, by name (empty for one workspace).
    pub fn by_workspace(&self) -> std::collections::BTreeMap<&str, WorkspaceTotals> {
        let mut by: std::collections::BTreeMap<&str, WorkspaceTotals> = Default::default();
        for u in &self.users {
            let Some(w) = u.workspace() else { continue };
            let t = by.entry(w).or_default();
            let (o, n) = (u.old.is_some(), u.new.is_some());
            t.users_old += u64::from(o);
            t.users_new += u64::from(n);
            t.added += u64::from(n && !o);
            t.removed += u64::from(o && !n);
            t.files_old = t.files_old.saturating_add(u.files_old());
            t.files_new = t.files_new.saturating_add(u.files_new());
            t.bytes_old = t.bytes_old.saturating_add(u.bytes_old());
            t.bytes_new = t.bytes_new.saturating_add(u.bytes_new());
        }
        by
    }
}

/// Compares two scans' rows (each one row per user, as [`read_scan`] gives them).
pub fn diff(old: &[ScanRow], new: &[ScanRow]) -> Diff {
    // Users are matched by name within their workspace (account runs) or the scan.
    let key = |r: &ScanRow| (r.workspace.clone(), UserKey::of(&r.username));
    let mut old_by_key: HashMap<(Option<String>, UserKey), &ScanRow> = old.iter().map(|r| (key(r), r)).collect();
    let mut users = Vec::with_capacity(new.len().max(old.len()));
    for n in new {
        let o = old_by_key.remove(&key(n));
        users.push(UserDiff {
            old: o.map(Side::from),
            new: Some(Side::from(n)),
        });
    }
    for o in old {
        if old_by_key.remove(&key(o)).is_some() {
            users.push(UserDiff {
                old: Some(Side::from(o)),
                new: None,
            });
        }
    }
    Diff {
        users,
        old: totals(old),
        new: totals(new),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(user: &str, status: Status, files: u128, bytes: u128) -> ScanRow {
        ScanRow {
            username: user.into(),
            status,
            files,
            bytes,
            stale_files: None,
            stale_bytes: None,
            workspace: None,
        }
    }

    #[test]
    fn deltas_never_wrap() {
        assert_eq!(delta(10, 3), -7);
        assert_eq!(delta(3, 10), 7);
        assert_eq!(delta(0, 0), 0);
        let big = u128::from(u64::MAX) * 2;
        assert_eq!(delta(0, big), big as i128);
        assert_eq!(delta(big, 0), -(big as i128));
        // Past i128: saturates, never wraps into the wrong sign.
        assert_eq!(delta(0, u128::MAX), i128::MAX);
        assert_eq!(delta(u128::MAX, 0), -i128::MAX);
        assert_eq!(delta(u128::MAX, u128::MAX), 0);
    }

    #[test]
    fn changes_are_decided_by_bytes_then_files() {
        let s = |files, bytes| {
            Some(Side {
                username: "a".into(),
                status: Status::Success,
                files,
                bytes,
                stale_files: None,
                stale_bytes: None,
                workspace: None,
            })
        };
        let c = |old, new| UserDiff { old, new }.change();
        assert_eq!(c(None, s(1, 1)), Change::New);
        assert_eq!(c(s(1, 1), None), Change::Removed);
        assert_eq!(
            c(s(5, 10), s(1, 11)),
            Change::Grown,
            "bytes first, even with fewer files"
        );
        assert_eq!(c(s(1, 10), s(9, 9)), Change::Shrunk);
        assert_eq!(
            c(s(1, 10), s(3, 10)),
            Change::Grown,
            "same bytes, more files (notebooks)"
        );
        assert_eq!(c(s(3, 10), s(1, 10)), Change::Shrunk);
        assert_eq!(c(s(3, 10), s(3, 10)), Change::Same);
    }

    #[test]
    fn users_are_matched_case_insensitively_and_totals_add_up() {
        let old = [
            row("Alice@x.com", Status::Success, 10, 1_000),
            row("bob@x.com", Status::Success, 5, 500),
            row("carol@x.com", Status::Success, 2, 200),
            row("dave@x.com", Status::Empty, 0, 0),
        ];
        let new = [
            row("erin@x.com", Status::Success, 1, 50),
            row("alice@x.com", Status::Success, 12, 1_500),
            row("bob@x.com", Status::Error, 5, 100),
            row("dave@x.com", Status::Empty, 0, 0),
        ];
        let d = diff(&old, &new);
        let got: Vec<(&str, Change, i128, i128)> = d
            .users
            .iter()
            .map(|u| (u.username(), u.change(), u.files_delta(), u.bytes_delta()))
            .collect();
        assert_eq!(
            got,
            [
                ("erin@x.com", Change::New, 1, 50),
                ("alice@x.com", Change::Grown, 2, 500),
                ("bob@x.com", Change::Error, 0, -400),
                ("dave@x.com", Change::Same, 0, 0),
                ("carol@x.com", Change::Removed, -2, -200),
            ]
        );
        assert_eq!(
            d.users[1].old.as_ref().unwrap().username,
            "Alice@x.com",
            "each side keeps its spelling"
        );
        assert_eq!((d.old.users, d.new.users, d.old.errors, d.new.errors), (4, 4, 0, 1));
        assert_eq!((d.old.bytes, d.new.bytes, d.bytes_delta()), (1_700, 1_650, -50));
        assert_eq!((d.old.files, d.new.files, d.files_delta()), (17, 18, 1));
        let p = d.bytes_percent().unwrap();
        assert!((p - (-50.0 * 100.0 / 1_700.0)).abs() < 1e-9, "{p}");
        // The users' deltas add up to the totals' (every user is on one side or both).
        let sum: i128 = d.users.iter().map(UserDiff::bytes_delta).sum();
        assert_eq!(sum, d.bytes_delta());
        let changed: Vec<&str> = d.status_changes().map(UserDiff::username).collect();
        assert_eq!(changed, ["bob@x.com"]);
        assert_eq!(percent(0, 10), None);
    }

    #[test]
    fn movers_are_ranked_by_bytes_and_capped() {
        let old: Vec<ScanRow> = (0..30)
            .map(|i| row(&format!("u{i:02}"), Status::Success, 1, 1_000))
            .collect();
        let new: Vec<ScanRow> = (0..30)
            .map(|i| {
                // u00–u14 grow by i·10 bytes (u00: same bytes, one more file), u15–u29 shrink.
                let (files, bytes) = if i < 15 {
                    (2, 1_000 + i * 10)
                } else {
                    (1, 1_000 - (i - 14) * 10)
                };
                row(&format!("U{i:02}"), Status::Success, files, bytes)
            })
            .collect();
        let d = diff(&old, &new);
        let g: Vec<&str> = d.growers(TOP_MOVERS).iter().map(|u| u.username()).collect();
        assert_eq!(g.len(), 15);
        assert_eq!(&g[..3], ["U14", "U13", "U12"]);
        assert_eq!(*g.last().unwrap(), "U00", "more files, same bytes: grown, ranked last");
        let s: Vec<&str> = d.shrinkers(5).iter().map(|u| u.username()).collect();
        assert_eq!(s, ["U29", "U28", "U27", "U26", "U25"]);
        assert_eq!(d.count(Change::New) + d.count(Change::Removed), 0);
    }

    fn stale(user: &str, stale: Option<(u128, u128)>) -> ScanRow {
        ScanRow {
            stale_files: stale.map(|s| s.0),
            stale_bytes: stale.map(|s| s.1),
            ..row(user, Status::Success, 10, 100)
        }
    }

    #[test]
    fn stale_counts_compare_with_absent_sides_as_zero_and_unrecorded_ones_unknown() {
        let old = [
            stale("a", Some((1, 10))),
            stale("gone", Some((2, 20))),
            stale("b", Some((1, 5))),
        ];
        let new = [
            stale("a", Some((3, 40))),
            stale("fresh", Some((1, 7))),
            stale("b", None),
        ];
        let d = diff(&old, &new);
        type Got<'a> = (&'a str, Option<u128>, Option<u128>, Option<i128>, Option<i128>);
        let got: Vec<Got> = d
            .users
            .iter()
            .map(|u| {
                (
                    u.username(),
                    u.stale_bytes_old(),
                    u.stale_bytes_new(),
                    u.stale_bytes_delta(),
                    u.stale_files_delta(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("a", Some(10), Some(40), Some(30), Some(2)),
                ("fresh", None, Some(7), Some(7), Some(1)),
                ("b", Some(5), None, None, None),
                ("gone", Some(20), None, Some(-20), Some(-2)),
            ]
        );
        assert_eq!(
            (d.old.stale_bytes, d.new.stale_bytes, d.stale_bytes_delta()),
            (Some(35), None, None)
        );
        let d = diff(&old, &old[..2]);
        assert_eq!((d.stale_bytes_delta(), d.stale_files_delta()), (Some(-5), Some(-1)));
    }

    #[test]
    fn differing_ages_references_are_said() {
        use crate::model::Ages;
        let scan = |name: &str, has_stale, ages: Option<(i64, u32)>| Scan {
            path: name.into(),
            kind: ScanKind::Journal,
            identity: None,
            started: None,
            ages: ages.map(|(as_of_ms, stale_days)| Ages { as_of_ms, stale_days }),
            has_stale,
            finished: None,
            rows: vec![],
            notes: vec![],
        };
        let week = 7 * 86_400_000;
        let a = scan("a", true, Some((1_764_460_800_000, 365)));
        assert_eq!(ages_notes(&a, &a), (vec![], vec![]));
        let (w, n) = ages_notes(&a, &scan("b", true, Some((1_764_460_800_000 + week, 365))));
        assert!(w.is_empty());
        assert_eq!(n.len(), 1);
        assert!(
            n[0].contains("OLD is as of 2025-11-30T00:00:00Z, NEW as of 2025-12-07T00:00:00Z")
                && n[0].contains("measured from each run's own as-of"),
            "{n:?}"
        );
        let (w, _) = ages_notes(&a, &scan("b", true, Some((1_764_460_800_000, 180))));
        assert!(
            w.len() == 1 && w[0].contains("after 365 days, NEW after 180 days") && w[0].contains("NOT comparable"),
            "{w:?}"
        );
        let (w, n) = ages_notes(&scan("old.csv", true, None), &a);
        assert!(w.is_empty() && n[0].contains("of OLD is not recorded"), "{n:?}");
        let (_, n) = ages_notes(&scan("old.csv", false, None), &a);
        assert!(n[0].contains("OLD (old.csv) records no stale counts"), "{n:?}");
    }
}
