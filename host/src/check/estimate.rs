//! The sample of `check` and the estimate of a full scan drawn from it.
//!
//! A full scan (`scan --all-users`) scans every SCIM user and every service principal, so both
//! count as rows to scan. The sample is deterministic: `n` users at evenly spaced positions of the SCIM listing in the
//! server's order — the midpoints `1 + ⌊(2k+1)·total / 2n⌋`, k = 0…n−1 — so the same workspace
//! gives the same sample, the first and last users are not favoured, and picking them costs one
//! SCIM request each (never a full listing). The estimate multiplies the sample's mean listings
//! per tree by the SCIM user count and divides each family's requests by its rate limit: the
//! slowest family bounds the wall time, as it does for a scan (README "Performance").
//!
//! The estimate counts what a full scan requests: `scan --all-users` lists `/Users` in each tree
//! and requests no home that listing does not show, so a sampled home that is absent from a
//! listed `/Users` counts 0 listings (and each listed `/Users` one); with `--notebook-sizes` the
//! notebook exports are their own family (60/s).

use crate::policy::allow_list::Family;
use crate::policy::limiter::Limits;

/// SCIM users per page a full scan asks for (`scan --all-users`).
pub const SCAN_PAGE: u64 = 100;

/// The 1-based SCIM positions of a sample of `n` users out of `total` (all of them when
/// `n >= total`), strictly increasing.
pub fn sample_positions(total: u64, n: u64) -> Vec<u64> {
    if n >= total {
        return (1..=total).collect();
    }
    (0..n).map(|k| 1 + ((2 * k + 1) * total) / (2 * n)).collect()
}

/// Requests one sampled user's scan made (as a full scan would make them), per family.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Listings {
    /// DBFS list requests.
    pub dbfs: u64,
    /// Workspace list requests.
    pub workspace: u64,
    /// Notebook exports (`--notebook-sizes`).
    pub exports: u64,
}

/// The estimate of a full scan.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Users a full scan covers (SCIM `totalResults`).
    pub users: u64,
    /// Service principals it covers too (their homes are scanned like users').
    pub service_principals: u64,
    /// Users sampled.
    pub sampled: u64,
    /// Mean DBFS listings per user.
    pub dbfs_per_user: f64,
    /// Mean Workspace listings per user.
    pub workspace_per_user: f64,
    /// Mean notebook exports per user (`--notebook-sizes`; 0 without).
    pub exports_per_user: f64,
    /// The most listings one sampled user needed (both trees).
    pub max_per_user: u64,
    /// Expected DBFS listings.
    pub dbfs_requests: u64,
    /// Expected Workspace listings (the `/Users` listing included).
    pub workspace_requests: u64,
    /// Expected notebook exports.
    pub export_requests: u64,
    /// SCIM requests: `Me`, the user pages and the service-principal pages.
    pub scim_requests: u64,
    /// All expected requests.
    pub requests: u64,
    /// Expected wall time at the rate limits, in seconds.
    pub seconds: f64,
    /// The family whose limit bounds the time.
    pub bound: Family,
    /// That family's rate, requests per second.
    pub bound_rate: f64,
}

impl Estimate {
    /// The estimate for `users` users and `service_principals` from the sample's listings, plus
    /// `homes` (the `/Users` listings a full scan makes once), at `limits`. `None` without a sample.
    pub fn of(
        users: u64,
        service_principals: u64,
        sample: &[Listings],
        homes: Listings,
        limits: &Limits,
    ) -> Option<Estimate> {
        if sample.is_empty() {
            return None;
        }
        let n = sample.len() as f64;
        let dbfs_per_user = sample.iter().map(|l| l.dbfs as f64).sum::<f64>() / n;
        let workspace_per_user = sample.iter().map(|l| l.workspace as f64).sum::<f64>() / n;
        let exports_per_user = sample.iter().map(|l| l.exports as f64).sum::<f64>() / n;
        let rows = (users + service_principals) as f64;
        let dbfs_requests = (dbfs_per_user * rows).round() as u64 + homes.dbfs;
        let workspace_requests = (workspace_per_user * rows).round() as u64 + homes.workspace;
        let export_requests = (exports_per_user * rows).round() as u64;
        let scim_requests = 1 + users.div_ceil(SCAN_PAGE) + service_principals.div_ceil(SCAN_PAGE).max(1);
        let rate = |f: Family| limits.rates.get(&f).map_or(f64::INFINITY, |r| r.0);
        let (bound, seconds) = [
            (Family::Workspace, workspace_requests),
            (Family::Dbfs, dbfs_requests),
            (Family::Scim, scim_requests),
            (Family::Export, export_requests),
        ]
        .into_iter()
        .map(|(f, n)| (f, n as f64 / rate(f)))
        .fold((Family::Workspace, 0.0), |best, x| if x.1 > best.1 { x } else { best });
        Some(Estimate {
            users,
            service_principals,
            sampled: sample.len() as u64,
            dbfs_per_user,
            workspace_per_user,
            exports_per_user,
            max_per_user: sample.iter().map(|l| l.dbfs + l.workspace).max().unwrap_or(0),
            dbfs_requests,
            workspace_requests,
            export_requests,
            scim_requests,
            requests: dbfs_requests + workspace_requests + export_requests + scim_requests,
            seconds,
            bound,
            bound_rate: rate(bound),
        })
    }

