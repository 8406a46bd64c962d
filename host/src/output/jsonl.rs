//! `--jsonl`: one JSON object per user with everything known about it, in the CSV's order.

use std::io::Write as _;

use serde::Serialize;

use super::AtomicFile;
use crate::format::rfc3339_ms;
use crate::model::{AgeBytes, Location, Principal, Status, TreeStats, UserRow};

/// One JSON Lines object: everything known about a user.
#[derive(Debug, Serialize)]
pub struct DetailRecord<'a> {
    /// Username (or home directory name for an orphan).
    pub username: &'a str,
    /// `success` | `empty` | `error`.
    pub status: Status,
    /// Error message, when `status` is `error`.
    pub error: Option<&'a str>,
    /// Files in both trees (exact: `u128`).
    pub file_count: u128,
    /// Bytes in both trees (exact: `u128`, written as a JSON integer however large).
    pub total_size: u128,
    /// `both` | `dbfs` | `workspace` | `none`.
    pub file_source: &'a str,
    /// A home with no active user or service principal: `true`, `false`, or `null` when unknown
    /// (named like an application id while the service principals could not be listed).
    pub orphan: Option<bool>,
    /// `user` | `service_principal`.
    pub principal: Principal,
    /// A service principal's `displayName` (left out otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<&'a str>,
    /// Requests made for this user.
    pub requests: u64,
    /// Wall time of the scan.
    pub duration_ms: u64,
    /// DBFS home counts (`null` when not scanned), [`LocationRecord`].
    pub dbfs: Option<LocationRecord<'a>>,
    /// Workspace home counts (`null` when not scanned).
    pub workspace: Option<LocationRecord<'a>>,
    /// The CSV's `dbfs_home`: `yes` | `no` | `not_scanned` | `not_available`.
    pub dbfs_home: &'static str,
    /// The CSV's `workspace_home`: `yes` | `no` | `not_visible` | `not_scanned`.
    pub workspace_home: &'static str,
    /// UI uploads counts (`dbfs:/FileStore/shared_uploads/<user>`; `null` when not scanned).
    pub uploads: Option<LocationRecord<'a>>,
    /// `/Repos/<user>` counts (`null` when not scanned).
    pub repos: Option<LocationRecord<'a>>,
    /// The CSV's `uploads_home`.
    pub uploads_home: &'static str,
    /// The CSV's `repos_home`.
    pub repos_home: &'static str,
    /// The newest valid modification time over the locations, RFC 3339 UTC (`null`: none).
    pub last_modified: Option<String>,
    /// Files modified before the run's as-of minus its stale days, over the locations.
    pub stale_files: u128,
    /// Their bytes (exact: `u128`, a JSON integer however large, like `total_size`).
    pub stale_bytes: u128,
    /// Files without a valid modification time.
    pub undated_files: u128,
    /// Bytes by age band, summed over the locations (`u128` each).
    pub age_bytes: AgeTotals,
    /// The user's largest files over the locations, largest first, at most [`LARGEST_FILES`].
    pub largest_files: Vec<LargeFile>,
}

/// Files listed in `largest_files`.
pub const LARGEST_FILES: usize = 10;

/// One location of a user: every count the journal keeps (the keys of earlier versions
/// unchanged), plus the home label, `last_modified` as RFC 3339, and the age fields always
/// present (`0`, `null`). The location's own `largest` list is left out: `largest_files` gives
/// them with their full location.
#[derive(Debug)]
pub struct LocationRecord<'a> {
    stats: &'a TreeStats,
}

impl Serialize for LocationRecord<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error as _;
        let t = self.stats;
        let mut v = serde_json::to_value(t).map_err(S::Error::custom)?;
        let map = v
            .as_object_mut()
            .ok_or_else(|| S::Error::custom("tree stats are not an object"))?;
        map.remove("largest");
        let extra = serde_json::json!({
            "home": t.home_label(),
            "last_modified": t.last_modified_ms.map(rfc3339_ms),
            "last_modified_ms": t.last_modified_ms,
            "stale_files": t.stale_files,
            "stale_bytes": t.stale_bytes,
            "undated_files": t.undated_files,
            "age": AgeTotals::of([&t.age]),
        });
        if let serde_json::Value::Object(extra) = extra {
            map.extend(extra);
        }
        v.serialize(s)
    }
}

