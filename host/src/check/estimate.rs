//! The sample of `check` and the estimate of a full scan drawn from it.
//!
//! A full scan (`scan --all-users`) scans every SCIM user and every service principal, so both
//! count as rows to scan. The sample is deterministic: `n` users at evenly spaced positions of the SCIM listing in the
//! server's order — the midpoints `1 + ⌊(2k+1)·total / 2n⌋`, k = 0…n−1 — so the same workspace
//! gives the same sample, the first and last users are not favoured, and picking them costs one
//! SCIM request each (never a full listing). The estimate multiplies the sample's mean listings
//! per tree by the SCIM user count and divides each family's requests by its rate limit: the
//! slowest family bounds the wall time, as it does for a scan (docs/performance.md).
//!
//! The estimate counts what a full scan requests in its four locations (DBFS `/Users`,
//! `/FileStore/shared_uploads`, Workspace `/Users`, `/Repos`): `scan --all-users` lists each
//! location's root once and requests no folder that listing does not show, so a sampled folder
//! that is absent from a listed root counts 0 listings (and each listed root one); a root that
//! cannot be listed means every user's folder there is probed ([`Root::Probed`]); the DBFS
//! locations of a workspace without DBFS cost only finding that out ([`dbfs_off_cost`]). The
//! uploads count in the DBFS family, `/Repos`
//! in the Workspace family; with `--notebook-sizes` the notebook exports (Workspace homes and
//! `/Repos`) are their own family (60/s).

use crate::model::Location;
use crate::policy::allow_list::Family;
use crate::policy::limiter::Limits;

/// What a full scan spends finding out that the workspace has no DBFS: the two DBFS roots'
/// listings (refused), then the DBFS folders (home, uploads) of the users in flight when the first
/// refusal comes back — one user at least, the default 32 at most (`schedule::local`, no request
/// spent on it in a workspace that has DBFS).
pub fn dbfs_off_cost() -> Bounds {
    Bounds {
        low: 2.0 + 2.0,
        point: 2.0 + 2.0,
        high: 2.0 + 2.0 * 32.0,
    }
}

/// How a full scan finds one location's folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    /// The root is listed once (this many folders): no request for a folder it does not hold.
    Listed(u64),
    /// The root cannot be listed: every user's folder there is probed (and `--orphans` fails).
    Probed,
    /// Not scanned at all (the DBFS locations of a workspace without DBFS): no request.
    Off,
}

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

/// What one sampled user's scan requested in one location (as a full scan would request it).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct At {
    /// List requests.
    pub listings: u64,
    /// Notebook exports (`--notebook-sizes`; Workspace API locations only).
    pub exports: u64,
    /// The user has a folder there.
    pub home: bool,
}

/// Requests one sampled user's scan made (as a full scan would make them), per family, and per
/// location in [`Location::ALL`] order.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Listings {
    /// DBFS list requests (the DBFS home and the UI uploads).
    pub dbfs: u64,
    /// Workspace list requests (the Workspace home and `/Repos`).
    pub workspace: u64,
    /// Notebook exports (`--notebook-sizes`).
    pub exports: u64,
    /// Per location.
    pub at: [At; 4],
}

impl Listings {
    /// The family totals of the locations' figures.
    pub fn of(at: [At; 4]) -> Listings {
        let sum = |dbfs: bool| {
            Location::ALL
                .iter()
                .zip(&at)
                .filter(|(l, _)| l.is_dbfs() == dbfs)
                .map(|(_, a)| a.listings)
                .sum()
        };
        Listings {
            dbfs: sum(true),
            workspace: sum(false),
            exports: at.iter().map(|a| a.exports).sum(),
            at,
        }
    }

    /// One location's figures.
    pub fn at(&self, l: Location) -> &At {
        &self.at[index(l)]
    }
}

fn index(l: Location) -> usize {
    Location::ALL
        .iter()
        .position(|x| *x == l)
        .expect("every location is in ALL")
}