    /// Mean listings per user, both trees.
    pub fn listings_per_user(&self) -> f64 {
        self.dbfs_per_user + self.workspace_per_user
    }
}

/// `12 s`, `12 min`, `3.4 h`: an estimate's wall time, rounded as estimates are.
pub fn approx_duration(secs: f64) -> String {
    if secs < 90.0 {
        format!("{} s", secs.ceil().max(1.0) as u64)
    } else if secs < 90.0 * 60.0 {
        format!("{} min", (secs / 60.0).round() as u64)
    } else {
        format!("{:.1} h", secs / 3600.0)
    }
}

/// `50`, `4.25`: a rate without needless decimals.
pub fn rate_string(r: f64) -> String {
    if (r - r.round()).abs() < 1e-9 {
        format!("{}", r.round() as u64)
    } else {
        format!("{r:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_evenly_spaced_midpoints() {
        assert_eq!(sample_positions(5000, 4), [626, 1876, 3126, 4376]);
        assert_eq!(sample_positions(10, 10), (1..=10).collect::<Vec<_>>());
        assert_eq!(sample_positions(3, 20), [1, 2, 3]);
        assert_eq!(sample_positions(0, 20), Vec::<u64>::new());
        let p = sample_positions(21, 20);
        assert_eq!(p.len(), 20);
        assert!(p.windows(2).all(|w| w[0] < w[1]) && p[0] >= 1 && p[19] <= 21, "{p:?}");
    }

    #[test]
    fn the_slowest_family_bounds_the_estimate() {
        let l = |dbfs, workspace, exports| Listings {
            dbfs,
            workspace,
            exports,
        };
        let none = Listings::default();
        let sample = [l(2, 5, 0), l(0, 7, 0)];
        let e = Estimate::of(5000, 0, &sample, none, &Limits::default()).unwrap();
        assert_eq!(
            (e.dbfs_requests, e.workspace_requests, e.scim_requests),
            (5000, 30000, 52)
        );
        assert_eq!(e.requests, 35052);
        assert_eq!(e.bound, Family::Workspace);
        assert!((e.seconds - 600.0).abs() < 1e-9);
        assert_eq!(approx_duration(e.seconds), "10 min");
        // DBFS-heavy: DBFS at 30/s is the bound.
        let e = Estimate::of(90, 10, &[l(30, 1, 0)], none, &Limits::default()).unwrap();
        assert_eq!((e.bound, e.seconds), (Family::Dbfs, 100.0));
        assert_eq!(e.scim_requests, 3, "Me, one page of users, one of service principals");
        assert!(Estimate::of(100, 0, &[], none, &Limits::default()).is_none());
        // The /Users listings count once; exports are their own family at 60/s.
        let e = Estimate::of(100, 0, &[l(1, 2, 90)], l(1, 1, 0), &Limits::default()).unwrap();
        assert_eq!(
            (e.dbfs_requests, e.workspace_requests, e.export_requests),
            (101, 201, 9000)
        );
        assert_eq!((e.bound, e.seconds), (Family::Export, 150.0));
        assert_eq!(approx_duration(0.2), "1 s");
        assert_eq!(approx_duration(4.0 * 3600.0), "4.0 h");
        assert_eq!(
            (rate_string(50.0), rate_string(255.0 / 60.0)),
            ("50".into(), "4.25".into())
        );
    }
}
