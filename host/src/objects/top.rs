//! What `top` tallies from an objects file: files, bytes, stale files and bytes and the newest
//! modification per folder (at a fixed depth below each user's own folder in a location), per
//! extension and per user, and the oldest big files. One pass over the rows ([`Tally::add`]);
//! memory grows with the number of groups (and the few big files kept), not with the files.
//!
//! The rules: a file without a (valid, non-negative) size counts as a file and adds no bytes; one
//! without a modification time is never stale and never the newest; stale is modified strictly
//! before as-of minus the stale days (the scan's rule, [`Ages`]). Sums are `u128` with checked
//! adds: they never wrap.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::fmt::Write as _;

use super::read::Object;
use crate::model::{Ages, Location};

const DAY_MS: i64 = 86_400_000;

/// The folder of a file whose path is not in its user's folder of its location.
pub const OUTSIDE_HOME: &str = "(outside the user's folder)";
/// The folder of a file without a path.
pub const NO_PATH: &str = "(no path)";

/// What to tally.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The ages' reference.
    pub ages: Ages,
    /// Folders this many levels below the user's folder (0: the user's folder itself).
    pub depth: usize,
    /// Count only stale files.
    pub stale_only: bool,
    /// A big file has at least this many bytes.
    pub big: u64,
    /// How many of the oldest big files to keep (0: none).
    pub oldest: usize,
    /// Tally folders (users are always tallied).
    pub folders: bool,
    /// Tally extensions.
    pub extensions: bool,
}

/// A group's numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Files.
    pub files: u64,
    /// Bytes of the sized files.
    pub bytes: u128,
    /// Stale files.
    pub stale_files: u64,
    /// Bytes of the stale files.
    pub stale_bytes: u128,
    /// The newest modification time (ms), if any file is dated.
    pub newest_ms: Option<i64>,
}

impl Stats {
    fn add(&mut self, size: Option<u64>, modified_ms: Option<i64>, stale: bool) -> anyhow::Result<()> {
        let size = u128::from(size.unwrap_or(0));
        let overflow = || anyhow::anyhow!("a total is past what it can count (2^64 files, 2^128 bytes)");
        self.files = self.files.checked_add(1).ok_or_else(overflow)?;
        self.bytes = self.bytes.checked_add(size).ok_or_else(overflow)?;
        if stale {
            self.stale_files = self.stale_files.checked_add(1).ok_or_else(overflow)?;
            self.stale_bytes = self.stale_bytes.checked_add(size).ok_or_else(overflow)?;
        }
        self.newest_ms = self.newest_ms.max(modified_ms);
        Ok(())
    }
}

/// Whose files: the workspace (account scans) and the username.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Owner {
    /// The workspace, when the file names one.
    pub workspace: Option<String>,
    /// The username.
    pub username: String,
}

/// A folder: whose, which location, and the folder as shown (`dbfs:/Users/a@x.com/data`, or
/// [`OUTSIDE_HOME`], [`NO_PATH`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Folder {
    /// Whose.
    pub owner: Owner,
    /// The location as the file names it.
    pub location: String,
    /// The folder.
    pub folder: String,
}

/// A file of at least [`Options::big`] bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BigFile {
    /// When it was last modified (ms).
    pub modified_ms: i64,
    /// Its size.
    pub size: u64,
    /// Whose.
    pub owner: Owner,
    /// The location as the file names it.
    pub location: String,
    /// Its path as shown (`dbfs:` on the DBFS side).
    pub path: Option<String>,
}

impl BigFile {
    /// Oldest first, then the largest, then by owner, location and path.
    fn rank(&self) -> (i64, std::cmp::Reverse<u64>, &Owner, &str, Option<&str>) {
        (
            self.modified_ms,
            std::cmp::Reverse(self.size),
            &self.owner,
            &self.location,
            self.path.as_deref(),
        )
    }
}

impl Ord for BigFile {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank().cmp(&other.rank())
    }
}

impl PartialOrd for BigFile {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Groups by a key, each with its label.
struct Groups<L> {
    map: HashMap<String, (L, Stats)>,
}

impl<L: Ord> Groups<L> {
    fn new() -> Self {
        Groups { map: HashMap::new() }
    }

