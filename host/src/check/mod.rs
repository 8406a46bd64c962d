//! `check`: what a full scan under these credentials would see, from a handful of requests.
//!
//! [`gather`] asks the workspace (through the same sandboxed scanner and policy as `scan`): SCIM
//! `Me` (who, admin or not), the SCIM user and service-principal counts, the roots of the four
//! locations (`/Users` in both trees, `/FileStore/shared_uploads`, `/Repos`), whether the
//! workspace has DBFS at all, a deterministic sample of user scans in every location a scan
//! covers ([`estimate`]); [`report`] turns the answers into the findings (what is missing for a
//! full scan, warnings) and prints them as text or JSON.

pub mod estimate;
pub mod report;

use futures::stream::{self, StreamExt as _};

use crate::feed::roots;
use crate::model::{CallerIdentity, Location, Trees, UserKey, UserRow};
use crate::record::Visibility;
use crate::sandbox::Runtime;
use estimate::{sample_positions, At, Estimate, Listings, Root};
use report::{Homes, Report, SampleUser, ServicePrincipals};

/// Sampled users scanned at once (the policy's limits pace them anyway).
const SAMPLE_CONCURRENCY: usize = 8;

/// Asks the workspace everything the report needs. `identity` is the preflight's answer.
pub async fn gather(rt: &Runtime, host: String, auth: String, identity: CallerIdentity, sample: u32) -> Report {
    let (scim, sps, roots) = tokio::join!(
        rt.list_users(1, 1),
        rt.list_service_principals(1, 1),
        roots::list_each(rt, Trees::ALL, None)
    );
    // A DBFS listing that failed may mean the workspace has no DBFS at all: asked as a scan asks.
    let dbfs_unavailable = if matches!(roots[0], Some(Err(_))) {
        crate::connect::dbfs_unavailable(rt).await
    } else {
        None
    };
    let scim_total = match scim {
        Ok(Ok(page)) => Ok(page.total_results.map(u64::from)),
        Ok(Err(f)) => Err(f.message),
        Err(e) => Err(format!("{e:#}")),
    };
    let service_principals = match sps {
        Ok(Ok(page)) => ServicePrincipals::Listed(page.total_results.map(u64::from)),
        Ok(Err(f)) if f.status == Some(403) => ServicePrincipals::Refused(f.message),
        Ok(Err(f)) => ServicePrincipals::Failed(f.message),
        Err(e) => ServicePrincipals::Failed(format!("{e:#}")),
    };
    let [dbfs, uploads, workspace, repos] = roots;
    let homes = |l: roots::Listing, loc: Location| match l.expect("every location asked") {
        _ if loc.is_dbfs() && dbfs_unavailable.is_some() => Homes::NotAvailable,
        Ok(h) => Homes::Listed(h.len() as u64),
        Err(why) => Homes::Failed(why),
    };
    let visibility = Visibility::of(&identity);
    let mut report = Report {
        host,
        auth,
        identity,
        scim_total,
        service_principals,
        dbfs_homes: homes(dbfs, Location::Dbfs),
        uploads_homes: homes(uploads, Location::Uploads),
        workspace_homes: homes(workspace, Location::Workspace),
        repos_homes: homes(repos, Location::Repos),
        dbfs_unavailable,
        sample_asked: sample,
        notebook_sizes: rt.notebook_sizes(),
        sample: Vec::new(),
        sample_error: None,
        estimate: None,
        limits: rt.policy().limits().clone(),
        allow_list: rt.policy().allow_list().entries(),
        allow_rules: rt.policy().allow_list().rules_summary(),
    };
    if let Ok(Some(total)) = report.scim_total {
        if sample > 0 && total > 0 {
            match sample_users(rt, total, u64::from(sample)).await {
                Ok(users) => {
                    let roots = Location::ALL.map(|l| match report.homes(l) {
                        Homes::Listed(n) => Root::Listed(*n),
                        Homes::Failed(_) => Root::Probed,
                        Homes::NotAvailable => Root::Off,
                    });
                    report.sample = scan_sample(rt, users, &visibility, roots).await;
                    let listings: Vec<Listings> = report.sample.iter().map(|s| s.listings).collect();
                    let sps = match report.service_principals {
                        ServicePrincipals::Listed(Some(n)) => n,
                        _ => 0,
                    };
                    // A full scan lists each root once and requests no folder it does not list.
                    report.estimate = Estimate::of(total, sps, &listings, roots, &report.limits);
                }
                Err(e) => report.sample_error = Some(e),
            }
        }
    }
    report
}

