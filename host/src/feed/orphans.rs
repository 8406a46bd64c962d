//! Orphaned homes (`scan --all-users --orphans`): directories under `/Users` whose owner is not an
//! active SCIM user or service principal.
//!
//! `/Users` is listed once in each tree the scan covers (through the guest's `list-homes`), at the
//! same time as the SCIM listing. Once both are complete, [`plan`] decides the extra scans:
//!
//! * every home name (exact spelling) that matches no active SCIM user case-insensitively is an
//!   orphan: scanned in the trees where that exact spelling was listed, marked `orphan`;
//! * inactive SCIM users and service principals were held back from the streaming phase: their
//!   homes are orphans like the others (a service principal's marked as its row), and one with no
//!   home in any tree is still scanned (not an orphan), so every principal keeps a row;
//! * when the service principals could not be listed, an orphan named like an application id
//!   may be an active service principal's home: it is marked `unknown`, not `yes`.
//!
//! These jobs follow the SCIM users, sorted by name (case-insensitively, then exactly), so the
//! CSV order is stable.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::roots::Roots;
use crate::model::{looks_like_application_id, Job, Listed, Location, Orphan, Trees, UserKey};

/// The scans that follow the SCIM users and service principals: orphaned homes and inactive
/// principals without a home, sorted. `scanned` holds the principals already scanned (active, or
/// of unknown status) as SCIM spells them; `inactive` the inactive ones held back;
/// `service_principals_unknown` says the service principals could not be listed.
///
/// Names are compared ignoring case, as everywhere in the tool (one row per user): a home that
/// matches a scanned user only when case is ignored is not an orphan, and homes whose names differ
/// in case only are one orphan, named by the first spelling (exact sort order), in every tree
/// where any of them was listed; each tree's folder is scanned under its own spelling
/// ([`super::HomeIndex::place`]). Either way the other spelling is logged as a warning.
pub fn plan(
    homes: &Roots,
    scanned: &[String],
    inactive: &[Listed],
    service_principals_unknown: bool,
    trees: Trees,
) -> Vec<Job> {
    let active: HashMap<UserKey, &str> = scanned.iter().map(|u| (UserKey::of(u), u.as_str())).collect();
    let owners: HashMap<UserKey, &Listed> = inactive.iter().map(|p| (UserKey::of(&p.name), p)).collect();
    // Name key → (spellings with the first location listing each, locations listing it).
    let mut orphans: BTreeMap<UserKey, (BTreeMap<&str, Location>, Trees)> = BTreeMap::new();
    let mut home_keys: HashSet<UserKey> = HashSet::new();
    for l in Location::ALL {
        for name in homes.get(l).into_iter().flatten() {
            let key = UserKey::of(name);
            home_keys.insert(key.clone());
            if let Some(user) = active.get(&key) {
                if *user != name.as_str() {
                    warn_case(l, name, user, "user");
                }
                continue;
            }
            let e = orphans.entry(key).or_insert_with(|| (BTreeMap::new(), Trees::NONE));
            e.0.entry(name.as_str()).or_insert(l);
            e.1 = e.1.with(l, true);
        }
    }
    let mut jobs: Vec<Job> = Vec::new();
    for (spellings, listed) in orphans.into_values() {
        let mut it = spellings.into_iter();
        let (name, _) = it.next().expect("at least one spelling");
        for (other, l) in it {
            warn_case(l, other, name, "orphaned home");
        }
        let trees = trees.and(listed);
        jobs.push(match owners.get(&UserKey::of(name)) {
            Some(owner) => Job {
                user: name.to_string(),
                orphan: Orphan::Yes,
                ..Job::listed(owner, trees)
            },
            None => Job {
                orphan: if service_principals_unknown && looks_like_application_id(name) {
                    Orphan::Unknown
                } else {
                    Orphan::Yes
                },
                ..Job::user(name.to_string(), trees)
            },
        });
    }
    let mut seen_inactive = HashSet::new();
    for u in inactive {
        let key = UserKey::of(&u.name);
        if active.contains_key(&key) || home_keys.contains(&key) || !seen_inactive.insert(key) {
            continue;
        }
        jobs.push(Job::listed(u, trees));
    }
    jobs.sort_by(|a, b| {
        UserKey::of(&a.user)
            .cmp(&UserKey::of(&b.user))
            .then_with(|| a.user.cmp(&b.user))
    });
    jobs
}

