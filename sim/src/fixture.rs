//! The fixture format: what a simulated workspace contains.
//!
//! Other tools read and write this JSON, so its shape is fixed (see `sim/README.md`). Every entry
//! type keeps the fields it does not know in `extra`, and the simulator serves them verbatim, so a
//! fixture can describe objects with unusual or missing fields exactly as a real workspace has them.

use std::path::Path;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A whole simulated workspace: SCIM users, workspace objects, DBFS files, volume files, faults
/// and SCIM service principals.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Fixture {
    /// SCIM users, in the order `/Users` lists them.
    #[serde(default)]
    pub users: Vec<UserEntry>,
    /// Workspace objects (notebooks, files, directories, Git folders, …).
    #[serde(default)]
    pub workspace: Vec<WorkspaceEntry>,
    /// DBFS files and directories.
    #[serde(default)]
    pub dbfs: Vec<DbfsEntry>,
    /// Unity Catalog volume files and directories (`/Volumes/<catalog>/<schema>/<volume>/…`).
    #[serde(default)]
    pub volumes: Vec<VolumeEntry>,
    /// Paths that always fail (see [`Fault`]).
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// SCIM service principals, in the order `/ServicePrincipals` lists them. Their homes are
    /// `/Users/<applicationId>` entries of `workspace` and `dbfs` like anyone's.
    #[serde(default)]
    pub service_principals: Vec<ServicePrincipalEntry>,
}

/// One SCIM service principal. `id` and the SCIM schema are synthesised when absent; other fields
/// (`entitlements`, `groups`, `externalId`, …) are served as given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServicePrincipalEntry {
    /// The application id (a UUID): what it authenticates as, and the name of its home folder.
    #[serde(rename = "applicationId")]
    pub application_id: String,
    /// Human-readable name, e.g. `etl-service`.
    #[serde(rename = "displayName", default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Whether it is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Any other SCIM attribute, served verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One SCIM user. `id` and `emails` are synthesised when absent; other fields are served as given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserEntry {
    /// The user's login, usually an e-mail address; also the name of their home folder.
    #[serde(rename = "userName")]
    pub user_name: String,
    /// Human-readable name.
    #[serde(rename = "displayName", default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Whether the account is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Any other SCIM attribute (`id`, `emails`, `groups`, …), served verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One workspace object, served by `workspace/list` and `workspace/get-status` as given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceEntry {
    /// Absolute path, e.g. `/Users/a@x.com/nb`.
    pub path: String,
    /// `NOTEBOOK | DIRECTORY | LIBRARY | FILE | REPO | DASHBOARD`, or absent (e.g. MLflow experiments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_type: Option<String>,
    /// Notebook language (`PYTHON`, `SQL`, `SCALA`, `R`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Size in bytes (files only, and not always).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// A notebook's exact source, as `workspace/export` returns it (never listed); without it a
    /// notebook's source is generated from its path and language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Any other field (`object_id`, `modified_at`, …), served verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One DBFS file or directory.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DbfsEntry {
    /// Absolute path without the `dbfs:` scheme.
    pub path: String,
    /// True for a directory.
    #[serde(default)]
    pub is_dir: bool,
    /// Size in bytes (0 for directories).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_size: Option<u64>,
    /// Any other field (`modification_time`, …), served verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One file or directory in a Unity Catalog volume.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VolumeEntry {
    /// Absolute path, `/Volumes/<catalog>/<schema>/<volume>/…`.
    pub path: String,
    /// True for a directory.
    #[serde(default)]
    pub is_directory: bool,
    /// Size in bytes (absent for directories).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_size: Option<u64>,
    /// Any other field (`last_modified`, `name`, …), served verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A fault rule: requests to `path` on `api` fail.
