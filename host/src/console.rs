//! Console output in the seed tool's format: banner, a line per finished user, summary.

use std::io::Write as _;
use std::time::Duration;

use crate::report::{human_size, thousands, Status, UserRow};

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
    /// `error` rows.
    pub errors: u64,
    /// Files over all users.
    pub files: u64,
    /// Bytes over all users.
    pub bytes: u64,
    /// Orphaned homes recorded.
    pub orphans: u64,
    /// Bytes in orphaned homes.
    pub orphan_bytes: u64,
}

impl Totals {
    /// Adds one row.
    pub fn add(&mut self, r: &UserRow) {
        self.users += 1;
        match r.status {
            Status::Success => self.success += 1,
            Status::Empty => self.empty += 1,
            Status::Error => self.errors += 1,
        }
        self.files += r.file_count();
        self.bytes += r.total_size();
        if r.orphan {
            self.orphans += 1;
            self.orphan_bytes += r.total_size();
        }
    }
}

/// Local start/end time as the seed printed it.
pub fn now_string() -> String {
    // No timezone database in the sandbox-free host either way: print UTC, labelled.
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `1m 5s`, `2h 3m 4s`, `0.4s`.
pub fn duration_string(d: Duration) -> String {
    let s = d.as_secs();
    if s < 10 {
        return format!("{:.1}s", d.as_secs_f64());
    }
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, m, sec) => format!("{m}m {sec}s"),
        (h, m, sec) => format!("{h}h {m}m {sec}s"),
    }
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

/// The two lines printed when a user finishes.
pub fn user_lines(i: usize, n: &str, r: &UserRow) -> String {
    let tag = if r.orphan { " (orphaned home)" } else { "" };
    let head = format!("[{i}/{n}] {}{tag}", r.username);
    let body = match r.status {
        Status::Success => format!(
            "  ✓ Files: {}, Size: {}",
            thousands(r.file_count()),
            human_size(r.total_size())
        ),
        Status::Empty => "  ⊘ Empty directory".to_string(),
        Status::Error => format!("  ✗ Error: {}", r.error.as_deref().unwrap_or("unknown error")),
    };
    format!("{head}\n{body}\n")
}

/// The summary block.
pub fn summary(out: &mut impl std::io::Write, t: &Totals, duplicates: usize) {
    let _ = writeln!(out, "\n{RULE}\nSUMMARY\n{RULE}");
    let _ = writeln!(out, "Total users processed: {}", thousands(t.users));
    let _ = writeln!(out, "  ✓ Successful (with files): {}", thousands(t.success));
    let _ = writeln!(out, "  ⊘ Empty directories: {}", thousands(t.empty));
    let _ = writeln!(out, "  ✗ Errors: {}", thousands(t.errors));
    if duplicates > 0 {
        let _ = writeln!(out, "  Duplicate users skipped: {duplicates}");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_414), (2025, 11, 22));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn durations() {
        assert_eq!(duration_string(Duration::from_millis(400)), "0.4s");
        assert_eq!(duration_string(Duration::from_secs(335)), "5m 35s");
        assert_eq!(duration_string(Duration::from_secs(3 * 3600 + 62)), "3h 1m 2s");
    }
}