fn warn_case(l: Location, home: &str, scanned_as: &str, what: &str) {
    let (tree, root) = (l.label(), l.root());
    tracing::warn!(
        "{tree} home {root}/{home} differs in case only from {what} {scanned_as}: one row ({scanned_as}), each \
         tree's folder scanned under its own spelling (a second spelling in the same tree is not scanned: scan \
         '{home}' by name)"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Principal;

    const BOTH: Trees = Trees::BOTH;

    fn names(v: &[&str]) -> Option<Vec<String>> {
        Some(v.iter().map(|s| s.to_string()).collect())
    }

    fn set(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn user(name: &str) -> Listed {
        Listed {
            name: name.into(),
            display_name: None,
            active: Some(false),
            id: None,
            principal: Principal::User,
        }
    }

    fn sp(name: &str, display: &str) -> Listed {
        Listed {
            display_name: Some(display.into()),
            principal: Principal::ServicePrincipal,
            ..user(name)
        }
    }

    fn show(jobs: &[Job]) -> Vec<String> {
        jobs.iter()
            .map(|j| {
                let o = format!(
                    "{}{}",
                    if j.trees.dbfs { "d" } else { "" },
                    if j.trees.workspace { "w" } else { "" }
                );
                let kind = match (j.orphan, j.principal) {
                    (Orphan::Yes, _) => "orphan",
                    (Orphan::Unknown, _) => "unknown",
                    (Orphan::No, Principal::User) => "user",
                    (Orphan::No, Principal::ServicePrincipal) => "sp",
                };
                format!("{}:{}:{}", j.user, o, kind)
            })
            .collect()
    }

    #[test]
    fn homes_of_active_users_match_case_insensitively() {
        let homes = Roots {
            dbfs: names(&["Alice@X.com", "ghost@x.com"]),
            workspace: names(&["alice@x.com"]),
            uploads: None,
            repos: None,
        };
        let jobs = plan(&homes, &set(&["alice@x.com"]), &[], false, BOTH);
        assert_eq!(show(&jobs), ["ghost@x.com:d:orphan"]);
    }

    #[test]
    fn orphans_are_scanned_where_listed_and_spellings_differing_in_case_are_one_orphan() {
        let homes = Roots {
            dbfs: names(&["mixed@x.com", "zed@x.com", "y@x.com"]),
            workspace: names(&["MIXED@x.com", "zed@x.com"]),
            uploads: None,
            repos: None,
        };
        let jobs = plan(&homes, &set(&[]), &[], false, BOTH);
        assert_eq!(
            show(&jobs),
            ["MIXED@x.com:dw:orphan", "y@x.com:d:orphan", "zed@x.com:dw:orphan"]
        );
    }

    #[test]
    fn inactive_users_homes_are_orphans_and_homeless_ones_still_get_a_row() {
        let homes = Roots {
            dbfs: names(&["Carol@x.com"]),
            workspace: names(&[]),
            uploads: None,
            repos: None,
        };
        let inactive = [user("carol@x.com"), user("dave@x.com"), user("DAVE@x.com")];
        let jobs = plan(&homes, &set(&["alice@x.com"]), &inactive, false, BOTH);
        assert_eq!(show(&jobs), ["Carol@x.com:d:orphan", "dave@x.com:dw:user"]);
    }

    #[test]
    fn only_scanned_trees_count() {
        let homes = Roots {
            dbfs: names(&["b@x.com", "a@x.com"]),
            workspace: None,
            uploads: None,
            repos: None,
        };
        let jobs = plan(
            &homes,
            &set(&[]),
            &[user("c@x.com")],
            false,
            Trees::from_flags(true, false),
        );
        assert_eq!(show(&jobs), ["a@x.com:d:orphan", "b@x.com:d:orphan", "c@x.com:d:user"]);
    }

    const SP_ACTIVE: &str = "6f1c7a52-0d4e-4b8e-9d61-3c2b8f0a9e17";
    const SP_INACTIVE: &str = "0b9e5a1d-7c3f-4e2a-8f6b-1d4c9e7a2b30";
    const SP_GONE: &str = "3d0f6c2e-9a8b-4c1d-b2e3-f4a5b6c7d8e9";

    #[test]
    fn inactive_service_principals_homes_are_their_orphaned_rows() {
        let homes = Roots {
            dbfs: names(&[SP_INACTIVE]),
            workspace: names(&[&SP_ACTIVE.to_uppercase(), SP_INACTIVE, SP_GONE, "ghost@x.com"]),
            uploads: None,
            repos: None,
        };
        let inactive = [
            sp(SP_INACTIVE, "old-bot"),
            sp("1d0f6c2e-9a8b-4c1d-b2e3-f4a5b6c7d8e9", "never-ran"),
        ];
        let jobs = plan(&homes, &set(&[SP_ACTIVE]), &inactive, false, BOTH);
        assert_eq!(
            show(&jobs),
            [
                format!("{SP_INACTIVE}:dw:orphan"),
                "1d0f6c2e-9a8b-4c1d-b2e3-f4a5b6c7d8e9:dw:sp".to_string(),
                format!("{SP_GONE}:w:orphan"),
                "ghost@x.com:w:orphan".to_string(),
            ]
        );
        assert_eq!(
            (jobs[0].principal, jobs[0].display_name.as_deref()),
            (Principal::ServicePrincipal, Some("old-bot"))
        );
        assert_eq!(
            (jobs[2].principal, jobs[2].display_name.as_deref()),
            (Principal::User, None)
        );
    }

    #[test]
    fn with_service_principals_unknown_uuid_named_orphans_are_unknown() {
        let homes = Roots {
            dbfs: None,
            workspace: names(&[SP_GONE, "ghost@x.com", "6f1c7a520d4e4b8e9d613c2b8f0a9e17"]),
            uploads: None,
            repos: None,
        };
        let jobs = plan(&homes, &set(&[]), &[], true, BOTH);
        assert_eq!(
            show(&jobs),
            [
                format!("{SP_GONE}:w:unknown"),
                "6f1c7a520d4e4b8e9d613c2b8f0a9e17:w:orphan".to_string(),
                "ghost@x.com:w:orphan".to_string(),
            ]
        );
    }
}
