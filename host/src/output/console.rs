//! Console output in the seed tool's format: banner, a line per finished user, summary.

use std::io::Write as _;
use std::time::Duration;

use std::path::Path;

use crate::format::{duration_string, human_size, now_string, thousands};
use crate::model::{Orphan, Principal, Status, UserRow};

const RULE: &str = "================================================================================";

/// Totals shown in the summary.
#[derive(Debug, Default, Clone)]
pub struct Totals {
    /// Users recorded.
    pub users: u64,
    /// `success` rows.
    pub success: u64,
    /// `empty` rows.
    pub empty: u64,
    /// `no_home` rows: no folder in any scanned location.
    pub no_home: u64,
    /// `error` rows.
    pub errors: u64,
    /// Files over all users (`u128`, like every total: sums never wrap).
    pub files: u128,
    /// Bytes over all users, exact.
    pub bytes: u128,
    /// Orphaned homes recorded.
    pub orphans: u64,
    /// Bytes in orphaned homes.
    pub orphan_bytes: u128,
    /// Homes whose orphan status is unknown (the service principals could not be listed).
    pub orphans_unknown: u64,
    /// Service principals' rows.
    pub service_principals: u64,
    /// Workspace homes the credentials could not see (`workspace_home=not_visible`).
    pub not_visible: u64,
}

impl Totals {
    /// Totals over rows.
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a UserRow>) -> Totals {
        let mut t = Totals::default();
        for r in rows {
            t.add(r);
        }
        t
    }

    /// Adds one row.
    pub fn add(&mut self, r: &UserRow) {
        self.users += 1;
        match r.status {
            Status::Success => self.success += 1,
            Status::Empty => self.empty += 1,
            Status::NoHome => self.no_home += 1,
            Status::Error => self.errors += 1,
        }
        self.files += r.file_count();
        self.bytes += r.total_size();
        if r.workspace_not_visible() {
            self.not_visible += 1;
        }
        match r.orphan {
            Orphan::Yes => {
                self.orphans += 1;
                self.orphan_bytes += r.total_size();
            }
            Orphan::Unknown => self.orphans_unknown += 1,
            Orphan::No => {}
        }
        if r.principal == Principal::ServicePrincipal {
            self.service_principals += 1;
        }
    }
}

/// `[ws-a] ` for an account run's workspace, nothing otherwise.
pub fn label_prefix(label: Option<&str>) -> String {
    label.map(|l| format!("[{l}] ")).unwrap_or_default()
}

/// Where a run's console block goes: stdout, or (an account run's workspace, `label`) a buffer
/// printed by [`print_labelled`] when dropped, so the workspaces' blocks never interleave.
pub struct Out {
    label: Option<String>,
    buf: Vec<u8>,
}

impl Out {
    /// Straight to stdout without a label; buffered and prefixed with one.
    pub fn labelled(label: Option<&str>) -> Out {
        Out {
            label: label.map(str::to_string),
            buf: Vec::new(),
        }
    }
}

