//! `resolve`: flags → environment → config file, into one [`ResolvedAuth`].
//!
//! The rules are the Databricks SDKs' "unified auth" (databricks-sdk-py `Config`, Go SDK
//! `config.Config`):
//! * each attribute is taken from the highest-priority source that sets it: flags, then the
//!   environment, then the profile;
//! * the config file is not read at all when no profile was asked for and flags/environment
//!   already give a host or credentials;
//! * profile choice: `--profile` / `DATABRICKS_CONFIG_PROFILE` (must exist), else
//!   `[__settings__] default_profile` (must exist), else `[DEFAULT]` (when it has keys);
//! * a token and client credentials together without `auth_type` is an error.

use std::fmt;
use std::path::PathBuf;

use url::Url;

use crate::config_file::{config_file_path, ConfigFile, ProfileSelection, Section};
use crate::env::Env;
use crate::error::AuthError;
use crate::host_url::{host_display, normalize_host};
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

/// One attribute with where it came from.
#[derive(Debug, Clone)]
struct Attr {
    value: String,
    origin: Origin,
}

#[derive(Debug, Default)]
struct Attrs {
    host: Option<Attr>,
    token: Option<Attr>,
    client_id: Option<Attr>,
    client_secret: Option<Attr>,
    auth_type: Option<Attr>,
    cluster_id: Option<Attr>,
    rate_limit: Option<Attr>,
    profile: Option<Attr>,
}

impl Attrs {
    fn any_auth(&self) -> bool {
        self.token.is_some() || self.client_id.is_some() || self.client_secret.is_some()
    }
}

fn from_flag(value: &Option<String>, flag: &'static str) -> Option<Attr> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(|v| Attr {
        value: v.to_string(),
        origin: Origin::Flag(flag),
    })
}

fn fill_env(slot: &mut Option<Attr>, env: &Env, var: &'static str) {
    if slot.is_none() {
        if let Some(v) = env.get(var) {
            *slot = Some(Attr {
                value: v.to_string(),
                origin: Origin::Env(var),
            });
        }
    }
}

fn fill_profile(slot: &mut Option<Attr>, section: &Section, key: &str) {
    if slot.is_none() {
        if let Some(v) = section.entries.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            *slot = Some(Attr {
                value: v.to_string(),
                origin: Origin::Profile,
            });
        }
    }
}

/// What happened with the config file (for "looked at" messages).
enum FileNote {
    Skipped(String),
    NotFound(PathBuf),
    NoDefault { path: PathBuf, lowercase_default: bool },
    HomeUnknown,
    Used(ProfileRef),
}

/// Profile keys of SDK methods this tool does not implement, by SDK method name.
const OTHER_METHOD_KEYS: &[(&str, &str)] = &[
    ("username", "basic"),
    ("password", "basic"),
    ("azure_client_id", "azure"),
    ("azure_client_secret", "azure"),
    ("azure_tenant_id", "azure"),
    ("azure_use_msi", "azure"),
    ("azure_workspace_resource_id", "azure"),
    ("google_service_account", "google"),
    ("google_credentials", "google"),
    ("metadata_service_url", "metadata-service"),
];