    /// Adds a file to the group of `key` (made with `label` when new).
    fn add(
        &mut self,
        key: &str,
        label: impl FnOnce() -> L,
        file: (Option<u64>, Option<i64>, bool),
    ) -> anyhow::Result<()> {
        let (size, modified, stale) = file;
        match self.map.get_mut(key) {
            Some((_, s)) => s.add(size, modified, stale),
            None => {
                let mut s = Stats::default();
                s.add(size, modified, stale)?;
                self.map.insert(key.to_string(), (label(), s));
                Ok(())
            }
        }
    }

    /// The largest `limit` groups (bytes, then files, then label), and how many there are.
    fn ranked(&self, limit: usize) -> (Vec<(&L, &Stats)>, usize) {
        let mut all: Vec<(&L, &Stats)> = self.map.values().map(|(l, s)| (l, s)).collect();
        all.sort_by(|a, b| {
            (b.1.bytes, b.1.files)
                .cmp(&(a.1.bytes, a.1.files))
                .then_with(|| a.0.cmp(b.0))
        });
        let n = all.len();
        all.truncate(limit);
        (all, n)
    }
}

/// Everything `top` shows, tallied from the rows.
pub struct Tally {
    opts: Options,
    stale_before: i64,
    /// Rows read.
    pub rows: u64,
    /// The files counted (all, or the stale ones with [`Options::stale_only`]).
    pub total: Stats,
    /// Dated big files (the oldest list holds the first [`Options::oldest`] of them).
    pub big_dated: u64,
    /// Big files without a modification time (not in the oldest list).
    pub big_undated: u64,
    /// Files counted whose path is not in their user's folder (or that have none).
    pub outside: u64,
    folders: Groups<Folder>,
    extensions: Groups<String>,
    users: Groups<Owner>,
    oldest: BinaryHeap<BigFile>,
    workspaces: bool,
    key: String,
}

impl Tally {
    /// An empty tally.
    pub fn new(opts: Options) -> Tally {
        let span = i64::from(opts.ages.stale_days).saturating_mul(DAY_MS);
        Tally {
            opts,
            stale_before: opts.ages.as_of_ms.saturating_sub(span),
            rows: 0,
            total: Stats::default(),
            big_dated: 0,
            big_undated: 0,
            outside: 0,
            folders: Groups::new(),
            extensions: Groups::new(),
            users: Groups::new(),
            oldest: BinaryHeap::new(),
            workspaces: false,
            key: String::new(),
        }
    }

    /// Files are stale when modified strictly before this instant (ms).
    pub fn stale_before(&self) -> i64 {
        self.stale_before
    }

    /// Counts one row.
    pub fn add(&mut self, o: &Object<'_>) -> anyhow::Result<()> {
        self.rows += 1;
        let size = o.size.and_then(|s| u64::try_from(s).ok());
        let stale = o.modified_ms.is_some_and(|t| t < self.stale_before);
        if self.opts.stale_only && !stale {
            return Ok(());
        }
        let file = (size, o.modified_ms, stale);
        self.total.add(size, o.modified_ms, stale)?;
        let owner = || Owner {
            workspace: o.workspace.map(str::to_string),
            username: o.username.to_string(),
        };
        // Keys are length-prefixed parts: no two different groups share one.
        let key = &mut self.key;
        key.clear();
        match o.workspace {
            Some(w) => {
                self.workspaces = true;
                let _ = write!(key, "+{}:{w}", w.len());
            }
            None => key.push('-'),
        }
        let _ = write!(key, "{}:{}", o.username.len(), o.username);
        let owner_len = key.len();
        self.users.add(key, owner, file)?;
        let place = folder_of(o, self.opts.depth);
        if place.is_none() {
            self.outside += 1;
        }
        if self.opts.folders {
            let folder = place.unwrap_or(if o.path.is_some() { OUTSIDE_HOME } else { NO_PATH });
            key.truncate(owner_len);
            for part in [o.location, folder] {
                let _ = write!(key, "{}:{part}", part.len());
            }
            let label = || Folder {
                owner: owner(),
                location: o.location.to_string(),
                folder: match place {
                    Some(f) => shown_path(o.location, f),
                    None => folder.to_string(),
                },
            };
            self.folders.add(key, label, file)?;
        }
        if self.opts.extensions {
            let ext = o.path.and_then(extension).unwrap_or("");
            if ext.chars().any(char::is_uppercase) {
                let lower = ext.to_lowercase();
                self.extensions.add(&lower, || lower.clone(), file)?;
            } else {
                self.extensions.add(ext, || ext.to_string(), file)?;
            }
        }
        if let (Some(size), true) = (size, self.opts.oldest > 0) {
            if size >= self.opts.big {
                self.keep_if_old(o, size, owner);
            }
        }
        Ok(())
    }

