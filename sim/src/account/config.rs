//! The account file: which workspaces an account has, and the one OAuth client of the account.
//!
//! [`AccountConfig::load`] reads it strictly (unknown keys refused, every error naming the file and
//! the key); [`AccountConfig::validate`] checks a config however it was built.

use std::collections::HashSet;
use std::path::Path;

use serde_json::{Map, Value};

use crate::config::SimConfig;
use crate::fixture::Fixture;
use crate::generate::{generate, parse_generate_spec};

/// The statuses a workspace can have (`workspace_status` of the Accounts API).
pub const WORKSPACE_STATUSES: [&str; 6] = [
    "RUNNING",
    "PROVISIONING",
    "NOT_PROVISIONED",
    "FAILED",
    "BANNED",
    "CANCELLING",
];

/// A simulated Databricks account: several workspaces behind one port, and the Accounts API.
#[derive(Debug, Clone)]
pub struct AccountConfig {
    /// The account id (the `{account_id}` of the Accounts API paths).
    pub account_id: String,
    /// The account's OAuth M2M client (a service principal): (client_id, client_secret). It gets
    /// account tokens, and workspace tokens from the workspaces it is assigned to.
    pub client: (String, String),
    /// The workspaces, in the order the Accounts API lists them.
    pub workspaces: Vec<AccountWorkspace>,
    /// What every workspace shares: limits, latency, faults, seed, PATs, user tokens, token
    /// lifetime, … (its `fixture` and `clients` are replaced per workspace).
    pub base: SimConfig,
}

/// One workspace of an account.
#[derive(Debug, Clone)]
pub struct AccountWorkspace {
    /// Positive and unique in the account; also the workspace's `X-Databricks-Org-Id`.
    pub workspace_id: u64,
    /// A DNS label, unique in the account: the workspace answers at `<deployment_name>.localhost`.
    pub deployment_name: String,
    /// Display name.
    pub workspace_name: String,
    /// One of [`WORKSPACE_STATUSES`]; only the Accounts API listing shows it (every workspace is
    /// served whatever its status).
    pub workspace_status: String,
    /// What the workspace serves.
    pub fixture: Fixture,
    /// Whether the account's client is assigned to the workspace; if not, the workspace's token
    /// endpoint refuses it as an unknown client.
    pub client_assigned: bool,
    /// Whether the account's client is a workspace admin there (`client_admin`, default true);
    /// if not, its tokens see the Workspace as a non-admin does (its own folders only).
    pub client_admin: bool,
}

impl AccountWorkspace {
    /// A running workspace named after its deployment, with the client assigned.
    pub fn new(workspace_id: u64, deployment_name: &str, fixture: Fixture) -> AccountWorkspace {
        AccountWorkspace {
            workspace_id,
            deployment_name: deployment_name.to_string(),
            workspace_name: deployment_name.to_string(),
            workspace_status: "RUNNING".to_string(),
            fixture,
            client_assigned: true,
            client_admin: true,
        }
    }
}

const TOP_KEYS: [&str; 3] = ["account_id", "client", "workspaces"];
const WORKSPACE_KEYS: [&str; 8] = [
    "workspace_id",
    "deployment_name",
    "workspace_name",
    "workspace_status",
    "fixture",
    "generate",
    "client_assigned",
    "client_admin",
];

impl AccountConfig {
    /// Reads an account file (see `sim/README.md`); `base` gives what every workspace shares.
    /// Relative `fixture` paths are resolved against the file's directory. Errors name the file
    /// and the offending key and value, never the client secret.
    pub fn load(path: &Path, base: SimConfig) -> anyhow::Result<AccountConfig> {
        let fail = |e: anyhow::Error| anyhow::anyhow!("invalid account file {}: {e:#}", path.display());
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read account file {}: {e}", path.display()))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let config = AccountConfig::from_json(&text, dir, base).map_err(fail)?;
        config.validate().map_err(fail)?;
        Ok(config)
    }

    /// Parses account-file JSON; relative fixture paths are resolved against `dir`.
    pub fn from_json(text: &str, dir: &Path, base: SimConfig) -> anyhow::Result<AccountConfig> {
        let root: Value = serde_json::from_str(text).map_err(|e| anyhow::anyhow!("not JSON: {e}"))?;
        let Value::Object(root) = root else {
            anyhow::bail!("expected a JSON object with account_id, client and workspaces");
        };
        check_keys(&root, &TOP_KEYS, "")?;
        let account_id = string(&root, "account_id", "")?.unwrap_or_default();
        let client_text = string(&root, "client", "")?.ok_or_else(|| anyhow::anyhow!("missing key \"client\""))?;
        let client = parse_client(&client_text)?;
        let workspaces = match root.get("workspaces") {
            Some(Value::Array(a)) => a,
            Some(_) => anyhow::bail!("\"workspaces\" must be an array of workspace objects"),
            None => anyhow::bail!("missing key \"workspaces\""),
        };
        let workspaces = workspaces
            .iter()
            .enumerate()
            .map(|(i, w)| parse_workspace(w, i, dir))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(AccountConfig {
            account_id,
            client,
            workspaces,
            base,
        })
    }