/// Resolves host and credentials from flags, environment and config file (see the module docs).
pub fn resolve(flags: &AuthFlags, env: &Env) -> Result<ResolvedAuth, AuthError> {
    // A token file is `--token` read from a file: the same place in the precedence.
    let token = match (&flags.token_file, from_flag(&flags.token, "--token")) {
        (Some(_), Some(_)) => {
            return Err(AuthError::TokenFile {
                file: "(not read)".into(),
                reason: "--token is given too; give the token one way".into(),
            })
        }
        (Some(path), None) => Some(Attr {
            value: crate::token_file::read_token_file(path)?,
            origin: Origin::Flag("--token-file"),
        }),
        (None, token) => token,
    };
    let mut a = Attrs {
        host: from_flag(&flags.host, "--host"),
        token,
        profile: from_flag(&flags.profile, "--profile"),
        auth_type: from_flag(&flags.auth_type, "--auth-type"),
        ..Attrs::default()
    };

    // 2. Environment (only what flags left unset). DATABRICKS_WORKSPACE_URL is the seed tool's
    //    name for the host; DATABRICKS_HOST wins when both are set.
    fill_env(&mut a.host, env, "DATABRICKS_HOST");
    fill_env(&mut a.host, env, "DATABRICKS_WORKSPACE_URL");
    fill_env(&mut a.token, env, "DATABRICKS_TOKEN");
    fill_env(&mut a.client_id, env, "DATABRICKS_CLIENT_ID");
    fill_env(&mut a.client_secret, env, "DATABRICKS_CLIENT_SECRET");
    fill_env(&mut a.profile, env, "DATABRICKS_CONFIG_PROFILE");
    fill_env(&mut a.auth_type, env, "DATABRICKS_AUTH_TYPE");
    fill_env(&mut a.cluster_id, env, "DATABRICKS_CLUSTER_ID");
    fill_env(&mut a.rate_limit, env, "DATABRICKS_RATE_LIMIT");
    let runtime_version = env.get("DATABRICKS_RUNTIME_VERSION").map(str::to_string);

    // 3. Config file.
    let mut other_methods: Vec<(&'static str, String)> = Vec::new(); // (method, key)
    let mut profile_host: Option<String> = None;
    let note = if a.profile.is_none() && (a.host.is_some() || a.any_auth()) {
        let mut given: Vec<String> = Vec::new();
        for attr in [&a.host, &a.token, &a.client_id, &a.client_secret]
            .into_iter()
            .flatten()
        {
            given.push(origin_name(attr.origin));
        }
        FileNote::Skipped(format!(
            "config file not read ({} given and no profile asked for; pass --profile NAME to use one)",
            given.join(", ")
        ))
    } else {
        let explicit = a.profile.as_ref().map(|p| {
            let sel = match p.origin {
                Origin::Flag(_) => ProfileSelection::Flag,
                _ => ProfileSelection::Env,
            };
            (p.value.clone(), sel)
        });
        match config_file_path(env) {
            Err(e) => match &explicit {
                Some(_) => return Err(e),
                None => FileNote::HomeUnknown,
            },
            Ok(path) => match ConfigFile::load(&path)? {
                None => match explicit {
                    Some((profile, sel)) => {
                        return Err(AuthError::ConfigFileNotFound {
                            path,
                            profile,
                            selected_by: sel.to_string(),
                        });
                    }
                    None => FileNote::NotFound(path),
                },
                Some(file) => match explicit.or_else(|| file.default_profile()) {
                    None => FileNote::NoDefault {
                        lowercase_default: file.profile("default").is_some(),
                        path,
                    },
                    Some((name, sel)) => {
                        let Some(section) = file.profile(&name) else {
                            return Err(AuthError::ProfileNotFound {
                                profile: name,
                                selected_by: sel.to_string(),
                                path,
                                available: file.profile_names(),
                            });
                        };
                        tracing::debug!(profile = %name, file = %path.display(), "loading profile");
                        fill_profile(&mut a.host, section, "host");
                        fill_profile(&mut a.token, section, "token");
                        fill_profile(&mut a.client_id, section, "client_id");
                        fill_profile(&mut a.client_secret, section, "client_secret");
                        fill_profile(&mut a.auth_type, section, "auth_type");
                        fill_profile(&mut a.cluster_id, section, "cluster_id");
                        fill_profile(&mut a.rate_limit, section, "rate_limit");
                        profile_host = section
                            .entries
                            .get("host")
                            .map(|h| h.trim().to_string())
                            .filter(|h| !h.is_empty());
                        for (key, method) in OTHER_METHOD_KEYS {
                            if section.entries.get(*key).is_some_and(|v| !v.trim().is_empty()) {
                                other_methods.push((method, key.to_string()));
                            }
                        }
                        FileNote::Used(ProfileRef {
                            name,
                            file: path,
                            selected_by: sel,
                        })
                    }
                },
            },
        }
    };
    let profile_ref = match &note {
        FileNote::Used(p) => Some(p.clone()),
        _ => None,
    };
    let origin_desc = |o: Origin| describe_origin(o, profile_ref.as_ref());

    // 4. Host.
    let Some(host_attr) = a.host.clone() else {
        let mut looked = vec![
            "--host (not given)".to_string(),
            "DATABRICKS_HOST and DATABRICKS_WORKSPACE_URL (not set)".to_string(),
        ];
        looked.push(note_text(&note, "has no host"));
        return Err(AuthError::NoHost {
            looked: looked.join("; "),
        });
    };
    let host = normalize_host(&host_attr.value).map_err(|reason| AuthError::InvalidHost {
        origin: origin_desc(host_attr.origin),
        reason,
    })?;
    let host_s = host_display(&host);
    if let (Some(p), Some(ph)) = (&profile_ref, &profile_host) {
        let creds_from_profile = [&a.token, &a.client_id, &a.client_secret]
            .into_iter()
            .flatten()
            .any(|x| x.origin == Origin::Profile);
        let same = normalize_host(ph).map(|u| u == host).unwrap_or(false);
        if host_attr.origin != Origin::Profile && creds_from_profile && !same {
            tracing::warn!(
                host = %host_s,
                host_source = %origin_desc(host_attr.origin),
                profile = %p.name,
                profile_host = %ph,
                "credentials from the profile are sent to a host other than the profile's own"
            );
        }
    }

    // 5. Method.
    let method = choose_method(&a, &host_s, &note, &other_methods, &origin_desc)?;

    // 6. Other settings.
    let rate_limit = match &a.rate_limit {
        None => None,
        Some(r) => match r.value.parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 => Some(v),
            _ => {
                return Err(AuthError::InvalidValue {
                    key: "rate_limit".into(),
                    origin: origin_desc(r.origin),
                    reason: format!("'{}' is not a positive number of requests per second", r.value),
                })
            }
        },
    };

    // 7. Source: who supplied host and the credentials in use.
    let mut used: Vec<Origin> = vec![host_attr.origin];
    match &method {
        Method::Pat { .. } => used.extend(a.token.as_ref().map(|x| x.origin)),
        Method::OAuthM2m { .. } => {
            used.extend(a.client_id.as_ref().map(|x| x.origin));
            used.extend(a.client_secret.as_ref().map(|x| x.origin));
        }
    }
    used.extend(a.auth_type.as_ref().map(|x| x.origin));
    let mut source = Source::default();
    for o in used {
        match o {
            Origin::Flag(f) if !source.flags.contains(&f) => source.flags.push(f),
            Origin::Env(v) if !source.env_vars.contains(&v) => source.env_vars.push(v),
            Origin::Profile => source.profile = profile_ref.clone(),
            _ => {}
        }
    }

    Ok(ResolvedAuth {
        host,
        method,
        source,
        cluster_id: a.cluster_id.map(|c| c.value),
        rate_limit,
        in_databricks_runtime: runtime_version.is_some(),
        runtime_version,
    })
}

