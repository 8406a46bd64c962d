//! `check`: what a full scan under these credentials would see, from a handful of requests.
//!
//! [`gather`] asks the workspace (through the same sandboxed scanner and policy as `scan`): SCIM
//! `Me` (who, admin or not), the SCIM user and service-principal counts, `/Users` in both trees, a deterministic sample
//! of user scans ([`estimate`]); [`report`] turns the answers into the findings (what is missing
//! for a full scan, warnings) and prints them as text or JSON.

pub mod estimate;
pub mod report;

use futures::stream::{self, StreamExt as _};

use crate::model::{Identity, Trees, UserKey, UserRow};
use crate::sandbox::Runtime;
use crate::scan::orphans;
use crate::scan::visibility::Visibility;
use estimate::{sample_positions, Estimate, Listings};
use report::{Homes, Report, SampleUser, ServicePrincipals};

/// Sampled users scanned at once (the policy's limits pace them anyway).
const SAMPLE_CONCURRENCY: usize = 8;

/// Asks the workspace everything the report needs. `identity` is the preflight's answer.
pub async fn gather(rt: &Runtime, host: String, auth: String, identity: Identity, sample: u32) -> Report {
    let (scim, sps, [dbfs, _, workspace, _]) = tokio::join!(
        rt.list_users(1, 1),
        rt.list_service_principals(1, 1),
        orphans::list_each(rt, Trees::BOTH, None)
    );
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
    let homes = |l: orphans::Listing| match l.expect("both trees asked") {
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
        dbfs_homes: homes(dbfs),
        workspace_homes: homes(workspace),
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
                    let listed = (
                        matches!(report.dbfs_homes, Homes::Listed(_)),
                        matches!(report.workspace_homes, Homes::Listed(_)),
                    );
                    report.sample = scan_sample(rt, users, &visibility, listed).await;
                    let listings: Vec<Listings> = report.sample.iter().map(|s| s.listings).collect();
                    let sps = match report.service_principals {
                        ServicePrincipals::Listed(Some(n)) => n,
                        _ => 0,
                    };
                    // A full scan lists each /Users once and requests no home it does not list.
                    let count = |h: &Homes| match h {
                        Homes::Listed(n) => Some(*n),
                        Homes::Failed(_) => None,
                    };
                    let homes = (count(&report.dbfs_homes), count(&report.workspace_homes));
                    report.estimate = Estimate::of(total, sps, &listings, homes, &report.limits);
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

/// Scans the sampled users (both trees) as a scan would, the visibility rule applied. `listed`
/// says in which trees `/Users` was listed: there a full scan requests no absent home.
async fn scan_sample(
    rt: &Runtime,
    users: Vec<(u64, String)>,
    visibility: &Visibility,
    listed: (bool, bool),
) -> Vec<SampleUser> {
    let mut rows: Vec<(u64, UserRow)> = stream::iter(users)
        .map(|(pos, u)| async move { (pos, rt.scan_user(&u, Trees::BOTH, 0).await) })
        .buffer_unordered(SAMPLE_CONCURRENCY)
        .collect()
        .await;
    rows.sort_by_key(|(pos, _)| *pos);
    rows.into_iter()
        .map(|(position, mut row)| {
            visibility.apply(&mut row);
            SampleUser {
                position,
                listings: full_scan_requests(&row, listed),
                row,
            }
        })
        .collect()
}

/// What a full scan would request for this sampled row: nothing for a home absent from a listed
/// `/Users` (a home the credentials cannot see is absent from it too), and the notebook exports
/// (counted in the tree's requests, one per notebook) apart from the Workspace listings.
fn full_scan_requests(row: &UserRow, (dbfs_listed, workspace_listed): (bool, bool)) -> Listings {
    let requests = |t: Option<&crate::model::TreeStats>, listed: bool| {
        t.filter(|t| t.home_exists || !listed)
            .map_or(0, |t| u64::from(t.requests))
    };
    let exports = row
        .workspace
        .as_ref()
        .filter(|t| t.home_exists && t.notebook_bytes.is_some())
        .map_or(0, |t| t.notebooks);
    let home = |t: Option<&crate::model::TreeStats>| t.is_some_and(|t| t.home_exists);
    Listings {
        dbfs: requests(row.dbfs.as_ref(), dbfs_listed),
        workspace: requests(row.workspace.as_ref(), workspace_listed).saturating_sub(exports),
        exports,
        dbfs_home: home(row.dbfs.as_ref()),
        workspace_home: home(row.workspace.as_ref()),
    }
}
