//! Step 3 of `resolve`: the config file. Whether it is read at all, which profile is used, what
//! the profile adds (only what flags and the environment left unset), which keys of methods this
//! tool lacks it holds, and the "looked at" wording errors use.

use std::path::PathBuf;

use super::attrs::{fill_profile, origin_name, Attrs};
use super::types::ProfileRef;
use crate::config_file::{config_file_path, ConfigFile, ProfileSelection, Section};
use crate::env::Env;
use crate::error::AuthError;

/// What happened with the config file (for "looked at" messages).
pub(super) enum FileNote {
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

/// What the config file gave.
pub(super) struct FileOutcome {
    pub(super) note: FileNote,
    /// `(method, key)` for each key of an unimplemented method in the profile.
    pub(super) other_methods: Vec<(&'static str, String)>,
    /// The profile's own `host`, as written.
    pub(super) profile_host: Option<String>,
}

impl FileOutcome {
    /// The profile used, if any.
    pub(super) fn profile_ref(&self) -> Option<ProfileRef> {
        match &self.note {
            FileNote::Used(p) => Some(p.clone()),
            _ => None,
        }
    }
}

/// Where the profile search ended.
enum Found {
    /// No profile is used; why.
    Nothing(FileNote),
    /// A profile name was chosen (it may not exist in the file).
    Chosen {
        file: ConfigFile,
        path: PathBuf,
        name: String,
        sel: ProfileSelection,
    },
}

/// Reads the chosen profile into `a` (see the module docs).
pub(super) fn read_config_file(a: &mut Attrs, env: &Env) -> Result<FileOutcome, AuthError> {
    let (file, path, name, sel) = match find_profile(a, env)? {
        Found::Nothing(note) => {
            return Ok(FileOutcome {
                note,
                other_methods: Vec::new(),
                profile_host: None,
            })
        }
        Found::Chosen { file, path, name, sel } => (file, path, name, sel),
    };
    let Some(section) = file.profile(&name) else {
        return Err(AuthError::ProfileNotFound {
            profile: name,
            selected_by: sel.to_string(),
            path,
            available: file.profile_names(),
        });
    };
    tracing::debug!(profile = %name, file = %path.display(), "loading profile");
    let (profile_host, other_methods) = fill_from(a, section);
    Ok(FileOutcome {
        note: FileNote::Used(ProfileRef {
            name,
            file: path,
            selected_by: sel,
        }),
        other_methods,
        profile_host,
    })
}

/// Skips the file when no profile was asked for and flags/environment gave a host or
/// credentials; else finds the file and the profile name (asked for, or the default).
fn find_profile(a: &Attrs, env: &Env) -> Result<Found, AuthError> {
    if a.profile.is_none() && (a.host.is_some() || a.any_auth()) {
        let given: Vec<String> = [&a.host, &a.token, &a.client_id, &a.client_secret]
            .into_iter()
            .flatten()
            .map(|attr| origin_name(attr.origin))
            .collect();
        return Ok(Found::Nothing(FileNote::Skipped(format!(
            "config file not read ({} given and no profile asked for; pass --profile NAME to use one)",
            given.join(", ")
        ))));
    }
    let explicit = a.profile.as_ref().map(|p| {
        let sel = match p.origin {
            super::types::Origin::Flag(_) => ProfileSelection::Flag,
            _ => ProfileSelection::Env,
        };
        (p.value.clone(), sel)
    });
    let path = match config_file_path(env) {
        Err(e) => {
            return match &explicit {
                Some(_) => Err(e),
                None => Ok(Found::Nothing(FileNote::HomeUnknown)),
            }
        }
        Ok(path) => path,
    };
    let Some(file) = ConfigFile::load(&path)? else {
        return match explicit {
            Some((profile, sel)) => Err(AuthError::ConfigFileNotFound {
                path,
                profile,
                selected_by: sel.to_string(),
            }),
            None => Ok(Found::Nothing(FileNote::NotFound(path))),
        };
    };
    Ok(match explicit.or_else(|| file.default_profile()) {
        None => Found::Nothing(FileNote::NoDefault {
            lowercase_default: file.profile("default").is_some(),
            path,
        }),
        Some((name, sel)) => Found::Chosen { file, path, name, sel },
    })
}

/// Fills what is still unset from `section`; gives the profile's own host and the keys of
/// methods this tool does not implement.
fn fill_from(a: &mut Attrs, section: &Section) -> (Option<String>, Vec<(&'static str, String)>) {
    fill_profile(&mut a.host, section, "host");
    fill_profile(&mut a.token, section, "token");
    fill_profile(&mut a.client_id, section, "client_id");
    fill_profile(&mut a.client_secret, section, "client_secret");
    fill_profile(&mut a.auth_type, section, "auth_type");
    fill_profile(&mut a.cluster_id, section, "cluster_id");
    fill_profile(&mut a.account_id, section, "account_id");
    fill_profile(&mut a.rate_limit, section, "rate_limit");
    let profile_host = section
        .entries
        .get("host")
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty());
    let mut other_methods = Vec::new();
    for (key, method) in OTHER_METHOD_KEYS {
        if section.entries.get(*key).is_some_and(|v| !v.trim().is_empty()) {
            other_methods.push((*method, key.to_string()));
        }
    }
    (profile_host, other_methods)
}

/// Where the config file was looked at, for an error about a value nobody gave; `missing` says
/// what the used profile lacks.
pub(super) fn note_text(note: &FileNote, missing: &str) -> String {
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
