//! The report's numbers: totals per status, location and size bucket ([`aggregate`]), and how
//! many rows each table lists.

use crate::model::{Location, UserRow};
use crate::output::console::Totals;
use crate::output::jsonl::AgeTotals;

/// Rows shown in the top-users table.
pub const TOP_USERS: usize = 25;

/// Most rows listed in the errors and orphans tables (the CSV has them all).
pub const MAX_LISTED: usize = 500;

/// Rows of the stale-users table.
pub const TOP_STALE: usize = 25;

/// Rows of the workspace's largest files.
pub const TOP_FILES: usize = 25;

pub(super) const MIB: u64 = 1024 * 1024;

pub(super) const GIB: u64 = 1024 * MIB;

pub(super) const TIB: u64 = 1024 * GIB;

/// Histogram buckets of a user's total size: label and exclusive upper bound (`None`: open).
/// Bucket 0 holds exactly 0 bytes; units are 1024-based like everywhere else in the tool.
pub const BUCKETS: &[(&str, Option<u64>)] = &[
    ("0 B", Some(1)),
    ("< 1 MB", Some(MIB)),
    ("1–10 MB", Some(10 * MIB)),
    ("10–100 MB", Some(100 * MIB)),
    ("100 MB–1 GB", Some(GIB)),
    ("1–10 GB", Some(10 * GIB)),
    ("10–100 GB", Some(100 * GIB)),
    ("100 GB–1 TB", Some(TIB)),
    ("≥ 1 TB", None),
];

/// The histogram bucket of a total size.
pub fn bucket_of(bytes: impl Into<u128>) -> usize {
    let bytes = bytes.into();
    BUCKETS
        .iter()
        .position(|(_, hi)| hi.is_none_or(|hi| bytes < u128::from(hi)))
        .unwrap_or(BUCKETS.len() - 1)
}

/// The console's totals plus what only the report shows.
#[derive(Default)]
pub(super) struct Agg {
    pub(super) totals: Totals,
    pub(super) dbfs_files: u128,
    pub(super) dbfs_bytes: u128,
    pub(super) ws_files: u128,
    pub(super) ws_bytes: u128,
    pub(super) dbfs_scanned: bool,
    pub(super) ws_scanned: bool,
    pub(super) buckets: Vec<u64>,
    /// Per location, in [`Location::ALL`] order.
    pub(super) locs: [LocAgg; 4],
    pub(super) ages: AgeTotals,
    pub(super) stale_files: u128,
    pub(super) stale_bytes: u128,
    pub(super) undated_files: u128,
}

/// One location over all rows.
#[derive(Default)]
pub(super) struct LocAgg {
    /// Rows that scanned it (available or not).
    pub(super) scanned: u64,
    /// Rows where it is not available (DBFS off).
    pub(super) not_available: u64,
    /// Rows where it was not visible to the credentials.
    pub(super) not_visible: u64,
    /// Rows with the folder.
    pub(super) homes: u64,
    pub(super) files: u128,
    pub(super) bytes: u128,
}

impl std::ops::Deref for Agg {
    type Target = Totals;
    fn deref(&self) -> &Totals {
        &self.totals
    }
}

pub(super) fn aggregate(rows: &[&UserRow]) -> Agg {
    let mut a = Agg {
        buckets: vec![0; BUCKETS.len()],
        ..Default::default()
    };
    for r in rows {
        a.totals.add(r);
        if let Some(t) = &r.dbfs {
            a.dbfs_scanned = true;
            a.dbfs_files += u128::from(t.files);
            a.dbfs_bytes += u128::from(t.bytes);
        }
        if let Some(t) = &r.workspace {
            a.ws_scanned = true;
            a.ws_files += u128::from(t.files);
            a.ws_bytes += u128::from(t.bytes);
        }
        a.buckets[bucket_of(r.total_size())] += 1;
        for (i, l) in Location::ALL.into_iter().enumerate() {
            let Some(t) = r.at(l) else { continue };
            let la = &mut a.locs[i];
            la.scanned += 1;
            la.not_available += u64::from(t.not_available);
            la.not_visible += u64::from(t.not_visible);
            la.homes += u64::from(t.home_exists);
            la.files += u128::from(t.files);
            la.bytes += u128::from(t.bytes);
        }
        let (sf, sb, uf) = r.age_totals();
        a.stale_files += sf;
        a.stale_bytes += sb;
        a.undated_files += uf;
        for (_, t) in r.located() {
            a.ages.add(&t.age);
        }
    }
    a
}

/// Rows sorted by total size (then files), largest first; ties keep input order.
pub(super) fn by_size<'a>(rows: &[&'a UserRow]) -> Vec<&'a UserRow> {
    let mut v = rows.to_vec();
    v.sort_by(|x, y| (y.total_size(), y.file_count()).cmp(&(x.total_size(), x.file_count())));
    v
}
