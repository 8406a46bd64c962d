//! What `check` found, what it means for a full scan (missing pieces, warnings), and the two
//! renderings: text for people, one JSON object for scripts (shape in docs/guide.md, `check`).

use serde_json::{json, Value};

use super::estimate::{approx_duration, rate_string, Estimate, Listings, Span};
use crate::format::thousands;
use crate::model::{CallerIdentity, Location, Status, UserRow};
use crate::policy::allow_list::EntryView;
use crate::policy::limiter::Limits;

/// A location root's listing's outcome (`/Users`, `/FileStore/shared_uploads`, `/Repos`).
#[derive(Debug, Clone, PartialEq)]
pub enum Homes {
    /// Listed: the number of folders (one per user).
    Listed(u64),
    /// Failed: the message.
    Failed(String),
    /// A DBFS root of a workspace without DBFS: a scan does not ask for it.
    NotAvailable,
}

/// The SCIM service-principal listing's outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum ServicePrincipals {
    /// Listed: `totalResults`, when given.
    Listed(Option<u64>),
    /// 403: a scan goes on, but orphans named like an application id become `unknown`.
    Refused(String),
    /// Any other failure: a scan of all users fails on it.
    Failed(String),
}

/// One sampled user.
#[derive(Debug, Clone)]
pub struct SampleUser {
    /// 1-based position in the SCIM listing.
    pub position: u64,
    /// Listings the scan made.
    pub listings: Listings,
    /// The scan's row (the visibility rule applied).
    pub row: UserRow,
}

/// Everything `check` learnt.
#[derive(Debug, Clone)]
pub struct Report {
    /// Workspace URL.
    pub host: String,
    /// Where the credentials came from (never a secret).
    pub auth: String,
    /// SCIM `Me`.
    pub identity: CallerIdentity,
    /// SCIM `totalResults` (`Ok(None)`: the server gave none).
    pub scim_total: Result<Option<u64>, String>,
    /// The SCIM service-principal listing (every `--all-users` scan lists them).
    pub service_principals: ServicePrincipals,
    /// `/Users` in DBFS.
    pub dbfs_homes: Homes,
    /// `/FileStore/shared_uploads` in DBFS.
    pub uploads_homes: Homes,
    /// `/Users` in the Workspace.
    pub workspace_homes: Homes,
    /// `/Repos` in the Workspace.
    pub repos_homes: Homes,
    /// The workspace has no DBFS (the DBFS API answers that it is turned off): why. A scan marks
    /// the DBFS locations `not_available` and scans the Workspace side.
    pub dbfs_unavailable: Option<String>,
    /// `--sample`.
    pub sample_asked: u32,
    /// The check was asked with `--notebook-sizes` (exports sampled and estimated).
    pub notebook_sizes: bool,
    /// The sample, in SCIM order.
    pub sample: Vec<SampleUser>,
    /// Why no sample could be drawn.
    pub sample_error: Option<String>,
    /// The estimate (none without a sample).
    pub estimate: Option<Estimate>,
    /// The client-side limits a scan with these flags runs at.
    pub limits: Limits,
    /// The policy's allow-list: every request a scan may make.
    pub allow_list: Vec<EntryView>,
    /// Its generic rules, in words.
    pub allow_rules: String,
}

/// The sample rule, as printed.
pub const SAMPLE_RULE: &str = "evenly spaced over the SCIM listing in the server's order (midpoints)";

impl Report {
    /// One location's root listing.
    pub fn homes(&self, l: Location) -> &Homes {
        match l {
            Location::Dbfs => &self.dbfs_homes,
            Location::Uploads => &self.uploads_homes,
            Location::Workspace => &self.workspace_homes,
            Location::Repos => &self.repos_homes,
        }
    }

    /// `DBFS /Users`, `DBFS /FileStore/shared_uploads`, `Workspace /Users`, `Workspace /Repos`.
    fn root_name(l: Location) -> String {
        format!("{} {}", if l.is_dbfs() { "DBFS" } else { "Workspace" }, l.root())
    }

    /// The finding about DBFS: `None` when the workspace has it.
    pub fn dbfs_line(&self) -> Option<String> {
        self.dbfs_unavailable.as_ref().map(|why| {
            format!(
                "DBFS: not available in this workspace ({why}): a scan marks dbfs_home and uploads_home \
                 not_available in every row and scans the Workspace side"
            )
        })
    }

