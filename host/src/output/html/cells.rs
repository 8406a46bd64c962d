//! Small pieces the sections share: percentages, numbers and sizes with machine-readable ids,
//! status and owner pills, a stacked bar.

use std::fmt::Write as _;

use super::aggregate::MAX_LISTED;
use super::page::esc;
use crate::format::{human_size, thousands};
use crate::model::{Orphan, Principal, Status, UserRow};

pub(super) fn pct(part: impl Into<u128>, whole: impl Into<u128>) -> f64 {
    let (part, whole) = (part.into(), whole.into());
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

pub(super) fn pct_str(part: impl Into<u128>, whole: impl Into<u128>) -> String {
    let (part, whole) = (part.into(), whole.into());
    let p = pct(part, whole);
    if part > 0 && p < 0.1 {
        "&lt;0.1%".to_string()
    } else {
        format!("{p:.1}%")
    }
}

/// A number with an id and its exact value: `<span id="total-files" data-value="1234">1,234</span>`.
pub(super) fn num(id: &str, v: impl Into<u128>) -> String {
    let v = v.into();
    format!(r#"<span id="{id}" data-value="{v}">{}</span>"#, thousands(v))
}

/// A size with an id, its exact value and the exact byte count on hover.
pub(super) fn size(id: &str, v: u128) -> String {
    format!(
        r#"<span id="{id}" data-value="{v}" title="{} bytes">{}</span>"#,
        thousands(v),
        human_size(v)
    )
}

pub(super) fn size_cell(v: u128) -> String {
    format!(r#"<span title="{} bytes">{}</span>"#, thousands(v), human_size(v))
}

pub(super) fn status_pill(s: Status) -> String {
    format!(r#"<span class="pill {0}">{0}</span>"#, s.as_str())
}

pub(super) fn stack_bar(parts: &[(&str, u128)]) -> String {
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

/// The pills after a name: a service principal's display name, an orphaned home, or a home whose
/// orphan status is unknown.
pub(super) fn owner_pills(r: &UserRow) -> String {
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

/// Closes a table that lists at most [`MAX_LISTED`] of `total` rows and its section, saying how
/// many more there are and where they are (`rest`, HTML).
pub(super) fn end_listed_table(h: &mut String, total: u64, rest: &str) {
    h.push_str("</tbody>\n</table>\n");
    if total > MAX_LISTED as u64 {
        let _ = writeln!(
            h,
            r#"<p class="muted">… and {} more ({rest}).</p>"#,
            thousands(total - MAX_LISTED as u64)
        );
    }
    h.push_str("</section>\n");
}
