//! The `--html` report: one self-contained HTML page (inline CSS and inline SVG; no script, no
//! external asset, no web font) with totals, top users by size, a size histogram, the DBFS vs
//! Workspace split, errors and orphaned homes.
//!
//! Every string that comes from the workspace or the run (usernames, error messages, the host)
//! is hostile input and goes through [`esc`]. A Content-Security-Policy meta tag forbids scripts
//! and every load besides, so an escaping mistake could not run anything either.
//!
//! Key numbers carry stable ids and `data-*` attributes (machine-readable, unformatted) so tests
//! and scripts can read them: `#total-users`, `#total-files`, `#total-bytes`, `#count-success`,
//! `#count-empty`, `#count-no-home`, `#count-error`, `#count-orphan`, `#dbfs-files`, `#dbfs-bytes`,
//! `#workspace-files`, `#workspace-bytes` (each with `data-value`), histogram buckets
//! (`#size-histogram [data-bucket]` with `data-count`), `#top-users tr[data-rank]` (with
//! `data-user`, `data-files`, `data-bytes`), `#errors tr[data-user]` and `#orphans tr[data-user]`.
//!
//! Locations and ages (issue 19): `#locations tr[data-location]` (`dbfs`, `uploads`, `workspace`,
//! `repos`; with `data-state` = `scanned` | `not_scanned` | `not_available`, `data-files`,
//! `data-bytes`, `data-homes`), `#age [data-band]` (the six bands, with `data-bytes`),
//! `#stale-total`, `#stale-files`, `#undated-files` (`data-value`), `#stale-share` (`data-value`:
//! stale bytes per all bytes, 0–1), `#stale-users tr[data-rank]` (with `data-user`,
//! `data-stale-files`, `data-stale-bytes`, `data-last-modified` in ms or empty) and
//! `#largest-files tr[data-rank]` (with `data-user`, `data-location`, `data-path` — the full
//! location —, `data-bytes`, `data-modified` in ms or empty).

use std::borrow::Borrow;
use std::fmt::Write as _;
use std::path::Path;

use super::console::Totals;
use super::jsonl::AgeTotals;
use super::AtomicFile;
use crate::format::{human_size, now_string, rfc3339_ms, thousands};
use crate::model::{Ages, FileInfo, Location, Orphan, Principal, Status, TreeStats, Trees, UserRow};

/// Rows shown in the top-users table.
pub const TOP_USERS: usize = 25;
/// Most rows listed in the errors and orphans tables (the CSV has them all).
pub const MAX_LISTED: usize = 500;
/// Rows of the stale-users table.
pub const TOP_STALE: usize = 25;
/// Rows of the workspace's largest files.
pub const TOP_FILES: usize = 25;

const MIB: u64 = 1024 * 1024;
const GIB: u64 = 1024 * MIB;
const TIB: u64 = 1024 * GIB;

/// Histogram buckets of a user's total size: label and exclusive upper bound (`None`: open).
/// Bucket 0 holds exactly 0 bytes; units are 1024-based like everywhere else in the tool.
pub const BUCKETS: &[(&str, Option<u64>)] = &[
    ("0 B", Some(1)),
    ("< 1 MB", Some(MIB)),
    ("1–10 MB", Some(10 * MIB)),
    ("10–100 MB", Some(100 * MIB)),
    ("100 MB–1 GB", Some(GIB)),
    ("1–10 GB", Some(10 * GIB)),
    ("10–100 GB", Some(100 * GIB)),
    ("100 GB–1 TB", Some(TIB)),
    ("≥ 1 TB", None),
];

/// The histogram bucket of a total size.
pub fn bucket_of(bytes: impl Into<u128>) -> usize {
    let bytes = bytes.into();
    BUCKETS
        .iter()
        .position(|(_, hi)| hi.is_none_or(|hi| bytes < u128::from(hi)))
        .unwrap_or(BUCKETS.len() - 1)
}

/// What the report says about the run besides the rows.
#[derive(Debug, Clone)]
pub struct HtmlMeta {
    /// Workspace host (as shown in the banner).
    pub host: String,
    /// When the report was generated (`2025-11-22 10:00:00 UTC`).
    pub generated_at: String,
    /// Tool version.
    pub version: String,
    /// Trees scanned, e.g. `DBFS + Workspace`.
    pub trees: String,
    /// Caveats of the run shown at the top (e.g. orphans invisible to non-admin credentials).
    pub notes: Vec<String>,
    /// The run's ages reference (as-of, stale days), when known.
    pub ages: Option<Ages>,
}

