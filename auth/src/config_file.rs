//! `~/.databrickscfg`: locating, parsing (a small configparser-compatible INI reader) and
//! choosing a profile; `list_profiles`.
//!
//! Parsing follows Python's `configparser` as the Python SDK uses it: `[section]` headers,
//! `key = value` or `key: value` (split at the first delimiter), keys lower-cased, values
//! trimmed and taken literally (no quotes, escapes or inline comments), whole-line `#`/`;`
//! comments (indented ones too), indented continuation lines. Like the Go SDK, keys before any
//! header belong to `DEFAULT`, and a repeated section merges (later keys win). `[DEFAULT]` counts
//! as a profile only when it has keys; `[__settings__]` is never a profile.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::env::Env;
use crate::error::AuthError;
use crate::host_url;

/// The section that names the default profile (`default_profile = NAME`).
pub(crate) const SETTINGS: &str = "__settings__";
/// The fallback profile.
pub(crate) const DEFAULT: &str = "DEFAULT";

/// One `[section]` of the file.
#[derive(Debug, Clone)]
pub(crate) struct Section {
    pub name: String,
    /// Lower-cased key → value.
    pub entries: BTreeMap<String, String>,
    /// Line ranges (0-based, end exclusive) of each occurrence, header to last key line.
    pub spans: Vec<(usize, usize)>,
}

/// A parsed config file.
#[derive(Debug, Clone)]
pub(crate) struct ConfigFile {
    pub sections: Vec<Section>,
}

/// How a profile came to be chosen (shown in messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileSelection {
    /// `--profile`.
    Flag,
    /// `DATABRICKS_CONFIG_PROFILE`.
    Env,
    /// `[__settings__] default_profile`.
    SettingsDefault,
    /// The `[DEFAULT]` section.
    Default,
}

impl ProfileSelection {
    /// True when the user named the profile (flag or environment).
    pub fn is_explicit(self) -> bool {
        matches!(self, ProfileSelection::Flag | ProfileSelection::Env)
    }
}

impl fmt::Display for ProfileSelection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProfileSelection::Flag => "asked for with --profile",
            ProfileSelection::Env => "asked for with DATABRICKS_CONFIG_PROFILE",
            ProfileSelection::SettingsDefault => "named by [__settings__] default_profile",
            ProfileSelection::Default => "the [DEFAULT] profile",
        })
    }
}

/// A profile of a config file, without its secrets. Returned by [`list_profiles`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileInfo {
    /// Section name, e.g. `DEFAULT` or `PROD`.
    pub name: String,
    /// Its `host`, normalised when valid (else as written).
    pub host: Option<String>,
    /// `pat` (a token), `oauth-m2m` (client_id + client_secret), the `auth_type` key when set,
    /// `pat+oauth-m2m (set auth_type)` when both are present, else `unknown`.
    pub auth_type: String,
    /// Whether it is the profile used when none is asked for.
    pub is_default: bool,
}

/// The config file auth reads: `DATABRICKS_CONFIG_FILE` (a leading `~` is the home directory),
/// else `~/.databrickscfg`.
pub fn config_file_path(env: &Env) -> Result<PathBuf, AuthError> {
    match env.get("DATABRICKS_CONFIG_FILE") {
        Some(p) => expand_tilde(p, env),
        None => env
            .home()
            .map(|h| h.join(".databrickscfg"))
            .ok_or_else(|| AuthError::HomeUnknown {
                what: "~/.databrickscfg".into(),
            }),
    }
}

fn expand_tilde(p: &str, env: &Env) -> Result<PathBuf, AuthError> {
    if p == "~" || p.starts_with("~/") || p.starts_with("~\\") {
        let home = env.home().ok_or_else(|| AuthError::HomeUnknown {
            what: format!("DATABRICKS_CONFIG_FILE={p}"),
        })?;
        Ok(if p.len() <= 2 {
            home.to_path_buf()
        } else {
            home.join(&p[2..])
        })
    } else {
        Ok(PathBuf::from(p))
    }
}