/// A low and a high figure (and the sample mean's figure between them).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Bounds {
    /// What the sample shows, its largest home counted once (heavy tails make a sample low).
    pub low: f64,
    /// The sample mean × the homes.
    pub point: f64,
    /// With the tail the sample hints at (a Pareto tail fitted to its largest homes) that a
    /// sample this size rarely meets.
    pub high: f64,
}

impl Bounds {
    fn exact(n: f64) -> Bounds {
        Bounds {
            low: n,
            point: n,
            high: n,
        }
    }

    fn plus(self, o: Bounds) -> Bounds {
        Bounds {
            low: self.low + o.low,
            point: self.point + o.point,
            high: self.high + o.high,
        }
    }
}

/// The homes above the tail's threshold are a quarter of the sample (at least 2).
const TAIL_SHARE: f64 = 0.25;
/// The tail index is taken no lighter than Zipf's (α = 1): home sizes are about that heavy,
/// and a lighter fit from a few sampled homes is luck, not evidence (docs/decisions.md).
const ALPHA_MAX: f64 = 1.0;
/// …and no heavier.
const ALPHA_MIN: f64 = 0.6;
/// The largest listed home is taken as the largest of `reach ×` as many homes as there are
/// above the threshold (a larger maximum than the typical one): this for listings…
pub const LISTING_REACH: f64 = 2.0;
/// …and this for notebook exports, more skewed than folders.
pub const EXPORT_REACH: f64 = 8.0;
/// The low end is this share of what the sample shows (its largest home counted once): a sample
/// can also meet more than its share of large homes.
const LOW_SHARE: f64 = 0.8;

/// The total of a heavy-tailed per-home count over `homes` homes, from a sample of it (each
/// sampled home stands for `homes / k`). `low`: the sample's largest value counted once (it is
/// usually the largest home the sample met, not one of `homes / k` like it); `high`: the
/// values above the sample's upper quartile replaced by a Pareto tail fitted to them (Hill's
/// estimator), reaching as far as the largest of the population's homes above that threshold
/// may reach — what a sample of a heavy tail misses.
pub fn project(sample: &[u64], homes: f64, reach: f64) -> Bounds {
    let k = sample.len();
    if k == 0 || homes <= 0.0 {
        return Bounds::default();
    }
    let sum: f64 = sample.iter().map(|&v| v as f64).sum();
    let point = sum / k as f64 * homes;
    if k as f64 >= homes {
        // The sample is the population (or more of it than there is).
        return Bounds::exact(point);
    }
    let max = sample.iter().copied().max().unwrap_or(0) as f64;
    let low = LOW_SHARE
        * if k >= 2 {
            ((sum - max) / (k - 1) as f64 * (homes - 1.0) + max).min(point)
        } else {
            point
        };
    // Shifted by one, so homes with none (no notebooks) fit the tail too.
    let mut x: Vec<f64> = sample.iter().map(|&v| v as f64 + 1.0).collect();
    x.sort_by(|a, b| b.total_cmp(a));
    let high = if k < 3 {
        point.max(max * homes)
    } else {
        let j = ((k as f64 * TAIL_SHARE).ceil() as usize).clamp(2, k - 1);
        let u = x[j];
        let hill = x[..j].iter().map(|v| (v / u).ln()).sum::<f64>() / j as f64;
        let alpha = if hill > 0.0 {
            (1.0 / hill).clamp(ALPHA_MIN, ALPHA_MAX)
        } else {
            ALPHA_MAX
        };
        let per = homes / k as f64;
        let body: f64 = x[j..].iter().sum::<f64>() * per;
        let above = j as f64 * per;
        let reach = u * (reach * above).max(1.0).powf(1.0 / alpha);
        let tail_mean = if (alpha - 1.0).abs() < 1e-6 {
            u * (1.0 + (reach / u).ln())
        } else {
            u * alpha / (alpha - 1.0) * (1.0 - (u / reach).powf(alpha - 1.0))
        };
        // The sampled tail itself is a floor: the fit never gives less than the sample shows.
        let tail = (above * tail_mean).max(x[..j].iter().sum::<f64>() * per);
        (body + tail - homes).max(point)
    };
    Bounds { low, point, high }
}

