//! The list of users to scan: from arguments and `--users-file`, deduplicated
//! case-insensitively (first spelling kept), in input order.

use std::collections::HashSet;
use std::path::Path;

use anyhow::Context as _;

/// Reads a users file: one username per line; blank lines and `#` comments skipped;
/// surrounding whitespace trimmed. A UTF-8 BOM is tolerated.
/// `-` reads standard input.
pub fn read_users_file(path: &Path) -> anyhow::Result<Vec<String>> {
    let bytes = if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).context("cannot read users from standard input")?;
        buf
    } else {
        std::fs::read(path).with_context(|| format!("cannot read users file {}", path.display()))?
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "users file {} is not UTF-8 text (byte {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
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

/// The spellings of a home directory accepted where a username is expected.
pub const HOME_PREFIXES: &[&str] = &["dbfs:/Users/", "/dbfs/Users/", "/Workspace/Users/", "/Users/"];

/// Takes a home path given instead of a username to the username: `/Users/a@x.com`,
/// `dbfs:/Users/a@x.com`, `/dbfs/Users/a@x.com` and `/Workspace/Users/a@x.com` (a trailing `/`
/// allowed) all give `a@x.com`. Anything else is returned unchanged, so a name that still holds a
/// `/` (e.g. a deeper path) reaches the scanner and becomes an `invalid username` error row.
pub fn home_path_to_user(given: &str) -> &str {
    for prefix in HOME_PREFIXES {
        if let Some(rest) = given.strip_prefix(prefix) {
            let rest = rest.strip_suffix('/').unwrap_or(rest);
            if !rest.is_empty() && !rest.contains('/') {
                return rest;
            }
        }
    }
    given
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
    fn home_paths_are_taken_as_usernames() {
        for given in [
            "/Users/a@x.com",
            "dbfs:/Users/a@x.com",
            "/dbfs/Users/a@x.com",
            "/Workspace/Users/a@x.com",
            "/Users/a@x.com/",
        ] {
            assert_eq!(home_path_to_user(given), "a@x.com", "{given}");
        }
        for kept in [
            "a@x.com",
            "/Users/a@x.com/sub",
            "/Users/",
            "/Users//",
            "/Volumes/a@x.com",
            "dbfs:/a@x.com",
            "Users/a@x.com",
            "/users/a@x.com",
        ] {
            assert_eq!(home_path_to_user(kept), kept, "{kept}");
        }
    }

    #[test]
    fn duplicates_are_dropped_case_insensitively_first_spelling_kept() {
        let (k, d) = dedupe(["Alice@X.com", "bob@x.com", "alice@x.com", "BOB@X.COM"].map(String::from));
        assert_eq!(k, ["Alice@X.com", "bob@x.com"]);
        assert_eq!(d, ["alice@x.com", "BOB@X.COM"]);
    }
}