impl HtmlMeta {
    /// Metadata stamped now, with this build's version.
    pub fn now(host: impl Into<String>, trees: Trees) -> Self {
        HtmlMeta {
            host: host.into(),
            generated_at: now_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            trees: trees.to_string(),
            notes: Vec::new(),
            ages: None,
        }
    }

    /// With the run's ages reference (the age section states it).
    pub fn with_ages(mut self, ages: Option<Ages>) -> Self {
        self.ages = ages;
        self
    }

    /// With caveats shown at the top of the report.
    pub fn with_notes(mut self, notes: Vec<String>) -> Self {
        self.notes = notes;
        self
    }
}

/// Escapes text for HTML content and (double- or single-quoted) attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters (other than tab/newline) are not valid in HTML text.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Writes the report for `rows` (in input order) into `file` and commits it.
pub fn write<R: Borrow<UserRow>>(file: AtomicFile, rows: &[R], meta: &HtmlMeta) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut file = file;
    file.file().write_all(render(rows, meta).as_bytes())?;
    file.commit()
}

/// Writes the report for `rows` to `path`, atomically (for `summary` and other callers that
/// have nothing to check before rendering; `scan` creates its file early, then calls [`write`]).
pub fn write_html<R: Borrow<UserRow>>(path: &Path, rows: &[R], meta: &HtmlMeta) -> anyhow::Result<()> {
    write(AtomicFile::create(path)?, rows, meta)
}

/// The console's totals plus what only the report shows.
#[derive(Default)]
struct Agg {
    totals: Totals,
    dbfs_files: u128,
    dbfs_bytes: u128,
    ws_files: u128,
    ws_bytes: u128,
    dbfs_scanned: bool,
    ws_scanned: bool,
    buckets: Vec<u64>,
    /// Per location, in [`Location::ALL`] order.
    locs: [LocAgg; 4],
    ages: AgeTotals,
    stale_files: u128,
    stale_bytes: u128,
    undated_files: u128,
}

/// One location over all rows.
#[derive(Default)]
struct LocAgg {
    /// Rows that scanned it (available or not).
    scanned: u64,
    /// Rows where it is not available (DBFS off).
    not_available: u64,
    /// Rows where it was not visible to the credentials.
    not_visible: u64,
    /// Rows with the folder.
    homes: u64,
    files: u128,
    bytes: u128,
}

impl std::ops::Deref for Agg {
    type Target = Totals;
    fn deref(&self) -> &Totals {
        &self.totals
    }
}

fn aggregate(rows: &[&UserRow]) -> Agg {
    let mut a = Agg {
        buckets: vec![0; BUCKETS.len()],
        ..Default::default()
    };
    for r in rows {
        a.totals.add(r);
        if let Some(t) = &r.dbfs {
            a.dbfs_scanned = true;
            a.dbfs_files += u128::from(t.files);
            a.dbfs_bytes += u128::from(t.bytes);
        }
        if let Some(t) = &r.workspace {
            a.ws_scanned = true;
            a.ws_files += u128::from(t.files);
            a.ws_bytes += u128::from(t.bytes);
        }
        a.buckets[bucket_of(r.total_size())] += 1;
        for (i, l) in Location::ALL.into_iter().enumerate() {
            let Some(t) = r.at(l) else { continue };
            let la = &mut a.locs[i];
            la.scanned += 1;
            la.not_available += u64::from(t.not_available);
            la.not_visible += u64::from(t.not_visible);
            la.homes += u64::from(t.home_exists);
            la.files += u128::from(t.files);
            la.bytes += u128::from(t.bytes);
        }
        let (sf, sb, uf) = r.age_totals();
        a.stale_files += sf;
        a.stale_bytes += sb;
        a.undated_files += uf;
        for (_, t) in r.located() {
            a.ages.add(&t.age);
        }
    }
    a
}