    fn keep_if_old(&mut self, o: &Object<'_>, size: u64, owner: impl FnOnce() -> Owner) {
        let Some(modified_ms) = o.modified_ms else {
            self.big_undated += 1;
            return;
        };
        self.big_dated += 1;
        if self.oldest.len() >= self.opts.oldest {
            let worst = self.oldest.peek().expect("not empty");
            // Numbers first: most files are decided without building the entry.
            if (modified_ms, std::cmp::Reverse(size)) > (worst.modified_ms, std::cmp::Reverse(worst.size)) {
                return;
            }
        }
        self.oldest.push(BigFile {
            modified_ms,
            size,
            owner: owner(),
            location: o.location.to_string(),
            path: o.path.map(|p| shown_path(o.location, p)),
        });
        if self.oldest.len() > self.opts.oldest {
            self.oldest.pop();
        }
    }

    /// The largest folders and how many folders hold counted files.
    pub fn folders(&self, limit: usize) -> (Vec<(&Folder, &Stats)>, usize) {
        self.folders.ranked(limit)
    }

    /// The largest extensions (`""`: none) and how many there are.
    pub fn extensions(&self, limit: usize) -> (Vec<(&String, &Stats)>, usize) {
        self.extensions.ranked(limit)
    }

    /// The users with the most bytes and how many users have counted files.
    pub fn users(&self, limit: usize) -> (Vec<(&Owner, &Stats)>, usize) {
        self.users.ranked(limit)
    }

    /// How many users (with their workspace) have counted files.
    pub fn user_count(&self) -> usize {
        self.users.map.len()
    }

    /// The oldest big files, oldest first.
    pub fn oldest(&self) -> Vec<BigFile> {
        self.oldest.clone().into_sorted_vec()
    }

    /// Whether any group names a workspace (account scans): then the tables show it.
    pub fn has_workspaces(&self) -> bool {
        self.workspaces
    }
}

/// A path as shown: `dbfs:` before a DBFS-side path that lacks it.
fn shown_path(location: &str, path: &str) -> String {
    let dbfs_side = matches!(location, "dbfs" | "uploads");
    if dbfs_side && !path.starts_with("dbfs:") {
        format!("dbfs:{path}")
    } else {
        path.to_string()
    }
}

/// The location named by a file's `location` column.
fn location(name: &str) -> Option<Location> {
    Location::ALL.into_iter().find(|l| l.name() == name)
}

/// The folder a file counts for: the user's folder in its location (`/Users/a@x.com`,
/// `/FileStore/shared_uploads/a@x.com`, `/Repos/a@x.com`) and up to `depth` folders below it, as
/// a prefix of its path (without the `dbfs:` a DBFS path may carry); a file less deep counts for
/// its own folder. `None` when the path is missing or not in that user's folder (names compared without
/// case), or the location is unknown.
pub fn folder_of<'a>(o: &Object<'a>, depth: usize) -> Option<&'a str> {
    let path = o.path?;
    let loc = location(o.location)?;
    let bare = match loc.is_dbfs() {
        true => path.strip_prefix("dbfs:").unwrap_or(path),
        false => path,
    };
    let rest = bare.strip_prefix(loc.root())?.strip_prefix('/')?;
    let (home, below) = match rest.split_once('/') {
        Some((h, b)) => (h, Some(b)),
        None => (rest, None),
    };
    let same =
        home == o.username || home.eq_ignore_ascii_case(o.username) || home.to_lowercase() == o.username.to_lowercase();
    if home.is_empty() || !same {
        return None;
    }
    let home_end = bare.len() - rest.len() + home.len();
    let end = match below.and_then(|b| b.match_indices('/').take(depth).last()) {
        Some((i, _)) => home_end + 1 + i,
        None => home_end,
    };
    Some(&bare[..end])
}

/// A file name's last `.suffix` (dots that start the name do not count: `.bashrc` has none);
/// `None` without one.
pub fn extension(path: &str) -> Option<&str> {
    let name = path.rsplit('/').next()?.trim_start_matches('.');
    let dot = name.rfind('.')?;
    Some(&name[dot + 1..]).filter(|e| !e.is_empty())
}