/// What one kind of full scan would request and how long it would take, as a range.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// DBFS listings (the `/Users` listing included).
    pub dbfs: Bounds,
    /// Workspace listings (the `/Users` listing included).
    pub workspace: Bounds,
    /// Notebook exports (`--notebook-sizes`; 0 without).
    pub exports: Bounds,
    /// SCIM requests: `Me`, the user pages and the service-principal pages.
    pub scim: u64,
    /// All requests.
    pub requests: Bounds,
    /// The wall time at the rate limits: the slowest family's requests / its rate.
    pub seconds: Bounds,
    /// The family whose limit bounds the time (the one of the low end: what the sample shows).
    pub limit: Family,
    /// That family's rate, requests per second.
    pub limit_rate: f64,
}

impl Span {
    fn of(dbfs: Bounds, workspace: Bounds, exports: Bounds, scim: u64, limits: &Limits) -> Span {
        let rate = |f: Family| limits.rates.get(&f).map_or(f64::INFINITY, |r| r.0);
        let families = [
            (Family::Workspace, workspace),
            (Family::Dbfs, dbfs),
            (Family::Scim, Bounds::exact(scim as f64)),
            (Family::Export, exports),
        ];
        let time = |pick: fn(&Bounds) -> f64| {
            families
                .iter()
                .map(|(f, b)| (*f, pick(b) / rate(*f)))
                .fold((Family::Workspace, 0.0), |best, x| if x.1 > best.1 { x } else { best })
        };
        let (limit, low) = time(|b| b.low);
        let requests = dbfs.plus(workspace).plus(exports).plus(Bounds::exact(scim as f64));
        Span {
            dbfs,
            workspace,
            exports,
            scim,
            requests,
            seconds: Bounds {
                low,
                point: time(|b| b.point).1,
                high: time(|b| b.high).1,
            },
            limit,
            limit_rate: rate(limit),
        }
    }
}

/// Orphaned folders (`--orphans`): the folders each root lists beyond those of the SCIM users
/// and service principals, estimated from the share of sampled users with a folder there.
#[derive(Debug, Clone, PartialEq)]
pub struct Orphans {
    /// Orphaned DBFS homes (≈).
    pub dbfs_homes: u64,
    /// Orphaned Workspace homes (≈).
    pub workspace_homes: u64,
    /// Orphaned `/FileStore/shared_uploads` folders (≈).
    pub uploads_homes: u64,
    /// Orphaned `/Repos` folders (≈).
    pub repos_homes: u64,
    /// A full scan with `--orphans`: every listed home.
    pub span: Span,
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
    /// The most listings one sampled user needed (every location).
    pub max_per_user: u64,
    /// `scan --all-users`.
    pub span: Span,
    /// `scan --all-users --orphans` (none when a root listing failed: such a scan fails).
    pub orphans: Option<Orphans>,
}

/// The share of sampled users with a home, and its spread (1.5 standard errors).
fn share(n: usize, of: usize) -> (f64, f64) {
    let f = n as f64 / of.max(1) as f64;
    (f, 1.5 * (f * (1.0 - f) / of.max(1) as f64).sqrt())
}

