//! Users in, in input order: from arguments and `--users-file` ([`given`]), or SCIM (the one
//! [`ScimPager`] of [`principals`], users then service principals), with the roots' listings
//! ([`roots`]) placing each job ([`HomeIndex`]) and, with `--orphans`, the orphaned homes after
//! them ([`orphans`]); then [`skip_recorded`] holds back the users the journal already has.
//!
//! Files, leaves first: `given.rs`, `roots.rs`, `home_index.rs`, `principals.rs`, `orphans.rs`,
//! then this file's two tasks ([`feed_users`], [`skip_recorded`]).

pub mod given;
pub mod home_index;
pub mod orphans;
pub mod principals;
pub mod roots;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use crate::model::{Job, Trees, UserKey};
use crate::sandbox::Runtime;
pub use given::{dedupe, given_users, Given};
pub use home_index::HomeIndex;
pub use principals::{ScimPager, ServicePrincipalListing};
pub use roots::Roots;

/// Where the users of a run come from.
#[derive(Debug, Clone)]
pub enum UserSource {
    /// A fixed list (arguments, users file), already deduplicated.
    List(Vec<String>),
    /// Every SCIM user, listed while scanning.
    AllUsers {
        /// SCIM page size.
        page_size: u32,
        /// Also scan orphaned homes (`--orphans`, see [`orphans`]).
        orphans: bool,
    },
}

impl UserSource {
    /// The fixed list, if the users are known up front.
    pub fn list(&self) -> Option<&[String]> {
        match self {
            UserSource::List(u) => Some(u),
            UserSource::AllUsers { .. } => None,
        }
    }

    /// True when orphaned homes are scanned too.
    pub fn orphans(&self) -> bool {
        matches!(self, UserSource::AllUsers { orphans: true, .. })
    }

    /// The banner's `Users to process:` value.
    pub fn banner_label(&self) -> String {
        match self {
            UserSource::List(u) => crate::format::thousands(u.len() as u64),
            UserSource::AllUsers { orphans: false, .. } => "all workspace users (listing via SCIM)".to_string(),
            UserSource::AllUsers { orphans: true, .. } => {
                "all workspace users (listing via SCIM) + orphaned homes under /Users".to_string()
            }
        }
    }
}

