//! Homes known from the `/Users` listings: which users have no home in a tree, decided without a
//! request (`--list-homes`, the default of `--all-users`).
//!
//! `/Users` is listed once per scanned tree; a user whose home it does not list is recorded as
//! having no home there ([`HomeIndex::absent_in_listing`], the one place that decides it). A tree
//! whose `/Users` cannot be listed in time (a 403, a DBFS listing that times out on a huge
//! `/Users`) is not in the index: its homes are probed as before, and a warning says so once.

use std::collections::HashMap;
use std::time::Duration;

use super::job::{Folders, Job};
use super::orphans::{self, Homes};
use crate::model::{Trees, UserKey};
use crate::sandbox::Runtime;

/// Longest the scan waits for a `/Users` listing before it probes that tree's homes instead.
pub const HOMES_WAIT: Duration = Duration::from_secs(30);

/// The home names of the trees whose `/Users` was listed: case-insensitive keys, each with the
/// folder's own spelling.
#[derive(Debug, Default)]
pub struct HomeIndex {
    dbfs: Option<HashMap<UserKey, String>>,
    workspace: Option<HashMap<UserKey, String>>,
}

impl HomeIndex {
    /// The index of complete `/Users` listings (`None` trees: not listed, probed). Of two
    /// folders whose names differ only in case, the first listed is kept.
    pub fn from_homes(homes: &Homes) -> HomeIndex {
        let keys = |names: &Option<Vec<String>>| {
            names.as_ref().map(|n| {
                let mut m = HashMap::with_capacity(n.len());
                for h in n {
                    m.entry(UserKey::of(h)).or_insert_with(|| h.clone());
                }
                m
            })
        };
        HomeIndex {
            dbfs: keys(&homes.dbfs),
            workspace: keys(&homes.workspace),
        }
    }

    /// True when no tree was listed (every home is probed).
    pub fn is_empty(&self) -> bool {
        self.dbfs.is_none() && self.workspace.is_none()
    }

    /// The folders' own spellings of `user`'s homes where they differ from `user` only in case
    /// (`SVEN@X.COM` given, `/Users/sven@x.com` listed).
    pub fn spellings(&self, user: &str) -> Folders {
        let key = UserKey::of(user);
        let other = |m: &Option<HashMap<UserKey, String>>| {
            m.as_ref()
                .and_then(|m| m.get(&key))
                .filter(|listed| listed.as_str() != user)
                .cloned()
        };
        Folders {
            dbfs: other(&self.dbfs),
            workspace: other(&self.workspace),
        }
    }

    /// The trees where `user` has no home because that tree's `/Users` listing does not list it
    /// (names compared ignoring case, as everywhere). A tree that was not listed is never in it.
    pub fn absent_in_listing(&self, user: &str) -> Trees {
        let key = UserKey::of(user);
        let absent = |set: &Option<HashMap<UserKey, String>>| set.as_ref().is_some_and(|s| !s.contains_key(&key));
        Trees {
            dbfs: absent(&self.dbfs),
            workspace: absent(&self.workspace),
        }
    }

    /// The job of a user in `trees`, with the homes this index knows to be absent.
    pub fn job(&self, user: String, trees: Trees) -> Job {
        self.place(Job::user(user, trees))
    }

    /// `job` with the trees where `/Users` does not list its home marked as no home, and the
    /// folders' own spelling where the name given differs in case.
    pub fn place(&self, mut job: Job) -> Job {
        job.no_home = self.absent_in_listing(&job.user).and(job.trees);
        job.folders = self.spellings(&job.user);
        job
    }
}

/// Lists `/Users` in each of `trees` (concurrently) for [`HomeIndex`]. A tree whose listing fails
/// or takes over `wait` is left out (`None`) with one warning: its homes are probed.
pub async fn list_or_probe(rt: &Runtime, trees: Trees, wait: Duration) -> Homes {
    let (dbfs, workspace) = orphans::list_each(rt, trees, Some(wait)).await;
    let or_probe = |label: &str, l: orphans::Listing| match l? {
        Ok(names) => Some(names),
        Err(why) => {
            warn_probing(label, &why);
            None
        }
    };
    Homes {
        dbfs: or_probe("DBFS", dbfs),
        workspace: or_probe("Workspace", workspace),
    }
}

/// The one warning of a tree whose homes are probed because `/Users` could not be listed.
pub fn warn_probing(label: &str, why: &str) {
    tracing::warn!(
        "could not list {label} /Users ({why}): probing each user's {label} home instead (one request per user)"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_missing_from_a_listed_tree_has_no_home_there() {
        let homes = Homes {
            dbfs: Some(vec!["Alice@x.com".into()]),
            workspace: None,
        };
        let idx = HomeIndex::from_homes(&homes);
        assert_eq!(idx.absent_in_listing("alice@X.com"), Trees::NONE);
        assert_eq!(
            idx.absent_in_listing("bob@x.com"),
            Trees {
                dbfs: true,
                workspace: false
            }
        );
        let j = idx.job("bob@x.com".into(), Trees::from_flags(false, true));
        assert_eq!((j.trees, j.no_home), (Trees::from_flags(false, true), Trees::NONE));
        assert_eq!(HomeIndex::default().absent_in_listing("x"), Trees::NONE);
    }
}
