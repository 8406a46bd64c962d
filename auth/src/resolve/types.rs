//! What `resolve` takes and gives: the flags, the method, where each value came from, and the
//! [`ResolvedAuth`] the host uses.

use std::fmt;
use std::path::PathBuf;

use url::Url;

use crate::config_file::ProfileSelection;
use crate::host_url::host_display;
use crate::secret::Secret;

/// The auth-related command-line flags.
#[derive(Debug, Clone, Default)]
pub struct AuthFlags {
    /// `--host`.
    pub host: Option<String>,
    /// `--token` (a personal access token).
    pub token: Option<String>,
    /// `--token-file` (`-` for standard input): a personal access token read from a file, in
    /// `--token`'s place in the precedence (see [`crate::read_token_file`]). Not with `token`.
    pub token_file: Option<PathBuf>,
    /// `--profile`.
    pub profile: Option<String>,
    /// `--auth-type` (`pat` or `oauth-m2m`).
    pub auth_type: Option<String>,
    /// `--account-id`: the host is an account console (`https://accounts.cloud.databricks.com`),
    /// and OAuth tokens come from its `/oidc/accounts/<id>/v1/token`.
    pub account_id: Option<String>,
}

/// How requests are authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// Personal access token: `Authorization: Bearer <token>`.
    Pat {
        /// The token.
        token: Secret,
    },
    /// OAuth machine-to-machine (a service principal): tokens from the workspace's OIDC endpoint.
    OAuthM2m {
        /// The service principal's application id.
        client_id: String,
        /// Its OAuth secret.
        client_secret: Secret,
    },
}

impl Method {
    /// The SDK name of the method: `pat` or `oauth-m2m`.
    pub fn auth_type(&self) -> &'static str {
        match self {
            Method::Pat { .. } => "pat",
            Method::OAuthM2m { .. } => "oauth-m2m",
        }
    }
}

/// Where one attribute came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag, e.g. `--host`.
    Flag(&'static str),
    /// An environment variable, e.g. `DATABRICKS_HOST`.
    Env(&'static str),
    /// The chosen profile of the config file.
    Profile,
}

/// The config-file profile that was used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRef {
    /// Section name.
    pub name: String,
    /// The config file.
    pub file: PathBuf,
    /// How it was chosen.
    pub selected_by: ProfileSelection,
}

impl fmt::Display for ProfileRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "profile '{}' in {}", self.name, self.file.display())
    }
}

/// Where the host and credentials came from (no values).
///
/// Displays as e.g. `--host/--token flags`, `environment (DATABRICKS_HOST, DATABRICKS_TOKEN)`,
/// `profile 'PROD' in /root/.databrickscfg`, or a mix joined by ` + `.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Source {
    /// Flags that supplied host or credentials.
    pub flags: Vec<&'static str>,
    /// Environment variables that supplied host or credentials.
    pub env_vars: Vec<&'static str>,
    /// The profile, when it supplied host or credentials.
    pub profile: Option<ProfileRef>,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if !self.flags.is_empty() {
            let plural = if self.flags.len() > 1 { "flags" } else { "flag" };
            parts.push(format!("{} {plural}", self.flags.join("/")));
        }
        if !self.env_vars.is_empty() {
            parts.push(format!("environment ({})", self.env_vars.join(", ")));
        }
        if let Some(p) = &self.profile {
            parts.push(p.to_string());
        }
        if parts.is_empty() {
            parts.push("defaults".into());
        }
        f.write_str(&parts.join(" + "))
    }
}

/// Everything the host needs to talk to the workspace.
#[derive(Debug, Clone)]
pub struct ResolvedAuth {
    /// The workspace URL, normalised (`https://` added, path and `:443` dropped, `http://` kept);
    /// API paths join onto it (`host.join("api/2.0/…")`).
    pub host: Url,
    /// How to authenticate.
    pub method: Method,
    /// Where host and credentials came from.
    pub source: Source,
    /// `cluster_id` (flag-less: environment or profile).
    pub cluster_id: Option<String>,
    /// `account_id` (`--account-id`, `DATABRICKS_ACCOUNT_ID` or the profile): set, the host is
    /// an account console and OAuth tokens are account tokens.
    pub account_id: Option<String>,
    /// `rate_limit` (requests per second) from `DATABRICKS_RATE_LIMIT` or the profile.
    pub rate_limit: Option<f64>,
    /// Running inside Databricks (`DATABRICKS_RUNTIME_VERSION` set).
    pub in_databricks_runtime: bool,
    /// The value of `DATABRICKS_RUNTIME_VERSION`, when set.
    pub runtime_version: Option<String>,
}

impl ResolvedAuth {
    /// The host as users write it (no trailing `/`).
    pub fn host_str(&self) -> String {
        host_display(&self.host)
    }

    /// One line for banners and logs: host, auth type, source; never a secret.
    /// E.g. `https://h.cloud.databricks.com (pat, from profile 'PROD' in /root/.databrickscfg)`.
    pub fn describe(&self) -> String {
        let who = match &self.method {
            Method::Pat { .. } => "pat".to_string(),
            Method::OAuthM2m { client_id, .. } => format!("oauth-m2m, client_id {client_id}"),
        };
        let runtime = match (&self.runtime_version, self.in_databricks_runtime) {
            (Some(v), _) => format!(", inside Databricks runtime {v}"),
            (None, true) => ", inside a Databricks runtime".into(),
            _ => String::new(),
        };
        format!("{} ({who}, from {}{runtime})", self.host_str(), self.source)
    }

    /// The message for a 401/403 answered by the workspace to an authenticated request: which
    /// credentials were refused, where they came from, and what to do.
    pub fn rejection_message(&self, status: u16) -> String {
        let what = match &self.method {
            Method::Pat { .. } => "the personal access token".to_string(),
            Method::OAuthM2m { client_id, .. } => format!("the OAuth token of service principal '{client_id}'"),
        };
        let fix = match (status, &self.method) {
            (403, _) => "the credentials are valid but lack permission: use an admin's token or grant the service principal workspace-admin rights",
            (_, Method::Pat { .. }) => "the token may have expired or been revoked: create a new one (User Settings → Developer → Access tokens) and update it",
            (_, Method::OAuthM2m { .. }) => "check the service principal still exists in this workspace and its secret is current",
        };
        format!(
            "{} refused {what} (HTTP {status}); credentials from {}. Fix: {fix}",
            self.host_str(),
            self.source
        )
    }
}
