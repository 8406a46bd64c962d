//! `--jsonl`: one JSON object per user with everything known about it, in the CSV's order.

use std::io::Write as _;

use serde::Serialize;

use super::AtomicFile;
use crate::model::{Principal, Status, TreeStats, UserRow};

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
    /// DBFS counts (`null` when not scanned).
    pub dbfs: Option<&'a TreeStats>,
    /// Workspace counts (`null` when not scanned).
    pub workspace: Option<&'a TreeStats>,
    /// The CSV's `dbfs_home`: `yes` | `no` | `not_scanned`.
    pub dbfs_home: &'static str,
    /// The CSV's `workspace_home`: `yes` | `no` | `not_visible` | `not_scanned`.
    pub workspace_home: &'static str,
}

impl<'a> DetailRecord<'a> {
    /// The record of a row.
    pub fn of(r: &'a UserRow) -> Self {
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
            dbfs: r.dbfs.as_ref(),
            workspace: r.workspace.as_ref(),
            dbfs_home: UserRow::home_label(r.dbfs.as_ref()),
            workspace_home: UserRow::home_label(r.workspace.as_ref()),
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
}
