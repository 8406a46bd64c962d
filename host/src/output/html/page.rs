//! The page around the sections: its metadata ([`HtmlMeta`]), the escaping every workspace string
//! goes through ([`esc`]), the head with its Content-Security-Policy, and the inline CSS.

use std::fmt::Write as _;

use crate::format::now_string;
use crate::model::{Ages, Trees};

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
    /// An account run's workspaces (the per-workspace table); empty for one workspace.
    pub workspaces: Vec<WorkspaceLine>,
}

/// One workspace of an account run, as the report's per-workspace table shows it.
#[derive(Debug, Clone, Default)]
pub struct WorkspaceLine {
    /// `deployment_name`.
    pub deployment: String,
    /// `workspace_name`.
    pub name: String,
    /// `scanned`, `failed`, `stopped`, `skipped`, `not_started`.
    pub state: String,
    /// Why it failed or was skipped (empty when scanned).
    pub note: String,
    /// Users recorded.
    pub users: u64,
    /// Files over its users.
    pub files: u128,
    /// Bytes over its users.
    pub bytes: u128,
    /// Users in `error`.
    pub errors: u64,
    /// Its own report, relative to the account's (`results.workspaces/ws-a.html`).
    pub report: Option<String>,
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
            workspaces: Vec::new(),
        }
    }

    /// With an account run's per-workspace table.
    pub fn with_workspaces(mut self, workspaces: Vec<WorkspaceLine>) -> Self {
        self.workspaces = workspaces;
        self
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

/// The report's style sheet (kept as a file so it can be edited as CSS).
pub(super) const CSS: &str = include_str!("report.css");
