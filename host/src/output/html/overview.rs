//! The report's overview sections: key figures, the DBFS vs Workspace split, the four locations,
//! how concentrated the bytes are, and the size histogram.

use std::fmt::Write as _;

use super::aggregate::*;
use super::cells::*;
use super::page::esc;
use crate::format::thousands;
use crate::model::{Location, Orphan, Principal, UserRow};

/// `40 (37 users · 2 service principals · 1 orphaned home)`: what the rows are, so service
/// principals and orphaned homes are not called users.
pub(super) fn homes_breakdown(rows: &[&UserRow], a: &Agg) -> String {
    let count = |p: Principal| {
        rows.iter()
            .filter(|r| r.principal == p && r.orphan == Orphan::No)
            .count() as u64
    };
    let mut parts = vec![format!("{} user(s)", thousands(count(Principal::User)))];
    let sps = count(Principal::ServicePrincipal);
    if sps > 0 {
        parts.push(format!("{} service principal(s)", thousands(sps)));
    }
    if a.orphans > 0 {
        parts.push(format!("{} orphaned home(s)", thousands(a.orphans)));
    }
    if a.orphans_unknown > 0 {
        parts.push(format!("{} of unknown owner", thousands(a.orphans_unknown)));
    }
    format!("{} ({})", thousands(a.users), parts.join(" · "))
}

/// Whether the sizes include notebooks: the Workspace API gives notebooks no size, so they count
/// only in a run with `--notebook-sizes`.
pub(super) fn notebook_bytes_fact(rows: &[&UserRow]) -> String {
    let mut ws = rows.iter().filter_map(|r| r.workspace.as_ref()).peekable();
    if ws.peek().is_none() {
        return "Workspace not scanned".to_string();
    }
    if ws.any(|t| t.notebook_bytes.is_some()) {
        "included (--notebook-sizes)".to_string()
    } else {
        "not included: notebooks have no size in Workspace listings (scan with --notebook-sizes to measure them)"
            .to_string()
    }
}

pub(super) fn kpis(h: &mut String, a: &Agg) {
    let err_class = if a.errors > 0 { " bad" } else { "" };
    let _ = write!(
        h,
        r#"<section class="kpis" id="totals">
<div class="kpi"><div class="label">Homes</div><div class="value">{users}</div><div class="sub">{with_files}</div></div>
<div class="kpi"><div class="label">Files</div><div class="value">{files}</div><div class="sub">DBFS and Workspace homes</div></div>
<div class="kpi"><div class="label">Total size</div><div class="value">{bytes}</div><div class="sub"><span id="total-bytes-exact">{bytes_exact}</span> bytes</div></div>
<div class="kpi{err_class}"><div class="label">Errors</div><div class="value">{errors}</div><div class="sub">{err_sub}</div></div>
</section>
<section class="card">
<h2>Scan outcome</h2>
<div class="stack" role="img" aria-label="users by outcome">{bar}</div>
<ul class="legend">
<li><i class="sw success"></i>Success (files found) <b>{success}</b> <span class="muted">{ps}</span></li>
<li><i class="sw empty"></i>Empty (a home, no files) <b>{empty}</b> <span class="muted">{pe}</span></li>
<li><i class="sw no_home"></i>No home (no folder anywhere scanned) <b>{no_home}</b> <span class="muted">{pn}</span></li>
<li><i class="sw error"></i>Error <b>{errors2}</b> <span class="muted">{pr}</span></li>
</ul>
</section>
"#,
        users = num("total-users", a.users),
        with_files = if a.orphans > 0 {
            format!("{} with files · {} orphans", thousands(a.success), thousands(a.orphans))
        } else {
            format!("{} with files", thousands(a.success))
        },
        files = num("total-files", a.files),
        bytes = size("total-bytes", a.bytes),
        bytes_exact = thousands(a.bytes),
        errors = thousands(a.errors),
        err_sub = if a.not_visible > 0 {
            format!(
                "{} of them: Workspace homes not visible to these credentials (not an admin)",
                num("count-not-visible", a.not_visible)
            )
        } else if a.errors > 0 {
            "see Errors below".to_string()
        } else {
            "every user scanned cleanly".to_string()
        },
        bar = stack_bar(&[
            ("success", a.success.into()),
            ("empty", a.empty.into()),
            ("no_home", a.no_home.into()),
            ("error", a.errors.into())
        ]),
        success = num("count-success", a.success),
        empty = num("count-empty", a.empty),
        no_home = num("count-no-home", a.no_home),
        pn = pct_str(a.no_home, a.users),
        errors2 = num("count-error", a.errors),
        ps = pct_str(a.success, a.users),
        pe = pct_str(a.empty, a.users),
        pr = pct_str(a.errors, a.users),
    );
}

