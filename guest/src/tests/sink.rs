//! The tests' `objects` sink, and what every scan's objects must be: with `objects`, each
//! location's objects are exactly the files it counted (as many as `files`, no path twice, none
//! outside the home, with the sizes, times and notebooks the counts were made of); without, not
//! one `put`. [`scan_user`] checks it on every scenario that scans.

use crate::objects::Objects;
use crate::transport::Transport;
use crate::types::{Location, Object, ScanOptions, Tree, TreeStats, UserReport};
use crate::walk::{self, within_home, Ages};
use std::collections::BTreeSet;

/// Every `put`, as made.
#[derive(Default, Debug)]
pub struct Collector {
    pub puts: Vec<Vec<Object>>,
}

impl Objects for Collector {
    fn put(&mut self, batch: Vec<Object>) {
        self.puts.push(batch);
    }
}

impl Collector {
    /// Every object handed over, in order.
    pub fn all(&self) -> Vec<&Object> {
        self.puts.iter().flatten().collect()
    }

    /// The objects of one location, in order.
    pub fn of(&self, tree: Tree) -> Vec<&Object> {
        let loc: Location = tree.location();
        self.all().into_iter().filter(|o| o.location == loc).collect()
    }

    /// The paths handed for one location, sorted (`None` for entries without one).
    pub fn paths(&self, tree: Tree) -> Vec<Option<String>> {
        let mut v: Vec<_> = self.of(tree).into_iter().map(|o| o.path.clone()).collect();
        v.sort();
        v
    }
}

fn stats(r: &UserReport, tree: Tree) -> Option<&TreeStats> {
    match tree {
        Tree::Dbfs => r.dbfs.as_ref(),
        Tree::Workspace => r.workspace.as_ref(),
        Tree::Uploads => r.uploads.as_ref(),
        Tree::Repos => r.repos.as_ref(),
    }
}

/// What `sink` got from the scan that made `r` with `opts`, against `r`'s counts.
pub fn check(r: &UserReport, opts: &ScanOptions, sink: &Collector) -> Result<(), String> {
    if !opts.objects {
        return match sink.puts.len() {
            0 => Ok(()),
            n => Err(format!("{n} puts without `objects`")),
        };
    }
    if sink.puts.iter().any(Vec::is_empty) {
        return Err("an empty put".into());
    }
    let ages = Ages::new(opts.as_of_ms, opts.stale_days);
    for tree in Tree::ALL {
        let objs = sink.of(tree);
        let Some(s) = stats(r, tree) else {
            if objs.is_empty() {
                continue;
            }
            return Err(format!("{} objects from {}, not scanned", objs.len(), tree.name()));
        };
        let fail = |what: String| Err(format!("{}: {what}", tree.name()));
        if objs.len() as u64 != s.files {
            return fail(format!("{} objects for {} files: {objs:?}", objs.len(), s.files));
        }
        let home = tree.home(&r.username);
        let mut seen = BTreeSet::new();
        for o in &objs {
            if let Some(p) = &o.path {
                if !seen.insert(p.as_str()) {
                    return fail(format!("{p} handed twice"));
                }
                if !within_home(p, &home) {
                    return fail(format!("{p} is outside {home}"));
                }
            }
            if tree.api() == crate::types::Api::Dbfs && (o.object_type != "FILE" || o.language.is_some()) {
                return fail(format!("a DBFS object {o:?}"));
            }
            if o.modified_ms.is_some_and(|t| ages.valid(u64::try_from(t).ok()) != Some(t)) {
                return fail(format!("an invalid time handed: {o:?}"));
            }
        }
        let count = |f: &dyn Fn(&Object) -> bool| objs.iter().filter(|o| f(o)).count() as u64;
        let notebooks = count(&|o| o.object_type == "NOTEBOOK");
        let undated = count(&|o| o.modified_ms.is_none());
        let stale = count(&|o| o.modified_ms.is_some_and(|t| ages.stale(t)));
        let newest = objs.iter().filter_map(|o| o.modified_ms).max();
        if (notebooks, undated, stale, newest) != (s.notebooks, s.undated_files, s.stale_files, s.last_modified_ms) {
            return fail(format!(
                "(notebooks, undated, stale, newest) {:?} from the objects, {:?} counted",
                (notebooks, undated, stale, newest),
                (s.notebooks, s.undated_files, s.stale_files, s.last_modified_ms)
            ));
        }
        // Without an overflow, the objects' sizes are exactly the bytes and unsized files counted.
        let sum: u128 = objs.iter().filter_map(|o| o.size).map(u128::from).sum();
        let unsized_n = count(&|o| o.size.is_none());
        if sum <= u128::from(u64::MAX) && (sum, unsized_n) != (u128::from(s.bytes), s.unsized_objects) {
            return fail(format!(
                "objects sum {sum} bytes, {unsized_n} unsized; counted {}, {}",
                s.bytes, s.unsized_objects
            ));
        }
        for f in &s.largest {
            let found = objs.iter().any(|o| {
                o.path.as_deref() == Some(f.path.as_str()) && o.size == Some(f.bytes) && o.modified_ms == f.modified_ms
            });
            if !found {
                return fail(format!("largest {f:?} is no object"));
            }
        }
    }
    Ok(())
}

/// [`walk::scan_user`] with a [`Collector`], checked with [`check`]; the objects are dropped.
pub fn scan_user<T: Transport + ?Sized>(f: &mut T, user: &str, opts: ScanOptions) -> UserReport {
    scan_collect(f, user, opts).0
}

/// [`walk::scan_user`] with a [`Collector`], checked with [`check`].
pub fn scan_collect<T: Transport + ?Sized>(f: &mut T, user: &str, opts: ScanOptions) -> (UserReport, Collector) {
    let mut sink = Collector::default();
    let r = walk::scan_user(f, &mut sink, user, opts);
    if let Err(e) = check(&r, &opts, &sink) {
        panic!("objects of {user}: {e}\nreport: {r:?}");
    }
    (r, sink)
}
