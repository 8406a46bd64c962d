//! `Env`: a snapshot of the environment variables auth reads, plus the home directory.
//!
//! Resolution never calls `std::env` itself, so tests build an `Env` from pairs and never touch
//! the real `HOME` or `~/.databrickscfg`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Environment variables and home directory, as auth sees them.
#[derive(Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
    home: Option<PathBuf>,
}

impl Env {
    /// Snapshot of the process: every `DATABRICKS_*` variable, and `HOME` (`USERPROFILE` on Windows).
    pub fn from_process() -> Self {
        let vars: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, _)| k.starts_with("DATABRICKS_") || k == "HOME" || k == "USERPROFILE")
            .collect();
        let home = vars
            .get("HOME")
            .or_else(|| if cfg!(windows) { vars.get("USERPROFILE") } else { None })
            .filter(|h| !h.is_empty())
            .map(PathBuf::from);
        Env { vars, home }
    }

    /// An environment made of the given pairs (tests). `HOME`, when given, is the home directory.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let vars: BTreeMap<String, String> = pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        let home = vars.get("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);
        Env { vars, home }
    }

    /// The value of a variable, trimmed; `None` when unset or blank (as the SDKs treat `""`).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// The home directory, used for `~/.databrickscfg` and `~` in `DATABRICKS_CONFIG_FILE`.
    pub fn home(&self) -> Option<&Path> {
        self.home.as_deref()
    }
}

/// Prints the variable names only: the values may hold secrets.
impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Env")
            .field("vars", &self.vars.keys().collect::<Vec<_>>())
            .field("home", &self.home)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_values_count_as_unset_and_values_are_trimmed() {
        let env = Env::from_pairs([("DATABRICKS_TOKEN", "  "), ("DATABRICKS_HOST", " h.example.com\n")]);
        assert_eq!(env.get("DATABRICKS_TOKEN"), None);
        assert_eq!(env.get("DATABRICKS_HOST"), Some("h.example.com"));
        assert_eq!(env.get("DATABRICKS_CLIENT_ID"), None);
    }

    #[test]
    fn home_comes_from_the_home_pair() {
        assert_eq!(Env::from_pairs([("HOME", "/tmp/x")]).home(), Some(Path::new("/tmp/x")));
        assert_eq!(Env::from_pairs::<[(&str, &str); 0], _, _>([]).home(), None);
    }

    #[test]
    fn debug_never_shows_values() {
        let env = Env::from_pairs([("DATABRICKS_TOKEN", "dapi-secret")]);
        let shown = format!("{env:?}");
        assert!(shown.contains("DATABRICKS_TOKEN"));
        assert!(!shown.contains("dapi-secret"));
    }
}