pub(super) fn split(h: &mut String, a: &Agg) {
    let tree = |name: &str, id: &str, scanned: bool, files: u128, bytes: u128| -> String {
        if !scanned {
            return format!(
                r#"<tr><th scope="row"><i class="sw {id}"></i>{name}</th><td colspan="4" class="muted">not scanned{hidden}</td></tr>"#,
                hidden = format_args!(
                    r#"<span hidden>{}{}</span>"#,
                    num(&format!("{id}-files"), 0u64),
                    num(&format!("{id}-bytes"), 0u64)
                )
            );
        }
        format!(
            r#"<tr><th scope="row"><i class="sw {id}"></i>{name}</th><td class="n">{files}</td><td class="n muted">{pf}</td><td class="n">{bytes}</td><td class="n muted">{pb}</td></tr>"#,
            files = num(&format!("{id}-files"), files),
            pf = pct_str(files, a.files),
            bytes = size(&format!("{id}-bytes"), bytes),
            pb = pct_str(bytes, a.bytes),
        )
    };
    let _ = write!(
        h,
        r#"<section class="card" id="split">
<h2>DBFS vs Workspace</h2>
<div class="barlabel">Bytes</div>
<div class="stack small" role="img" aria-label="bytes by location">{bb}</div>
<div class="barlabel">Files</div>
<div class="stack small" role="img" aria-label="files by location">{fb}</div>
<table class="t compact">
<thead><tr><th></th><th class="n">Files</th><th class="n">share</th><th class="n">Size</th><th class="n">share</th></tr></thead>
<tbody>
{dbfs}
{ws}
</tbody>
</table>
</section>
"#,
        bb = stack_bar(&[("dbfs", a.dbfs_bytes), ("workspace", a.ws_bytes)]),
        fb = stack_bar(&[("dbfs", a.dbfs_files), ("workspace", a.ws_files)]),
        dbfs = tree("DBFS homes", "dbfs", a.dbfs_scanned, a.dbfs_files, a.dbfs_bytes),
        ws = tree("Workspace homes", "workspace", a.ws_scanned, a.ws_files, a.ws_bytes),
    );
}

/// What a location is called in the report, and its folder pattern.
pub(super) fn location_words(l: Location) -> (&'static str, &'static str) {
    match l {
        Location::Dbfs => ("DBFS home", "dbfs:/Users/&lt;user&gt;"),
        Location::Uploads => ("UI uploads", "dbfs:/FileStore/shared_uploads/&lt;user&gt;"),
        Location::Workspace => ("Workspace home", "/Users/&lt;user&gt;"),
        Location::Repos => ("Repos", "/Repos/&lt;user&gt;"),
    }
}

