//! `scan-user`: a breadth-first walk of a user's DBFS and Workspace homes at once.
//!
//! One FIFO queue holds the directories still to list, of both trees. Each `send` batch takes
//! up to `batch` directories from its front, so a level of both trees goes out together (in
//! chunks when it is larger than a batch), and a chunk that is not full is topped up with the
//! next level instead of waiting for another round trip. No depth limit; a visited set per tree
//! stops loops; nothing outside the home is ever listed.
//!
//! Counting rules: a file is counted once per tree, by its exact path (after `dbfs:` and
//! trailing slashes are dropped), however many listings name it, in one listing or several (a
//! server may repeat an entry, or list a non-child); entries without a path cannot be compared
//! and each counts. Sums are checked: a size that would take a tree's byte total past `u64` is an
//! error naming that file, and it and every later size of the tree are left out of `bytes` (which
//! stays the exact sum of the sizes added before); the host adds the two trees in `u128`.
//!
//! With `notebook-sizes`, every Workspace notebook listed without a size is exported
//! ([`crate::export`]) in the same batches as the listings (at most [`MAX_EXPORTS_PER_BATCH`] a
//! batch, since an export answer can be 14 MB of base64); its decoded length joins `bytes` and
//! `notebook-bytes`. A notebook that cannot be exported stays in `unsized-objects` and counts in
//! `notebooks-unsized`; it is never an error.
//!
//! With `objects`, every file counted is handed to the host ([`crate::objects`]): after the dedup
//! above (so once, and never an entry outside the home), the files of one listing in one `put`;
//! a notebook queued for its export instead goes once that export is counted, with the notebooks
//! of its batch, sized by it (or unsized). A run that stops with exports still queued hands those
//! notebooks unsized at the end: the objects are always exactly the files counted.

use crate::errors::{self, describe_http_error, describe_status, is_not_found, Failures};
use crate::listing::{BadListing, Entry, Kind};
use crate::objects::{self, Objects, Outbox};
use crate::transport::{send_batch, Answer, Transport, MAX_BATCH_HOST_ACCEPTS};
use crate::types::{
    AgeBytes, Api, FileInfo, HttpError, Object, Request, ScanOptions, ScanStatus, Tree, TreeStats, UserReport,
};
use crate::{dbfs, export, username, workspace};
use std::collections::{BTreeSet, VecDeque};
use std::hash::{Hash, Hasher};

/// Batch size when the options say 0.
pub const DEFAULT_BATCH_SIZE: usize = 64;
/// Largest batch the guest ever sends, whatever the options say (below what every host accepts).
pub const MAX_BATCH_SIZE: usize = 256;
const _: () = assert!(MAX_BATCH_SIZE < MAX_BATCH_HOST_ACCEPTS);

/// Most exports in one batch. The guest holds a batch's answers at once, and an export answer may
/// be 10 MB of source as 14 MB of base64: 16 of them (224 MB) still fit the instance's default
/// 256 MiB. Fewer would cap one user's export rate below the workspace's 60/s (a batch waits for
/// its slowest answer), and a user with thousands of notebooks would end the run alone and slowly
/// (measured: 8 a batch left a 1,000-user run 13 % over its bound).
pub const MAX_EXPORTS_PER_BATCH: usize = 16;

/// The batch size to use for `batch_size` from the options.
pub fn batch_limit(batch_size: u32) -> usize {
    match batch_size {
        0 => DEFAULT_BATCH_SIZE,
        n => (n as usize).min(MAX_BATCH_SIZE),
    }
}

/// The home of a user in both trees (DBFS paths carry no `dbfs:` scheme).
pub fn home_of(user: &str) -> String {
    Tree::Dbfs.home(user)
}

/// Files kept in a location's largest-files list.
pub const LARGEST_KEPT: usize = 10;

const DAY_MS: i64 = 86_400_000;

/// The ages' reference: which times are valid, which are stale, and the age bands.
#[derive(Clone, Copy, Debug)]
pub struct Ages {
    as_of: i64,
    stale_before: i64,
}

