//! One attribute with where it came from, and the first two sources: flags (a token file is
//! `--token` read from a file), then the environment for what flags left unset.

use super::types::{AuthFlags, Origin, ProfileRef};
use crate::config_file::Section;
use crate::env::Env;
use crate::error::AuthError;

/// One attribute with where it came from.
#[derive(Debug, Clone)]
pub(super) struct Attr {
    pub(super) value: String,
    pub(super) origin: Origin,
}

#[derive(Debug, Default)]
pub(super) struct Attrs {
    pub(super) host: Option<Attr>,
    pub(super) token: Option<Attr>,
    pub(super) client_id: Option<Attr>,
    pub(super) client_secret: Option<Attr>,
    pub(super) auth_type: Option<Attr>,
    pub(super) cluster_id: Option<Attr>,
    pub(super) account_id: Option<Attr>,
    pub(super) rate_limit: Option<Attr>,
    pub(super) profile: Option<Attr>,
}

impl Attrs {
    pub(super) fn any_auth(&self) -> bool {
        self.token.is_some() || self.client_id.is_some() || self.client_secret.is_some()
    }
}

/// Steps 1 and 2: the flags, then the environment; also `DATABRICKS_RUNTIME_VERSION`.
pub(super) fn from_flags_and_env(flags: &AuthFlags, env: &Env) -> Result<(Attrs, Option<String>), AuthError> {
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
        account_id: from_flag(&flags.account_id, "--account-id"),
        ..Attrs::default()
    };

    // DATABRICKS_WORKSPACE_URL is the seed tool's name for the host; DATABRICKS_HOST wins when
    // both are set.
    fill_env(&mut a.host, env, "DATABRICKS_HOST");
    fill_env(&mut a.host, env, "DATABRICKS_WORKSPACE_URL");
    fill_env(&mut a.token, env, "DATABRICKS_TOKEN");
    fill_env(&mut a.client_id, env, "DATABRICKS_CLIENT_ID");
    fill_env(&mut a.client_secret, env, "DATABRICKS_CLIENT_SECRET");
    fill_env(&mut a.profile, env, "DATABRICKS_CONFIG_PROFILE");
    fill_env(&mut a.auth_type, env, "DATABRICKS_AUTH_TYPE");
    fill_env(&mut a.cluster_id, env, "DATABRICKS_CLUSTER_ID");
    fill_env(&mut a.account_id, env, "DATABRICKS_ACCOUNT_ID");
    fill_env(&mut a.rate_limit, env, "DATABRICKS_RATE_LIMIT");
    let runtime_version = env.get("DATABRICKS_RUNTIME_VERSION").map(str::to_string);
    Ok((a, runtime_version))
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

/// Sets `slot` from the profile's `key` unless a flag or the environment set it.
pub(super) fn fill_profile(slot: &mut Option<Attr>, section: &Section, key: &str) {
    if slot.is_none() {
        if let Some(v) = section.entries.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            *slot = Some(Attr {
                value: v.to_string(),
                origin: Origin::Profile,
            });
        }
    }
}

/// The flag or variable name, or `profile`.
pub(super) fn origin_name(o: Origin) -> String {
    match o {
        Origin::Flag(f) => f.to_string(),
        Origin::Env(v) => v.to_string(),
        Origin::Profile => "profile".into(),
    }
}

/// `the --host flag`, `environment variable DATABRICKS_HOST`, `profile 'P' in <file>`.
pub(super) fn describe_origin(o: Origin, profile: Option<&ProfileRef>) -> String {
    match (o, profile) {
        (Origin::Flag(f), _) => format!("the {f} flag"),
        (Origin::Env(v), _) => format!("environment variable {v}"),
        (Origin::Profile, Some(p)) => p.to_string(),
        (Origin::Profile, None) => "the config file".into(),
    }
}