impl std::io::Write for Out {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match self.label {
            None => std::io::stdout().write(bytes),
            Some(_) => {
                self.buf.extend_from_slice(bytes);
                Ok(bytes.len())
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.label {
            None => std::io::stdout().flush(),
            Some(_) => Ok(()),
        }
    }
}

impl Drop for Out {
    fn drop(&mut self) {
        if let Some(label) = &self.label {
            print_labelled(label, &String::from_utf8_lossy(&self.buf));
        }
    }
}

/// Each line of `text` under its workspace (`[ws-a] line`), as one write to stdout: an account
/// run's workspaces end at their own pace, and their blocks must not interleave.
pub fn print_labelled(label: &str, text: &str) {
    let mut block = String::with_capacity(text.len() + 64);
    for line in text.lines() {
        block.push_str(&label_prefix(Some(label)));
        block.push_str(line);
        block.push('\n');
    }
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(block.as_bytes());
    let _ = out.flush();
}

/// The banner.
pub fn banner(out: &mut impl std::io::Write, users: &str, mode: &str, host: &str, extra: &[String]) {
    let _ = writeln!(out, "{RULE}\nDATABRICKS USER FILES LISTING\n{RULE}");
    let _ = writeln!(out, "Start time: {}", now_string());
    let _ = writeln!(out, "Workspace: {host}");
    let _ = writeln!(out, "Users to process: {users}");
    let _ = writeln!(out, "Mode: {mode}");
    for e in extra {
        let _ = writeln!(out, "{e}");
    }
    let _ = writeln!(out, "{RULE}\n");
}

/// Text that comes from the data (a username, a path, a file name) as a terminal may safely show
/// it: control characters (C0, DEL, C1: escape sequences, carriage returns, newlines), the
/// invisible and direction-changing format characters (zero-width, bidi embeddings, overrides and
/// isolates, line and paragraph separators, the BOM) become `\u{…}`, and `\` becomes `\\` so the
/// escaped text stays unambiguous. Anything else, non-ASCII letters included, is kept.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    fn hostile(c: char) -> bool {
        c == '\\'
            || c.is_control()
            || matches!(c,
                '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
    }
    if !text.chars().any(hostile) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if hostile(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.into()
}

/// The two lines printed when a user finishes.
pub fn user_lines(i: usize, n: &str, r: &UserRow) -> String {
    let tag = match r.orphan {
        Orphan::Yes => " (orphaned home)",
        Orphan::Unknown => " (orphan status unknown)",
        Orphan::No => "",
    };
    let sp = match (r.principal, &r.display_name) {
        (Principal::ServicePrincipal, Some(d)) => format!(" (service principal {d})"),
        (Principal::ServicePrincipal, None) => " (service principal)".to_string(),
        (Principal::User, _) => String::new(),
    };
    let head = format!("[{i}/{n}] {}{sp}{tag}", r.username);
    let body = match r.status {
        Status::Success => format!(
            "  ✓ Files: {}, Size: {}{}",
            thousands(r.file_count()),
            human_size(r.total_size()),
            unsized_note(r)
        ),
        Status::Empty => "  ⊘ Empty directory".to_string(),
        Status::NoHome => format!("  ∅ No home: no folder in {}", scanned_places(r)),
        Status::Error => format!("  ✗ Error: {}", r.error.as_deref().unwrap_or("unknown error")),
    };
    format!("{head}\n{body}\n")
}

/// Why a user with files has 0 bytes: the Workspace API gives notebooks (and some objects) no
/// size; `--notebook-sizes` measures notebooks.
fn unsized_note(r: &UserRow) -> String {
    let without_size: u64 = r.dbfs.iter().chain(r.workspace.iter()).map(|t| t.unsized_objects).sum();
    if r.total_size() > 0 || without_size == 0 {
        return String::new();
    }
    let hint = match r.workspace.as_ref().map(|w| w.notebook_bytes) {
        Some(None) => "; --notebook-sizes measures notebooks",
        _ => "",
    };
    format!(
        " ({} object(s) without a size, e.g. notebooks{hint})",
        thousands(without_size)
    )
}

/// `DBFS /Users/a@x.com or Workspace /Users/a@x.com`: where a `no_home` user was looked for.
fn scanned_places(r: &UserRow) -> String {
    let mut places = Vec::new();
    if r.dbfs.is_some() {
        places.push(format!("DBFS /Users/{}", r.username));
    }
    if r.workspace.is_some() {
        places.push(format!("Workspace /Users/{}", r.username));
    }
    places.join(" or ")
}

/// The summary block.
pub fn summary(out: &mut impl std::io::Write, t: &Totals, duplicates: usize) {
    let _ = writeln!(out, "\n{RULE}\nSUMMARY\n{RULE}");
    let _ = writeln!(out, "Total users processed: {}", thousands(t.users));
    let _ = writeln!(out, "  ✓ Successful (with files): {}", thousands(t.success));
    let _ = writeln!(out, "  ⊘ Empty directories: {}", thousands(t.empty));
    if t.no_home > 0 {
        let _ = writeln!(
            out,
            "  ∅ No home (no folder in any scanned location): {}",
            thousands(t.no_home)
        );
    }
    let _ = writeln!(out, "  ✗ Errors: {}", thousands(t.errors));
    if duplicates > 0 {
        let _ = writeln!(out, "  Duplicate users skipped: {duplicates}");
    }
    if t.not_visible > 0 {
        let _ = writeln!(
            out,
            "  Workspace homes not visible to these credentials: {} (counted as errors; not a workspace admin — \
             scan again with an admin's credentials to see them)",
            thousands(t.not_visible)
        );
    }
    if t.orphans > 0 {
        let _ = writeln!(
            out,
            "  Orphaned homes (no active user): {}, holding {} ({} bytes)",
            thousands(t.orphans),
            human_size(t.orphan_bytes),
            thousands(t.orphan_bytes)
        );
    }
    if t.orphans_unknown > 0 {
        let _ = writeln!(
            out,
            "  Homes named like an application id, orphan status unknown (service principals not listed): {}",
            thousands(t.orphans_unknown)
        );
    }
    if t.service_principals > 0 {
        let _ = writeln!(out, "  Service principals' homes: {}", thousands(t.service_principals));
    }
    let _ = writeln!(out, "\nTotal files across all users: {}", thousands(t.files));
    let _ = writeln!(
        out,
        "Total size across all users: {} ({} bytes)",
        human_size(t.bytes),
        thousands(t.bytes)
    );
    let _ = writeln!(out, "{RULE}");
}

/// The closing block.
pub fn footer(out: &mut impl std::io::Write, ok: bool, elapsed: Duration, users: u64, output: &str) {
    let _ = writeln!(out, "\n{RULE}");
    let _ = writeln!(
        out,
        "{}",
        if ok {
            "COMPLETED SUCCESSFULLY"
        } else {
            "COMPLETED WITH ERRORS"
        }
    );
    let _ = writeln!(out, "{RULE}");
    let _ = writeln!(out, "End time: {}", now_string());
    let _ = writeln!(out, "Duration: {}", duration_string(elapsed));
    let _ = writeln!(out, "Users processed: {}", thousands(users));
    let _ = writeln!(out, "Output file: {output}");
    let _ = writeln!(out, "{RULE}");
    let _ = std::io::stdout().flush();
}

/// `Results saved to: …` lines.
pub fn saved_lines(out: &mut impl std::io::Write, csv: Option<&Path>, jsonl: Option<&Path>, html: Option<&Path>) {
    if let Some(p) = csv {
        let _ = writeln!(out, "\nResults saved to: {}", p.display());
    }
    if let Some(p) = jsonl {
        let _ = writeln!(out, "Details (JSON Lines) saved to: {}", p.display());
    }
    if let Some(p) = html {
        let _ = writeln!(out, "HTML report saved to: {}", p.display());
    }
}

/// The banner's journal line: `Journal: results.csv.journal (resuming: 120 user(s) already
/// recorded, 180 to scan)`, or `(new; the finished run's journal is kept as …)` after a rerun.
pub fn journal_line(
    path: &Path,
    recorded: usize,
    skipped: usize,
    to_scan: Option<usize>,
    archived: Option<&Path>,
) -> String {
    let state = match (recorded, to_scan) {
        (0, _) => match archived {
            Some(a) => format!("new; the finished run's journal is kept as {}", a.display()),
            None => "new".to_string(),
        },
        (_, Some(n)) => format!("resuming: {skipped} user(s) already recorded, {n} to scan"),
        (_, None) => format!("resuming: {skipped} user(s) already recorded are skipped"),
    };
    let rescans = recorded - skipped;
    let again = if rescans > 0 {
        format!(", {rescans} in error scanned again")
    } else {
        String::new()
    };
    format!("Journal: {} ({state}{again})", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_and_totals_of_huge_rows_are_exact() {
        let r = UserRow::huge("u");
        assert_eq!(r.total_size(), u128::from(u64::MAX) + 15);
        assert_eq!(r.file_count(), u128::from(u64::MAX) + 1);
        let csv = crate::output::csv::csv_record(&r);
        assert_eq!(
            (csv[1].as_str(), csv[2].as_str()),
            ("18446744073709551616", "18446744073709551630")
        );
        let t = Totals::of([&r, &r]);
        assert_eq!(t.bytes, 2 * (u128::from(u64::MAX) + 15));
        let mut out = Vec::new();
        summary(&mut out, &t, 0);
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.contains("Total size across all users: 32.0 EB (36,893,488,147,419,103,260 bytes)"),
            "{out}"
        );
    }

    #[test]
    fn data_is_shown_with_control_and_invisible_characters_escaped() {
        assert!(matches!(
            terminal_safe("/Users/a@x.com/Données/ß.csv"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(terminal_safe("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(terminal_safe("x\ny\rz\t"), "x\\u{a}y\\u{d}z\\u{9}");
        assert_eq!(terminal_safe("evil\u{202e}gpj.exe"), "evil\\u{202e}gpj.exe");
        assert_eq!(terminal_safe("\u{9b}31m\u{7f}"), "\\u{9b}31m\\u{7f}");
        assert_eq!(
            terminal_safe("zero\u{200b}width\u{feff}"),
            "zero\\u{200b}width\\u{feff}"
        );
        assert_eq!(terminal_safe("C:\\u{1b}"), "C:\\\\u{1b}", "a backslash is escaped too");
    }
}
