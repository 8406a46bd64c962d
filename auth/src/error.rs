//! `AuthError`: every way auth can fail. Each message says which source was used (flag,
//! environment variable, profile and file, host) and how to fix it; none contains a secret.

use std::path::PathBuf;

/// An authentication or configuration failure, phrased for the user.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No host anywhere.
    #[error(
        "no Databricks workspace host configured. Looked at: {looked}. Fix: pass --host URL, set \
         DATABRICKS_HOST, or choose a profile that has a host with --profile NAME (create one with \
         `dbx-inventory init`)"
    )]
    NoHost {
        /// Where auth looked, e.g. "--host (not given); DATABRICKS_HOST (not set); …".
        looked: String,
    },

    /// A host but no token or client credentials.
    #[error(
        "no credentials configured for {host}. Looked at: {looked}. Fix: pass --token, set \
         DATABRICKS_TOKEN (or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET for a service \
         principal), choose a profile with --profile NAME, or create one with `dbx-inventory init`"
    )]
    NoCredentials {
        /// The workspace host.
        host: String,
        /// Where auth looked.
        looked: String,
    },

    /// `--token-file` cannot be used (unreadable, empty, not a token alone, or with `--token`).
    #[error(
        "cannot use the token file {file} (--token-file): {reason}. Fix: put the personal access token \
         alone in the file (one trailing newline is fine), or use DATABRICKS_TOKEN or a profile"
    )]
    TokenFile {
        /// The file (`standard input` for `-`).
        file: String,
        /// Why (never the file's content).
        reason: String,
    },

    /// The host value is not a usable URL.
    #[error("invalid Databricks host from {origin}: {reason}. Fix: give the workspace URL, e.g. https://dbc-1234abcd-5678.cloud.databricks.com")]
    InvalidHost {
        /// Where the value came from.
        origin: String,
        /// Why it was refused.
        reason: String,
    },

    /// A profile was asked for, but the config file does not exist.
    #[error(
        "profile '{profile}' was {selected_by}, but the config file {} does not exist. Fix: create \
         it with `dbx-inventory init --profile {profile}`, point DATABRICKS_CONFIG_FILE at your \
         config file, or use --host/--token instead of a profile",
        path.display()
    )]
    ConfigFileNotFound {
        /// The file looked for.
        path: PathBuf,
        /// The profile asked for.
        profile: String,
        /// How it was asked for.
        selected_by: String,
    },

    /// The config file exists but cannot be read.
    #[error("cannot read the config file {}: {reason}", path.display())]
    ConfigFileUnreadable {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        reason: String,
    },

    /// The config file is not valid INI.
    #[error("cannot parse the config file {}, line {line}: {reason}", path.display())]
    ConfigFileSyntax {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },

    /// The chosen profile is not in the file.
    #[error(
        "profile '{profile}' ({selected_by}) not found in {}; profiles there: {}. Fix: use one of \
         those names (they are case-sensitive), or add it with `dbx-inventory init --profile {profile}`",
        path.display(),
        if available.is_empty() { "none".to_string() } else { available.join(", ") }
    )]
    ProfileNotFound {
        /// The profile asked for.
        profile: String,
        /// How it was chosen.
        selected_by: String,
        /// The config file.
        path: PathBuf,
        /// The profiles that exist.
        available: Vec<String>,
    },

    /// Two methods (e.g. a token and client credentials) without `auth_type`, as the SDKs refuse.
    #[error(
        "validate: more than one authorization method configured: {}. {config}. Fix: set auth_type \
         (--auth-type, DATABRICKS_AUTH_TYPE or `auth_type` in the profile) to pat or oauth-m2m, or \
         remove one of them",
        methods.join(" and ")
    )]
    MultipleMethods {
        /// SDK method names, sorted: e.g. `["oauth", "pat"]`.
        methods: Vec<String>,
        /// `Config: host=…, token=***, client_id=…. Sources: …` (secrets masked).
        config: String,
    },

    /// An `auth_type` (or a profile's keys) selecting a method this tool does not implement.
    #[error(
        "{what} (from {origin}) is not supported by dbx-inventory: it supports pat (a personal access \
         token) and oauth-m2m (a service principal's client_id/client_secret).{hint} Fix: set \
         auth_type to pat or oauth-m2m, or remove it and give a token or client credentials"
    )]
    UnsupportedAuthType {
        /// E.g. "auth_type 'azure-cli'".
        what: String,
        /// Where it came from.
        origin: String,
        /// Method-specific advice (may be empty).
        hint: String,
    },

    /// Part of a method is missing (client_id without client_secret, auth_type pat without token…).
    #[error("incomplete credentials for {host}: {detail}. Fix: {fix}")]
    IncompleteCredentials {
        /// The workspace host.
        host: String,
        /// What is there and what is missing, with sources.
        detail: String,
        /// How to complete it.
        fix: String,
    },

    /// A setting has an unusable value (the value itself is not repeated when it may be secret).
    #[error("invalid {key} from {origin}: {reason}")]
    InvalidValue {
        /// The setting.
        key: String,
        /// Where it came from.
        origin: String,
        /// Why it was refused.
        reason: String,
    },

    /// The home directory is unknown, so `~` cannot be resolved.
    #[error("cannot locate {what}: the home directory is unknown (HOME is not set). Fix: set HOME or DATABRICKS_CONFIG_FILE")]
    HomeUnknown {
        /// What needed it.
        what: String,
    },

    /// The OAuth token endpoint refused the client credentials (HTTP 400/401/403).
    #[error(
        "the OAuth token endpoint {endpoint} rejected the client credentials of client_id '{client_id}' \
         (HTTP {status}{detail}); credentials from {source_desc}, host {host}. Fix: check the client \
         secret is current (workspace or account console → service principal → Secrets) and that \
         the service principal belongs to this workspace"
    )]
    CredentialsRejected {
        /// The client id (not secret).
        client_id: String,
        /// The workspace host.
        host: String,
        /// Where the credentials came from.
        source_desc: String,
        /// The token endpoint.
        endpoint: String,
        /// HTTP status.
        status: u16,
        /// `: invalid_client (…)` from the body, or empty.
        detail: String,
    },

    /// The token endpoint could not be reached or answered badly (after retries).
    #[error(
        "cannot get an OAuth token for client_id '{client_id}' from {endpoint}: {reason}; credentials \
         from {source_desc}, host {host}"
    )]
    TokenEndpoint {
        /// The client id.
        client_id: String,
        /// The workspace host.
        host: String,
        /// Where the credentials came from.
        source_desc: String,
        /// The token endpoint.
        endpoint: String,
        /// What went wrong.
        reason: String,
    },

    /// No OAuth token endpoint could be discovered.
    #[error(
        "cannot discover the OAuth endpoints of {host} (tried {tried}): {reason}; credentials from \
         {source_desc}. Fix: check the host is a Databricks workspace URL and reachable; OAuth M2M \
         needs a workspace with OAuth enabled (otherwise use a personal access token)"
    )]
    Discovery {
        /// The workspace host.
        host: String,
        /// Where the credentials came from.
        source_desc: String,
        /// URLs tried.
        tried: String,
        /// The last failure.
        reason: String,
    },

    /// `init` would replace an existing profile.
    #[error(
        "profile '{profile}' already exists in {}; not touching it. Fix: pass --force to replace it \
         (the old file is kept as .bak), or choose another name with --profile NAME",
        path.display()
    )]
    ProfileExists {
        /// The profile.
        profile: String,
        /// The config file.
        path: PathBuf,
    },

    /// `init` was given an unusable profile name.
    #[error("invalid profile name '{name}': {reason}")]
    InvalidProfileName {
        /// The name.
        name: String,
        /// Why.
        reason: String,
    },

    /// Writing the config file failed.
    #[error("cannot {action} {}: {reason}", path.display())]
    Io {
        /// What was being done ("write", "back up", …).
        action: String,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        reason: String,
    },
}

impl AuthError {
    /// True when the failure is the user's configuration (fix the flags, environment or file),
    /// false when it happened talking to the workspace (token endpoint, discovery).
    pub fn is_configuration(&self) -> bool {
        !matches!(
            self,
            AuthError::CredentialsRejected { .. } | AuthError::TokenEndpoint { .. } | AuthError::Discovery { .. }
        )
    }
}