impl Ages {
    pub fn new(as_of_ms: i64, stale_days: u32) -> Ages {
        Ages {
            as_of: as_of_ms,
            stale_before: as_of_ms.saturating_sub(i64::from(stale_days).saturating_mul(DAY_MS)),
        }
    }

    /// The time as a valid modification time: non-negative (the parser gives no negatives),
    /// within `i64`, and no later than a day after the as-of (a clock far ahead is no date).
    pub fn valid(&self, modified: Option<u64>) -> Option<i64> {
        let t = i64::try_from(modified?).ok()?;
        (t <= self.as_of.saturating_add(DAY_MS)).then_some(t)
    }

    /// Strictly before as-of minus the stale days.
    pub fn stale(&self, t: i64) -> bool {
        t < self.stale_before
    }

    /// The age band's counter for a time (`None`: undated).
    fn band<'a>(&self, age: &'a mut AgeBytes, t: Option<i64>) -> &'a mut u64 {
        let Some(t) = t else {
            return &mut age.undated;
        };
        let days = self.as_of.saturating_sub(t);
        if days < 30 * DAY_MS {
            &mut age.under_30_days
        } else if days < 90 * DAY_MS {
            &mut age.under_90_days
        } else if days < 365 * DAY_MS {
            &mut age.under_1_year
        } else if days < 3 * 365 * DAY_MS {
            &mut age.under_3_years
        } else {
            &mut age.older
        }
    }
}

/// Is `path` the home itself or strictly below it (no empty, `.` or `..` segments)?
pub fn within_home(path: &str, home: &str) -> bool {
    if path == home {
        return true;
    }
    match path.strip_prefix(home).and_then(|r| r.strip_prefix('/')) {
        Some(rest) => !rest.is_empty() && rest.split('/').all(|s| !s.is_empty() && s != "." && s != ".."),
        None => false,
    }
}

/// Drops trailing slashes (but keeps a lone `/`).
fn trim_slashes(p: &str) -> &str {
    let t = p.trim_end_matches('/');
    if t.is_empty() && !p.is_empty() {
        "/"
    } else {
        t
    }
}

fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// A notebook waiting for its export (`notebook-sizes`): its path and valid time, and its
/// language when the scan hands objects over (its type is `NOTEBOOK`).
struct Export {
    path: String,
    modified: Option<i64>,
    language: Option<String>,
}

struct Pending {
    tree: Tree,
    path: String,
    depth: u32,
    repo: bool,
}

impl Pending {
    fn request(&self) -> Request {
        self.tree.list_request(&self.path)
    }
}

struct TreeState {
    /// The user's folder in this location.
    home: String,
    stats: TreeStats,
    /// A `BTreeSet`, not a `HashSet`: std's `RandomState` would make the component import
    /// `wasi:random/insecure-seed`, and the guest needs no randomness.
    visited: BTreeSet<String>,
    /// The files counted so far, by a 128-bit digest of the exact path ([`path_digest`]): about
    /// 24 bytes a file instead of the path itself, so a home of millions of files stays well
    /// within the guest's memory. Two paths sharing a digest is a 2^-128 event per pair.
    counted: BTreeSet<u128>,
    /// A size took `bytes` past `u64`: no later size of this tree is added.
    bytes_overflowed: bool,
}

impl TreeState {
    fn new(tree: Tree, user: &str) -> TreeState {
        let home = tree.home(user);
        TreeState {
            visited: BTreeSet::from([home.clone()]),
            home,
            stats: TreeStats::default(),
            counted: BTreeSet::new(),
            bytes_overflowed: false,
        }
    }

    /// Counts a file's time: newest, stale, undated (the bytes follow in [`TreeState::aged_bytes`]).
    fn dated(&mut self, ages: &Ages, t: Option<i64>) {
        match t {
            Some(t) => {
                self.stats.last_modified_ms = Some(self.stats.last_modified_ms.map_or(t, |m| m.max(t)));
                if ages.stale(t) {
                    self.stats.stale_files += 1;
                }
            }
            None => self.stats.undated_files += 1,
        }
    }

