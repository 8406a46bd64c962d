//! What the scenario tests share: the user, the as-of, scan options and a small workspace.

use super::fake::Fake;
use crate::types::{ScanOptions, TreeStats};
use crate::walk::within_home;

/// The tests' as-of: 2027-01-15T08:00:00Z (ms).
pub const AS_OF: i64 = 1_800_000_000_000;

pub const U: &str = "a@x.com";
pub const H: &str = "/Users/a@x.com";

/// Scan options of the tests: DBFS and/or Workspace homes, default batch size.
const fn homes(dbfs: bool, workspace: bool) -> ScanOptions {
    ScanOptions {
        dbfs,
        workspace,
        batch_size: 0,
        notebook_sizes: false,
        uploads: false,
        repos: false,
        as_of_ms: AS_OF,
        stale_days: 365,
        objects: true,
    }
}
pub const BOTH: ScanOptions = homes(true, true);
pub const WS_ONLY: ScanOptions = homes(false, true);
pub const DBFS_ONLY: ScanOptions = homes(true, false);
pub const NEITHER: ScanOptions = homes(false, false);

/// Only the age fields of `t` (the other tests' expectations leave them to `walk_ages`).
pub fn ages_of(t: &TreeStats) -> TreeStats {
    TreeStats {
        last_modified_ms: t.last_modified_ms,
        stale_files: t.stale_files,
        stale_bytes: t.stale_bytes,
        undated_files: t.undated_files,
        age: t.age.clone(),
        largest: t.largest.clone(),
        ..TreeStats::default()
    }
}

/// A path in the user's home.
pub fn p(rest: &str) -> String {
    format!("{H}/{rest}")
}

/// A small realistic workspace: files of every kind in both trees.
pub fn sample() -> Fake {
    let mut f = Fake::new();
    f.ws_dir(H)
        .ws_nb(&p("nb"))
        .ws_file(&p("data.csv"), Some(1234))
        .ws_dir(&p("proj"))
        .ws_file(&p("proj/a.py"), Some(10))
        .ws_nb(&p("proj/nb2"))
        .ws_dir(&p("proj/empty"));
    f.dbfs_dir(H)
        .dbfs_file(&p("f.csv"), Some(100))
        .dbfs_dir(&p("sub"))
        .dbfs_file(&p("sub/g.parquet"), Some(200))
        .dbfs_dir(&p("sub/empty"));
    f
}

/// Every request of `f` stayed within `home`.
pub fn all_within_home(f: &Fake, home: &str) {
    for r in f.requests() {
        let path = r.param("path").unwrap();
        assert!(within_home(path, home), "listed outside the home: {path}");
    }
}

/// A home with `n` subdirectories of one file each, in both trees.
pub fn wide(n: usize) -> Fake {
    let mut f = Fake::new();
    f.ws_dir(H).dbfs_dir(H);
    for i in 0..n {
        f.ws_dir(&p(&format!("w{i}"))).ws_file(&p(&format!("w{i}/f")), Some(1));
        f.dbfs_dir(&p(&format!("d{i}")))
            .dbfs_file(&p(&format!("d{i}/f")), Some(2));
    }
    f
}