/// Sends users to the scheduler: a fixed list (application ids among them resolved to service
/// principals), or SCIM pages as they arrive (deduplicated), then the service principals, then
/// (with `--orphans`) the orphaned homes. With `list_homes`, `/Users` is listed first in each
/// tree (with the first SCIM page) and homes it does not list are not requested ([`homes`]).
pub async fn feed_users(
    rt: &Runtime,
    source: UserSource,
    trees: Trees,
    list_homes: bool,
    tx: mpsc::Sender<(usize, Job)>,
) -> anyhow::Result<()> {
    let (page_size, orphans) = match source {
        UserSource::List(list) => {
            // The two listings a fixed list may need, at once.
            let sps = async {
                if !principals::any_application_id(&list) {
                    return Ok(ServicePrincipalListing::Listed(Vec::new()));
                }
                let sps = principals::list_service_principals(rt, 100).await?;
                if let ServicePrincipalListing::Refused(why) = &sps {
                    principals::warn_refused(why, "names given like an application id are scanned as users");
                }
                anyhow::Ok(sps)
            };
            let index = async {
                if list_homes {
                    HomeIndex::from_homes(&roots::list_or_probe(rt, trees, roots::HOMES_WAIT).await)
                } else {
                    HomeIndex::default()
                }
            };
            let (sps, index) = tokio::join!(sps, index);
            let sps = sps?;
            for (i, job) in principals::resolve_given(list, sps.listed(), trees)
                .into_iter()
                .enumerate()
            {
                if tx.send((i, index.place(job))).await.is_err() {
                    break;
                }
            }
            return Ok(());
        }
        UserSource::AllUsers { page_size, orphans } => (page_size, orphans),
    };
    let mut seen = HashSet::new();
    // With --orphans, inactive principals' homes are orphans: they wait for the home listing.
    let mut inactive = Vec::new();
    let mut scanned = Vec::new();
    let mut idx = 0usize;
    // --orphans needs both listings whole (a failure fails the run, at the end); without it, a
    // tree that cannot be listed is probed.
    let listing = async {
        if orphans {
            roots::list_roots(rt, trees).await.map(Some)
        } else if list_homes {
            Ok(Some(roots::list_or_probe(rt, trees, roots::HOMES_WAIT).await))
        } else {
            Ok(None)
        }
    };
    tokio::pin!(listing);
    let mut pager = ScimPager::new(rt, page_size);
    let (early, first) = tokio::join!(
        tokio::time::timeout(roots::HOMES_WAIT, listing.as_mut()),
        pager.next_page()
    );
    let (index, mut listed) = match early {
        Ok(Ok(h)) => (h.as_ref().map(HomeIndex::from_homes).unwrap_or_default(), Some(Ok(h))),
        Ok(Err(e)) => (HomeIndex::default(), Some(Err(e))),
        Err(_) => {
            tracing::warn!(
                "/Users was not listed within {} s: probing each user's homes instead (one request per user and tree)",
                roots::HOMES_WAIT.as_secs()
            );
            (HomeIndex::default(), None)
        }
    };
    let scim = async {
        let mut page = first;
        while let Some(users) = page? {
            for u in users {
                if orphans && u.active == Some(false) {
                    inactive.push(u);
                } else if seen.insert(UserKey::of(&u.name)) {
                    if orphans {
                        scanned.push(u.name.clone());
                    }
                    tx.send((idx, index.job(u.name, trees))).await.ok();
                    idx += 1;
                }
            }
            page = pager.next_page().await;
        }
        anyhow::Ok(())
    };
    let homes = async {
        match listed.take() {
            Some(h) => h,
            None => listing.await,
        }
    };
    let (scim, sps, homes) = tokio::join!(scim, principals::list_service_principals(rt, page_size), homes);
    scim?;
    // The service principals follow the users, in listing order (a stable CSV order).
    let sps = sps?;
    if let ServicePrincipalListing::Refused(why) = &sps {
        let consequence = if orphans {
            "homes named like an application id are marked orphan=unknown"
        } else {
            "their homes are not scanned"
        };
        principals::warn_refused(why, consequence);
    }
    for sp in sps.listed() {
        if orphans && sp.active == Some(false) {
            inactive.push(sp.clone());
        } else if seen.insert(UserKey::of(&sp.name)) {
            if orphans {
                scanned.push(sp.name.clone());
            }
            tx.send((idx, index.place(Job::listed(sp, trees)))).await.ok();
            idx += 1;
        }
    }
    if let (true, Some(homes)) = (orphans, homes?) {
        for job in orphans::plan(&homes, &scanned, &inactive, sps.refused(), trees) {
            let job = index.place(job);
            tx.send((idx, job)).await.ok();
            idx += 1;
        }
    }
    Ok(())
}

/// Sits between the user feeder and the scheduler: remembers the input order (for the
/// outputs) and holds back users the journal already has. Sets `to_scan` when the input ends.
pub async fn skip_recorded(
    mut rx: mpsc::Receiver<(usize, Job)>,
    tx: mpsc::Sender<(usize, Job)>,
    skip: Arc<HashSet<UserKey>>,
    order: Arc<Mutex<Vec<String>>>,
    to_scan: Arc<Mutex<Option<usize>>>,
) {
    let mut n = 0usize;
    while let Some((idx, job)) = rx.recv().await {
        order.lock().expect("not poisoned").push(job.user.clone());
        if skip.contains(&UserKey::of(&job.user)) {
            continue;
        }
        n += 1;
        if tx.send((idx, job)).await.is_err() {
            break;
        }
    }
    *to_scan.lock().expect("not poisoned") = Some(n);
}
