//! Homes known from the `/Users` listings: which users have no home in a tree, decided without a
//! request (`--list-homes`, the default of `--all-users`).
//!
//! `/Users` is listed once per scanned tree; a user whose home it does not list is recorded as
//! having no home there ([`HomeIndex::absent_in_listing`], the one place that decides it). A tree
//! whose `/Users` cannot be listed in time (a 403, a DBFS listing that times out on a huge
//! `/Users`) is not in the index: its homes are probed as before, and a warning says so once.

use std::collections::HashSet;
use std::time::Duration;

use super::job::Job;
use super::orphans::{self, Homes};
use crate::model::{Trees, UserKey};
use crate::sandbox::Runtime;

/// Longest the scan waits for a `/Users` listing before it probes that tree's homes instead.
pub const HOMES_WAIT: Duration = Duration::from_secs(30);

/// The home names of the trees whose `/Users` was listed (case-insensitive keys).
#[derive(Debug, Default)]
pub struct HomeIndex {
    dbfs: Option<HashSet<UserKey>>,
    workspace: Option<HashSet<UserKey>>,
}

impl HomeIndex {
    /// The index of complete `/Users` listings (`None` trees: not listed, probed).
    pub fn from_homes(homes: &Homes) -> HomeIndex {
        let keys = |names: &Option<Vec<String>>| names.as_ref().map(|n| n.iter().map(|h| UserKey::of(h)).collect());
        HomeIndex {
            dbfs: keys(&homes.dbfs),
            workspace: keys(&homes.workspace),
        }
    }

    /// The trees where `user` has no home because that tree's `/Users` listing does not list it
    /// (names compared ignoring case, as everywhere). A tree that was not listed is never in it.
    pub fn absent_in_listing(&self, user: &str) -> Trees {
        let key = UserKey::of(user);
        let absent = |set: &Option<HashSet<UserKey>>| set.as_ref().is_some_and(|s| !s.contains(&key));
        Trees {
            dbfs: absent(&self.dbfs),
            workspace: absent(&self.workspace),
        }
    }

    /// The job of a user in `trees`, with the homes this index knows to be absent.
    pub fn job(&self, user: String, trees: Trees) -> Job {
        self.place(Job::user(user, trees))
    }

    /// `job` with the trees where `/Users` does not list its home marked as no home.
    pub fn place(&self, mut job: Job) -> Job {
        job.no_home = self.absent_in_listing(&job.user).and(job.trees);
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