    /// What a full scan (every user, all four locations, `--orphans`) lacks; empty when it can run.
    pub fn missing(&self) -> Vec<String> {
        let mut m = Vec::new();
        match &self.identity {
            CallerIdentity::Known(c) if c.admin == Some(false) => m.push(format!(
                "workspace admin rights: {} is not a workspace admin (SCIM Me lists no `admins` group), so other \
                 users' Workspace homes are not visible (they would be reported workspace_home=not_visible)",
                c.user_name
            )),
            CallerIdentity::Known(c) if c.admin.is_none() => m.push(format!(
                "confirmed admin rights: the groups in SCIM Me for {} could not be read, so a Workspace home \
                 answering 404 may be missing or not visible",
                c.user_name
            )),
            CallerIdentity::Unknown(why) => m.push(format!(
                "confirmed admin rights: SCIM Me could not be read ({why}), so a Workspace home answering 404 may \
                 be missing or not visible"
            )),
            CallerIdentity::Known(_) => {}
        }
        if let Err(e) = &self.scim_total {
            m.push(format!("the SCIM user listing (needed by --all-users): {e}"));
        }
        if let ServicePrincipals::Failed(e) = &self.service_principals {
            m.push(format!(
                "the SCIM service-principal listing (needed by --all-users): {e}"
            ));
        }
        for l in Location::ALL {
            if let Homes::Failed(e) = self.homes(l) {
                m.push(format!("the {} listing (needed by --orphans): {e}", Self::root_name(l)));
            }
        }
        m
    }