fn pct(part: impl Into<u128>, whole: impl Into<u128>) -> f64 {
    let (part, whole) = (part.into(), whole.into());
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

fn pct_str(part: impl Into<u128>, whole: impl Into<u128>) -> String {
    let (part, whole) = (part.into(), whole.into());
    let p = pct(part, whole);
    if part > 0 && p < 0.1 {
        "&lt;0.1%".to_string()
    } else {
        format!("{p:.1}%")
    }
}

/// A number with an id and its exact value: `<span id="total-files" data-value="1234">1,234</span>`.
fn num(id: &str, v: impl Into<u128>) -> String {
    let v = v.into();
    format!(r#"<span id="{id}" data-value="{v}">{}</span>"#, thousands(v))
}

/// A size with an id, its exact value and the exact byte count on hover.
fn size(id: &str, v: u128) -> String {
    format!(
        r#"<span id="{id}" data-value="{v}" title="{} bytes">{}</span>"#,
        thousands(v),
        human_size(v)
    )
}

fn size_cell(v: u128) -> String {
    format!(r#"<span title="{} bytes">{}</span>"#, thousands(v), human_size(v))
}

fn status_pill(s: Status) -> String {
    format!(r#"<span class="pill {0}">{0}</span>"#, s.as_str())
}

/// The page up to `<main>`, shared by the scan report and `diff`'s: the strict
/// Content-Security-Policy (no script, nothing fetched), the shared CSS (+ `extra_css`), and a
/// header with `heading`, the workspace host and `facts` (`(label, element id, text)`, escaped
/// here), the tool's version last.
pub(super) fn page_top(
    h: &mut String,
    heading: &str,
    meta: &HtmlMeta,
    extra_css: &str,
    facts: &[(&str, Option<&str>, &str)],
) {
    let mut dl = String::new();
    for (label, id, text) in facts {
        let id = id.map(|i| format!(r#" id="{i}""#)).unwrap_or_default();
        let _ = writeln!(dl, "<div><dt>{label}</dt><dd{id}>{}</dd></div>", esc(text));
    }
    let _ = write!(
        h,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="dbx-inventory {version}">
<title>{title}</title>
<style>
{CSS}{extra_css}</style>
</head>
<body>
<header class="top">
<div class="wrap">
<div class="brand">dbx-inventory</div>
<h1>{heading}</h1>
<div class="host" id="workspace-host">{host}</div>
<dl class="meta">
{dl}<div><dt>Tool</dt><dd>dbx-inventory {version}</dd></div>
</dl>
</div>
</header>
<main class="wrap">
"#,
        version = esc(&meta.version),
        title = esc(&format!("{heading} — {}", meta.host)),
        host = esc(&meta.host),
    );
}

/// Renders the whole report. Rows are taken in input order; nothing is fetched or run.
pub fn render<R: Borrow<UserRow>>(rows: &[R], meta: &HtmlMeta) -> String {
    let rows: Vec<&UserRow> = rows.iter().map(Borrow::borrow).collect();
    let a = aggregate(&rows);
    let mut h = String::with_capacity(64 * 1024);
    let users_n = homes_breakdown(&rows, &a);
    let notebooks = notebook_bytes_fact(&rows);
    page_top(
        &mut h,
        "User files inventory",
        meta,
        "",
        &[
            ("Generated", Some("generated-at"), &meta.generated_at),
            ("Trees scanned", Some("trees-scanned"), &meta.trees),
            ("Homes scanned", None, &users_n),
            ("Notebook bytes", Some("notebook-bytes"), &notebooks),
        ],
    );
    for note in &meta.notes {
        let _ = writeln!(h, r#"<p class="card warn-note">{}</p>"#, esc(note));
    }

    kpis(&mut h, &a);
    h.push_str(r#"<div class="grid2">"#);
    split(&mut h, &a);
    concentration(&mut h, &rows, &a);
    h.push_str("</div>\n");
    locations(&mut h, &a);
    age(&mut h, &rows, &a, meta.ages);
    histogram(&mut h, &a);
    top_users(&mut h, &rows, &a);
    largest_files(&mut h, &rows);
    errors(&mut h, &rows, &a);
    if a.orphans > 0 {
        orphans(&mut h, &rows, &a);
    }
    let _ = write!(
        h,
        r#"</main>
<footer class="wrap foot">Generated by dbx-inventory {version} on {generated}. Sizes use 1024-based units (1 MB = 1,048,576 bytes); hover a size for the exact byte count. Sizes of users in <em>error</em> count what was listed before the failure. Full per-user detail is in the CSV output.</footer>
</body>
</html>
"#,
        version = esc(&meta.version),
        generated = esc(&meta.generated_at),
    );
    h
}

/// `40 (37 users · 2 service principals · 1 orphaned home)`: what the rows are, so service
/// principals and orphaned homes are not called users.
fn homes_breakdown(rows: &[&UserRow], a: &Agg) -> String {
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
fn notebook_bytes_fact(rows: &[&UserRow]) -> String {
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

fn kpis(h: &mut String, a: &Agg) {
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

fn stack_bar(parts: &[(&str, u128)]) -> String {
    let total: u128 = parts.iter().map(|p| p.1).sum();
    if total == 0 {
        return r#"<span class="seg none" style="width:100%"></span>"#.to_string();
    }
    parts
        .iter()
        .filter(|p| p.1 > 0)
        .map(|(class, v)| {
            format!(
                r#"<span class="seg {class}" style="width:{:.3}%"></span>"#,
                pct(*v, total)
            )
        })
        .collect()
}

fn split(h: &mut String, a: &Agg) {
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
fn location_words(l: Location) -> (&'static str, &'static str) {
    match l {
        Location::Dbfs => ("DBFS home", "dbfs:/Users/&lt;user&gt;"),
        Location::Uploads => ("UI uploads", "dbfs:/FileStore/shared_uploads/&lt;user&gt;"),
        Location::Workspace => ("Workspace home", "/Users/&lt;user&gt;"),
        Location::Repos => ("Repos", "/Repos/&lt;user&gt;"),
    }
}

fn locations(h: &mut String, a: &Agg) {
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

/// A band's words in the report.
fn band_label(band: &str) -> &'static str {
    match band {
        "under_30_days" => "under 30 days",
        "under_90_days" => "30–90 days",
        "under_1_year" => "90 days – 1 year",
        "under_3_years" => "1–3 years",
        "older" => "over 3 years",
        _ => "undated",
    }
}

fn age(h: &mut String, rows: &[&UserRow], a: &Agg, ages: Option<Ages>) {
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

fn stale_users(h: &mut String, rows: &[&UserRow]) {
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
fn top_files<'a>(rows: &[&'a UserRow]) -> Vec<(&'a UserRow, Location, &'a FileInfo)> {
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

fn largest_files(h: &mut String, rows: &[&UserRow]) {
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

/// Rows sorted by total size (then files), largest first; ties keep input order.
fn by_size<'a>(rows: &[&'a UserRow]) -> Vec<&'a UserRow> {
    let mut v = rows.to_vec();
    v.sort_by(|x, y| (y.total_size(), y.file_count()).cmp(&(x.total_size(), x.file_count())));
    v
}

fn concentration(h: &mut String, rows: &[&UserRow], a: &Agg) {
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

fn histogram(h: &mut String, a: &Agg) {
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

fn top_users(h: &mut String, rows: &[&UserRow], a: &Agg) {
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

fn errors(h: &mut String, rows: &[&UserRow], a: &Agg) {
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
    h.push_str("</tbody>\n</table>\n");
    if a.errors as usize > MAX_LISTED {
        let _ = writeln!(
            h,
            r#"<p class="muted">… and {} more (every error is in the CSV's <code>error</code> column).</p>"#,
            thousands(a.errors - MAX_LISTED as u64)
        );
    }
    h.push_str("</section>\n");
}

/// The pills after a name: a service principal's display name, an orphaned home, or a home whose
/// orphan status is unknown.
fn owner_pills(r: &UserRow) -> String {
    let mut out = String::new();
    if r.principal == Principal::ServicePrincipal {
        let name = r
            .display_name
            .as_deref()
            .map(|d| format!(" {}", esc(d)))
            .unwrap_or_default();
        let _ = write!(out, r#" <span class="pill sp">service principal{name}</span>"#);
    }
    match r.orphan {
        Orphan::Yes => out.push_str(r#" <span class="pill orphan">orphaned home</span>"#),
        Orphan::Unknown => out.push_str(r#" <span class="pill orphan">orphan status unknown</span>"#),
        Orphan::No => {}
    }
    out
}

fn orphans(h: &mut String, rows: &[&UserRow], a: &Agg) {
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
    h.push_str("</tbody>\n</table>\n");
    if list.len() > MAX_LISTED {
        let _ = writeln!(
            h,
            r#"<p class="muted">… and {} more (see the CSV's <code>orphan</code> column).</p>"#,
            thousands((list.len() - MAX_LISTED) as u64)
        );
    }
    h.push_str("</section>\n");
}

/// The report's style sheet (kept as a file so it can be edited as CSS).
const CSS: &str = include_str!("report.css");

pub mod diff;

#[cfg(test)]
mod tests;