    /// Counts a file's bytes by age, and as a largest-file candidate.
    fn aged_bytes(&mut self, ages: &Ages, path: Option<&str>, n: u64, t: Option<i64>) {
        let band = ages.band(&mut self.stats.age, t);
        *band = band.saturating_add(n);
        if t.is_some_and(|t| ages.stale(t)) {
            self.stats.stale_bytes = self.stats.stale_bytes.saturating_add(n);
        }
        if let Some(p) = path {
            keep_largest(&mut self.stats.largest, p, n, t);
        }
    }

    /// Adds a size to `bytes`, checked; the cause of the error when it would pass `u64`.
    fn add_bytes(&mut self, n: u64) -> Result<(), String> {
        if self.bytes_overflowed {
            return Ok(());
        }
        match self.stats.bytes.checked_add(n) {
            Some(sum) => {
                self.stats.bytes = sum;
                Ok(())
            }
            None => {
                self.bytes_overflowed = true;
                Err(format!(
                    "size {n} takes the tree's total past {} bytes (u64); it and later sizes are left out of \
                     the total",
                    u64::MAX
                ))
            }
        }
    }
}

/// Puts a file in a largest-first list of at most [`LARGEST_KEPT`] (ties by path).
fn keep_largest(list: &mut Vec<FileInfo>, path: &str, bytes: u64, modified: Option<i64>) {
    let before = |f: &FileInfo| (std::cmp::Reverse(f.bytes), f.path.as_str()) < (std::cmp::Reverse(bytes), path);
    let at = list.iter().take_while(|f| before(f)).count();
    if at >= LARGEST_KEPT {
        return;
    }
    list.insert(
        at,
        FileInfo {
            path: path.to_string(),
            bytes,
            modified_ms: modified,
        },
    );
    list.truncate(LARGEST_KEPT);
}