///
/// In a fixture a rule applies to every call; rules added at run time through `POST /__sim/faults`
/// may also give `times` (how many calls fail before the rule expires) and `offset` (how many
/// matching calls succeed first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    /// `workspace`, `dbfs`, `volumes`, `scim` or `oauth` (the token and discovery endpoints).
    pub api: String,
    /// The exact path (the `path` parameter, the volume path, `/Users`/`/Me` for SCIM, or the URL
    /// path for `oauth`, e.g. `/oidc/v1/token`). A trailing `*` makes it a prefix; `*` alone
    /// matches every path of the API.
    pub path: String,
    /// HTTP status to answer with (500 by default), with the body the real service sends for it.
    #[serde(default = "default_fault_status")]
    pub status: u16,
    /// Instead of a status: `reset` (connection reset), `truncate` (body cut short), `slow`
    /// (an answer slower than any sane client timeout) or `html` (a proxy's HTML error page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Fail only this many times, then behave normally.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    /// Let this many matching calls through before failing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Answer `status` with exactly this body (`Content-Type: application/json`) instead of the
    /// real service's body: hostile answers such as a 200 carrying an `error_code`, list entries
    /// that are not objects, or sizes that are not sizes. Only with no `kind` (or `status`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Wait this many milliseconds before answering (e.g. to let concurrent clients queue up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// Any other field, kept so fixtures round-trip.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn default_fault_status() -> u16 {
    500
}

impl Fault {
    /// A rule making `path` on `api` answer `status` on every call.
    pub fn new(api: &str, path: &str, status: u16) -> Self {
        Fault {
            api: api.to_string(),
            path: path.to_string(),
            status,
            kind: None,
            times: None,
            offset: None,
            body: None,
            delay_ms: None,
            extra: Map::new(),
        }
    }
}

/// The fault kinds accepted in [`Fault::kind`].
pub const FAULT_KINDS: &[&str] = &["status", "reset", "truncate", "slow", "html"];
/// The APIs accepted in [`Fault::api`].
pub const FAULT_APIS: &[&str] = &["workspace", "dbfs", "volumes", "scim", "oauth"];

impl Fixture {
    /// Reads and validates a fixture file; errors name the file.
    pub fn load(path: &Path) -> anyhow::Result<Fixture> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read fixture file {}", path.display()))?;
        Fixture::from_json(&text).with_context(|| format!("invalid fixture file {}", path.display()))
    }

    /// Parses and validates fixture JSON.
    pub fn from_json(text: &str) -> anyhow::Result<Fixture> {
        let fixture: Fixture = serde_json::from_str(text)?;
        fixture.validate()?;
        Ok(fixture)
    }

    /// The fixture as JSON with one entry per line (the format `dbx-sim generate` prints).
    pub fn to_json(&self) -> String {
        fn section<T: Serialize>(out: &mut String, name: &str, items: &[T], last: bool) {
            out.push_str(&format!("  \"{name}\": ["));
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n    " } else { ",\n    " });
                out.push_str(&serde_json::to_string(item).expect("fixture entries serialize"));
            }
            out.push_str(if items.is_empty() { "]" } else { "\n  ]" });
            out.push_str(if last { "\n" } else { ",\n" });
        }
        let mut out = String::from("{\n");
        section(&mut out, "users", &self.users, false);
        section(&mut out, "workspace", &self.workspace, false);
        section(&mut out, "dbfs", &self.dbfs, false);
        section(&mut out, "volumes", &self.volumes, false);
        section(&mut out, "faults", &self.faults, false);
        section(&mut out, "service_principals", &self.service_principals, true);
        out.push_str("}\n");
        out
    }

    /// Checks what serde cannot: absolute paths, known fault APIs and kinds.
    pub fn validate(&self) -> anyhow::Result<()> {
        for (i, e) in self.workspace.iter().enumerate() {
            check_abs("workspace", i, &e.path)?;
            if e.content.is_some() && e.object_type.as_deref() != Some("NOTEBOOK") {
                anyhow::bail!(
                    "workspace[{i}] ({}): \"content\" is a notebook's source; only NOTEBOOK entries have one",
                    e.path
                );
            }
        }
        for (i, e) in self.dbfs.iter().enumerate() {
            let p = e.path.strip_prefix("dbfs:").unwrap_or(&e.path);
            check_abs("dbfs", i, p)?;
        }
        for (i, e) in self.volumes.iter().enumerate() {
            check_abs("volumes", i, &e.path)?;
            if !e.path.starts_with("/Volumes/") {
                anyhow::bail!("volumes[{i}]: path {:?} does not start with /Volumes/", e.path);
            }
        }
        for (i, u) in self.users.iter().enumerate() {
            if u.user_name.is_empty() {
                anyhow::bail!("users[{i}]: empty userName");
            }
        }
        for (i, sp) in self.service_principals.iter().enumerate() {
            if sp.application_id.is_empty() {
                anyhow::bail!("service_principals[{i}]: empty applicationId");
            }
        }
        for (i, f) in self.faults.iter().enumerate() {
            f.validate().with_context(|| format!("faults[{i}]"))?;
        }
        Ok(())
    }
}