/// Lists the profiles of the config file (never a secret). A missing file gives an empty list.
pub fn list_profiles(env: &Env) -> Result<Vec<ProfileInfo>, AuthError> {
    let path = config_file_path(env)?;
    let Some(file) = ConfigFile::load(&path)? else {
        return Ok(Vec::new());
    };
    let default = file.default_profile().map(|(name, _)| name);
    Ok(file
        .profiles()
        .map(|s| {
            let get = |k: &str| s.entries.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
            let auth_type = match (
                get("auth_type"),
                get("token"),
                get("client_id").is_some() && get("client_secret").is_some(),
            ) {
                (Some(t), _, _) => t.to_ascii_lowercase(),
                (None, Some(_), true) => "pat+oauth-m2m (set auth_type)".into(),
                (None, Some(_), false) => "pat".into(),
                (None, None, true) => "oauth-m2m".into(),
                (None, None, false) => "unknown".into(),
            };
            ProfileInfo {
                name: s.name.clone(),
                host: get("host").map(|h| match host_url::normalize_host(h) {
                    Ok(u) => host_url::host_display(&u),
                    Err(_) => h.to_string(),
                }),
                auth_type,
                is_default: default.as_deref() == Some(s.name.as_str()),
            }
        })
        .collect())
}

impl ConfigFile {
    /// Reads and parses `path`; `Ok(None)` when it does not exist.
    pub fn load(path: &Path) -> Result<Option<ConfigFile>, AuthError> {
        match std::fs::read_to_string(path) {
            Ok(text) => ConfigFile::parse(path, &text).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(AuthError::ConfigFileUnreadable {
                path: path.to_path_buf(),
                reason: e.to_string(),
            }),
        }
    }

