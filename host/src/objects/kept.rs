//! Which objects belong to a run's outputs: those of the attempts its kept rows name, each row's
//! count equal to its `file_count`.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::parquet::{self, Owner, Written};
use super::spool;
use crate::model::{UserKey, UserRow};
use crate::output::AtomicFile;

/// The owner of every attempt `rows` name.
pub fn owners<'a>(rows: impl IntoIterator<Item = &'a UserRow>) -> HashMap<u64, Owner> {
    let mut owners = HashMap::new();
    for r in rows {
        for a in &r.objects {
            owners.insert(
                *a,
                Owner {
                    username: r.username.clone(),
                    workspace: None,
                },
            );
        }
    }
    owners
}

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
    let owners = owners(rows.iter().copied());
    parquet::write(spool, &owners, file, |w| {
        let bad: Vec<&str> = rows
            .iter()
            .filter(|r| !holds(r, &w.per_attempt))
            .map(|r| r.username.as_str())
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

/// The keys of `rows` whose objects the spool at `spool` does not hold whole (a row written
/// before its objects reached the disk, a spool lost): `--resume` scans those users again.
pub fn incomplete<'a>(spool: &Path, rows: &[(&'a UserKey, &'a UserRow)]) -> anyhow::Result<Vec<UserKey>> {
    let attempts: HashSet<u64> = rows.iter().flat_map(|(_, r)| r.objects.iter().copied()).collect();
    let counts = spool::counts(spool, &attempts)?;
    Ok(rows
        .iter()
        .filter(|(_, r)| !holds(r, &counts))
        .map(|(k, _)| (*k).clone())
        .collect())
}