    /// Checks a config however it was built: a non-empty account id, a client with both parts, at
    /// least one workspace, DNS-label deployment names and positive ids (each unique), known
    /// statuses, and a valid shared config for every workspace.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.account_id.trim().is_empty() {
            anyhow::bail!("\"account_id\" must be a non-empty string");
        }
        if self.client.0.is_empty() || self.client.1.is_empty() {
            anyhow::bail!("\"client\" must be ID:SECRET with neither part empty");
        }
        if self.workspaces.is_empty() {
            anyhow::bail!("\"workspaces\" is empty: an account needs at least one workspace");
        }
        let mut names = HashSet::new();
        let mut ids = HashSet::new();
        for (i, w) in self.workspaces.iter().enumerate() {
            let at = format!("workspaces[{i}]");
            check_deployment_name(&w.deployment_name).map_err(|e| anyhow::anyhow!("{at}: {e}"))?;
            if !names.insert(w.deployment_name.as_str()) {
                anyhow::bail!(
                    "{at}: deployment_name {:?} is used by an earlier workspace (each must be unique)",
                    w.deployment_name
                );
            }
            if w.workspace_id == 0 {
                anyhow::bail!("{at} ({}): workspace_id must be a positive integer", w.deployment_name);
            }
            if !ids.insert(w.workspace_id) {
                anyhow::bail!(
                    "{at} ({}): workspace_id {} is used by an earlier workspace (each must be unique)",
                    w.deployment_name,
                    w.workspace_id
                );
            }
            if !WORKSPACE_STATUSES.contains(&w.workspace_status.as_str()) {
                anyhow::bail!(
                    "{at} ({}): workspace_status {:?} is not one of {}",
                    w.deployment_name,
                    w.workspace_status,
                    WORKSPACE_STATUSES.join(", ")
                );
            }
            self.workspace_config(w)
                .validate()
                .map_err(|e| anyhow::anyhow!("{at} ({}): {e:#}", w.deployment_name))?;
        }
        Ok(())
    }

    /// The [`SimConfig`] a workspace is served with: `base`, its fixture, and the account's client
    /// as its only client when assigned (no client otherwise).
    pub fn workspace_config(&self, w: &AccountWorkspace) -> SimConfig {
        SimConfig {
            fixture: w.fixture.clone(),
            clients: if w.client_assigned {
                vec![self.client.clone()]
            } else {
                Vec::new()
            },
            non_admin_clients: if w.client_admin {
                Vec::new()
            } else {
                vec![self.client.0.clone()]
            },
            ..self.base.clone()
        }
    }
}

fn parse_workspace(w: &Value, i: usize, dir: &Path) -> anyhow::Result<AccountWorkspace> {
    let at = format!("workspaces[{i}]");
    let Value::Object(w) = w else {
        anyhow::bail!("{at} must be an object");
    };
    // Name the workspace in errors as soon as its name is known.
    let named = match w.get("deployment_name") {
        Some(Value::String(name)) => format!("{at} ({name})"),
        _ => at.clone(),
    };
    check_keys(w, &WORKSPACE_KEYS, &named)?;
    let deployment_name =
        string(w, "deployment_name", &at)?.ok_or_else(|| anyhow::anyhow!("{at}: missing key \"deployment_name\""))?;
    check_deployment_name(&deployment_name).map_err(|e| anyhow::anyhow!("{at}: {e}"))?;
    let at = named;
    let workspace_id = match w.get("workspace_id") {
        Some(v) => match v.as_u64() {
            Some(id) if id > 0 => id,
            _ => anyhow::bail!("{at}: workspace_id {v} is not a positive integer"),
        },
        None => anyhow::bail!("{at}: missing key \"workspace_id\""),
    };
    let workspace_name = string(w, "workspace_name", &at)?.unwrap_or_else(|| deployment_name.clone());
    let workspace_status = string(w, "workspace_status", &at)?.unwrap_or_else(|| "RUNNING".into());
    if !WORKSPACE_STATUSES.contains(&workspace_status.as_str()) {
        anyhow::bail!(
            "{at}: workspace_status {workspace_status:?} is not one of {}",
            WORKSPACE_STATUSES.join(", ")
        );
    }
    let flag = |key: &str| match w.get(key) {
        None => Ok(true),
        Some(Value::Bool(b)) => Ok(*b),
        Some(v) => Err(anyhow::anyhow!("{at}: {key} {v} is not true or false")),
    };
    let (client_assigned, client_admin) = (flag("client_assigned")?, flag("client_admin")?);
    let fixture = match (string(w, "fixture", &at)?, string(w, "generate", &at)?) {
        (Some(_), Some(_)) => anyhow::bail!("{at}: give either \"fixture\" or \"generate\", not both"),
        (None, None) => anyhow::bail!("{at}: missing key \"fixture\" (a file) or \"generate\" (users=N,seed=S)"),
        (Some(file), None) => Fixture::load(&dir.join(&file)).map_err(|e| anyhow::anyhow!("{at}: fixture: {e:#}"))?,
        (None, Some(spec)) => {
            let (users, seed) = parse_generate_spec(&spec).map_err(|e| anyhow::anyhow!("{at}: generate: {e:#}"))?;
            generate(users, seed)
        }
    };
    Ok(AccountWorkspace {
        workspace_id,
        deployment_name,
        workspace_name,
        workspace_status,
        fixture,
        client_assigned,
        client_admin,
    })
}

