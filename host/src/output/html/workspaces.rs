//! An account run's per-workspace table: each workspace's state, users, files, size and errors,
//! with a link to its own report.

use std::fmt::Write as _;

use super::cells::size_cell;
use super::page::{esc, WorkspaceLine};
use crate::format::thousands;

/// The table, when the report is an account's (nothing otherwise).
pub(super) fn table(h: &mut String, lines: &[WorkspaceLine]) {
    if lines.is_empty() {
        return;
    }
    let scanned = lines.iter().filter(|l| l.state == "scanned").count();
    let _ = write!(
        h,
        r#"<section class="card" id="workspaces-section">
<h2>Workspaces <span class="h2sub">{scanned} of {n} scanned</span></h2>
<table class="t" id="workspaces">
<thead><tr><th>Workspace</th><th>Name</th><th>State</th><th class="n">Users</th><th class="n">Files</th><th class="n">Size</th><th class="n">Errors</th><th>Report</th></tr></thead>
<tbody>
"#,
        n = lines.len(),
    );
    for l in lines {
        let state = if l.note.is_empty() {
            esc(&l.state)
        } else {
            format!("{}: <span class=\"msg\">{}</span>", esc(&l.state), esc(&l.note))
        };
        let report = match &l.report {
            Some(r) => format!(r#"<a href="{}">report</a>"#, esc(r)),
            None => String::new(),
        };
        let _ = writeln!(
            h,
            r#"<tr data-workspace="{d}" data-state="{st}" data-users="{u}" data-files="{f}" data-bytes="{b}" data-errors="{e}"><td class="user">{d}</td><td>{name}</td><td>{state}</td><td class="n">{uf}</td><td class="n">{ff}</td><td class="n">{s}</td><td class="n">{ef}</td><td>{report}</td></tr>"#,
            d = esc(&l.deployment),
            st = esc(&l.state),
            u = l.users,
            f = l.files,
            b = l.bytes,
            e = l.errors,
            name = esc(&l.name),
            uf = thousands(l.users),
            ff = thousands(l.files),
            s = size_cell(l.bytes),
            ef = thousands(l.errors),
        );
    }
    h.push_str("</tbody></table>\n</section>\n");
}
