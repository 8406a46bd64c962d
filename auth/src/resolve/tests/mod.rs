//! Precedence, profile-selection and method rules of `resolve`, one file per theme; this file
//! holds their helpers. Every test builds its own `Env` and temp config file; the real HOME is
//! never read.

use super::*;
use crate::config_file::ProfileSelection;
use crate::env::Env;
use crate::error::AuthError;
use crate::secret::Secret;
use std::path::{Path, PathBuf};

mod methods;
mod precedence;
mod profiles;

/// A temp HOME with an optional `.databrickscfg`.
pub(super) struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    pub(super) fn new(cfg: Option<&str>) -> Home {
        let dir = tempfile::tempdir().unwrap();
        if let Some(c) = cfg {
            std::fs::write(dir.path().join(".databrickscfg"), c).unwrap();
        }
        Home { dir }
    }
    pub(super) fn path(&self) -> &Path {
        self.dir.path()
    }
    pub(super) fn cfg(&self) -> PathBuf {
        self.dir.path().join(".databrickscfg")
    }
    pub(super) fn env(&self, pairs: &[(&str, &str)]) -> Env {
        let mut v: Vec<(String, String)> = vec![("HOME".into(), self.path().to_str().unwrap().into())];
        v.extend(pairs.iter().map(|(k, val)| (k.to_string(), val.to_string())));
        Env::from_pairs(v)
    }
}

pub(super) fn flags(
    host: Option<&str>,
    token: Option<&str>,
    profile: Option<&str>,
    auth_type: Option<&str>,
) -> AuthFlags {
    AuthFlags {
        host: host.map(Into::into),
        token: token.map(Into::into),
        token_file: None,
        profile: profile.map(Into::into),
        auth_type: auth_type.map(Into::into),
        account_id: None,
    }
}

pub(super) fn no_flags() -> AuthFlags {
    AuthFlags::default()
}

pub(super) fn token_of(r: &ResolvedAuth) -> &str {
    match &r.method {
        Method::Pat { token } => token.expose(),
        m => panic!("expected pat, got {m:?}"),
    }
}

pub(super) const TWO_PROFILES: &str = "\
[DEFAULT]
host = https://default.example.com
token = default-token

[PROD]
host = prod.example.com/
token = prod-token
cluster_id = 0101-prod
rate_limit = 7.5
";
