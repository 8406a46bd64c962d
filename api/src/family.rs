//! The API families the workspace rate-limits separately, and their published rates.

use std::fmt;

use serde::Deserialize;

/// Endpoint families, each with its own rate limit (as the workspace enforces them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// `/api/2.0/workspace/*`
    Workspace,
    /// `/api/2.0/dbfs/*`
    Dbfs,
    /// `/api/2.0/preview/scim/v2/*`
    Scim,
    /// `/api/2.0/workspace/export`: its own published limit (60/s), apart from `list`.
    Export,
}

impl Family {
    /// Every family, in the order flags and messages name them.
    pub const ALL: [Family; 4] = [Family::Workspace, Family::Dbfs, Family::Scim, Family::Export];

    /// Short name used in logs, flags and statistics (the name in `allow-list.json`).
    pub fn name(self) -> &'static str {
        match self {
            Family::Workspace => "workspace",
            Family::Dbfs => "dbfs",
            Family::Scim => "scim",
            Family::Export => "export",
        }
    }

    /// The family of a [`name`](Family::name), exactly as spelled.
    pub fn from_name(name: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The published per-workspace limit in requests per second: Workspace list 50/s, DBFS 30/s,
    /// SCIM 255/min, Workspace export 60/s.
    pub fn published_per_sec(self) -> f64 {
        match self {
            Family::Workspace => 50.0,
            Family::Dbfs => 30.0,
            Family::Scim => 255.0 / 60.0,
            Family::Export => 60.0,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_names_are_the_ones_in_the_file() {
        for f in Family::ALL {
            let parsed: Family = serde_json::from_value(serde_json::json!(f.name())).unwrap();
            assert_eq!(parsed, f);
            assert_eq!(f.to_string(), f.name());
            assert_eq!(Family::from_name(f.name()), Some(f));
        }
        assert!(serde_json::from_str::<Family>(r#""files""#).is_err());
        assert!(Family::from_name("Workspace").is_none());
    }

    #[test]
    fn published_rates_are_the_documented_ones() {
        let per_sec: Vec<f64> = Family::ALL.into_iter().map(Family::published_per_sec).collect();
        assert_eq!(per_sec, [50.0, 30.0, 4.25, 60.0]);
    }
}