    /// Parses the text of a config file.
    pub fn parse(path: &Path, text: &str) -> Result<ConfigFile, AuthError> {
        let syntax = |line: usize, reason: &str| AuthError::ConfigFileSyntax {
            path: path.to_path_buf(),
            line: line + 1,
            reason: reason.to_string(),
        };
        let mut file = ConfigFile { sections: Vec::new() };
        let mut current: Option<usize> = None; // index into sections
        let mut last_key: Option<String> = None;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (no, raw) in text.lines().enumerate() {
            let line = raw.trim_end_matches('\r');
            let trimmed = line.trim();
            if trimmed.is_empty() {
                last_key = None;
                continue;
            }
            if trimmed.starts_with('#') || trimmed.starts_with(';') {
                continue;
            }
            let indented = line.starts_with(char::is_whitespace);
            if indented {
                if let (Some(i), Some(k)) = (current, last_key.as_ref()) {
                    let v = file.sections[i].entries.get_mut(k).expect("key just inserted");
                    v.push('\n');
                    v.push_str(trimmed);
                    file.sections[i].spans.last_mut().expect("span").1 = no + 1;
                    continue;
                }
            }
            if trimmed.starts_with('[') {
                let Some(name) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) else {
                    return Err(syntax(no, "a section header must look like [name]"));
                };
                let name = name.trim();
                if name.is_empty() {
                    return Err(syntax(no, "empty section name []"));
                }
                let i = file.section_index_or_insert(name);
                file.sections[i].spans.push((no, no + 1));
                current = Some(i);
                last_key = None;
                continue;
            }
            let Some(pos) = trimmed.find(['=', ':']) else {
                return Err(syntax(no, "expected `key = value`, a [section] header or a # comment"));
            };
            let key = trimmed[..pos].trim().to_ascii_lowercase();
            if key.is_empty() {
                return Err(syntax(no, "missing key before '='"));
            }
            let value = trimmed[pos + 1..].trim().to_string();
            let i = match current {
                Some(i) => i,
                None => {
                    // Keys before any header: the Go SDK (go-ini) puts them in DEFAULT.
                    let i = file.section_index_or_insert(DEFAULT);
                    if file.sections[i].spans.is_empty() {
                        file.sections[i].spans.push((no, no + 1));
                    }
                    current = Some(i);
                    i
                }
            };
            file.sections[i].entries.insert(key.clone(), value);
            file.sections[i].spans.last_mut().expect("span").1 = no + 1;
            last_key = Some(key);
        }
        Ok(file)
    }

    fn section_index_or_insert(&mut self, name: &str) -> usize {
        if let Some(i) = self.sections.iter().position(|s| s.name == name) {
            return i;
        }
        self.sections.push(Section {
            name: name.to_string(),
            entries: BTreeMap::new(),
            spans: Vec::new(),
        });
        self.sections.len() - 1
    }

    /// The section with this exact (case-sensitive) name, if it is a profile.
    pub fn profile(&self, name: &str) -> Option<&Section> {
        self.profiles().find(|s| s.name == name)
    }

    /// The profiles, in file order: every section but `[__settings__]`, and `[DEFAULT]` only
    /// when it has keys (as the Python SDK sees it).
    pub fn profiles(&self) -> impl Iterator<Item = &Section> {
        self.sections
            .iter()
            .filter(|s| s.name != SETTINGS && (s.name != DEFAULT || !s.entries.is_empty()))
    }

    /// Profile names, for "profiles there: …" messages.
    pub fn profile_names(&self) -> Vec<String> {
        self.profiles().map(|s| s.name.clone()).collect()
    }

    /// The profile used when none is asked for: `[__settings__] default_profile`, else
    /// `[DEFAULT]` (when it has keys). The name is returned even when that profile is missing.
    pub fn default_profile(&self) -> Option<(String, ProfileSelection)> {
        let named = self
            .sections
            .iter()
            .find(|s| s.name == SETTINGS)
            .and_then(|s| s.entries.get("default_profile"))
            .map(|v| v.trim())
            .filter(|v| !v.is_empty());
        match named {
            Some(n) => Some((n.to_string(), ProfileSelection::SettingsDefault)),
            None => self
                .profile(DEFAULT)
                .map(|_| (DEFAULT.to_string(), ProfileSelection::Default)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ConfigFile {
        ConfigFile::parse(Path::new("/cfg"), text).unwrap()
    }

    #[test]
    fn parses_sections_keys_and_comments_like_configparser() {
        let f = parse(
            "# top comment\n[DEFAULT]\nhost = https://a.example.com\n  ; indented comment\nToken=dapi1\n\n[PROD]\nhost: b.example.com\ntoken = x=y:z\n# c\n",
        );
        let d = f.profile("DEFAULT").unwrap();
        assert_eq!(d.entries["host"], "https://a.example.com");
        assert_eq!(d.entries["token"], "dapi1", "keys are lower-cased");
        let p = f.profile("PROD").unwrap();
        assert_eq!(p.entries["host"], "b.example.com");
        assert_eq!(p.entries["token"], "x=y:z", "split at the first delimiter only");
        assert_eq!(f.profile_names(), ["DEFAULT", "PROD"]);
    }

    #[test]
    fn values_are_literal_no_quotes_escapes_or_inline_comments() {
        let f = parse("[A]\ntoken = \"abc\\d\" # not a comment\n");
        assert_eq!(f.profile("A").unwrap().entries["token"], "\"abc\\d\" # not a comment");
    }

    #[test]
    fn indented_lines_continue_the_previous_value() {
        let f = parse("[A]\nscopes = a\n  b\nhost = h\n");
        assert_eq!(f.profile("A").unwrap().entries["scopes"], "a\nb");
        assert_eq!(f.profile("A").unwrap().entries["host"], "h");
    }

    #[test]
    fn keys_before_any_header_belong_to_default() {
        let f = parse("host = h\ntoken = t\n[X]\nhost = y\n");
        assert_eq!(f.profile("DEFAULT").unwrap().entries["token"], "t");
    }

    #[test]
    fn section_names_are_case_sensitive() {
        let f = parse("[default]\nhost = h\n");
        assert!(f.profile("DEFAULT").is_none());
        assert!(f.profile("default").is_some());
        assert_eq!(f.default_profile(), None);
    }

    #[test]
    fn empty_default_is_not_a_profile_settings_never_is() {
        let f = parse("[DEFAULT]\n[__settings__]\ndefault_profile = B\n[B]\nhost = h\n");
        assert_eq!(f.profile_names(), ["B"]);
        assert_eq!(
            f.default_profile(),
            Some(("B".into(), ProfileSelection::SettingsDefault))
        );
    }

    #[test]
    fn default_profile_falls_back_to_default_section() {
        let f = parse("[DEFAULT]\nhost = h\n[B]\nhost = g\n");
        assert_eq!(f.default_profile(), Some(("DEFAULT".into(), ProfileSelection::Default)));
        let f = parse("[__settings__]\ndefault_profile =   \n[DEFAULT]\nhost = h\n");
        assert_eq!(
            f.default_profile(),
            Some(("DEFAULT".into(), ProfileSelection::Default)),
            "blank setting ignored"
        );
    }

    #[test]
    fn repeated_sections_merge_later_keys_win() {
        let f = parse("[A]\nhost = 1\ntoken = t\n[B]\nhost = b\n[A]\nhost = 2\n");
        let a = f.profile("A").unwrap();
        assert_eq!(a.entries["host"], "2");
        assert_eq!(a.entries["token"], "t");
        assert_eq!(a.spans, vec![(0, 3), (5, 7)]);
    }

    #[test]
    fn spans_stop_at_the_last_key_line() {
        let f = parse("[A]\nhost = 1\n\n# about B\n[B]\nhost = b\n");
        assert_eq!(f.profile("A").unwrap().spans, vec![(0, 2)]);
        assert_eq!(f.profile("B").unwrap().spans, vec![(4, 6)]);
    }

    #[test]
    fn syntax_errors_name_file_and_line() {
        let e = ConfigFile::parse(Path::new("/x/.databrickscfg"), "[A]\nhost = h\njunk line\n").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("/x/.databrickscfg") && msg.contains("line 3"), "{msg}");
        assert!(ConfigFile::parse(Path::new("/c"), "[A\n").is_err());
        assert!(ConfigFile::parse(Path::new("/c"), "[]\n").is_err());
        assert!(ConfigFile::parse(Path::new("/c"), "[A]\n= v\n").is_err());
    }

    #[test]
    fn crlf_and_bom_are_accepted() {
        let f = parse("\u{feff}[A]\r\nhost = h\r\n");
        assert_eq!(f.profile("A").unwrap().entries["host"], "h");
    }

    #[test]
    fn config_path_honours_env_and_tilde() {
        let env = Env::from_pairs([("HOME", "/home/u")]);
        assert_eq!(config_file_path(&env).unwrap(), PathBuf::from("/home/u/.databrickscfg"));
        let env = Env::from_pairs([("HOME", "/home/u"), ("DATABRICKS_CONFIG_FILE", "~/cfg/dbx.ini")]);
        assert_eq!(config_file_path(&env).unwrap(), PathBuf::from("/home/u/cfg/dbx.ini"));
        let env = Env::from_pairs([("DATABRICKS_CONFIG_FILE", "/etc/dbx.ini")]);
        assert_eq!(config_file_path(&env).unwrap(), PathBuf::from("/etc/dbx.ini"));
        let env = Env::from_pairs::<[(&str, &str); 0], _, _>([]);
        assert!(matches!(config_file_path(&env), Err(AuthError::HomeUnknown { .. })));
    }

    #[test]
    fn list_profiles_reports_host_type_and_default_without_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg");
        std::fs::write(
            &path,
            "[DEFAULT]\nhost = a.example.com/\ntoken = dapi-SECRET-1\n\
             [SP]\nhost = https://b.example.com:443\nclient_id = cid\nclient_secret = SECRET-2\n\
             [BOTH]\ntoken = SECRET-3\nclient_id = c\nclient_secret = SECRET-4\n\
             [AZ]\nhost = c\nauth_type = Azure-CLI\n\
             [EMPTY]\n\
             [__settings__]\ndefault_profile = SP\n",
        )
        .unwrap();
        let env = Env::from_pairs([("DATABRICKS_CONFIG_FILE", path.to_str().unwrap())]);
        let list = list_profiles(&env).unwrap();
        let shown = format!("{list:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        let by = |n: &str| list.iter().find(|p| p.name == n).unwrap().clone();
        assert_eq!(list.len(), 5);
        assert_eq!(by("DEFAULT").host.as_deref(), Some("https://a.example.com"));
        assert_eq!(by("DEFAULT").auth_type, "pat");
        assert!(!by("DEFAULT").is_default);
        assert_eq!(by("SP").host.as_deref(), Some("https://b.example.com"));
        assert_eq!(by("SP").auth_type, "oauth-m2m");
        assert!(by("SP").is_default);
        assert_eq!(by("BOTH").auth_type, "pat+oauth-m2m (set auth_type)");
        assert_eq!(by("AZ").auth_type, "azure-cli");
        assert_eq!(by("EMPTY").auth_type, "unknown");
        assert_eq!(by("EMPTY").host, None);
    }

    #[test]
    fn list_profiles_of_a_missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env::from_pairs([("HOME", dir.path().to_str().unwrap())]);
        assert!(list_profiles(&env).unwrap().is_empty());
    }
}
