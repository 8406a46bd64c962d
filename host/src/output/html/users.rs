//! The report's per-user sections: ages and stale data, the largest files, the top users,
//! errors and orphaned homes.

use std::fmt::Write as _;

use super::aggregate::*;
use super::cells::*;
use super::page::esc;
use crate::format::{rfc3339_ms, thousands};
use crate::model::{Ages, FileInfo, Location, Orphan, Status, TreeStats, UserRow};

/// A band's words in the report.
pub(super) fn band_label(band: &str) -> &'static str {
    match band {
        "under_30_days" => "under 30 days",
        "under_90_days" => "30–90 days",
        "under_1_year" => "90 days – 1 year",
        "under_3_years" => "1–3 years",
        "older" => "over 3 years",
        _ => "undated",
    }
}

pub(super) fn age(h: &mut String, rows: &[&UserRow], a: &Agg, ages: Option<Ages>) {
    let reference = match ages {
        Some(g) => format!(
            "as of {}; stale = last modified more than {} days before",
            rfc3339_ms(g.as_of_ms),
            thousands(g.stale_days)
        ),
        None => "as-of and stale days not recorded".to_string(),
    };
    let bands = a.ages.bands();
    let dated: u128 = bands.iter().map(|b| b.1).sum();
    let share = if a.bytes == 0 {
        0.0
    } else {
        a.stale_bytes as f64 / a.bytes as f64
    };
    let _ = write!(
        h,
        r#"<section class="card" id="age">
<h2>Age <span class="h2sub">{reference}</span></h2>
<div class="kpis three">
<div class="kpi"><div class="label">Stale</div><div class="value">{stale}</div><div class="sub"><span id="stale-share" data-value="{share:.6}">{ps}</span> of all bytes · {sf} files</div></div>
<div class="kpi"><div class="label">Undated files</div><div class="value">{uf}</div><div class="sub">no valid modification time (never stale)</div></div>
<div class="kpi"><div class="label">Newest file</div><div class="value small">{newest}</div><div class="sub">last modified, over every user</div></div>
</div>
<div class="barlabel">Bytes by age</div>
<div class="stack" role="img" aria-label="bytes by age">{bar}</div>
<table class="t compact" id="age-bands">
<thead><tr><th>Last modified</th><th class="n">Size</th><th class="n">share</th></tr></thead>
<tbody>
"#,
        reference = esc(&reference),
        stale = size("stale-total", a.stale_bytes),
        ps = pct_str(a.stale_bytes, a.bytes),
        sf = num("stale-files", a.stale_files),
        uf = num("undated-files", a.undated_files),
        newest = rows
            .iter()
            .filter_map(|r| r.last_modified_ms())
            .max()
            .map_or_else(|| "—".to_string(), |ms| esc(&rfc3339_ms(ms))),
        bar = stack_bar(&bands),
    );
    for (band, bytes) in bands {
        let _ = writeln!(
            h,
            r#"<tr data-band="{band}" data-bytes="{bytes}"><th scope="row"><i class="sw {band}"></i>{label}</th><td class="n">{s}</td><td class="n muted">{p}</td></tr>"#,
            label = band_label(band),
            s = size_cell(bytes),
            p = pct_str(bytes, dated),
        );
    }
    h.push_str("</tbody>\n</table>\n");
    if dated < a.bytes {
        let _ = writeln!(
            h,
            r#"<p class="muted">{} of the bytes have no age recorded (rows of a version before ages were measured).</p>"#,
            size_cell(a.bytes - dated)
        );
    }
    stale_users(h, rows);
    h.push_str("</section>\n");
}

