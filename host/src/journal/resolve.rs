//! One row per user from a journal's rows (the last good row wins, repeats are reported, never
//! summed twice), and the order the outputs list them in.

use std::collections::HashMap;

use super::format::Entry;
use crate::model::{Status, UserKey, UserRow};

/// One user's row chosen from the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct Kept {
    /// Input position recorded with it.
    pub i: u64,
    /// Position of the row in the journal (0-based, user rows only).
    pub seq: usize,
    /// The row.
    pub row: UserRow,
}

/// A user with more than one row that is not a plain re-scan of an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The spellings seen, in journal order.
    pub spellings: Vec<String>,
    /// Rows found.
    pub rows: usize,
    /// The spelling of the row kept.
    pub kept: String,
}

/// The journal's rows, one per user.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// One row per user key.
    pub rows: HashMap<UserKey, Kept>,
    /// Users recorded more than once (reported; each still counted once).
    pub duplicates: Vec<Duplicate>,
    /// Error rows replaced by a later scan of the same user (normal after `--resume`).
    pub superseded_errors: usize,
}

impl Resolved {
    /// The kept rows ordered by recorded input position, then journal position.
    pub fn in_recorded_order(&self) -> Vec<&Kept> {
        let mut v: Vec<&Kept> = self.rows.values().collect();
        v.sort_by_key(|k| (k.i, k.seq));
        v
    }

    /// Lines describing the duplicates, for the console.
    pub fn duplicate_report(&self) -> Option<String> {
        if self.duplicates.is_empty() {
            return None;
        }
        let mut s = format!(
            "the journal holds {} user(s) recorded more than once; the last good row of each is used and counted once:",
            self.duplicates.len()
        );
        for d in self.duplicates.iter().take(10) {
            s.push_str(&format!(
                "\n  {} ({} rows; kept {})",
                d.spellings.join(" / "),
                d.rows,
                d.kept
            ));
        }
        if self.duplicates.len() > 10 {
            s.push_str(&format!("\n  … and {} more", self.duplicates.len() - 10));
        }
        Some(s)
    }
}

/// One row per user: the last good (`success`/`empty`) row, else the last row.
pub fn resolve(entries: &[Entry]) -> Resolved {
    let mut by_key: HashMap<UserKey, Vec<usize>> = HashMap::new();
    let mut order: Vec<UserKey> = Vec::new();
    for (seq, e) in entries.iter().enumerate() {
        let key = UserKey::of(&e.row.username);
        by_key
            .entry(key.clone())
            .or_insert_with(|| {
                order.push(key);
                Vec::new()
            })
            .push(seq);
    }
    let mut out = Resolved::default();
    for key in order {
        let seqs = &by_key[&key];
        let good: Vec<usize> = seqs
            .iter()
            .copied()
            .filter(|s| entries[*s].row.status != Status::Error)
            .collect();
        let chosen = good.last().or(seqs.last()).copied().expect("at least one row");
        if seqs.len() > 1 {
            let mut spellings: Vec<String> = Vec::new();
            for s in seqs {
                if !spellings.contains(&entries[*s].row.username) {
                    spellings.push(entries[*s].row.username.clone());
                }
            }
            if good.len() > 1 || spellings.len() > 1 {
                out.duplicates.push(Duplicate {
                    spellings,
                    rows: seqs.len(),
                    kept: entries[chosen].row.username.clone(),
                });
            } else {
                out.superseded_errors += seqs.len() - 1;
            }
        }
        out.rows.insert(
            key,
            Kept {
                i: entries[chosen].i,
                seq: chosen,
                row: entries[chosen].row.clone(),
            },
        );
    }
    out
}

/// One row per user: those of `input` in input order, then any others (recorded by an earlier
/// run for users this run does not list) by recorded input position, then journal position.
pub fn order_rows(mut rows: HashMap<UserKey, Kept>, input: &[String]) -> Vec<UserRow> {
    let mut out = Vec::with_capacity(rows.len());
    for u in input {
        if let Some(k) = rows.remove(&UserKey::of(u)) {
            out.push(k.row);
        }
    }
    let mut rest: Vec<Kept> = rows.into_values().collect();
    rest.sort_by_key(|k| (k.i, k.seq));
    out.extend(rest.into_iter().map(|k| k.row));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_follow_the_input_then_the_recorded_order() {
        let rows: HashMap<UserKey, Kept> = [
            ("b@x.com", 1, 0),
            ("z@x.com", 9, 1),
            ("a@x.com", 0, 2),
            ("y@x.com", 5, 3),
        ]
        .into_iter()
        .map(|(u, i, seq)| {
            (
                UserKey::of(u),
                Kept {
                    i,
                    seq,
                    row: UserRow::sample(u),
                },
            )
        })
        .collect();
        let input = ["A@x.com".to_string(), "b@x.com".into(), "c@x.com".into()];
        let names: Vec<String> = order_rows(rows, &input).into_iter().map(|r| r.username).collect();
        assert_eq!(names, ["a@x.com", "b@x.com", "y@x.com", "z@x.com"]);
    }
}
