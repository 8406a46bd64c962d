//! Which objects belong to a run's outputs: those of the attempts its kept rows name, each row's
//! count equal to its `file_count`.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::parquet::{self, Owner, Written};
use crate::model::{UserKey, UserRow};
use crate::output::AtomicFile;

/// True when `per_attempt` holds exactly the row's file count over the attempts it names.
fn holds(r: &UserRow, per_attempt: &HashMap<u64, u64>) -> bool {
    let held: u128 = r
        .objects
        .iter()
        .map(|a| u128::from(per_attempt.get(a).copied().unwrap_or(0)))
        .sum();
    held == r.file_count()
}

/// Writes the objects of `rows` from the spool at `spool` into `file`; refuses (nothing written)
/// when a row's objects in the spool are not exactly its file count.
pub fn write_parquet(spool: &Path, rows: &[&UserRow], file: AtomicFile) -> anyhow::Result<Written> {
    // Attempt → the row's index: no copy of a username per attempt (100k users: ~2 MB).
    let mut index: HashMap<u64, u32> = HashMap::new();
    for (k, r) in rows.iter().enumerate() {
        let k = u32::try_from(k).expect("fewer than 2^32 rows");
        index.extend(r.objects.iter().map(|a| (*a, k)));
    }
    let owner_of = |attempt: u64| {
        let k = *index.get(&attempt)? as usize;
        let owner = Owner {
            username: rows[k].username.as_str(),
            workspace: None,
        };
        Some((k, owner))
    };
    parquet::write(spool, rows.len(), owner_of, file, |w| {
        let bad: Vec<&str> = rows
            .iter()
            .zip(&w.per_owner)
            .filter(|(r, n)| u128::from(**n) != r.file_count())
            .map(|(r, _)| r.username.as_str())
            .collect();
        if bad.is_empty() {
            return Ok(());
        }
        anyhow::bail!(
            "the objects spool {} does not hold the files of {} recorded user(s) ({}{}): it was changed or lost \
             since the scan; the objects file was not written",
            spool.display(),
            bad.len(),
            bad.iter().take(20).copied().collect::<Vec<_>>().join(", "),
            if bad.len() > 20 { ", …" } else { "" }
        )
    })
}

/// Every attempt `rows` name.
pub fn attempts<'a>(rows: impl IntoIterator<Item = &'a UserRow>) -> HashSet<u64> {
    rows.into_iter().flat_map(|r| r.objects.iter().copied()).collect()
}

/// The keys of `rows` whose objects the spool does not hold whole by its `counts` per attempt (a
/// row written before its objects reached the disk, a spool lost): `--resume` scans those users
/// again.
pub fn incomplete(rows: &[(&UserKey, &UserRow)], counts: &HashMap<u64, u64>) -> Vec<UserKey> {
    rows.iter()
        .filter(|(_, r)| !holds(r, counts))
        .map(|(k, _)| (*k).clone())
        .collect()
}