/// Refuses keys other than `allowed`.
fn check_keys(obj: &Map<String, Value>, allowed: &[&str], at: &str) -> anyhow::Result<()> {
    for key in obj.keys() {
        if !allowed.contains(&key.as_str()) {
            let at = if at.is_empty() {
                String::new()
            } else {
                format!("{at}: ")
            };
            anyhow::bail!("{at}unknown key {key:?} (expected one of: {})", allowed.join(", "));
        }
    }
    Ok(())
}

/// An optional string value.
fn string(obj: &Map<String, Value>, key: &str, at: &str) -> anyhow::Result<Option<String>> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) if key == "client" => anyhow::bail!("\"client\" must be a string ID:SECRET"),
        Some(v) => {
            let at = if at.is_empty() {
                String::new()
            } else {
                format!("{at}: ")
            };
            anyhow::bail!("{at}{key} {v} is not a string")
        }
    }
}

/// `ID:SECRET`; an error shows neither the secret nor the value.
fn parse_client(s: &str) -> anyhow::Result<(String, String)> {
    match s.split_once(':') {
        Some((id, secret)) if !id.is_empty() && !secret.is_empty() => Ok((id.to_string(), secret.to_string())),
        _ => anyhow::bail!("\"client\" must be ID:SECRET with neither part empty (value not shown)"),
    }
}