pub(super) fn stale_users(h: &mut String, rows: &[&UserRow]) {
    let mut v: Vec<(&UserRow, u128, u128)> = rows
        .iter()
        .map(|r| {
            let (f, b, _) = r.age_totals();
            (*r, f, b)
        })
        .filter(|(_, f, _)| *f > 0)
        .collect();
    v.sort_by_key(|x| std::cmp::Reverse((x.2, x.1)));
    let _ = write!(
        h,
        r#"<h3>Users holding the most stale bytes <span class="h2sub">{shown} of {n} with stale files</span></h3>
<table class="t" id="stale-users">
<thead><tr><th class="n">#</th><th>User</th><th class="n">Stale files</th><th class="n">Stale size</th><th class="n">share of the user's</th><th>Last modified</th></tr></thead>
<tbody>
"#,
        shown = thousands(v.len().min(TOP_STALE) as u64),
        n = thousands(v.len() as u64),
    );
    if v.is_empty() {
        h.push_str(r#"<tr><td colspan="6" class="muted empty-note">No stale files.</td></tr>"#);
    }
    for (i, (r, files, bytes)) in v.iter().take(TOP_STALE).enumerate() {
        let last = r.last_modified_ms();
        let _ = writeln!(
            h,
            r#"<tr data-rank="{rank}" data-user="{u}" data-stale-files="{files}" data-stale-bytes="{bytes}" data-last-modified="{lm}"><td class="n muted">{rank}</td><td class="user">{u}{pills}</td><td class="n">{fs}</td><td class="n strong">{bs}</td><td class="n muted">{p}</td><td>{lt}</td></tr>"#,
            rank = i + 1,
            u = esc(&r.username),
            pills = owner_pills(r),
            lm = last.map(|m| m.to_string()).unwrap_or_default(),
            fs = thousands(*files),
            bs = size_cell(*bytes),
            p = pct_str(*bytes, r.total_size()),
            lt = last.map_or_else(
                || r#"<span class="muted">—</span>"#.to_string(),
                |m| esc(&rfc3339_ms(m))
            ),
        );
    }
    h.push_str("</tbody>\n</table>\n");
}

/// The workspace's largest files: each user's recorded largest (10 per location), merged.
pub(super) fn top_files<'a>(rows: &[&'a UserRow]) -> Vec<(&'a UserRow, Location, &'a FileInfo)> {
    let mut all: Vec<(&UserRow, Location, &FileInfo)> = rows
        .iter()
        .flat_map(|r| r.largest(TOP_FILES).into_iter().map(move |(l, f)| (*r, l, f)))
        .collect();
    all.sort_by(|(ua, la, a), (ub, lb, b)| {
        b.bytes
            .cmp(&a.bytes)
            .then_with(|| ua.username.cmp(&ub.username))
            .then_with(|| la.full_path(&a.path).cmp(&lb.full_path(&b.path)))
    });
    all.truncate(TOP_FILES);
    all
}