pub(super) fn locations(h: &mut String, a: &Agg) {
    let parts: Vec<(&str, u128)> = Location::ALL
        .into_iter()
        .zip(&a.locs)
        .map(|(l, la)| (l.name(), la.bytes))
        .collect();
    let _ = write!(
        h,
        r#"<section class="card" id="locations-section">
<h2>Locations <span class="h2sub">where the users' files are</span></h2>
<div class="barlabel">Bytes</div>
<div class="stack small" role="img" aria-label="bytes by location">{bar}</div>
<table class="t compact" id="locations">
<thead><tr><th>Location</th><th>Folder</th><th class="n">Folders found</th><th class="n">Files</th><th class="n">share</th><th class="n">Size</th><th class="n">share</th></tr></thead>
<tbody>
"#,
        bar = stack_bar(&parts),
    );
    for (l, la) in Location::ALL.into_iter().zip(&a.locs) {
        let (name, folder) = location_words(l);
        let state = if la.scanned == 0 {
            "not_scanned"
        } else if la.not_available == la.scanned {
            "not_available"
        } else {
            "scanned"
        };
        let _ = write!(
            h,
            r#"<tr data-location="{id}" data-state="{state}" data-files="{f}" data-bytes="{b}" data-homes="{homes}"><th scope="row"><i class="sw {id}"></i>{name}</th><td class="path">{folder}</td>"#,
            id = l.name(),
            f = la.files,
            b = la.bytes,
            homes = la.homes,
        );
        match state {
            "not_scanned" => {
                h.push_str(r#"<td colspan="5" class="muted">not scanned</td></tr>"#);
            }
            "not_available" => {
                h.push_str(
                    r#"<td colspan="5" class="muted">not available: this workspace answers no DBFS request (DBFS turned off)</td></tr>"#,
                );
            }
            _ => {
                let mut found = format!("{} of {}", thousands(la.homes), thousands(la.scanned));
                if la.not_visible > 0 {
                    let _ = write!(
                        found,
                        r#" <span class="muted">({} not visible)</span>"#,
                        thousands(la.not_visible)
                    );
                }
                if la.not_available > 0 {
                    let _ = write!(
                        found,
                        r#" <span class="muted">({} not available)</span>"#,
                        thousands(la.not_available)
                    );
                }
                let _ = write!(
                    h,
                    r#"<td class="n">{found}</td><td class="n">{files}</td><td class="n muted">{pf}</td><td class="n">{bytes}</td><td class="n muted">{pb}</td></tr>"#,
                    files = thousands(la.files),
                    pf = pct_str(la.files, a.files),
                    bytes = size_cell(la.bytes),
                    pb = pct_str(la.bytes, a.bytes),
                );
            }
        }
        h.push('\n');
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

pub(super) fn concentration(h: &mut String, rows: &[&UserRow], a: &Agg) {
    let sorted = by_size(rows);
    let top = |n: usize| sorted.iter().take(n).map(|r| r.total_size()).sum::<u128>();
    let n10pct = (rows.len().div_ceil(10)).max(1);
    let mut sizes: Vec<u128> = rows.iter().map(|r| r.total_size()).collect();
    sizes.sort_unstable();
    let median = match sizes.len() {
        0 => 0,
        n if n % 2 == 1 => sizes[n / 2],
        // Each size is at most 2 * u64::MAX: the sum of two cannot wrap a u128.
        n => (sizes[n / 2 - 1] + sizes[n / 2]) / 2,
    };
    let over_gb = sizes.iter().filter(|&&s| s >= u128::from(GIB)).count() as u64;
    let largest = sorted.first().map_or(0, |r| r.total_size());
    let _ = write!(
        h,
        r#"<section class="card" id="concentration">
<h2>Where the bytes are</h2>
<table class="t compact facts">
<tbody>
<tr><th scope="row">Largest user</th><td class="n">{largest}</td><td class="n muted">{pl}</td></tr>
<tr><th scope="row">Top 10 users</th><td class="n">{t10}</td><td class="n muted">{p10}</td></tr>
<tr><th scope="row">Top 10% of users ({n10})</th><td class="n">{tp}</td><td class="n muted">{ptp}</td></tr>
<tr><th scope="row">Median user</th><td class="n">{median}</td><td></td></tr>
<tr><th scope="row">Users over 1 GB</th><td class="n">{over}</td><td class="n muted">{pover}</td></tr>
{orph}
</tbody>
</table>
</section>
"#,
        largest = size_cell(largest),
        pl = pct_str(largest, a.bytes),
        t10 = size_cell(top(10)),
        p10 = pct_str(top(10), a.bytes),
        n10 = thousands(n10pct as u64),
        tp = size_cell(top(n10pct)),
        ptp = pct_str(top(n10pct), a.bytes),
        median = size_cell(median),
        over = thousands(over_gb),
        pover = pct_str(over_gb, a.users),
        orph = if a.orphans > 0 {
            format!(
                r#"<tr><th scope="row">Orphaned homes ({})</th><td class="n">{}</td><td class="n muted">{}</td></tr>"#,
                thousands(a.orphans),
                size_cell(a.orphan_bytes),
                pct_str(a.orphan_bytes, a.bytes)
            )
        } else {
            String::new()
        },
    );
}

pub(super) fn histogram(h: &mut String, a: &Agg) {
    const W: f64 = 1000.0;
    const H: f64 = 250.0;
    const TOP: f64 = 28.0;
    const BOTTOM: f64 = 40.0;
    let n = BUCKETS.len() as f64;
    let slot = W / n;
    let bar_w = slot * 0.72;
    let max = a.buckets.iter().copied().max().unwrap_or(0).max(1);
    let plot_h = H - TOP - BOTTOM;
    let _ = write!(
        h,
        r#"<section class="card" id="distribution">
<h2>Size distribution <span class="h2sub">users by total size (DBFS + Workspace)</span></h2>
<svg id="size-histogram" class="hist" viewBox="0 0 {W} {H}" role="img" aria-label="histogram of users by total size" preserveAspectRatio="xMidYMid meet">
<line x1="0" y1="{base}" x2="{W}" y2="{base}" class="axis"/>
"#,
        base = H - BOTTOM,
    );
    for (i, ((label, _), &count)) in BUCKETS.iter().zip(&a.buckets).enumerate() {
        let bh = if count == 0 {
            0.0
        } else {
            (count as f64 / max as f64 * plot_h).max(2.0)
        };
        let x = i as f64 * slot + (slot - bar_w) / 2.0;
        let y = H - BOTTOM - bh;
        let cx = i as f64 * slot + slot / 2.0;
        let _ = writeln!(
            h,
            r#"<g class="bucket" data-bucket="{i}" data-label="{l}" data-count="{count}"><title>{l}: {c} users ({p})</title><rect x="{x:.1}" y="{y:.1}" width="{bar_w:.1}" height="{bh:.1}" rx="3"/><text x="{cx:.1}" y="{ty:.1}" class="count">{c}</text><text x="{cx:.1}" y="{ly:.1}" class="label">{l}</text></g>"#,
            l = esc(label),
            c = thousands(count),
            p = pct_str(count, a.users),
            ty = y - 8.0,
            ly = H - BOTTOM + 24.0,
        );
    }
    h.push_str("</svg>\n</section>\n");
}
