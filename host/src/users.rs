//! The list of users to scan: from arguments and `--users-file`, deduplicated
//! case-insensitively (first spelling kept), in input order.

use std::collections::HashSet;
use std::path::Path;

use anyhow::Context as _;

/// Reads a users file: one username per line; blank lines and `#` comments skipped;
/// surrounding whitespace trimmed. A UTF-8 BOM is tolerated.
pub fn read_users_file(path: &Path) -> anyhow::Result<Vec<String>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read users file {}", path.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| anyhow::anyhow!("users file {} is not UTF-8 text (byte {})", path.display(), e.utf8_error().valid_up_to()))?;
    Ok(parse_users(text.trim_start_matches('\u{feff}')))
}

/// Parses the users-file format.
pub fn parse_users(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// Removes case-insensitive duplicates, keeping the first spelling; returns the users and
/// the duplicates dropped (as given).
pub fn dedupe(users: impl IntoIterator<Item = String>) -> (Vec<String>, Vec<String>) {
    let mut seen = HashSet::new();
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for u in users {
        if seen.insert(u.to_lowercase()) {
            kept.push(u);
        } else {
            dropped.push(u);
        }
    }
    (kept, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_blank_lines_are_skipped() {
        let u = parse_users("# team\n\na@x.com\n  b@x.com  \n# c@x.com\r\nd@x.com\r\n");
        assert_eq!(u, ["a@x.com", "b@x.com", "d@x.com"]);
    }

    #[test]
    fn duplicates_are_dropped_case_insensitively_first_spelling_kept() {
        let (k, d) = dedupe(["Alice@X.com", "bob@x.com", "alice@x.com", "BOB@X.COM"].map(String::from));
        assert_eq!(k, ["Alice@X.com", "bob@x.com"]);
        assert_eq!(d, ["alice@x.com", "BOB@X.COM"]);
    }
}
