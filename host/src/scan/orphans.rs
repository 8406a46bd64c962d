//! Orphaned homes (`scan --all-users --orphans`): directories under `/Users` whose owner is not an
//! active SCIM user.
//!
//! `/Users` is listed once in each tree the scan covers (through the guest's `list-homes`), at the
//! same time as the SCIM listing. Once both are complete, [`plan`] decides the extra scans:
//!
//! * every home name (exact spelling) that matches no active SCIM user case-insensitively is an
//!   orphan: scanned in the trees where that exact spelling was listed, marked `orphan`;
//! * inactive SCIM users were held back from the streaming phase: their homes are orphans like the
//!   others, and an inactive user with no home in any tree is still scanned (not an orphan), so
//!   every SCIM user keeps a row.
//!
//! These jobs follow the SCIM users, sorted by name (case-insensitively, then exactly), so the
//! CSV order is stable.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::job::Job;
use crate::model::{Trees, UserKey};
use crate::sandbox::bindings::scanner::Tree;
use crate::sandbox::Runtime;

/// Home directory names listed under `/Users`, per tree (`None`: that tree is not scanned).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Homes {
    /// DBFS `/Users/*` directory names.
    pub dbfs: Option<Vec<String>>,
    /// Workspace `/Users/*` directory names.
    pub workspace: Option<Vec<String>>,
}

/// Lists `/Users` once in each of `trees` (concurrently). A failure names the tree.
pub async fn list_homes(rt: &Runtime, trees: Trees) -> anyhow::Result<Homes> {
    async fn one(rt: &Runtime, wanted: bool, tree: Tree, label: &str) -> anyhow::Result<Option<Vec<String>>> {
        if !wanted {
            return Ok(None);
        }
        match rt.list_homes(tree).await {
            Ok(Ok(names)) => Ok(Some(names)),
            Ok(Err(f)) => anyhow::bail!("listing {label} /Users for --orphans failed: {}", f.message),
            Err(e) => anyhow::bail!("listing {label} /Users for --orphans failed: {e:#}"),
        }
    }
    let (dbfs, workspace) = tokio::join!(
        one(rt, trees.dbfs, Tree::Dbfs, "DBFS"),
        one(rt, trees.workspace, Tree::Workspace, "Workspace")
    );
    Ok(Homes {
        dbfs: dbfs?,
        workspace: workspace?,
    })
}