/// Bytes by age band (`u128`: summed over locations).
#[derive(Debug, Default, Serialize)]
pub struct AgeTotals {
    /// Under 30 days.
    pub under_30_days: u128,
    /// 30 to 90 days.
    pub under_90_days: u128,
    /// 90 days to a year.
    pub under_1_year: u128,
    /// 1 to 3 years.
    pub under_3_years: u128,
    /// Older.
    pub older: u128,
    /// No valid time.
    pub undated: u128,
}

impl AgeTotals {
    /// The sum of some locations' bands.
    pub fn of<'b>(ages: impl IntoIterator<Item = &'b AgeBytes>) -> AgeTotals {
        let mut t = AgeTotals::default();
        for a in ages {
            t.add(a);
        }
        t
    }

    /// Adds one location's bands.
    pub fn add(&mut self, a: &AgeBytes) {
        self.under_30_days += u128::from(a.under_30_days);
        self.under_90_days += u128::from(a.under_90_days);
        self.under_1_year += u128::from(a.under_1_year);
        self.under_3_years += u128::from(a.under_3_years);
        self.older += u128::from(a.older);
        self.undated += u128::from(a.undated);
    }

    /// The bands in order with their names (those of [`AgeBytes::bands`]).
    pub fn bands(&self) -> [(&'static str, u128); 6] {
        let v = [
            self.under_30_days,
            self.under_90_days,
            self.under_1_year,
            self.under_3_years,
            self.older,
            self.undated,
        ];
        std::array::from_fn(|i| (AgeBytes::NAMES[i], v[i]))
    }
}

/// One of a user's largest files.
#[derive(Debug, Serialize)]
pub struct LargeFile {
    /// `dbfs` | `uploads` | `workspace` | `repos`.
    pub location: &'static str,
    /// Its full location (`dbfs:/FileStore/shared_uploads/…`, `/Repos/…`).
    pub path: String,
    /// Size.
    pub bytes: u64,
    /// Modification time, RFC 3339 UTC (`null`: none valid).
    pub modified: Option<String>,
}

impl<'a> DetailRecord<'a> {
    /// The record of a row.
    pub fn of(r: &'a UserRow) -> Self {
        let loc = |r: &'a UserRow, l: Location| r.at(l).map(|stats| LocationRecord { stats });
        let (stale_files, stale_bytes, undated_files) = r.age_totals();
        DetailRecord {
            username: &r.username,
            status: r.status,
            error: r.error.as_deref(),
            file_count: r.file_count(),
            total_size: r.total_size(),
            file_source: r.file_source(),
            orphan: r.orphan.as_json(),
            principal: r.principal,
            display_name: r.display_name.as_deref(),
            requests: r.requests,
            duration_ms: r.duration_ms,
            dbfs: loc(r, Location::Dbfs),
            workspace: loc(r, Location::Workspace),
            dbfs_home: UserRow::home_label(r.dbfs.as_ref()),
            workspace_home: UserRow::home_label(r.workspace.as_ref()),
            uploads: loc(r, Location::Uploads),
            repos: loc(r, Location::Repos),
            uploads_home: UserRow::home_label(r.uploads.as_ref()),
            repos_home: UserRow::home_label(r.repos.as_ref()),
            last_modified: r.last_modified_ms().map(rfc3339_ms),
            stale_files,
            stale_bytes,
            undated_files,
            age_bytes: AgeTotals::of(r.located().map(|(_, t)| &t.age)),
            largest_files: r
                .largest(LARGEST_FILES)
                .into_iter()
                .map(|(l, f)| LargeFile {
                    location: l.name(),
                    path: l.full_path(&f.path),
                    bytes: f.bytes,
                    modified: f.modified_ms.map(rfc3339_ms),
                })
                .collect(),
        }
    }
}