    /// Things that change the meaning of results but do not stop a scan.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.identity.known_non_admin() {
            if let Homes::Listed(n) = self.workspace_homes {
                w.push(format!(
                    "the Workspace /Users listing shows only the {n} home(s) these credentials can read"
                ));
            }
            w.push(
                "the estimate counts what these credentials would list (one 404 for each home they cannot see)".into(),
            );
        }
        if let Some(w9) = self.orphans_incomplete() {
            w.push(w9);
        }
        if let ServicePrincipals::Refused(e) = &self.service_principals {
            w.push(format!(
                "the service principals cannot be listed ({e}): with --orphans, a home named like an application id \
                 is reported orphan=unknown"
            ));
        }
        if matches!(self.scim_total, Ok(None)) {
            w.push("SCIM gave no totalResults: no sample, no estimate".into());
        }
        if let Some(e) = &self.sample_error {
            w.push(format!("no sample: {e}"));
        }
        let hidden = self.sample.iter().filter(|s| s.row.workspace_not_visible()).count();
        if hidden > 0 {
            w.push(format!(
                "{hidden} of {} sampled users' Workspace homes are not visible to these credentials (workspace_home=not_visible)",
                self.sample.len()
            ));
        }
        // Other failures, each named (a not-visible home is said once above).
        let failed: Vec<&SampleUser> = self
            .sample
            .iter()
            .filter(|s| s.row.status == Status::Error && !s.row.workspace_not_visible())
            .collect();
        for s in failed.iter().take(5) {
            w.push(format!(
                "sampled user {} ended in error: {}",
                s.row.username,
                s.row.error.as_deref().unwrap_or("unknown error")
            ));
        }
        if failed.len() > 5 {
            w.push(format!("… and {} more sampled user(s) in error", failed.len() - 5));
        }
        w
    }

    /// Why orphan counts (check's estimate, a scan's `--orphans`) miss homes under these
    /// credentials: a non-admin (or a caller of unknown status) sees only the Workspace homes it
    /// may read, so other users' — and every orphaned one — are absent from `/Users`.
    pub fn orphans_incomplete(&self) -> Option<String> {
        match self.identity.admin() {
            Some(true) => None,
            admin => {
                let shown = match self.workspace_homes {
                    Homes::Listed(n) => format!("the {} Workspace home(s) these credentials can read", thousands(n)),
                    Homes::Failed(_) | Homes::NotAvailable => "no Workspace home".to_string(),
                };
                Some(format!(
                    "orphan counts are incomplete: the Workspace /Users listing shows only {shown}{}, so orphaned \
                     Workspace homes are invisible to these credentials (the --orphans estimate and a scan's orphan \
                     count miss them; DBFS orphans are counted); run with a workspace admin's credentials for \
                     complete counts",
                    if admin.is_none() { " (admin status unknown)" } else { "" }
                ))
            }
        }
    }

    /// `≈ 1,200–3,400 requests → ≈ 24 s–2 min, bounded by the workspace limit (50 req/s)`.
    pub fn span_line(s: &Span) -> String {
        let (lo, hi) = (approx_duration(s.seconds.low), approx_duration(s.seconds.high));
        let time = if lo == hi { lo } else { format!("{lo}–{hi}") };
        format!(
            "≈ {}–{} requests → ≈ {time}, bounded by the {} limit ({} req/s)",
            thousands(s.requests.low.round() as u64),
            thousands(s.requests.high.round() as u64),
            s.limit,
            rate_string(s.limit_rate)
        )
    }

    /// The estimate line, e.g. `scan --all-users (5,200 users and service principals): ≈ 23,000–61,000
    /// requests → ≈ 8–21 min, bounded by the workspace limit (50 req/s)`.
    pub fn estimate_line(e: &Estimate) -> String {
        let who = match e.service_principals {
            0 => format!("{} users", thousands(e.users)),
            n => format!("{} users and service principals", thousands(e.users + n)),
        };
        format!("scan --all-users ({who}): {}", Self::span_line(&e.span))
    }

    /// The `--orphans` line, e.g. `with --orphans (≈ 44 orphaned homes: 15 DBFS, 3 UI uploads,
    /// 25 Workspace, 1 Repos): ≈ …`.
    pub fn orphans_line(e: &Estimate) -> Option<String> {
        let o = e.orphans.as_ref()?;
        Some(format!(
            "with --orphans (≈ {} orphaned homes: {} DBFS, {} UI uploads, {} Workspace, {} Repos): {}",
            thousands(o.dbfs_homes + o.uploads_homes + o.workspace_homes + o.repos_homes),
            thousands(o.dbfs_homes),
            thousands(o.uploads_homes),
            thousands(o.workspace_homes),
            thousands(o.repos_homes),
            Self::span_line(&o.span)
        ))
    }

    /// The text report.
    pub fn text(&self) -> String {
        let mut o = String::new();
        let mut line = |s: String| {
            o.push_str(&s);
            o.push('\n');
        };
        line(format!("Workspace: {}", self.host));
        line(format!("Auth: {}", self.auth));
        line(match &self.identity {
            CallerIdentity::Known(c) => {
                let name = match &c.display_name {
                    Some(d) if !d.is_empty() => format!("{} ({d})", c.user_name),
                    _ => c.user_name.clone(),
                };
                let admin = match c.admin {
                    Some(true) => "workspace admin (member of admins)",
                    Some(false) => "NOT a workspace admin",
                    None => "admin status unknown (groups unreadable)",
                };
                format!("Caller: {name} — {admin}")
            }
            CallerIdentity::Unknown(why) => format!("Caller: unknown (SCIM Me: {why}) — admin status unknown"),
        });
        line(match &self.scim_total {
            Ok(Some(n)) => format!("SCIM users: {} (totalResults)", thousands(*n)),
            Ok(None) => "SCIM users: listed, but no totalResults given".into(),
            Err(e) => format!("SCIM users: cannot be listed: {e}"),
        });
        line(match &self.service_principals {
            ServicePrincipals::Listed(Some(n)) => format!("SCIM service principals: {}", thousands(*n)),
            ServicePrincipals::Listed(None) => "SCIM service principals: listed, but no totalResults given".into(),
            ServicePrincipals::Refused(e) | ServicePrincipals::Failed(e) => {
                format!("SCIM service principals: cannot be listed: {e}")
            }
        });
        if let Some(l) = self.dbfs_line() {
            line(l);
        }
        for l in Location::ALL {
            let what = if l.root() == "/Users" {
                "home(s)"
            } else {
                "user folder(s)"
            };
            line(match self.homes(l) {
                Homes::Listed(n) => format!("{}: {} {what}", Self::root_name(l), thousands(*n)),
                Homes::Failed(e) => format!("{}: cannot be listed: {e}", Self::root_name(l)),
                Homes::NotAvailable => format!("{}: not available (no DBFS in this workspace)", Self::root_name(l)),
            });
        }
        if !self.sample.is_empty() {
            let total = self.scim_total.clone().ok().flatten().unwrap_or(0);
            line(format!(
                "Sample: {} of {} users, {SAMPLE_RULE}",
                self.sample.len(),
                thousands(total)
            ));
            for s in &self.sample {
                line(format!(
                    "  #{:<6} {:<40} {:>4} DBFS + {:>4} Workspace listings  {} (dbfs_home {}, uploads_home {}, \
                     workspace_home {}, repos_home {})",
                    s.position,
                    s.row.username,
                    s.listings.dbfs,
                    s.listings.workspace,
                    s.row.status.as_str(),
                    UserRow::home_label(s.row.dbfs.as_ref()),
                    UserRow::home_label(s.row.uploads.as_ref()),
                    UserRow::home_label(s.row.workspace.as_ref()),
                    UserRow::home_label(s.row.repos.as_ref())
                ));
            }
        }
        if let Some(e) = &self.estimate {
            line(format!("Estimate: {}", Self::estimate_line(e)));
            if let Some(o) = Self::orphans_line(e) {
                line(format!("  {o}"));
            }
            line(format!(
                "  per user: {:.1} DBFS + {:.1} Workspace listings, all four locations (at most {} for one sampled \
                 user); plus {} SCIM request(s) (Me, the user and service-principal pages), each listable root \
                 (/Users, /FileStore/shared_uploads, /Repos) once",
                e.dbfs_per_user,
                e.workspace_per_user,
                thousands(e.max_per_user),
                thousands(e.span.scim)
            ));
            if self.notebook_sizes {
                line(format!(
                    "  notebook exports (--notebook-sizes): {:.1} per user → ≈ {}–{} exports at {} req/s",
                    e.exports_per_user,
                    thousands(e.span.exports.low.round() as u64),
                    thousands(e.span.exports.high.round() as u64),
                    self.limits
                        .rates
                        .get(&crate::policy::allow_list::Family::Export)
                        .map_or("unlimited".to_string(), |r| rate_string(r.0))
                ));
            }
            line(
                "  the range: low is what the sample shows (its largest home counted once); high adds the few very \
                 large homes a sample rarely meets (a Zipf-like tail fitted to the sample's largest homes). One home \
                 far larger than all others can still exceed it; a larger --sample narrows the range"
                    .into(),
            );
        }
        line("Allow-list: the only requests a scan may make (read-only; anything else is refused unsent):".into());
        for e in &self.allow_list {
            let params = if e.params.is_empty() {
                "no parameters".to_string()
            } else {
                format!("parameters {}", e.params.join(", "))
            };
            let roots: String = e
                .roots
                .iter()
                .map(|(name, roots)| format!("; {name} within {}", roots.join(" or ")))
                .collect();
            let params = params + &roots;
            line(format!("  {} {:<44} {:<9} {params}", e.method, e.path, e.family.name()));
        }
        line(format!("  rules: {}", self.allow_rules));
        let warnings = self.warnings();
        if !warnings.is_empty() {
            line("Warnings:".into());
            for w in warnings {
                line(format!("  - {w}"));
            }
        }
        let missing = self.missing();
        if missing.is_empty() {
            line("Ready: a full scan can run with these credentials".into());
        } else {
            line("Not ready: a full scan cannot run with these credentials. Missing:".into());
            for m in missing {
                line(format!("  - {m}"));
            }
        }
        o
    }

    /// The JSON report.
    pub fn json(&self) -> Value {
        let homes = |h: &Homes| match h {
            Homes::Listed(n) => json!({"count": n, "error": null, "not_available": false}),
            Homes::Failed(e) => json!({"count": null, "error": e, "not_available": false}),
            Homes::NotAvailable => json!({"count": null, "error": null, "not_available": true}),
        };
        let caller = match &self.identity {
            CallerIdentity::Known(c) => json!({"user_name": c.user_name, "display_name": c.display_name,
                                         "groups": c.groups, "admin": c.admin, "error": null}),
            CallerIdentity::Unknown(why) => json!({"user_name": null, "display_name": null, "groups": [],
                                             "admin": null, "error": why}),
        };
        let sample: Vec<Value> = self
            .sample
            .iter()
            .map(|s| {
                let by_location: serde_json::Map<String, Value> = Location::ALL
                    .iter()
                    .map(|l| (l.name().to_string(), json!(s.listings.at(*l).listings)))
                    .collect();
                json!({"username": s.row.username, "position": s.position, "status": s.row.status.as_str(),
                       "dbfs_listings": s.listings.dbfs, "workspace_listings": s.listings.workspace,
                       "listings": by_location,
                       "exports": s.listings.exports,
                       "dbfs_home": UserRow::home_label(s.row.dbfs.as_ref()),
                       "uploads_home": UserRow::home_label(s.row.uploads.as_ref()),
                       "workspace_home": UserRow::home_label(s.row.workspace.as_ref()),
                       "repos_home": UserRow::home_label(s.row.repos.as_ref()),
                       "error": s.row.error})
            })
            .collect();
        let span = |s: &Span| {
            let r = |x: f64| x.round() as u64;
            json!({"requests_low": r(s.requests.low), "requests_high": r(s.requests.high),
                   "seconds_low": s.seconds.low, "seconds_high": s.seconds.high,
                   "dbfs_requests_low": r(s.dbfs.low), "dbfs_requests_high": r(s.dbfs.high),
                   "workspace_requests_low": r(s.workspace.low), "workspace_requests_high": r(s.workspace.high),
                   "export_requests_low": r(s.exports.low), "export_requests_high": r(s.exports.high),
                   "limit": {"family": s.limit.name(), "rate_per_sec": s.limit_rate},
                   "line": Self::span_line(s)})
        };
        let estimate = self.estimate.as_ref().map(|e| {
            let r = |x: f64| x.round() as u64;
            let s = &e.span;
            let (dbfs, ws, exports) = (r(s.dbfs.point), r(s.workspace.point), r(s.exports.point));
            let orphans = e.orphans.as_ref().map(|o| {
                let mut v = span(&o.span);
                v["dbfs_homes"] = json!(o.dbfs_homes);
                v["uploads_homes"] = json!(o.uploads_homes);
                v["workspace_homes"] = json!(o.workspace_homes);
                v["repos_homes"] = json!(o.repos_homes);
                v["complete"] = json!(self.orphans_incomplete().is_none());
                v
            });
            json!({"users": e.users, "service_principals": e.service_principals, "sampled": e.sampled, "listings_per_user": e.listings_per_user(),
                   "dbfs_per_user": e.dbfs_per_user, "workspace_per_user": e.workspace_per_user,
                   "max_listings_per_user": e.max_per_user,
                   "dbfs_requests": dbfs, "workspace_requests": ws,
                   "exports_per_user": e.exports_per_user, "export_requests": exports,
                   "scim_requests": s.scim, "requests": dbfs + ws + exports + s.scim, "seconds": s.seconds.point,
                   "range": span(s),
                   "bound": {"family": s.limit.name(), "rate_per_sec": s.limit_rate},
                   "orphans": orphans,
                   "line": Self::estimate_line(e)})
        });
        let allow: Vec<Value> = self
            .allow_list
            .iter()
            .map(|e| {
                let roots: serde_json::Map<String, Value> =
                    e.roots.iter().map(|(n, r)| (n.to_string(), json!(r))).collect();
                json!({"method": e.method, "path": e.path, "family": e.family.name(), "params": e.params,
                       "roots": roots})
            })
            .collect();
        let missing = self.missing();
        json!({
            "host": self.host,
            "auth": self.auth,
            "caller": caller,
            "scim": match &self.scim_total {
                Ok(n) => json!({"total_users": n, "error": null}),
                Err(e) => json!({"total_users": null, "error": e}),
            },
            "service_principals": match &self.service_principals {
                ServicePrincipals::Listed(n) => json!({"total": n, "error": null}),
                ServicePrincipals::Refused(e) | ServicePrincipals::Failed(e) => json!({"total": null, "error": e}),
            },
            "homes": {"dbfs": homes(&self.dbfs_homes), "uploads": homes(&self.uploads_homes),
                      "workspace": homes(&self.workspace_homes), "repos": homes(&self.repos_homes)},
            "dbfs": {"available": self.dbfs_unavailable.is_none(), "reason": self.dbfs_unavailable,
                     "line": self.dbfs_line()},
            "sample": {"asked": self.sample_asked, "rule": SAMPLE_RULE, "users": sample},
            "estimate": estimate,
            "allow_list": allow,
            "allow_rules": self.allow_rules,
            "warnings": self.warnings(),
            "missing": missing,
            "ready": missing.is_empty(),
        })
    }
}
