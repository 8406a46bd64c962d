//! One row per user from a journal's rows (the last good row wins, repeats are reported, never
//! summed twice), and the order the outputs list them in.

use std::collections::{HashMap, HashSet};

use super::format::Entry;
use crate::model::{Status, UserKey, UserRow};

/// One user's row chosen from the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct Kept {
    /// Input position recorded with it.
    pub i: u64,
    /// Position of the row in the journal (0-based, user rows only).
    pub seq: usize,
    /// The row, boxed: a map of 100k `Kept` then holds 32-byte slots, and regrowing it copies
    /// those, not 300-byte rows (the rows stay where they are).
    pub row: Box<UserRow>,
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
    resolve_owned(entries.to_vec())
}

/// [`resolve`], moving the kept rows out of `entries` instead of copying them, with the maps sized
/// once: a 100k-user journal is held once, not three times (rows, copies, a map regrowing).
pub fn resolve_owned(entries: Vec<Entry>) -> Resolved {
    let mut by_key: HashMap<UserKey, Vec<usize>> = HashMap::with_capacity(entries.len());
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
    let mut out = Resolved {
        rows: HashMap::with_capacity(order.len()),
        ..Resolved::default()
    };
    // The same allocation (an `Option<Entry>` is an `Entry`'s size), so rows can be moved out.
    let mut entries: Vec<Option<Entry>> = entries.into_iter().map(Some).collect();
    for key in order {
        let seqs = &by_key[&key];
        let good: Vec<usize> = seqs
            .iter()
            .copied()
            .filter(|s| row(&entries, *s).status != Status::Error)
            .collect();
        let chosen = good.last().or(seqs.last()).copied().expect("at least one row");
        if seqs.len() > 1 {
            let mut spellings: Vec<String> = Vec::new();
            for s in seqs {
                if !spellings.contains(&row(&entries, *s).username) {
                    spellings.push(row(&entries, *s).username.clone());
                }
            }
            if good.len() > 1 || spellings.len() > 1 {
                out.duplicates.push(Duplicate {
                    spellings,
                    rows: seqs.len(),
                    kept: row(&entries, chosen).username.clone(),
                });
            } else {
                out.superseded_errors += seqs.len() - 1;
            }
        }
        let chosen_entry = entries[chosen].take().expect("each row is kept once");
        out.rows.insert(
            key,
            Kept {
                i: chosen_entry.i,
                seq: chosen,
                row: Box::new(chosen_entry.row),
            },
        );
    }
    out
}

/// The row at `s`, not taken yet.
fn row(entries: &[Option<Entry>], s: usize) -> &UserRow {
    &entries[s].as_ref().expect("not taken yet").row
}

/// One row per user: those of `input` in input order, then any others (recorded by an earlier
/// run for users this run does not list) by recorded input position, then journal position.
///
/// Borrows the rows (no second copy of a 100k-user run).
pub fn order_rows<'a>(rows: &'a HashMap<UserKey, Kept>, input: &[String]) -> Vec<&'a UserRow> {
    let mut out = Vec::with_capacity(rows.len());
    let mut placed: HashSet<&UserKey> = HashSet::with_capacity(rows.len().min(input.len()));
    for u in input {
        if let Some((key, k)) = rows.get_key_value(&UserKey::of(u)) {
            if placed.insert(key) {
                out.push(&*k.row);
            }
        }
    }
    let mut rest: Vec<&Kept> = rows
        .iter()
        .filter(|(key, _)| !placed.contains(key))
        .map(|(_, k)| k)
        .collect();
    rest.sort_by_key(|k| (k.i, k.seq));
    out.extend(rest.into_iter().map(|k| &*k.row));
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
                    row: Box::new(UserRow::sample(u)),
                },
            )
        })
        .collect();
        let input = ["A@x.com".to_string(), "b@x.com".into(), "c@x.com".into()];
        let names: Vec<String> = order_rows(&rows, &input)
            .into_iter()
            .map(|r| r.username.clone())
            .collect();
        assert_eq!(names, ["a@x.com", "b@x.com", "y@x.com", "z@x.com"]);
    }
}