pub(super) fn largest_files(h: &mut String, rows: &[&UserRow]) {
    let files = top_files(rows);
    let _ = write!(
        h,
        r#"<section class="card" id="largest">
<h2>Largest files <span class="h2sub">the workspace's {n} largest</span></h2>
<table class="t" id="largest-files">
<thead><tr><th class="n">#</th><th>User</th><th>Location</th><th class="n">Size</th><th>Modified</th></tr></thead>
<tbody>
"#,
        n = files.len(),
    );
    if files.is_empty() {
        h.push_str(r#"<tr><td colspan="5" class="muted empty-note">No sized file recorded.</td></tr>"#);
    }
    for (i, (r, l, f)) in files.iter().enumerate() {
        let path = l.full_path(&f.path);
        let _ = writeln!(
            h,
            r#"<tr data-rank="{rank}" data-user="{u}" data-location="{loc}" data-path="{p}" data-bytes="{b}" data-modified="{m}"><td class="n muted">{rank}</td><td class="user">{u}</td><td class="path"><i class="sw {loc}" title="{ll}"></i>{p}</td><td class="n strong">{s}</td><td>{mt}</td></tr>"#,
            rank = i + 1,
            u = esc(&r.username),
            loc = l.name(),
            ll = esc(l.label()),
            p = esc(&path),
            b = f.bytes,
            m = f.modified_ms.map(|m| m.to_string()).unwrap_or_default(),
            s = size_cell(f.bytes.into()),
            mt = f.modified_ms.map_or_else(
                || r#"<span class="muted">undated</span>"#.to_string(),
                |m| esc(&rfc3339_ms(m))
            ),
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

pub(super) fn top_users(h: &mut String, rows: &[&UserRow], a: &Agg) {
    let sorted = by_size(rows);
    let shown = sorted.len().min(TOP_USERS);
    let _ = write!(
        h,
        r#"<section class="card" id="top">
<h2>Top users by size <span class="h2sub">{shown} largest of {users}</span></h2>
<table class="t" id="top-users">
<thead><tr><th class="n">#</th><th>User</th><th>Status</th><th class="n">Files</th><th class="n">DBFS</th><th class="n">Workspace</th><th class="n">Total</th><th class="sharecol">Share of total</th></tr></thead>
<tbody>
"#,
        users = thousands(a.users),
    );
    if sorted.is_empty() {
        h.push_str(r#"<tr><td colspan="8" class="muted empty-note">No users recorded.</td></tr>"#);
    }
    let largest = sorted.first().map_or(0, |r| r.total_size());
    for (i, r) in sorted.iter().take(TOP_USERS).enumerate() {
        let tb = |t: &Option<TreeStats>| match t {
            Some(t) => size_cell(t.bytes.into()),
            None => r#"<span class="muted">—</span>"#.to_string(),
        };
        let orphan = owner_pills(r);
        let _ = writeln!(
            h,
            r#"<tr data-rank="{rank}" data-user="{u}" data-files="{f}" data-bytes="{b}"><td class="n muted">{rank}</td><td class="user">{u}{orphan}</td><td>{st}</td><td class="n">{fs}</td><td class="n">{d}</td><td class="n">{w}</td><td class="n strong">{tot}</td><td class="sharecol"><span class="share"><span class="sharebar" style="width:{bw:.2}%"></span></span><span class="sharetxt">{p}</span></td></tr>"#,
            rank = i + 1,
            u = esc(&r.username),
            f = r.file_count(),
            b = r.total_size(),
            st = status_pill(r.status),
            fs = thousands(r.file_count()),
            d = tb(&r.dbfs),
            w = tb(&r.workspace),
            tot = size_cell(r.total_size()),
            bw = pct(r.total_size(), largest),
            p = pct_str(r.total_size(), a.bytes),
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

pub(super) fn errors(h: &mut String, rows: &[&UserRow], a: &Agg) {
    let _ = write!(
        h,
        r#"<section class="card" id="errors-section">
<h2>Errors <span class="h2sub">{n} user(s)</span></h2>
"#,
        n = thousands(a.errors),
    );
    if a.errors == 0 {
        h.push_str("<p class=\"ok-note\">No errors: every user was scanned cleanly.</p>\n</section>\n");
        return;
    }
    h.push_str(
        r#"<table class="t" id="errors">
<thead><tr><th>User</th><th>Error</th><th class="n">Files seen</th><th class="n">Size seen</th></tr></thead>
<tbody>
"#,
    );
    for r in rows.iter().filter(|r| r.status == Status::Error).take(MAX_LISTED) {
        let _ = writeln!(
            h,
            r#"<tr data-user="{u}"><td class="user">{u}</td><td class="msg">{m}</td><td class="n">{f}</td><td class="n">{s}</td></tr>"#,
            u = esc(&r.username),
            m = esc(r.error.as_deref().unwrap_or("unknown error")),
            f = thousands(r.file_count()),
            s = size_cell(r.total_size()),
        );
    }
    end_listed_table(h, a.errors, r#"every error is in the CSV's <code>error</code> column"#);
}

pub(super) fn orphans(h: &mut String, rows: &[&UserRow], a: &Agg) {
    let _ = write!(
        h,
        r#"<section class="card" id="orphans-section">
<h2>Orphaned homes <span class="h2sub">{n} home(s) with no active user, holding {b}</span></h2>
<table class="t" id="orphans">
<thead><tr><th>Home of</th><th>Status</th><th class="n">Files</th><th class="n">Size</th></tr></thead>
<tbody>
"#,
        n = num("count-orphan", a.orphans),
        b = size("orphan-bytes", a.orphan_bytes),
    );
    let list: Vec<&UserRow> = by_size(rows).into_iter().filter(|r| r.orphan == Orphan::Yes).collect();
    for r in list.iter().take(MAX_LISTED) {
        let _ = writeln!(
            h,
            r#"<tr data-user="{u}" data-bytes="{b}"><td class="user">{u}</td><td>{st}</td><td class="n">{f}</td><td class="n">{s}</td></tr>"#,
            u = esc(&r.username),
            b = r.total_size(),
            st = status_pill(r.status),
            f = thousands(r.file_count()),
            s = size_cell(r.total_size()),
        );
    }
    end_listed_table(h, list.len() as u64, r#"see the CSV's <code>orphan</code> column"#);
}
