//! SCIM principals: the one [`ScimPager`] (users or service principals, which `users` uses too),
//! the host's view of a listed principal ([`Listed`]), and the service principals of a run
//! ([`list_service_principals`]: a refusal is not fatal, it makes homes named like an application
//! id of unknown orphan status), matched to names given on the command line ([`resolve_given`]).

use std::collections::{HashMap, HashSet};

use crate::model::{looks_like_application_id, Job, Listed, Principal, UserKey};
use crate::sandbox::bindings::scanner::{ServicePrincipal, User};
use crate::sandbox::Runtime;

impl From<User> for Listed {
    fn from(u: User) -> Self {
        Listed {
            name: u.user_name,
            display_name: u.display_name,
            active: u.active,
            id: u.id,
            principal: Principal::User,
        }
    }
}

impl From<ServicePrincipal> for Listed {
    fn from(sp: ServicePrincipal) -> Self {
        Listed {
            name: sp.application_id,
            display_name: sp.display_name,
            active: sp.active,
            id: sp.id,
            principal: Principal::ServicePrincipal,
        }
    }
}

/// A SCIM listing that failed, with the HTTP status when the failure was an answer (a 403 on
/// the service principals is not fatal).
#[derive(Debug)]
pub struct ListingFailed {
    /// HTTP status, if any.
    pub status: Option<u16>,
    /// The guest's message, naming the request.
    pub message: String,
}

impl std::fmt::Display for ListingFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ListingFailed {}

/// Pages through the workspace's SCIM users or service principals: each page starts where the
/// resources actually returned end (the guest computes the next start index), and the listing
/// ends on an empty page or the last one. Every request is retried by the policy like any other.
///
/// A server that ignores `startIndex` (the same page again, with a huge `totalResults`) would
/// make that loop endless: a page that brings nobody not already listed, or a next index that
/// does not move forward, stops the listing with an error naming the page.
pub struct ScimPager<'a> {
    rt: &'a Runtime,
    principal: Principal,
    page_size: u32,
    next: Option<u32>,
    seen: HashSet<UserKey>,
}

impl<'a> ScimPager<'a> {
    /// A pager asking for `page_size` users a page, from the first user.
    pub fn new(rt: &'a Runtime, page_size: u32) -> Self {
        ScimPager {
            rt,
            principal: Principal::User,
            page_size,
            next: Some(1),
            seen: HashSet::new(),
        }
    }

    /// A pager over the service principals (`/ServicePrincipalListing`), paged like the users.
    pub fn service_principals(rt: &'a Runtime, page_size: u32) -> Self {
        ScimPager {
            principal: Principal::ServicePrincipal,
            ..ScimPager::new(rt, page_size)
        }
    }

    /// The next page (as SCIM returned it, repeats included); `None` once the listing is
    /// complete. A failed page is a [`ListingFailed`].
    pub async fn next_page(&mut self) -> anyhow::Result<Option<Vec<Listed>>> {
        let Some(start) = self.next else {
            return Ok(None);
        };
        let failed = |f: crate::sandbox::bindings::scanner::Failure| {
            anyhow::Error::new(ListingFailed {
                status: f.status,
                message: f.message,
            })
        };
        let (listed, next): (Vec<Listed>, Option<u32>) = match self.principal {
            Principal::User => {
                let page = self.rt.list_users(start, self.page_size).await?.map_err(failed)?;
                (
                    page.users.into_iter().map(Listed::from).collect(),
                    page.next_start_index,
                )
            }
            Principal::ServicePrincipal => {
                let page = self
                    .rt
                    .list_service_principals(start, self.page_size)
                    .await?
                    .map_err(failed)?;
                (
                    page.service_principals.into_iter().map(Listed::from).collect(),
                    page.next_start_index,
                )
            }
        };
        let noun = match self.principal {
            Principal::User => "user",
            Principal::ServicePrincipal => "service principal",
        };
        let listed_before = self.seen.len();
        let new = listed.iter().filter(|u| self.seen.insert(UserKey::of(&u.name))).count();
        if !listed.is_empty() && new == 0 {
            anyhow::bail!(
                "the SCIM page at startIndex={start} brought no {noun} that was not already listed (the server \
                 seems to ignore startIndex); stopped after {listed_before} {noun}(s) rather than page forever"
            );
        }
        self.next = match next {
            Some(n) if n > start => Some(n),
            Some(n) => anyhow::bail!(
                "the SCIM page at startIndex={start} points back to startIndex={n}; stopped after {} {noun}(s) \
                 rather than page forever",
                self.seen.len()
            ),
            None => None,
        };
        Ok(Some(listed))
    }
}