/// A DNS label: lowercase letters, digits and `-`, 1–63 characters, not starting or ending with `-`.
fn check_deployment_name(name: &str) -> anyhow::Result<()> {
    let ok = (1..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if !ok {
        anyhow::bail!(
            "deployment_name {name:?} is not a DNS label (lowercase a-z, 0-9 and '-', 1-63 characters, \
             not starting or ending with '-')"
        );
    }
    if name == "accounts" {
        anyhow::bail!("deployment_name \"accounts\" is reserved for the Accounts API host");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<AccountConfig> {
        let c = AccountConfig::from_json(text, Path::new("."), SimConfig::default())?;
        c.validate()?;
        Ok(c)
    }

    fn err(text: &str) -> String {
        format!("{:#}", parse(text).unwrap_err())
    }

    const OK: &str = r#"{"account_id": "acc-1", "client": "cid:s3cret",
        "workspaces": [{"workspace_id": 1, "deployment_name": "ws-a", "generate": "users=3,seed=1"},
                       {"workspace_id": 2, "deployment_name": "ws-b", "workspace_name": "B",
                        "workspace_status": "PROVISIONING", "generate": "users=2", "client_assigned": false}]}"#;

    #[test]
    fn a_valid_file_parses_with_defaults() {
        let c = parse(OK).unwrap();
        assert_eq!(c.account_id, "acc-1");
        assert_eq!(c.client, ("cid".to_string(), "s3cret".to_string()));
        let a = &c.workspaces[0];
        assert_eq!(
            (
                a.workspace_id,
                a.workspace_name.as_str(),
                a.workspace_status.as_str(),
                a.client_assigned
            ),
            (1, "ws-a", "RUNNING", true)
        );
        assert_eq!(a.fixture.users.len(), 3);
        let b = &c.workspaces[1];
        assert_eq!((b.workspace_name.as_str(), b.client_assigned), ("B", false));
        assert_eq!(c.workspace_config(a).clients, [c.client.clone()]);
        assert!(c.workspace_config(b).clients.is_empty());
        assert_eq!(c.workspace_config(b).tokens, ["dapi-sim"]);
    }

    #[test]
    fn errors_name_the_key_and_value() {
        let e = err(&OK.replace("\"workspace_name\"", "\"workspace_nme\""));
        assert!(e.contains("workspaces[1] (ws-b): unknown key \"workspace_nme\""), "{e}");
        let e = err(&OK.replace("\"account_id\"", "\"acount_id\""));
        assert!(e.contains("unknown key \"acount_id\""), "{e}");
        let e = err(&OK.replace("\"ws-a\"", "\"Ws_A\""));
        assert!(
            e.contains("workspaces[0]") && e.contains("\"Ws_A\" is not a DNS label"),
            "{e}"
        );
        for bad in ["-ws", "ws-", ""] {
            assert!(err(&OK.replace("\"ws-a\"", &format!("{bad:?}"))).contains("not a DNS label"));
        }
        assert!(err(&OK.replace("\"ws-a\"", &format!("{:?}", "a".repeat(64)))).contains("not a DNS label"));
        let e = err(&OK.replace("\"ws-b\"", "\"ws-a\""));
        assert!(
            e.contains("deployment_name \"ws-a\" is used by an earlier workspace"),
            "{e}"
        );
        let e = err(&OK.replace("\"workspace_id\": 2", "\"workspace_id\": 1"));
        assert!(e.contains("workspace_id 1 is used by an earlier workspace"), "{e}");
        let e = err(&OK.replace("\"workspace_id\": 2", "\"workspace_id\": -2"));
        assert!(
            e.contains("workspaces[1] (ws-b): workspace_id -2 is not a positive integer"),
            "{e}"
        );
        assert!(err(&OK.replace("\"workspace_id\": 2", "\"workspace_id\": 0")).contains("positive"));
        let e = err(&OK.replace(
            "\"generate\": \"users=2\"",
            "\"generate\": \"users=2\", \"fixture\": \"f.json\"",
        ));
        assert!(
            e.contains("(ws-b): give either \"fixture\" or \"generate\", not both"),
            "{e}"
        );
        let e = err(&OK.replace(", \"generate\": \"users=2\"", ""));
        assert!(e.contains("(ws-b): missing key \"fixture\""), "{e}");
        let e = err(&OK.replace("PROVISIONING", "STOPPED"));
        assert!(e.contains("workspace_status \"STOPPED\" is not one of RUNNING"), "{e}");
        let e = err(&OK.replace("\"client_assigned\": false", "\"client_assigned\": \"no\""));
        assert!(e.contains("client_assigned \"no\" is not true or false"), "{e}");
        let e = err(&OK.replace("users=2", "users=x"));
        assert!(e.contains("(ws-b): generate:") && e.contains("users="), "{e}");
        assert!(err(&OK.replace("\"acc-1\"", "\"\"")).contains("account_id"));
        let e = err(r#"{"account_id": "a", "client": "c:s", "workspaces": []}"#);
        assert!(e.contains("at least one workspace"), "{e}");
        assert!(err(&OK.replace("\"ws-a\"", "\"accounts\"")).contains("reserved"));
    }

    #[test]
    fn a_bad_client_never_shows_the_secret() {
        for client in ["cid-only-s3cret", "cid:", ":s3cret"] {
            let e = err(&OK.replace("cid:s3cret", client));
            assert!(e.contains("\"client\" must be ID:SECRET"), "{e}");
            assert!(!e.contains("s3cret"), "{e}");
        }
        // Nor does any other error.
        let e = err(&OK.replace("\"ws-b\"", "\"ws-a\""));
        assert!(!e.contains("s3cret"), "{e}");
    }

    #[test]
    fn load_names_the_file_and_resolves_fixtures_next_to_it() {
        let dir = std::env::temp_dir().join(format!("dbx-sim-account-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.json"), r#"{"users": [{"userName": "a@x.com"}]}"#).unwrap();
        let file = dir.join("account.json");
        std::fs::write(
            &file,
            r#"{"account_id": "acc", "client": "c:s",
                "workspaces": [{"workspace_id": 7, "deployment_name": "ws-a", "fixture": "a.json"}]}"#,
        )
        .unwrap();
        let c = AccountConfig::load(&file, SimConfig::default()).unwrap();
        assert_eq!(c.workspaces[0].fixture.users[0].user_name, "a@x.com");
        std::fs::write(
            &file,
            r#"{"account_id": "acc", "client": "c:s", "extra": 1,
                "workspaces": [{"workspace_id": 7, "deployment_name": "ws-a", "fixture": "a.json"}]}"#,
        )
        .unwrap();
        let e = AccountConfig::load(&file, SimConfig::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&file.display().to_string()) && e.contains("unknown key \"extra\""),
            "{e}"
        );
        std::fs::write(
            &file,
            r#"{"account_id": "acc", "client": "c:s",
                "workspaces": [{"workspace_id": 7, "deployment_name": "ws-a", "fixture": "missing.json"}]}"#,
        )
        .unwrap();
        let e = AccountConfig::load(&file, SimConfig::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("account.json") && e.contains("missing.json"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
