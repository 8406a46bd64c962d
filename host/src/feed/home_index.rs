//! Homes known from the `/Users` listings: which users have no home in a tree, decided without a
//! request (`--list-homes`, the default of `--all-users`).
//!
//! `/Users` is listed once per scanned tree; a user whose home it does not list is recorded as
//! having no home there ([`HomeIndex::absent_in_listing`], the one place that decides it). A tree
//! whose `/Users` cannot be listed in time (a 403, a DBFS listing that times out on a huge
//! `/Users`) is not in the index: its homes are probed as before, and a warning says so once.

use std::collections::HashMap;

use super::roots::Roots;
use crate::model::{Folders, Job, Location, Trees, UserKey};

/// The folder names of the locations whose root was listed: case-insensitive keys, each with
/// the folder's own spelling; by [`Location::ALL`] index (`None`: not listed, probed).
#[derive(Debug, Default)]
pub struct HomeIndex {
    listed: [Option<HashMap<UserKey, String>>; 4],
}

fn index_of(l: Location) -> usize {
    Location::ALL.iter().position(|x| *x == l).expect("a location")
}

impl HomeIndex {
    /// The index of complete root listings. Of two folders whose names differ only in case,
    /// the first listed is kept.
    pub fn from_homes(homes: &Roots) -> HomeIndex {
        let keys = |names: Option<&Vec<String>>| {
            names.map(|n| {
                let mut m = HashMap::with_capacity(n.len());
                for h in n {
                    m.entry(UserKey::of(h)).or_insert_with(|| h.clone());
                }
                m
            })
        };
        HomeIndex {
            listed: Location::ALL.map(|l| keys(homes.get(l))),
        }
    }

    /// True when no location was listed (every home is probed).
    pub fn is_empty(&self) -> bool {
        self.listed.iter().all(Option::is_none)
    }

    /// The folders' own spellings of `user`'s folders where they differ from `user` only in
    /// case (`SVEN@X.COM` given, `/Users/sven@x.com` listed).
    pub fn spellings(&self, user: &str) -> Folders {
        let key = UserKey::of(user);
        let mut f = Folders::default();
        for l in Location::ALL {
            let other = self.listed[index_of(l)]
                .as_ref()
                .and_then(|m| m.get(&key))
                .filter(|listed| listed.as_str() != user)
                .cloned();
            f.set(l, other);
        }
        f
    }

    /// The locations where `user` has no folder because that location's root listing does not
    /// list it (names compared ignoring case, as everywhere). A location not listed is never in it.
    pub fn absent_in_listing(&self, user: &str) -> Trees {
        let key = UserKey::of(user);
        Location::ALL.into_iter().fold(Trees::NONE, |t, l| {
            let absent = self.listed[index_of(l)].as_ref().is_some_and(|s| !s.contains_key(&key));
            t.with(l, absent)
        })
    }

    /// The job of a user in `trees`, with the folders this index knows to be absent.
    pub fn job(&self, user: String, trees: Trees) -> Job {
        self.place(Job::user(user, trees))
    }

    /// `job` with the locations whose listing does not hold its folder marked as no home, and
    /// the folders' own spelling where the name given differs in case.
    pub fn place(&self, mut job: Job) -> Job {
        job.no_home = self.absent_in_listing(&job.user).and(job.trees);
        job.folders = self.spellings(&job.user);
        job
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_missing_from_a_listed_tree_has_no_home_there() {
        let homes = Roots {
            dbfs: Some(vec!["Alice@x.com".into()]),
            workspace: None,
            uploads: None,
            repos: None,
        };
        let idx = HomeIndex::from_homes(&homes);
        assert_eq!(idx.absent_in_listing("alice@X.com"), Trees::NONE);
        assert_eq!(
            idx.absent_in_listing("bob@x.com"),
            Trees {
                dbfs: true,
                workspace: false,
                uploads: false,
                repos: false,
            }
        );
        let j = idx.job("bob@x.com".into(), Trees::from_flags(false, true));
        assert_eq!((j.trees, j.no_home), (Trees::from_flags(false, true), Trees::NONE));
        assert_eq!(HomeIndex::default().absent_in_listing("x"), Trees::NONE);
    }
}