/// Two SipHash-1-3 digests (fixed keys: no randomness in the guest) of the path, as one `u128`.
fn path_digest(path: &str) -> u128 {
    let half = |salt: u8| {
        let mut h = std::hash::DefaultHasher::new();
        salt.hash(&mut h);
        path.hash(&mut h);
        h.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

struct Walk {
    /// Each location's state, by [`Tree::index`] (`None`: not scanned).
    states: [Option<TreeState>; 4],
    queue: VecDeque<Pending>,
    /// Notebooks to export (`notebook-sizes`), with the location they were listed in.
    exports: VecDeque<(Tree, Export)>,
    notebook_sizes: bool,
    ages: Ages,
    failures: Failures,
    requests: u32,
    /// The counted files not yet handed over (`objects`).
    outbox: Outbox,
}

impl Walk {
    fn state(&mut self, tree: Tree) -> &mut TreeState {
        self.states[tree.index()]
            .as_mut()
            .expect("only enabled locations are queued")
    }

    fn fail(&mut self, tree: Tree, path: &str, cause: &str) {
        self.failures.record(format!(
            "{} {}: {}",
            tree.name(),
            errors::sanitize(path, errors::MAX_CAUSE_CHARS),
            cause
        ));
    }

    /// Handles one answer. Returns false when the run was cancelled.
    fn answer(&mut self, item: Pending, answer: Answer) -> bool {
        let resp = match answer {
            Ok(resp) => resp,
            Err(e) => {
                self.fail(item.tree, &item.path, &describe_http_error(&e));
                return !matches!(e, HttpError::Cancelled(_));
            }
        };
        let root = item.depth == 0;
        if is_success(resp.status) {
            let parsed = match item.tree.api() {
                Api::Dbfs => dbfs::parse(&resp.body),
                Api::Workspace => workspace::parse(&resp.body),
            };
            // An error answer in a 2xx says nothing about the home existing; a body that is not
            // a listing at all still came from a path that answered.
            if root && !matches!(parsed, Err(BadListing::ErrorInBody)) {
                self.state(item.tree).stats.home_exists = true;
            }
            match parsed {
                Ok(entries) => self.listed(&item, entries),
                Err(bad) => self.fail(item.tree, &item.path, &bad.describe(&resp)),
            }
        } else if is_not_found(&resp) {
            if !root {
                self.state(item.tree).stats.vanished_dirs += 1;
            }
        } else {
            self.fail(item.tree, &item.path, &describe_status(&resp));
        }
        true
    }

    /// Counts one successful listing of `item` and queues its subdirectories.
    fn listed(&mut self, item: &Pending, entries: Vec<Entry<'_>>) {
        // Listing a file returns that one file: then `item` is a file, not a directory.
        let item_is_file = entries.len() == 1
            && !entries[0].is_dir()
            && entries[0].path.as_deref().map(trim_slashes) == Some(item.path.as_str());
        // (the path to name when it is not the listed directory, cause)
        let mut bad: Vec<(Option<String>, String)> = Vec::new();
        let mut new_dirs: Vec<Pending> = Vec::new();
        let mut new_exports: Vec<(Tree, Export)> = Vec::new();
        let export_notebooks = self.notebook_sizes && item.tree.api() == Api::Workspace;
        let ages = self.ages;
        let hand_over = self.outbox.is_on();
        let mut handed: Vec<Object> = Vec::new();
        {
            let st = self.state(item.tree);
            let home = st.home.clone();
            let home = home.as_str();
            if !item_is_file {
                st.stats.directories += 1;
                st.stats.max_depth = st.stats.max_depth.max(item.depth);
                if item.repo {
                    st.stats.repos += 1;
                }
            }
            for e in entries {
                let path = e.path.as_deref().map(trim_slashes);
                if let Some(p) = path {
                    if !within_home(p, home) {
                        bad.push((
                            None,
                            format!(
                                "server returned entry outside home: {}",
                                errors::sanitize(p, errors::MAX_CAUSE_CHARS)
                            ),
                        ));
                        continue;
                    }
                }
                match e.kind {
                    Kind::File { size, notebook } => {
                        if let Some(p) = path {
                            if !st.counted.insert(path_digest(p)) {
                                continue; // listed before: counted once
                            }
                        }
                        // One increment per entry received: bounded far below u64 by what a
                        // guest can ever be sent, checked all the same.
                        st.stats.files = st.stats.files.checked_add(1).unwrap_or(u64::MAX);
                        let t = ages.valid(e.modified);
                        st.dated(&ages, t);
                        match size {
                            Some(n) => match st.add_bytes(n) {
                                Ok(()) => st.aged_bytes(&ages, path, n, t),
                                Err(cause) => bad.push((path.map(str::to_string), cause)),
                            },
                            None => st.stats.unsized_objects += 1,
                        }
                        // Sized by its export; until then (and if that fails) it is unsized. Its
                        // object waits for the export.
                        if let (true, true, None, Some(p)) = (notebook, export_notebooks, size, path) {
                            new_exports.push((
                                item.tree,
                                Export {
                                    path: p.to_string(),
                                    modified: t,
                                    language: e.language.as_deref().filter(|_| hand_over).map(str::to_string),
                                },
                            ));
                        } else if hand_over {
                            handed.push(objects::listed(item.tree, &e, path, size, t));
                        }
                        if notebook {
                            st.stats.notebooks += 1;
                        }
                    }
                    Kind::Dir { repo } => match path {
                        None => bad.push((None, "directory entry without path".to_string())),
                        Some(p) => {
                            if !st.visited.contains(p) {
                                st.visited.insert(p.to_string());
                                new_dirs.push(Pending {
                                    tree: item.tree,
                                    path: p.to_string(),
                                    depth: item.depth + 1,
                                    repo,
                                });
                            }
                        }
                    },
                }
            }
        }
        self.queue.extend(new_dirs);
        self.exports.extend(new_exports);
        self.outbox.extend(handed);
        for (path, cause) in bad {
            let path = path.as_deref().unwrap_or(&item.path);
            self.fail(item.tree, path, &cause);
        }
    }
}

impl Walk {
    /// Counts one export answer, and hands the notebook over. Returns false when the run was
    /// cancelled.
    fn exported(&mut self, tree: Tree, nb: Export, answer: Answer) -> bool {
        let path = nb.path.as_str();
        if let Err(e @ HttpError::Cancelled(_)) = &answer {
            // The run stopped: this user's counts are incomplete.
            self.fail(tree, path, &describe_http_error(e));
            self.unmeasured(tree, nb);
            return false;
        }
        let measured = export::measure(&answer);
        drop(answer); // the source itself is never kept
        let ages = self.ages;
        let st = self.state(tree);
        st.stats.requests = st.stats.requests.saturating_add(1);
        match measured {
            Some(n) => match st.add_bytes(n) {
                Ok(()) => {
                    st.stats.unsized_objects = st.stats.unsized_objects.saturating_sub(1);
                    let nbytes = st.stats.notebook_bytes.get_or_insert(0);
                    *nbytes = nbytes.saturating_add(n);
                    st.aged_bytes(&ages, Some(path), n, nb.modified);
                }
                Err(cause) => {
                    st.stats.notebooks_unsized += 1;
                    self.fail(tree, path, &cause);
                }
            },
            None => st.stats.notebooks_unsized += 1,
        }
        // Sized whenever its export measured it (also when that size was kept out of `bytes`).
        let Export {
            path,
            modified,
            language,
        } = nb;
        self.outbox
            .add(|| objects::exported(tree, path, measured, modified, language));
        true
    }

    /// Hands over a notebook whose export never came (the run stopped): unsized, as counted.
    fn unmeasured(&mut self, tree: Tree, nb: Export) {
        self.outbox
            .add(|| objects::exported(tree, nb.path, None, nb.modified, nb.language));
    }
}

/// Scans one user's homes. Never fails as a whole: failures land in the report.
/// With `objects`, every counted file goes to `sink` (see the module notes); without, `sink` is
/// never called.
pub fn scan_user<T: Transport + ?Sized, O: Objects + ?Sized>(
    t: &mut T,
    sink: &mut O,
    user: &str,
    opts: ScanOptions,
) -> UserReport {
    if let Err(why) = username::validate(user) {
        return UserReport {
            username: user.to_string(),
            dbfs: None,
            workspace: None,
            status: ScanStatus::Error,
            error: Some(username::invalid_message(user, why)),
            requests: 0,
            uploads: None,
            repos: None,
        };
    }
    let on = |tree: Tree| match tree {
        Tree::Dbfs => opts.dbfs,
        Tree::Workspace => opts.workspace,
        Tree::Uploads => opts.uploads,
        Tree::Repos => opts.repos,
    };
    let mut w = Walk {
        states: Tree::ALL.map(|tree| on(tree).then(|| TreeState::new(tree, user))),
        queue: VecDeque::new(),
        exports: VecDeque::new(),
        notebook_sizes: opts.notebook_sizes,
        ages: Ages::new(opts.as_of_ms, opts.stale_days),
        failures: Failures::default(),
        requests: 0,
        outbox: Outbox::new(opts.objects),
    };
    for tree in Tree::ALL {
        if let Some(st) = w.states[tree.index()].as_mut() {
            if opts.notebook_sizes && tree.api() == Api::Workspace {
                st.stats.notebook_bytes = Some(0);
            }
            w.queue.push_back(Pending {
                tree,
                path: st.home.clone(),
                depth: 0,
                repo: false,
            });
        }
    }

    let limit = batch_limit(opts.batch_size);
    'walk: while !w.queue.is_empty() || !w.exports.is_empty() {
        // Exports first (a few a batch), listings fill the rest: both families stay busy.
        let e = w.exports.len().min(MAX_EXPORTS_PER_BATCH).min(limit);
        let n = w.queue.len().min(limit - e);
        let exports: Vec<(Tree, Export)> = w.exports.drain(..e).collect();
        let items: Vec<Pending> = w.queue.drain(..n).collect();
        let requests: Vec<Request> = exports
            .iter()
            .map(|(_, nb)| export::request(&nb.path))
            .chain(items.iter().map(Pending::request))
            .collect();
        let mut answers = send_batch(t, &requests).into_iter();
        drop(requests);
        w.requests = w.requests.saturating_add((e + n) as u32);
        let mut cancelled = false;
        for (tree, nb) in exports {
            if cancelled {
                w.unmeasured(tree, nb);
                continue;
            }
            let answer = answers.next().expect("one answer per request");
            cancelled = !w.exported(tree, nb, answer);
        }
        w.outbox.send(sink); // the notebooks of this batch's exports
        if cancelled {
            break 'walk;
        }
        for item in &items {
            let st = w.state(item.tree);
            st.stats.requests = st.stats.requests.saturating_add(1);
        }
        for (item, answer) in items.into_iter().zip(answers) {
            let go_on = w.answer(item, answer);
            w.outbox.send(sink); // the files of this listing
            if !go_on {
                break 'walk;
            }
        }
    }
    // Notebooks still queued when the run stopped were counted: they go too, unsized.
    while let Some((tree, nb)) = w.exports.pop_front() {
        w.unmeasured(tree, nb);
        if w.outbox.len() >= MAX_BATCH_SIZE {
            w.outbox.send(sink);
        }
    }
    w.outbox.send(sink);

    let [dbfs, workspace, uploads, repos] = w.states.map(|s| s.map(|s| s.stats));
    let files = [&dbfs, &workspace, &uploads, &repos]
        .iter()
        .filter_map(|s| s.as_ref())
        .fold(0u64, |a, s| a.saturating_add(s.files));
    let status = if w.failures.any() {
        ScanStatus::Error
    } else if files > 0 {
        ScanStatus::Success
    } else {
        ScanStatus::Empty
    };
    UserReport {
        username: user.to_string(),
        dbfs,
        workspace,
        status,
        error: w.failures.message(),
        requests: w.requests,
        uploads,
        repos,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_home_and_clean_paths_below_it_are_within_it() {
        let h = "/Users/a@x.com";
        assert!(within_home(h, h));
        assert!(within_home("/Users/a@x.com/x", h));
        assert!(within_home("/Users/a@x.com/x/y z/ü", h));
        assert!(!within_home("/Users/a@x.com.evil/x", h));
        assert!(!within_home("/Users/a@x.comx", h));
        assert!(!within_home("/Users/a@x.com/", h));
        assert!(!within_home("/Users/a@x.com//x", h));
        assert!(!within_home("/Users/a@x.com/../b@x.com", h));
        assert!(!within_home("/Users/a@x.com/./x", h));
        assert!(!within_home("/Users/b@x.com/x", h));
        assert!(!within_home("/Users", h));
        assert!(!within_home("", h));
    }

    #[test]
    fn batch_size_zero_is_64_and_larger_sizes_are_capped_at_256() {
        assert_eq!(batch_limit(0), 64);
        assert_eq!(batch_limit(1), 1);
        assert_eq!(batch_limit(100), 100);
        assert_eq!(batch_limit(256), 256);
        assert_eq!(batch_limit(257), 256);
        assert_eq!(batch_limit(u32::MAX), 256);
    }

    #[test]
    fn guest_cap_is_below_what_every_host_accepts() {
        assert_eq!(
            MAX_BATCH_HOST_ACCEPTS, 1000,
            "the Rust host's max_batch (host/src/policy/mod.rs)"
        );
        assert!(batch_limit(u32::MAX) < MAX_BATCH_HOST_ACCEPTS);
    }

    #[test]
    fn trailing_slashes_are_dropped_but_a_lone_slash_is_kept() {
        assert_eq!(trim_slashes("/a/b/"), "/a/b");
        assert_eq!(trim_slashes("/a/b//"), "/a/b");
        assert_eq!(trim_slashes("/"), "/");
        assert_eq!(trim_slashes(""), "");
    }
}