impl Fault {
    /// Checks the API name, kind and status.
    pub fn validate(&self) -> anyhow::Result<()> {
        if !FAULT_APIS.contains(&self.api.as_str()) {
            anyhow::bail!("unknown api {:?} (expected one of {})", self.api, FAULT_APIS.join(", "));
        }
        if let Some(k) = &self.kind {
            if !FAULT_KINDS.contains(&k.as_str()) {
                anyhow::bail!("unknown kind {k:?} (expected one of {})", FAULT_KINDS.join(", "));
            }
        }
        if self.body.is_some() && !matches!(self.kind.as_deref(), None | Some("status")) {
            anyhow::bail!("a body goes with a status, not with kind {:?}", self.kind);
        }
        if !(100..=599).contains(&self.status) {
            anyhow::bail!("status {} is not an HTTP status", self.status);
        }
        if self.path.is_empty() {
            anyhow::bail!("empty path");
        }
        Ok(())
    }
}

fn check_abs(what: &str, i: usize, path: &str) -> anyhow::Result<()> {
    if !path.starts_with('/') {
        anyhow::bail!("{what}[{i}]: path {path:?} is not absolute");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUE_EXAMPLE: &str = r#"{
      "users":     [{"userName": "a@x.com", "displayName": "A", "active": true}],
      "workspace": [{"path": "/Users/a@x.com/nb", "object_type": "NOTEBOOK", "language": "PYTHON"},
                    {"path": "/Users/a@x.com/d/f.csv", "object_type": "FILE", "size": 123}],
      "dbfs":      [{"path": "/Users/a@x.com/x.bin", "is_dir": false, "file_size": 10}],
      "volumes":   [{"path": "/Volumes/c/s/v/f.txt", "is_directory": false, "file_size": 5}],
      "faults":    [{"api": "workspace", "path": "/Users/b@x.com/broken", "status": 500}],
      "service_principals": [{"applicationId": "6f1c7a52-0d4e-4b8e-9d61-3c2b8f0a9e17", "displayName": "etl", "active": true}]
    }"#;

    #[test]
    fn issue_example_parses_and_round_trips() {
        let f = Fixture::from_json(ISSUE_EXAMPLE).unwrap();
        assert_eq!(f.users[0].user_name, "a@x.com");
        assert_eq!(f.workspace[1].size, Some(123));
        assert_eq!(f.faults[0].status, 500);
        assert_eq!(f.service_principals[0].display_name.as_deref(), Some("etl"));
        let again = Fixture::from_json(&f.to_json()).unwrap();
        assert_eq!(f, again);
    }

    #[test]
    fn unknown_fields_are_kept_verbatim() {
        let f = Fixture::from_json(
            r#"{"workspace":[{"path":"/x","modified_at":17,"weird":{"a":[1]}}],
                "users":[{"userName":"u","groups":[{"value":"g"}]}]}"#,
        )
        .unwrap();
        assert_eq!(f.workspace[0].object_type, None);
        assert_eq!(f.workspace[0].extra["modified_at"], 17);
        assert_eq!(f.workspace[0].extra["weird"]["a"][0], 1);
        let v: Value = serde_json::from_str(&f.to_json()).unwrap();
        assert_eq!(v["users"][0]["groups"][0]["value"], "g");
    }

    #[test]
    fn relative_paths_and_unknown_fault_apis_are_rejected() {
        assert!(Fixture::from_json(r#"{"workspace":[{"path":"x"}]}"#).is_err());
        let e = Fixture::from_json(r#"{"service_principals":[{"applicationId":""}]}"#).unwrap_err();
        assert!(
            format!("{e:#}").contains("service_principals[0]: empty applicationId"),
            "{e:#}"
        );
        let e = Fixture::from_json(r#"{"faults":[{"api":"jobs","path":"/x","status":500}]}"#).unwrap_err();
        assert!(format!("{e:#}").contains("unknown api"), "{e:#}");
    }
}