/// Pages a `not_workspace_users` check reads of each listing at most (100 a page: 2,000 users
/// and 2,000 service principals, ≈ 10 s at SCIM's published 255 requests/min).
pub const CHECK_MAX_PAGES: usize = 20;

/// Which of `names` are neither a SCIM user nor a service principal (case-insensitively), in
/// the order given. Stops as soon as every name is found; `Err(why)` when it could not tell (a
/// listing failed, or the workspace has more principals than [`CHECK_MAX_PAGES`] pages).
pub async fn not_workspace_users(rt: &Runtime, names: &[String]) -> Result<Vec<String>, String> {
    let mut missing: HashSet<UserKey> = names.iter().map(|n| UserKey::of(n)).collect();
    for mut pager in [ScimPager::new(rt, 100), ScimPager::service_principals(rt, 100)] {
        let mut pages = 0;
        while !missing.is_empty() {
            match pager.next_page().await {
                Ok(Some(page)) => {
                    for u in page {
                        missing.remove(&UserKey::of(&u.name));
                    }
                }
                Ok(None) => break,
                Err(e) => return Err(format!("{e:#}")),
            }
            pages += 1;
            if pages >= CHECK_MAX_PAGES && !missing.is_empty() {
                return Err(format!(
                    "the workspace has more than {} {}; `dbx-inventory users` lists them all",
                    CHECK_MAX_PAGES * 100,
                    match pager.principal {
                        Principal::User => "users",
                        Principal::ServicePrincipal => "service principals",
                    }
                ));
            }
        }
    }
    Ok(names
        .iter()
        .filter(|n| missing.contains(&UserKey::of(n)))
        .cloned()
        .collect())
}

/// The service principals of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServicePrincipalListing {
    /// Every service principal, in listing order.
    Listed(Vec<Listed>),
    /// The listing was refused (HTTP 403: credentials without the right); the message says why.
    Refused(String),
}

impl ServicePrincipalListing {
    /// The listed ones (none when refused).
    pub fn listed(&self) -> &[Listed] {
        match self {
            ServicePrincipalListing::Listed(l) => l,
            ServicePrincipalListing::Refused(_) => &[],
        }
    }

    /// True when the listing was refused.
    pub fn refused(&self) -> bool {
        matches!(self, ServicePrincipalListing::Refused(_))
    }
}

/// Lists every service principal. A 403 is [`ServicePrincipalListing::Refused`] (the run goes on);
/// any other failure is an error naming the listing.
pub async fn list_service_principals(rt: &Runtime, page_size: u32) -> anyhow::Result<ServicePrincipalListing> {
    let mut pager = ScimPager::service_principals(rt, page_size);
    let mut out = Vec::new();
    loop {
        match pager.next_page().await {
            Ok(Some(page)) => out.extend(page),
            Ok(None) => return Ok(ServicePrincipalListing::Listed(out)),
            Err(e) => {
                if let Some(f) = e.downcast_ref::<ListingFailed>().filter(|f| f.status == Some(403)) {
                    return Ok(ServicePrincipalListing::Refused(f.message.clone()));
                }
                return Err(e.context("listing service principals failed"));
            }
        }
    }
}

/// Says once why the service principals are missing, and what that means for this run.
pub fn warn_refused(why: &str, consequence: &str) {
    tracing::warn!("service principals could not be listed ({why}): {consequence}");
}

/// The given names (already deduplicated) as jobs: a name matching a service principal's
/// application id (case-insensitively) becomes that principal's job, under the application id as
/// SCIM spells it — its home is `/Users/<applicationId>`. Other names are users.
pub fn resolve_given(names: Vec<String>, sps: &[Listed], trees: crate::model::Trees) -> Vec<Job> {
    let by_key: HashMap<UserKey, &Listed> = sps.iter().map(|sp| (UserKey::of(&sp.name), sp)).collect();
    names
        .into_iter()
        .map(|n| match by_key.get(&UserKey::of(&n)) {
            Some(sp) => {
                if sp.name != n {
                    tracing::info!("{n} is service principal {}: scanning /Users/{}", sp.name, sp.name);
                }
                Job::listed(sp, trees)
            }
            None => Job::user(n, trees),
        })
        .collect()
}

/// True when some given name is shaped like an application id (only then are the service
/// principals listed for a run of given names).
pub fn any_application_id(names: &[String]) -> bool {
    names.iter().any(|n| looks_like_application_id(n))
}