impl Estimate {
    /// The estimate for `users` users and `service_principals` from the sample's listings, with
    /// how a scan finds each location's folders (`roots`, in [`Location::ALL`] order), at
    /// `limits`. `None` without a sample.
    pub fn of(
        users: u64,
        service_principals: u64,
        sample: &[Listings],
        roots: [Root; 4],
        limits: &Limits,
    ) -> Option<Estimate> {
        if sample.is_empty() {
            return None;
        }
        let k = sample.len();
        let n = k as f64;
        let rows = (users + service_principals) as f64;
        let mean = |f: fn(&Listings) -> u64| sample.iter().map(|l| f(l) as f64).sum::<f64>() / n;
        // One location: (`scan --all-users`, `--orphans`, orphaned folders).
        let tree = |l: Location, value: fn(&At) -> u64, listing: f64, reach: f64| {
            let i = index(l);
            match roots[i] {
                Root::Off => (Bounds::default(), Some(Bounds::default()), 0),
                Root::Probed => {
                    let all: Vec<u64> = sample.iter().map(|s| value(&s.at[i])).collect();
                    (project(&all, rows, reach), None, 0)
                }
                Root::Listed(h) => {
                    let h = h as f64;
                    let values: Vec<u64> = sample
                        .iter()
                        .filter(|s| s.at[i].home)
                        .map(|s| value(&s.at[i]))
                        .collect();
                    let (f, spread) = share(values.len(), k);
                    let matched = (f * rows).min(h);
                    let low = project(&values, ((f - spread) * rows).clamp(0.0, h), reach).low;
                    let high = project(&values, ((f + spread) * rows).min(h), reach).high;
                    let plain = Bounds {
                        low,
                        point: project(&values, matched, reach).point,
                        high,
                    };
                    let every = if values.is_empty() {
                        // No sampled home: one listing per home, at least.
                        Bounds::exact(h * listing)
                    } else {
                        project(&values, h, reach)
                    };
                    let l = Bounds::exact(listing);
                    (
                        plain.plus(l),
                        Some(every.plus(l)),
                        (h - matched).max(0.0).round() as u64,
                    )
                }
            }
        };
        let listings = |l: Location| tree(l, |a| a.listings, 1.0, LISTING_REACH);
        let exporting = |l: Location| tree(l, |a| a.exports, 0.0, EXPORT_REACH);
        let [d, u, w, r] = Location::ALL;
        let (dbfs_plain, dbfs_all, dbfs_orphans) = listings(d);
        let (uploads_plain, uploads_all, uploads_orphans) = listings(u);
        let (ws_plain, ws_all, ws_orphans) = listings(w);
        let (repos_plain, repos_all, repos_orphans) = listings(r);
        let (ws_exports, ws_exports_all, _) = exporting(w);
        let (repos_exports, repos_exports_all, _) = exporting(r);
        let probe = match roots[0] {
            Root::Off => dbfs_off_cost(),
            _ => Bounds::exact(0.0),
        };
        let dbfs = dbfs_plain.plus(uploads_plain).plus(probe);
        let workspace = ws_plain.plus(repos_plain);
        let exports = ws_exports.plus(repos_exports);
        let scim = 1 + users.div_ceil(SCAN_PAGE) + service_principals.div_ceil(SCAN_PAGE).max(1);
        let all = (|| {
            Some((
                dbfs_all?.plus(uploads_all?).plus(probe),
                ws_all?.plus(repos_all?),
                ws_exports_all?.plus(repos_exports_all?),
            ))
        })();
        let orphans = all.map(|(d, w, e)| Orphans {
            dbfs_homes: dbfs_orphans,
            workspace_homes: ws_orphans,
            uploads_homes: uploads_orphans,
            repos_homes: repos_orphans,
            span: Span::of(d, w, e, scim, limits),
        });
        Some(Estimate {
            users,
            service_principals,
            sampled: k as u64,
            dbfs_per_user: mean(|l| l.dbfs),
            workspace_per_user: mean(|l| l.workspace),
            exports_per_user: mean(|l| l.exports),
            max_per_user: sample.iter().map(|l| l.dbfs + l.workspace).max().unwrap_or(0),
            span: Span::of(dbfs, workspace, exports, scim, limits),
            orphans,
        })
    }