fn choose_method(
    a: &Attrs,
    host: &str,
    note: &FileNote,
    other_methods: &[(&'static str, String)],
    origin_desc: &dyn Fn(Origin) -> String,
) -> Result<Method, AuthError> {
    let pat = |t: &Attr| -> Result<Method, AuthError> {
        if !t.value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(AuthError::InvalidValue {
                key: "token".into(),
                origin: origin_desc(t.origin),
                reason: "it contains spaces or non-ASCII characters, which a token never does (was it pasted with extra text?)".into(),
            });
        }
        Ok(Method::Pat {
            token: Secret::new(t.value.clone()),
        })
    };
    let m2m = |id: &Attr, secret: &Attr| Method::OAuthM2m {
        client_id: id.value.clone(),
        client_secret: Secret::new(secret.value.clone()),
    };
    let m2m_incomplete = || {
        let (have, have_o, missing) = match (&a.client_id, &a.client_secret) {
            (Some(id), None) => ("client_id", id.origin, "client_secret"),
            (None, Some(s)) => ("client_secret", s.origin, "client_id"),
            _ => ("neither client_id nor client_secret", Origin::Profile, "both"),
        };
        let detail = if missing == "both" {
            format!(
                "auth_type is oauth-m2m but neither client_id nor client_secret is set ({})",
                note_text(note, "has neither")
            )
        } else {
            format!("{have} is set (from {}) but {missing} is not", origin_desc(have_o))
        };
        AuthError::IncompleteCredentials {
            host: host.to_string(),
            detail,
            fix: "OAuth M2M needs both: set DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET, or client_id and client_secret in the profile".into(),
        }
    };

    if let Some(t) = &a.auth_type {
        let name = t.value.to_ascii_lowercase();
        return match name.as_str() {
            "pat" => match &a.token {
                Some(tok) => pat(tok),
                None => Err(AuthError::IncompleteCredentials {
                    host: host.to_string(),
                    detail: format!(
                        "auth_type is pat (from {}) but no token is set ({})",
                        origin_desc(t.origin),
                        note_text(note, "has no token")
                    ),
                    fix: "pass --token, set DATABRICKS_TOKEN, or add `token = …` to the profile".into(),
                }),
            },
            "oauth-m2m" => match (&a.client_id, &a.client_secret) {
                (Some(id), Some(s)) => Ok(m2m(id, s)),
                _ => Err(m2m_incomplete()),
            },
            _ => Err(unsupported(
                &format!("auth_type '{}'", t.value),
                &name,
                origin_desc(t.origin),
            )),
        };
    }

    let mut methods: Vec<String> = Vec::new();
    if a.token.is_some() {
        methods.push("pat".into());
    }
    if a.client_id.is_some() || a.client_secret.is_some() {
        methods.push("oauth".into());
    }
    for (m, _) in other_methods {
        if !methods.iter().any(|x| x == m) {
            methods.push(m.to_string());
        }
    }
    methods.sort();
    if methods.len() > 1 {
        return Err(AuthError::MultipleMethods {
            config: debug_config(a, host, origin_desc),
            methods,
        });
    }
    match (&a.token, &a.client_id, &a.client_secret) {
        (Some(t), _, _) => pat(t),
        (None, Some(id), Some(s)) => Ok(m2m(id, s)),
        (None, Some(_), None) | (None, None, Some(_)) => Err(m2m_incomplete()),
        (None, None, None) => {
            if let Some((method, _)) = other_methods.first() {
                let keys: Vec<&str> = other_methods.iter().map(|(_, k)| k.as_str()).collect();
                return Err(unsupported(
                    &format!("{method} authentication (keys {})", keys.join(", ")),
                    method,
                    origin_desc(Origin::Profile),
                ));
            }
            let looked = [
                "--token, --token-file (not given)".to_string(),
                "DATABRICKS_TOKEN, DATABRICKS_CLIENT_ID/DATABRICKS_CLIENT_SECRET (not set)".to_string(),
                note_text(note, "has no token or client_id/client_secret"),
            ];
            Err(AuthError::NoCredentials {
                host: host.to_string(),
                looked: looked.join("; "),
            })
        }
    }
}

fn unsupported(what: &str, name: &str, origin: String) -> AuthError {
    let hint = match name {
        "databricks-cli" | "external-browser" | "oauth-u2m" | "u2m" => {
            " A user login is not supported; create a personal access token (User Settings → Developer → Access tokens, or `databricks tokens create`) and use it as the token."
        }
        "azure-cli" | "azure-msi" | "azure-client-secret" | "azure" | "github-oidc-azure" | "azure-devops-oidc" => {
            " For Azure, create a Databricks personal access token, or give the service principal a Databricks OAuth secret and use oauth-m2m."
        }
        "basic" => " Username/password login is deprecated by Databricks; use a personal access token.",
        "runtime" | "metadata-service" | "google-id" | "google-credentials" | "google" | "github-oidc" | "env-oidc" | "file-oidc" => {
            " Use a personal access token or a service principal's OAuth secret instead."
        }
        _ => " This auth_type is not a known Databricks one; check the spelling.",
    };
    AuthError::UnsupportedAuthType {
        what: what.to_string(),
        origin,
        hint: hint.to_string(),
    }
}

/// `Config: host=…, token=***, client_id=…. Sources: …`, as the SDKs' debug string (secrets masked).
fn debug_config(a: &Attrs, host: &str, origin_desc: &dyn Fn(Origin) -> String) -> String {
    let mut cfg = vec![format!("host={host}")];
    let mut sources = Vec::new();
    for (name, attr, sensitive) in [
        ("token", &a.token, true),
        ("client_id", &a.client_id, false),
        ("client_secret", &a.client_secret, true),
        ("profile", &a.profile, false),
    ] {
        if let Some(x) = attr {
            cfg.push(if sensitive {
                format!("{name}=***")
            } else {
                format!("{name}={}", x.value)
            });
            if name != "profile" {
                sources.push(format!("{name} from {}", origin_desc(x.origin)));
            }
        }
    }
    format!("Config: {}. Sources: {}", cfg.join(", "), sources.join(", "))
}

fn origin_name(o: Origin) -> String {
    match o {
        Origin::Flag(f) => f.to_string(),
        Origin::Env(v) => v.to_string(),
        Origin::Profile => "profile".into(),
    }
}

fn describe_origin(o: Origin, profile: Option<&ProfileRef>) -> String {
    match (o, profile) {
        (Origin::Flag(f), _) => format!("the {f} flag"),
        (Origin::Env(v), _) => format!("environment variable {v}"),
        (Origin::Profile, Some(p)) => p.to_string(),
        (Origin::Profile, None) => "the config file".into(),
    }
}

fn note_text(note: &FileNote, missing: &str) -> String {
    match note {
        FileNote::Skipped(s) => s.clone(),
        FileNote::NotFound(p) => format!("config file {} (not found)", p.display()),
        FileNote::HomeUnknown => "~/.databrickscfg (HOME not set)".into(),
        FileNote::NoDefault {
            path,
            lowercase_default,
        } => {
            let mut s = format!(
                "config file {} (no [DEFAULT] profile and no [__settings__] default_profile",
                path.display()
            );
            if *lowercase_default {
                s.push_str("; it has a [default] profile, but names are case-sensitive: use --profile default or rename it [DEFAULT]");
            }
            s.push(')');
            s
        }
        FileNote::Used(p) => format!("{p} ({}; {missing})", p.selected_by),
    }
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;