/// Writes rows (in order) as JSON Lines into an atomic file.
pub fn write_jsonl(file: AtomicFile, rows: &[&UserRow]) -> anyhow::Result<()> {
    let mut file = file;
    {
        let mut w = std::io::BufWriter::new(file.file());
        for r in rows {
            serde_json::to_writer(&mut w, &DetailRecord::of(r))?;
            w.write_all(b"\n")?;
        }
        w.flush()?;
    }
    file.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_records_carry_every_count() {
        let r = UserRow::sample("a@x.com");
        let v = serde_json::to_value(DetailRecord::of(&r)).unwrap();
        assert_eq!(v["username"], "a@x.com");
        assert_eq!(v["status"], "success");
        assert_eq!(v["error"], serde_json::Value::Null);
        assert_eq!(v["file_count"], 2);
        assert_eq!(v["dbfs"]["vanished_dirs"], 1);
        assert_eq!(v["dbfs"]["unsized_objects"], 0);
        assert_eq!(v["workspace"], serde_json::Value::Null);
        assert_eq!(
            (v["requests"].as_u64(), v["duration_ms"].as_u64(), v["orphan"].as_bool()),
            (Some(3), Some(7), Some(false))
        );
        assert_eq!(v["principal"], "user");
        assert!(v.get("display_name").is_none());
        let mut sp = UserRow::sample("6f1c7a52-0d4e-4b8e-9d61-3c2b8f0a9e17");
        sp.principal = Principal::ServicePrincipal;
        sp.display_name = Some("etl-service".into());
        sp.orphan = crate::model::Orphan::Unknown;
        let v = serde_json::to_value(DetailRecord::of(&sp)).unwrap();
        assert_eq!(
            (&v["principal"], &v["display_name"], &v["orphan"]),
            (
                &serde_json::json!("service_principal"),
                &serde_json::json!("etl-service"),
                &serde_json::Value::Null
            )
        );
    }

    #[test]
    fn detail_records_give_every_location_ages_and_largest_files() {
        use crate::model::{AgeBytes, FileInfo};
        let mut r = UserRow::sample("a@x.com");
        r.dbfs.as_mut().unwrap().largest = vec![FileInfo {
            path: "/Users/a@x.com/a.bin".into(),
            bytes: 6,
            modified_ms: None,
        }];
        r.uploads = Some(TreeStats {
            home_exists: true,
            files: 2,
            bytes: u64::MAX,
            last_modified_ms: Some(1_764_522_245_678),
            stale_files: 1,
            stale_bytes: u64::MAX - 1,
            undated_files: 1,
            age: AgeBytes {
                older: u64::MAX - 1,
                undated: 1,
                ..Default::default()
            },
            largest: vec![FileInfo {
                path: "/FileStore/shared_uploads/a@x.com/big.csv".into(),
                bytes: u64::MAX - 1,
                modified_ms: Some(1_700_000_000_000),
            }],
            ..Default::default()
        });
        r.repos = Some(TreeStats::unavailable());
        r.dbfs.as_mut().unwrap().stale_bytes = 10;
        r.dbfs.as_mut().unwrap().age.older = 10;
        let line = serde_json::to_string(&DetailRecord::of(&r)).unwrap();
        // u128 sums past u64 are plain integers, like total_size.
        let over = u128::from(u64::MAX) - 1 + 10;
        assert!(line.contains(&format!(r#""stale_bytes":{over}"#)), "{line}");
        assert!(line.contains(&format!(r#""older":{over}"#)), "{line}");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["uploads_home"], "yes");
        assert_eq!(v["repos_home"], "not_available");
        assert_eq!(v["repos"]["home"], "not_available");
        assert_eq!(v["last_modified"], "2025-11-30T17:04:05Z");
        assert_eq!(
            (v["stale_files"].as_u64(), v["undated_files"].as_u64()),
            (Some(1), Some(1))
        );
        let u = &v["uploads"];
        assert_eq!(
            (
                &u["home"],
                &u["last_modified"],
                &u["stale_files"],
                &u["undated_files"],
                &u["age"]["undated"]
            ),
            (
                &serde_json::json!("yes"),
                &serde_json::json!("2025-11-30T17:04:05Z"),
                &serde_json::json!(1),
                &serde_json::json!(1),
                &serde_json::json!(1)
            )
        );
        assert!(
            u.get("largest").is_none(),
            "the largest files are listed once, with full paths"
        );
        // A location without any age fields still carries them all.
        let d = &v["dbfs"];
        assert_eq!(
            (&d["last_modified"], &d["undated_files"]),
            (&serde_json::Value::Null, &serde_json::json!(0))
        );
        assert_eq!(d["age"]["under_30_days"], 0);
        let files = v["largest_files"].as_array().unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(
            files[0],
            serde_json::json!({"location": "uploads", "path": "dbfs:/FileStore/shared_uploads/a@x.com/big.csv",
                "bytes": u64::MAX - 1, "modified": "2023-11-14T22:13:20Z"})
        );
        assert_eq!(
            files[1],
            serde_json::json!({"location": "dbfs", "path": "dbfs:/Users/a@x.com/a.bin", "bytes": 6, "modified": null})
        );
    }
}