/// The scans that follow the SCIM users: orphaned homes and inactive users without a home,
/// sorted. `scanned` holds the users already scanned (active, or of unknown status) as SCIM spells
/// them; `inactive` the inactive users held back.
///
/// Names are compared ignoring case, as everywhere in the tool (one row per user): a home that
/// matches a scanned user only when case is ignored is not an orphan, and homes whose names differ
/// in case only are one orphan, scanned under the first spelling (exact sort order) in every tree
/// where any of them was listed. Either way the other spelling is logged as a warning, because on
/// a case-sensitive tree a scan made under one spelling does not see the other.
pub fn plan(homes: &Homes, scanned: &[String], inactive: &[String], trees: Trees) -> Vec<Job> {
    let active: HashMap<UserKey, &str> = scanned.iter().map(|u| (UserKey::of(u), u.as_str())).collect();
    // Name key → (spellings, seen in DBFS, seen in Workspace).
    let mut orphans: BTreeMap<UserKey, (BTreeMap<&str, &'static str>, bool, bool)> = BTreeMap::new();
    let mut home_keys: HashSet<UserKey> = HashSet::new();
    for (names, tree) in [(&homes.dbfs, "DBFS"), (&homes.workspace, "Workspace")] {
        for name in names.iter().flatten() {
            let key = UserKey::of(name);
            home_keys.insert(key.clone());
            if let Some(user) = active.get(&key) {
                if *user != name.as_str() {
                    warn_case(tree, name, user, "user");
                }
                continue;
            }
            let e = orphans.entry(key).or_default();
            e.0.entry(name.as_str()).or_insert(tree);
            if tree == "DBFS" {
                e.1 = true;
            } else {
                e.2 = true;
            }
        }
    }
    let mut jobs: Vec<Job> = Vec::new();
    for (spellings, d, w) in orphans.into_values() {
        let mut it = spellings.into_iter();
        let (name, _) = it.next().expect("at least one spelling");
        for (other, tree) in it {
            warn_case(tree, other, name, "orphaned home");
        }
        jobs.push(Job {
            user: name.to_string(),
            trees: trees.and(Trees { dbfs: d, workspace: w }),
            orphan: true,
            no_home: Trees::NONE,
        });
    }
    let mut seen_inactive = HashSet::new();
    for u in inactive {
        let key = UserKey::of(u);
        if active.contains_key(&key) || home_keys.contains(&key) || !seen_inactive.insert(key) {
            continue;
        }
        jobs.push(Job::user(u.clone(), trees));
    }
    jobs.sort_by(|a, b| {
        UserKey::of(&a.user)
            .cmp(&UserKey::of(&b.user))
            .then_with(|| a.user.cmp(&b.user))
    });
    jobs
}

fn warn_case(tree: &str, home: &str, scanned_as: &str, what: &str) {
    tracing::warn!(
        "{tree} home /Users/{home} differs in case only from {what} {scanned_as}, scanned as /Users/{scanned_as}: \
         if that row shows no {tree} home, scan '{home}' by name"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: Trees = Trees::BOTH;

    fn names(v: &[&str]) -> Option<Vec<String>> {
        Some(v.iter().map(|s| s.to_string()).collect())
    }

    fn set(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn show(jobs: &[Job]) -> Vec<String> {
        jobs.iter()
            .map(|j| {
                let o = format!(
                    "{}{}",
                    if j.trees.dbfs { "d" } else { "" },
                    if j.trees.workspace { "w" } else { "" }
                );
                format!("{}:{}:{}", j.user, o, if j.orphan { "orphan" } else { "user" })
            })
            .collect()
    }

    #[test]
    fn homes_of_active_users_match_case_insensitively() {
        let homes = Homes {
            dbfs: names(&["Alice@X.com", "ghost@x.com"]),
            workspace: names(&["alice@x.com"]),
        };
        let jobs = plan(&homes, &set(&["alice@x.com"]), &[], BOTH);
        assert_eq!(show(&jobs), ["ghost@x.com:d:orphan"]);
    }

    #[test]
    fn orphans_are_scanned_where_listed_and_spellings_differing_in_case_are_one_orphan() {
        let homes = Homes {
            dbfs: names(&["mixed@x.com", "zed@x.com", "y@x.com"]),
            workspace: names(&["MIXED@x.com", "zed@x.com"]),
        };
        let jobs = plan(&homes, &set(&[]), &[], BOTH);
        assert_eq!(
            show(&jobs),
            ["MIXED@x.com:dw:orphan", "y@x.com:d:orphan", "zed@x.com:dw:orphan"]
        );
    }

    #[test]
    fn inactive_users_homes_are_orphans_and_homeless_ones_still_get_a_row() {
        let homes = Homes {
            dbfs: names(&["Carol@x.com"]),
            workspace: names(&[]),
        };
        let inactive = [
            "carol@x.com".to_string(),
            "dave@x.com".to_string(),
            "DAVE@x.com".to_string(),
        ];
        let jobs = plan(&homes, &set(&["alice@x.com"]), &inactive, BOTH);
        assert_eq!(show(&jobs), ["Carol@x.com:d:orphan", "dave@x.com:dw:user"]);
    }

    #[test]
    fn only_scanned_trees_count() {
        let homes = Homes {
            dbfs: names(&["b@x.com", "a@x.com"]),
            workspace: None,
        };
        let jobs = plan(
            &homes,
            &set(&[]),
            &["c@x.com".to_string()],
            Trees::from_flags(true, false),
        );
        assert_eq!(show(&jobs), ["a@x.com:d:orphan", "b@x.com:d:orphan", "c@x.com:d:user"]);
    }
}
