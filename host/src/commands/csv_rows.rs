//! `dbx-inventory csv-rows` (hidden): journal user lines on standard input (as `worker` prints
//! them) → the scan's CSV on standard output, the first row of each user (case-insensitive), in
//! input-position order (`i`, then arrival). The Spark launcher's notebook API uses it so the CSV
//! columns have one implementation ([`crate::output::csv`]).

use std::collections::HashMap;

use anyhow::Context as _;

use crate::cli::CsvRowsArgs;
use crate::error::{FatalError, Outcome, UsageError};
use crate::journal;
use crate::model::{UserKey, UserRow};
use crate::output::csv;

/// `dbx-inventory csv-rows`.
pub fn run(_args: CsvRowsArgs) -> anyhow::Result<Outcome> {
    let rows = read_rows(std::io::stdin().lock())?;
    let refs: Vec<&UserRow> = rows.iter().collect();
    csv::write_csv_to(std::io::stdout().lock(), &refs)
        .map_err(|e| FatalError(format!("cannot write the CSV to standard output: {e:#}")))?;
    Ok(Outcome::Clean)
}

/// The first row of each user, ordered by `i` then arrival; a malformed line is a usage error
/// naming it.
fn read_rows(input: impl std::io::BufRead) -> anyhow::Result<Vec<UserRow>> {
    let mut kept: HashMap<UserKey, (u64, usize, UserRow)> = HashMap::new();
    for (n, line) in input.split(b'\n').enumerate() {
        let line = line.context("cannot read standard input")?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let bad = |what: String| UsageError(format!("standard input line {}: {what}", n + 1));
        let text = std::str::from_utf8(&line).map_err(|e| bad(format!("not UTF-8 ({e})")))?;
        let entry = journal::parse_user_line(text).map_err(|e| bad(format!("{e:#}")))?;
        let seq = kept.len();
        kept.entry(UserKey::of(&entry.row.username))
            .or_insert((entry.i, seq, entry.row));
    }
    let mut rows: Vec<(u64, usize, UserRow)> = kept.into_values().collect();
    rows.sort_by_key(|(i, seq, _)| (*i, *seq));
    Ok(rows.into_iter().map(|(_, _, r)| r).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    fn row(user: &str, files: u64) -> UserRow {
        let mut r = UserRow::failed(user, String::new(), 1);
        r.status = Status::Success;
        r.error = None;
        r.requests = files;
        r
    }

    #[test]
    fn first_row_per_user_in_input_order() {
        let text = [
            journal::user_line(2, &row("c@x.com", 1)),
            journal::user_line(0, &row("a@x.com", 1)),
            String::new(),
            journal::user_line(2, &row("C@X.com", 9)),
            journal::user_line(1, &row("b@x.com", 1)),
        ]
        .join("\n");
        let rows = read_rows(text.as_bytes()).unwrap();
        let got: Vec<(&str, u64)> = rows.iter().map(|r| (r.username.as_str(), r.requests)).collect();
        assert_eq!(got, [("a@x.com", 1), ("b@x.com", 1), ("c@x.com", 1)]);
    }

    #[test]
    fn a_malformed_line_is_named() {
        let text = format!("{}\n{{\"type\":\"user\"}}\n", journal::user_line(0, &row("a", 1)));
        let e = read_rows(text.as_bytes()).unwrap_err();
        assert!(e.downcast_ref::<UsageError>().is_some());
        let e = e.to_string();
        assert!(e.starts_with("standard input line 2: not a user line"), "{e}");
    }
}