    /// Mean listings per user, every location.
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

    fn at(listings: u64, exports: u64) -> At {
        At {
            listings,
            exports,
            home: listings > 0,
        }
    }

    /// A user with the two homes only (`dbfs` and `workspace` listings).
    fn l(dbfs: u64, workspace: u64, exports: u64) -> Listings {
        Listings::of([at(dbfs, 0), At::default(), at(workspace, exports), At::default()])
    }

    /// The two `/Users` roots (`None`: probed); uploads and `/Repos` not scanned.
    fn homes(dbfs: Option<u64>, workspace: Option<u64>) -> [Root; 4] {
        let r = |h: Option<u64>| h.map_or(Root::Probed, Root::Listed);
        [r(dbfs), Root::Off, r(workspace), Root::Off]
    }

    #[test]
    fn a_sample_of_the_whole_population_is_exact() {
        let b = project(&[1, 5, 9], 3.0, LISTING_REACH);
        assert_eq!((b.low, b.point, b.high), (15.0, 15.0, 15.0));
        assert_eq!(project(&[], 10.0, LISTING_REACH), Bounds::default());
    }

    #[test]
    fn a_heavy_tailed_sample_gives_a_range_around_its_mean() {
        // Zipf-like: most homes small, a few large.
        let sample = [1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6, 8, 12, 20, 45, 110];
        let b = project(&sample, 1000.0, LISTING_REACH);
        assert!(b.low < b.point && b.point < b.high, "{b:?}");
        // The largest sampled home counts once at the low end; the high end is well above the mean.
        assert!(b.low < 0.8 * 1000.0 * (225.0 - 110.0) / 15.0 + 110.0, "{b:?}");
        assert!(b.high > 2.0 * b.point, "{b:?}");
        // Light-looking samples are still given a Zipf tail above them.
        let flat = project(&[4; 20], 1000.0, LISTING_REACH);
        assert!(flat.low <= 4000.0 && flat.high > 4000.0, "{flat:?}");
    }

