//! Every workspace of a Databricks account in one run (`scan --account-id`, `check
//! --account-id`): the account console lists the workspaces ([`listing`]), each running one
//! gets a workspace token minted from the same service principal ([`Account::workspace`]) at
//! its URL ([`url`]), and each is scanned as a single-workspace run with its own limits, all
//! at once ([`scan`]); the account's outputs are merged from theirs ([`merge`]).

pub mod check;
pub mod listing;
pub mod merge;
pub mod scan;
pub mod url;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cli::{AccountArgs, AuthArgs, LimitArgs};
use crate::connect;
use crate::error::{FatalError, UsageError};
use crate::model::CallerIdentity;
use crate::policy::allow_list::AllowList;
use crate::sandbox::Runtime;
pub use listing::Listed;

/// An account console, signed in, and its workspaces.
pub struct Account {
    /// The account's resolved auth (host = the console).
    pub resolved: dbx_auth::ResolvedAuth,
    /// The account id.
    pub id: String,
    /// The HTTP client every workspace shares.
    pub client: reqwest::Client,
    /// Every workspace the account lists.
    pub listed: Vec<Listed>,
}

/// A workspace not scanned, and why (not running, a bad name).
pub type Skipped = (Listed, String);

/// A workspace to scan: its listing, URL and credentials.
pub struct Workspace {
    /// As listed.
    pub listed: Listed,
    /// Its resolved auth (host = the workspace URL; the account's client id and secret).
    pub resolved: dbx_auth::ResolvedAuth,
    /// Its credentials, a workspace token already minted.
    pub creds: dbx_auth::Credentials,
}

/// The account's folder beside the CSV: `results.csv` → `results.workspaces/`.
pub fn folder_of(output: &Path) -> PathBuf {
    let stem = output
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    output.with_file_name(format!("{stem}.workspaces"))
}

/// What the auth flags name: an account console, or one workspace.
pub enum Target {
    /// An account (`--account-id`, or a console host with an `account_id` from the environment
    /// or the profile).
    Account(dbx_auth::ResolvedAuth),
    /// A workspace (its auth as [`connect::resolve_auth`] gives it).
    Workspace(dbx_auth::ResolvedAuth),
}

/// Resolves the auth flags once (a `--token-file -` is read once) into an account or a workspace.
pub fn resolve(auth: &AuthArgs, account: &AccountArgs) -> anyhow::Result<Target> {
    let mut flags = connect::auth_flags(auth);
    flags.account_id = account.account_id.clone();
    let resolved =
        dbx_auth::resolve(&flags, &dbx_auth::Env::from_process()).map_err(|e| FatalError(format!("{e:#}")))?;
    let console = url::is_account_host(&resolved.host);
    match (&resolved.account_id, console) {
        (Some(_), true) => {}
        (Some(id), false) if account.account_id.is_some() => {
            return Err(UsageError(format!(
                "--account-id {id}: {} is a workspace, not an account console; give the console as --host \
                 (https://accounts.cloud.databricks.com, https://accounts.azuredatabricks.net, \
                 https://accounts.gcp.databricks.com) or use an account profile",
                resolved.host_str()
            ))
            .into())
        }
        (None, true) => {
            return Err(UsageError(format!(
                "{} is an account console: give the account with --account-id ID (or account_id in the profile, \
                 or DATABRICKS_ACCOUNT_ID) to scan its workspaces, or give a workspace URL as --host",
                resolved.host_str()
            ))
            .into())
        }
        _ => {
            if !account.workspaces.is_empty() {
                return Err(UsageError(
                    "--workspaces chooses among an account's workspaces: it needs --account-id".into(),
                )
                .into());
            }
            let mut workspace = resolved;
            workspace.account_id = None;
            return Ok(Target::Workspace(workspace));
        }
    }
    if let dbx_auth::Method::Pat { .. } = resolved.method {
        return Err(UsageError(format!(
            "the account console takes OAuth M2M credentials (an account service principal's client id and \
             secret: --profile with client_id/client_secret, or DATABRICKS_CLIENT_ID/DATABRICKS_CLIENT_SECRET), \
             not a personal access token ({}); a token belongs to one workspace: scan it with --host",
            resolved.describe()
        ))
        .into());
    }
    Ok(Target::Account(resolved))
}

impl Account {
    /// Signs in to the console (the account token) and lists the workspaces.
    pub async fn open(resolved: dbx_auth::ResolvedAuth, limits: &LimitArgs) -> anyhow::Result<Account> {
        let id = resolved.account_id.clone().expect("an account's auth");
        let client = connect::http_client(limits)?;
        let creds = dbx_auth::Credentials::new(&resolved, client.clone());
        let listed = listing::list(&client, &creds, &resolved.host, &id).await.map_err(|e| {
            FatalError(format!(
                "cannot list the workspaces of account {id} ({}): {e}. Nothing was scanned",
                resolved.describe()
            ))
        })?;
        Ok(Account {
            resolved,
            id,
            client,
            listed,
        })
    }