/// The users at the sample's SCIM positions (one single-user page each).
async fn sample_users(rt: &Runtime, total: u64, n: u64) -> Result<Vec<(u64, String)>, String> {
    let mut users: Vec<(u64, String)> = Vec::new();
    for pos in sample_positions(total, n) {
        let start = u32::try_from(pos).map_err(|_| format!("SCIM position {pos} is out of range"))?;
        let page = match rt.list_users(start, 1).await {
            Ok(Ok(p)) => p,
            Ok(Err(f)) => return Err(f.message),
            Err(e) => return Err(format!("{e:#}")),
        };
        // A position without a userName (or a repeat) is skipped: the sample is a little smaller.
        if let Some(u) = page.users.into_iter().next() {
            if !users.iter().any(|(_, v)| UserKey::of(v) == UserKey::of(&u.user_name)) {
                users.push((pos, u.user_name));
            }
        }
    }
    Ok(users)
}

/// Scans the sampled users in every location a default scan covers (all four; the DBFS side not
/// where the workspace has no DBFS, marked `not_available` as a scan marks it), the visibility
/// rule applied. `roots` says how a full scan finds each location's folders: where the root is
/// listed it requests no absent folder.
async fn scan_sample(
    rt: &Runtime,
    users: Vec<(u64, String)>,
    visibility: &Visibility,
    roots: [Root; 4],
) -> Vec<SampleUser> {
    let off = Location::ALL
        .into_iter()
        .zip(roots)
        .fold(Trees::NONE, |t, (l, r)| t.with(l, r == Root::Off));
    let trees = Trees::ALL.without(off);
    let mut rows: Vec<(u64, UserRow)> = stream::iter(users)
        .map(|(pos, u)| async move { (pos, rt.scan_user(&u, trees, 0).await) })
        .buffer_unordered(SAMPLE_CONCURRENCY)
        .collect()
        .await;
    rows.sort_by_key(|(pos, _)| *pos);
    rows.into_iter()
        .map(|(position, mut row)| {
            visibility.apply(&mut row);
            row.add_unavailable(off);
            SampleUser {
                position,
                listings: full_scan_requests(&row, roots),
                row,
            }
        })
        .collect()
}

/// What a full scan would request for this sampled row, per location: nothing for a folder
/// absent from a listed root (a folder the credentials cannot see is absent from it too), nothing
/// in a location not scanned, and the notebook exports (counted in the location's requests, one
/// per notebook) apart from the Workspace listings.
fn full_scan_requests(row: &UserRow, roots: [Root; 4]) -> Listings {
    let at = |l: Location, root: Root| {
        let Some(t) = row.at(l).filter(|t| !t.not_available && root != Root::Off) else {
            return At::default();
        };
        let listed = matches!(root, Root::Listed(_));
        if !t.home_exists && listed {
            return At::default();
        }
        let exports = if t.home_exists && t.notebook_bytes.is_some() {
            t.notebooks
        } else {
            0
        };
        At {
            listings: u64::from(t.requests).saturating_sub(exports),
            exports,
            home: t.home_exists,
        }
    };
    let [d, u, w, r] = Location::ALL;
    Listings::of([at(d, roots[0]), at(u, roots[1]), at(w, roots[2]), at(r, roots[3])])
}
