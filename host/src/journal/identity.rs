//! What makes two runs the same run (so one's rows may stand in for the other's), and the paths
//! of a run's journal.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::options::RunOptions;
use crate::cli::JournalArgs;
use crate::error::UsageError;
use crate::model::{Trees, UserKey};

/// Digest of an input user list: SHA-256 over the keys in input order, one per line.
pub fn users_digest<S: AsRef<str>>(users: &[S]) -> String {
    let mut h = Sha256::new();
    for u in users {
        h.update(UserKey::of(u.as_ref()).as_str().as_bytes());
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Which users a run covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "kebab-case")]
pub enum UsersIdentity {
    /// A fixed list (arguments, `--users-file`), deduplicated, in input order.
    List {
        /// Users in the list.
        count: u64,
        /// [`users_digest`] of the list.
        sha256: String,
    },
    /// Every workspace user (`--all-users`); the list may change between runs.
    AllUsers,
}

impl std::fmt::Display for UsersIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UsersIdentity::List { count, sha256 } => {
                write!(
                    f,
                    "a list of {count} user(s) (sha256 {})",
                    &sha256[..sha256.len().min(12)]
                )
            }
            UsersIdentity::AllUsers => f.write_str("all workspace users (--all-users)"),
        }
    }
}

/// What makes two runs the same run: results from one may stand in for the other's.
/// Concurrency, limits and retries are not part of it: they change speed, not results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunIdentity {
    /// Workspace URL (`scheme://host[:port]`, never credentials).
    pub host: String,
    /// Options that change results (e.g. `trees` → `dbfs+workspace`).
    pub options: RunOptions,
    /// The users.
    pub users: UsersIdentity,
}

impl RunIdentity {
    /// Human-readable differences from `journal` (the identity in a journal) to `self`.
    pub fn differences(&self, journal: &RunIdentity) -> Vec<String> {
        let mut out = Vec::new();
        if self.host != journal.host {
            out.push(format!(
                "host: the journal is for {}, this run is for {}",
                journal.host, self.host
            ));
        }
        let (mine, theirs) = (self.options.entries(), journal.options.entries());
        let keys: std::collections::BTreeSet<&String> = mine.keys().chain(theirs.keys()).collect();
        for k in keys {
            let (j, r) = (theirs.get(k), mine.get(k));
            if j != r {
                let show = |v: Option<&String>| v.map_or("(not set)".to_string(), Clone::clone);
                let hint = match (k.as_str(), r) {
                    ("objects", None) => " (add --objects FILE.parquet to continue it)",
                    ("objects", Some(_)) => " (its rows kept no objects: a new journal can)",
                    _ => "",
                };
                out.push(format!(
                    "{k}: the journal has {}, this run has {}{hint}",
                    show(j),
                    show(r)
                ));
            }
        }
        if self.users != journal.users {
            out.push(format!(
                "users: the journal is for {}, this run is for {}",
                journal.users, self.users
            ));
        }
        out
    }
}

/// The journal path of a run: `--journal`, else the output path + `.journal`.
pub fn journal_path(args: &JournalArgs, output: &Path) -> PathBuf {
    args.journal.clone().unwrap_or_else(|| {
        let mut s = output.as_os_str().to_owned();
        s.push(".journal");
        PathBuf::from(s)
    })
}

/// The identity of a run: workspace, result-changing options, users.
pub fn identity(host: &str, trees: Trees, orphans: bool, users: Option<&[String]>) -> RunIdentity {
    let options = RunOptions {
        trees: Some(trees),
        orphans: Some(orphans),
        ..RunOptions::default()
    };
    let users = match users {
        Some(list) => UsersIdentity::List {
            count: list.len() as u64,
            sha256: users_digest(list),
        },
        None => UsersIdentity::AllUsers,
    };
    RunIdentity {
        host: host.to_string(),
        options,
        users,
    }
}

/// Refuses output paths whose directory does not exist, and output paths that are the journal, its lock file or each other (one would
/// overwrite the other).
pub fn check_paths(journal: &Path, outputs: &[(&str, Option<&Path>)]) -> anyhow::Result<()> {
    for (flag, p) in outputs.iter().filter_map(|(f, p)| p.map(|p| (*f, p))) {
        if let Some(e) = crate::error::missing_directory(flag, p) {
            return Err(e.into());
        }
    }
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let j = abs(journal);
    let lock = abs(&super::lock::lock_path(journal));
    let mut seen: Vec<(&str, PathBuf)> = Vec::new();
    for (flag, p) in outputs {
        let Some(p) = p else { continue };
        let a = abs(p);
        if a == j {
            return Err(UsageError(format!(
                "{flag} {} is the journal file; choose another path",
                p.display()
            ))
            .into());
        }
        if a == lock {
            return Err(UsageError(format!(
                "{flag} {} is the journal's lock file; choose another path",
                p.display()
            ))
            .into());
        }
        if let Some((other, _)) = seen.iter().find(|(_, q)| *q == a) {
            return Err(UsageError(format!("{flag} and {other} are both {}; choose two paths", p.display())).into());
        }
        seen.push((flag, a));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_follows_the_output_unless_named() {
        let a = JournalArgs::default();
        assert_eq!(
            journal_path(&a, Path::new("out/results.csv")),
            Path::new("out/results.csv.journal")
        );
        let a = JournalArgs {
            journal: Some("j.jsonl".into()),
            ..Default::default()
        };
        assert_eq!(journal_path(&a, Path::new("results.csv")), Path::new("j.jsonl"));
    }

    #[test]
    fn identity_has_result_changing_options_only() {
        let users = vec!["a@x.com".to_string()];
        let i = identity(
            "https://h",
            Trees::only(crate::model::Location::Dbfs),
            false,
            Some(&users),
        );
        assert_eq!(i.options.trees, Some(Trees::only(crate::model::Location::Dbfs)));
        assert_eq!(i.options.orphans, Some(false));
        assert!(matches!(i.users, UsersIdentity::List { count: 1, .. }));
        assert_eq!(
            identity("https://h", Trees::BOTH, true, None).users,
            UsersIdentity::AllUsers
        );
    }

    #[test]
    fn outputs_may_not_clobber_the_journal_or_each_other() {
        let j = Path::new("r.csv.journal");
        assert!(check_paths(j, &[("--output", Some(Path::new("r.csv"))), ("--jsonl", None)]).is_ok());
        let e = check_paths(j, &[("--output", Some(Path::new("./r.csv.journal")))])
            .unwrap_err()
            .to_string();
        assert!(e.contains("--output") && e.contains("journal"), "{e}");
        let e = check_paths(
            j,
            &[("--output", Some(Path::new("a"))), ("--jsonl", Some(Path::new("a")))],
        )
        .unwrap_err();
        assert!(e.to_string().contains("--jsonl and --output"), "{e}");
    }
}
