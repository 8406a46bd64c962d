//! The roots' listings: the folder names under each location's root (`/Users` in DBFS and the
//! Workspace, `/FileStore/shared_uploads`, `/Repos`), listed once per run and concurrently
//! ([`list_each`]). `--orphans` needs them complete ([`list_roots`]); placing jobs can do without
//! one that fails or is slow ([`list_or_probe`]: its folders are probed instead).

use std::time::Duration;

use crate::model::{Location, Trees};
use crate::sandbox::bindings::tree_of;
use crate::sandbox::Runtime;

/// Longest the scan waits for a `/Users` listing before it probes that tree's homes instead.
pub const HOMES_WAIT: Duration = Duration::from_secs(30);

/// Folder names listed under each location's root (`/Users` in DBFS and the Workspace,
/// `/FileStore/shared_uploads`, `/Repos`); `None`: that location is not listed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Roots {
    /// DBFS `/Users/*` directory names.
    pub dbfs: Option<Vec<String>>,
    /// Workspace `/Users/*` directory names.
    pub workspace: Option<Vec<String>>,
    /// `/FileStore/shared_uploads/*` directory names.
    pub uploads: Option<Vec<String>>,
    /// `/Repos/*` directory names.
    pub repos: Option<Vec<String>>,
}

impl Roots {
    /// A location's names.
    pub fn get(&self, l: Location) -> Option<&Vec<String>> {
        self.slot(l).as_ref()
    }

    fn slot(&self, l: Location) -> &Option<Vec<String>> {
        match l {
            Location::Dbfs => &self.dbfs,
            Location::Uploads => &self.uploads,
            Location::Workspace => &self.workspace,
            Location::Repos => &self.repos,
        }
    }

    /// Roots from one listing per location, in [`Location::ALL`] order.
    pub fn from_each(each: [Option<Vec<String>>; 4]) -> Roots {
        let [dbfs, uploads, workspace, repos] = each;
        Roots {
            dbfs,
            workspace,
            uploads,
            repos,
        }
    }
}

/// One location's root listing: `None` when not wanted, else its names or why not.
pub type Listing = Option<Result<Vec<String>, String>>;

/// Lists each of `trees`' roots once, at once, in [`Location::ALL`] order; with `wait`, a
/// listing without an answer by then is a failure.
pub async fn list_each(rt: &Runtime, trees: Trees, wait: Option<std::time::Duration>) -> [Listing; 4] {
    async fn one(rt: &Runtime, wanted: bool, l: Location, wait: Option<std::time::Duration>) -> Listing {
        if !wanted {
            return None;
        }
        let tree = tree_of(l);
        let answer = match wait {
            Some(w) => match tokio::time::timeout(w, rt.list_homes(tree)).await {
                Ok(a) => a,
                Err(_) => return Some(Err(format!("no answer within {} s", w.as_secs()))),
            },
            None => rt.list_homes(tree).await,
        };
        Some(match answer {
            Ok(Ok(names)) => Ok(names),
            Ok(Err(f)) => Err(f.message),
            Err(e) => Err(format!("{e:#}")),
        })
    }
    let [d, u, w, r] = Location::ALL;
    let (d, u, w, r) = tokio::join!(
        one(rt, trees.has(d), d, wait),
        one(rt, trees.has(u), u, wait),
        one(rt, trees.has(w), w, wait),
        one(rt, trees.has(r), r, wait)
    );
    [d, u, w, r]
}

/// Lists each of `trees`' roots once (concurrently). A failure names the location.
pub async fn list_roots(rt: &Runtime, trees: Trees) -> anyhow::Result<Roots> {
    let each = list_each(rt, trees, None).await;
    let mut names: [Option<Vec<String>>; 4] = Default::default();
    for ((l, listing), slot) in Location::ALL.into_iter().zip(each).zip(names.iter_mut()) {
        *slot = match listing {
            // A workspace without DBFS: no DBFS orphans to find (the scans mark it not_available).
            Some(Err(why)) if l.is_dbfs() && crate::connect::names_dbfs_disabled(&why) => None,
            listing => listing
                .transpose()
                .map_err(|why| anyhow::anyhow!("listing {} {} for --orphans failed: {why}", l.label(), l.root()))?,
        };
    }
    Ok(Roots::from_each(names))
}

/// Lists each of `trees`' roots for [`HomeIndex`] (concurrently). A location whose listing
/// fails or takes over `wait` is left out (`None`) with one warning: its folders are probed.
pub async fn list_or_probe(rt: &Runtime, trees: Trees, wait: Duration) -> Roots {
    let each = list_each(rt, trees, Some(wait)).await;
    let mut names: [Option<Vec<String>>; 4] = Default::default();
    for ((l, listing), slot) in Location::ALL.into_iter().zip(each).zip(names.iter_mut()) {
        *slot = match listing {
            None => None,
            Some(Ok(n)) => Some(n),
            // A workspace without DBFS: the scans find out and say so once.
            Some(Err(why)) if l.is_dbfs() && crate::connect::names_dbfs_disabled(&why) => None,
            Some(Err(why)) => {
                warn_probing(l, &why);
                None
            }
        };
    }
    Roots::from_each(names)
}

/// The one warning of a location whose folders are probed because its root could not be listed.
pub fn warn_probing(l: Location, why: &str) {
    let (label, root) = (l.label(), l.root());
    tracing::warn!(
        "could not list {label} {root} ({why}): probing each user's {label} folder instead (one request per user)"
    );
}