    /// The workspaces to scan (`--workspaces`, else all) that are running, and those skipped
    /// with why. A `--workspaces` name the account does not list is a usage error.
    pub fn choose(&self, wanted: &[String]) -> anyhow::Result<(Vec<Listed>, Vec<Skipped>)> {
        let wanted: Vec<&str> = wanted.iter().map(|w| w.trim()).filter(|w| !w.is_empty()).collect();
        let matches = |w: &Listed, name: &str| {
            w.deployment_name.eq_ignore_ascii_case(name)
                || w.name.eq_ignore_ascii_case(name)
                || w.id.to_string() == name
        };
        let unknown: Vec<&str> = wanted
            .iter()
            .copied()
            .filter(|n| !self.listed.iter().any(|w| matches(w, n)))
            .collect();
        if !unknown.is_empty() {
            let known: Vec<String> = self.listed.iter().map(Listed::describe).collect();
            return Err(UsageError(format!(
                "--workspaces: account {} has no workspace {} (its workspaces: {})",
                self.id,
                unknown.join(", "),
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                }
            ))
            .into());
        }
        let (mut run, mut skipped) = (Vec::new(), Vec::new());
        for w in &self.listed {
            if !wanted.is_empty() && !wanted.iter().any(|n| matches(w, n)) {
                continue;
            }
            if !w.running() {
                let msg = if w.status_message.is_empty() {
                    String::new()
                } else {
                    format!(": {}", w.status_message)
                };
                skipped.push((w.clone(), format!("not running (status {}{msg})", w.status)));
            } else if let Err(e) = url::check_deployment_name(&w.deployment_name) {
                skipped.push((w.clone(), format!("the account lists it with a bad name: {e}")));
            } else {
                run.push(w.clone());
            }
        }
        // Deterministic: the outputs list workspaces by deployment name.
        run.sort_by(|a, b| a.deployment_name.cmp(&b.deployment_name));
        Ok((run, skipped))
    }

    /// The engine every workspace's runtime shares: the scanner compiled once, its instance pool
    /// sized for `pool` instances at once. Its own policy is the console's and sends nothing.
    pub fn engine(&self, limits: &LimitArgs, allow: AllowList, pool: u32) -> anyhow::Result<Runtime> {
        let creds = dbx_auth::Credentials::new(&self.resolved, self.client.clone());
        let policy = connect::policy_for(&self.resolved, limits, allow, self.client.clone(), creds, None)?;
        connect::runtime_for(policy, limits, pool, None)
    }

    /// A workspace's runtime on `engine`: its own credentials and limiter (under `global`, the
    /// account run's cap on requests in flight), then the credentials check a scan starts with.
    pub async fn runtime(
        &self,
        engine: &Runtime,
        ws: &Workspace,
        limits: &LimitArgs,
        allow: AllowList,
        global: Option<Arc<tokio::sync::Semaphore>>,
    ) -> Result<(Runtime, CallerIdentity), String> {
        let policy = connect::policy_for(
            &ws.resolved,
            limits,
            allow,
            self.client.clone(),
            ws.creds.clone(),
            global,
        )
        .map_err(|e| format!("{e:#}"))?;
        let rt = engine.sharing(policy);
        let identity = connect::preflight(&rt, &ws.resolved)
            .await
            .map_err(|e| format!("{e:#}"))?;
        Ok((rt, identity))
    }

    /// Mints the workspace token of `w` from the account's client. `Err`: why this workspace
    /// cannot be scanned, with the fix (a principal not assigned to it is named as such).
    pub async fn workspace(&self, w: &Listed) -> Result<Workspace, String> {
        let ws_url = url::workspace_url(&self.resolved.host, &w.deployment_name)?;
        let mut resolved = self.resolved.clone();
        resolved.host = ws_url;
        resolved.account_id = None;
        let creds = dbx_auth::Credentials::new(&resolved, self.client.clone());
        match creds.authorization().await {
            Ok(_) => Ok(Workspace {
                listed: w.clone(),
                resolved,
                creds,
            }),
            Err(dbx_auth::AuthError::CredentialsRejected {
                client_id,
                status,
                detail,
                ..
            }) => Err(format!(
                "the service principal {client_id} is not assigned to workspace {} (its token endpoint refused the \
                 client: HTTP {status}{detail}). Fix: in the account console, Workspaces → {} → Permissions → Add \
                 the service principal (as a workspace admin to see every user's files), or leave it out with \
                 --workspaces",
                w.describe(),
                w.name
            )),
            Err(e) => Err(format!("cannot get a token for workspace {}: {e}", w.describe())),
        }
    }
}