    #[test]
    fn the_slowest_family_bounds_the_estimate_and_orphans_are_the_homes_beyond_the_users() {
        let sample = [l(2, 5, 0), l(0, 7, 0), l(1, 3, 0), l(0, 4, 0)];
        // 5000 users, every sampled user has a Workspace home, half a DBFS one: /Users lists 5,500
        // Workspace homes (500 orphans) and 2,600 DBFS ones (100).
        let e = Estimate::of(5000, 0, &sample, homes(Some(2600), Some(5500)), &Limits::default()).unwrap();
        let s = &e.span;
        assert_eq!(s.scim, 52, "Me, 50 user pages, one (empty) service-principal page");
        assert_eq!(s.limit, Family::Workspace);
        assert!((s.workspace.point - (1.0 + 5000.0 * 19.0 / 4.0)).abs() < 1e-6, "{s:?}");
        assert!(
            s.requests.low < s.requests.point && s.requests.point < s.requests.high,
            "{s:?}"
        );
        assert!(s.seconds.low <= s.workspace.low / 50.0 + 1e-9 && s.seconds.high >= s.workspace.high / 50.0);
        let o = e.orphans.as_ref().unwrap();
        assert_eq!((o.dbfs_homes, o.workspace_homes), (100, 500));
        assert!(o.span.requests.point > s.requests.point, "{o:?}");
        // DBFS-heavy: DBFS at 30/s is the bound.
        let e = Estimate::of(
            90,
            10,
            &[l(30, 1, 0); 4],
            homes(Some(100), Some(100)),
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(e.span.limit, Family::Dbfs);
        assert_eq!(e.span.scim, 3, "Me, one page of users, one of service principals");
        assert!(Estimate::of(100, 0, &[], homes(None, None), &Limits::default()).is_none());
        // Exports are their own family at 60/s; a listing that failed means no --orphans estimate.
        let e = Estimate::of(100, 0, &[l(1, 2, 900); 3], homes(None, Some(100)), &Limits::default()).unwrap();
        assert_eq!(e.span.limit, Family::Export);
        assert!(e.orphans.is_none());
        assert_eq!(approx_duration(0.2), "1 s");
        assert_eq!(approx_duration(4.0 * 3600.0), "4.0 h");
        assert_eq!(
            (rate_string(50.0), rate_string(255.0 / 60.0)),
            ("50".into(), "4.25".into())
        );
    }

    /// The uploads count in the DBFS family and `/Repos` in the Workspace family, each root
    /// listed once; a sampled user without a folder in a listed root costs nothing there.
    #[test]
    fn the_new_locations_count_in_their_families() {
        // 4 users (the sample is the population): listings per location dbfs, uploads, workspace, repos.
        let sample = [
            Listings::of([at(2, 0), at(1, 0), at(5, 0), at(3, 4)]),
            Listings::of([at(0, 0), at(0, 0), at(7, 2), at(0, 0)]),
            Listings::of([at(1, 0), at(2, 0), at(3, 0), at(0, 0)]),
            Listings::of([at(0, 0), at(0, 0), at(4, 0), at(6, 0)]),
        ];
        assert_eq!((sample[0].dbfs, sample[0].workspace, sample[0].exports), (3, 8, 4));
        assert_eq!(sample[0].at(Location::Repos), &at(3, 4));
        let roots = [Root::Listed(2), Root::Listed(2), Root::Listed(4), Root::Listed(2)];
        let e = Estimate::of(4, 0, &sample, roots, &Limits::default()).unwrap();
        let s = &e.span;
        // DBFS: two root listings, the folders' listings.
        assert_eq!(s.dbfs.point, 2.0 + (3.0 + 3.0));
        assert_eq!(s.workspace.point, 2.0 + (19.0 + 9.0));
        assert_eq!(s.exports.point, 6.0);
        assert_eq!((e.dbfs_per_user, e.workspace_per_user), (1.5, 7.0));
        assert_eq!(e.max_per_user, 11);
        let o = e.orphans.as_ref().unwrap();
        assert_eq!(
            (o.dbfs_homes, o.uploads_homes, o.workspace_homes, o.repos_homes),
            (0, 0, 0, 0)
        );
        // /Repos lists 5 folders where 2 users have one: 3 orphans, each listed at least once.
        let roots = [Root::Listed(2), Root::Listed(2), Root::Listed(4), Root::Listed(5)];
        let o = Estimate::of(4, 0, &sample, roots, &Limits::default())
            .unwrap()
            .orphans
            .unwrap();
        assert_eq!(o.repos_homes, 3);
        // A root that cannot be listed: every user probed there, and no --orphans estimate.
        let roots = [Root::Listed(2), Root::Listed(2), Root::Listed(4), Root::Probed];
        let e = Estimate::of(4, 0, &sample, roots, &Limits::default()).unwrap();
        assert!(e.orphans.is_none());
        assert_eq!(e.span.workspace.point, 1.0 + 19.0 + 9.0);
    }

    /// Without DBFS a scan spends only finding that out.
    #[test]
    fn a_workspace_without_dbfs_costs_only_finding_out() {
        let sample = [Listings::of([At::default(), At::default(), at(5, 0), at(0, 0)]); 3];
        let roots = [Root::Off, Root::Off, Root::Listed(10), Root::Listed(0)];
        let e = Estimate::of(10, 0, &sample, roots, &Limits::default()).unwrap();
        assert_eq!(e.span.dbfs, dbfs_off_cost());
        assert_eq!(e.span.limit, Family::Workspace);
        let o = e.orphans.unwrap();
        assert_eq!((o.dbfs_homes, o.uploads_homes), (0, 0));
        assert_eq!(o.span.dbfs, dbfs_off_cost());
    }
}
