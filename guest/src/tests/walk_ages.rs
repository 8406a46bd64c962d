//! Issue 19 in the guest: the four locations of a user, and the files' ages.

use super::fake::Fake;
use super::fixtures::{AS_OF, BOTH, U};
use super::sink::scan_user;
use crate::types::*;
use serde_json::json;

const DAY: i64 = 86_400_000;

fn all() -> ScanOptions {
    ScanOptions {
        uploads: true,
        repos: true,
        ..BOTH
    }
}

fn dbfs_timed(f: &mut Fake, path: &str, size: u64, t: serde_json::Value) {
    let dir = path.rsplit_once('/').unwrap().0;
    f.dbfs_raw(
        dir,
        json!({"path": path, "is_dir": false, "file_size": size, "modification_time": t}),
    );
}

/// Files in all four locations; times 1 ms before the stale boundary, exactly at it, recent,
/// and undated in every way (absent, negative, a word, beyond as-of + 1 day).
fn workspace() -> Fake {
    let boundary = AS_OF - 365 * DAY;
    let mut f = Fake::new();
    f.dbfs_dir("/Users/a@x.com");
    dbfs_timed(&mut f, "/Users/a@x.com/old.bin", 100, json!(boundary - 1));
    dbfs_timed(&mut f, "/Users/a@x.com/edge.bin", 10, json!(boundary));
    dbfs_timed(&mut f, "/Users/a@x.com/neg.bin", 7, json!(-5));
    f.dbfs_dir("/FileStore/shared_uploads/a@x.com");
    dbfs_timed(
        &mut f,
        "/FileStore/shared_uploads/a@x.com/up.csv",
        5000,
        json!((AS_OF - 3 * DAY).to_string()),
    );
    dbfs_timed(
        &mut f,
        "/FileStore/shared_uploads/a@x.com/word.csv",
        3,
        json!("yesterday"),
    );
    // A name-prefix sibling: never walked.
    f.dbfs_dir("/FileStore/shared_uploads/a@x.com2");
    dbfs_timed(
        &mut f,
        "/FileStore/shared_uploads/a@x.com2/not-mine.csv",
        999_999,
        json!(1),
    );
    f.ws_dir("/Users/a@x.com");
    f.ws_obj(
        "/Users/a@x.com/f.py",
        json!({"object_type": "FILE", "size": 40, "modified_at": AS_OF - 4 * 365 * DAY}),
    );
    f.ws_obj(
        "/Users/a@x.com/nb",
        json!({"object_type": "NOTEBOOK", "language": "PYTHON", "modified_at": AS_OF + 2 * DAY}),
    );
    f.ws_dir("/Repos/a@x.com");
    f.ws_repo("/Repos/a@x.com/proj");
    f.ws_obj(
        "/Repos/a@x.com/proj/big.whl",
        json!({"object_type": "FILE", "size": 7000, "modified_at": AS_OF - 100 * DAY}),
    );
    f.ws_obj(
        "/Repos/a@x.com/proj/nb",
        json!({"object_type": "NOTEBOOK", "language": "SQL", "modified_at": AS_OF - 500 * DAY}),
    );
    f
}

#[test]
fn four_locations_are_walked_each_in_its_own_folder() {
    let mut f = workspace();
    let r = scan_user(&mut f, U, all());
    assert_eq!(r.status, ScanStatus::Success, "{:?}", r.error);
    let (d, w, u, p) = (
        r.dbfs.unwrap(),
        r.workspace.unwrap(),
        r.uploads.unwrap(),
        r.repos.unwrap(),
    );
    assert_eq!((d.files, d.bytes), (3, 117));
    assert_eq!((u.files, u.bytes), (2, 5003), "the sibling a@x.com2 is not counted");
    assert_eq!((w.files, w.bytes, w.notebooks), (2, 40, 1));
    assert_eq!((p.files, p.bytes, p.repos, p.notebooks), (2, 7000, 1, 1));
    assert!(u.home_exists && p.home_exists);
    let listed = f.listed(Tree::Dbfs);
    assert!(listed.contains(&"/FileStore/shared_uploads/a@x.com".to_string()));
    assert!(!listed.iter().any(|l| l.contains("a@x.com2")), "{listed:?}");
    assert!(f.listed(Tree::Workspace).contains(&"/Repos/a@x.com/proj".to_string()));
    // One listing per folder: each home, and the Git folder in /Repos.
    assert_eq!(r.requests, 1 + 1 + 1 + 2);
}

#[test]
fn ages_stale_undated_and_largest_follow_the_rules() {
    let boundary = AS_OF - 365 * DAY;
    let r = scan_user(&mut workspace(), U, all());
    let d = r.dbfs.unwrap();
    // 1 ms before the boundary is stale; exactly at it is not; a negative time is undated.
    assert_eq!((d.stale_files, d.stale_bytes, d.undated_files), (1, 100, 1));
    assert_eq!(d.last_modified_ms, Some(boundary));
    // Exactly 365 days old is the 1–3 year band, like 1 ms more.
    assert_eq!((d.age.under_3_years, d.age.under_1_year, d.age.undated), (110, 0, 7));
    let u = r.uploads.unwrap();
    // A time as a string of digits is valid; a word is not.
    assert_eq!(u.last_modified_ms, Some(AS_OF - 3 * DAY));
    assert_eq!((u.undated_files, u.age.under_30_days, u.age.undated), (1, 5000, 3));
    assert_eq!(u.largest[0].path, "/FileStore/shared_uploads/a@x.com/up.csv");
    let w = r.workspace.unwrap();
    // A notebook dated two days after the as-of is undated; the 4-year-old file is older.
    assert_eq!((w.stale_files, w.stale_bytes, w.undated_files), (1, 40, 1));
    assert_eq!(
        (w.age.older, w.age.undated),
        (40, 0),
        "an unsized notebook adds no bytes"
    );
    let p = r.repos.unwrap();
    assert_eq!((p.stale_files, p.stale_bytes), (1, 0), "the stale notebook has no size");
    assert_eq!(p.age.under_1_year, 7000);
    assert_eq!(
        p.largest,
        [FileInfo {
            path: "/Repos/a@x.com/proj/big.whl".into(),
            bytes: 7000,
            modified_ms: Some(AS_OF - 100 * DAY)
        }]
    );
    // Every sized file's bytes are in exactly one band.
    for t in [&d, &u, &w, &p] {
        let a = &t.age;
        let sum = a.under_30_days + a.under_90_days + a.under_1_year + a.under_3_years + a.older + a.undated;
        assert_eq!(sum, t.bytes);
    }
}

#[test]
fn the_largest_list_keeps_ten_largest_first_ties_by_path() {
    let mut f = Fake::new();
    f.dbfs_dir("/Users/a@x.com");
    for i in 0..25u64 {
        dbfs_timed(&mut f, &format!("/Users/a@x.com/f{i:02}"), 1000 + (i % 12), json!(1));
    }
    let opts = ScanOptions {
        workspace: false,
        uploads: false,
        repos: false,
        ..all()
    };
    let d = scan_user(&mut f, U, opts).dbfs.unwrap();
    let got: Vec<(&str, u64)> = d.largest.iter().map(|f| (f.path.as_str(), f.bytes)).collect();
    assert_eq!(got.len(), 10);
    assert_eq!(got[0], ("/Users/a@x.com/f11", 1011));
    assert_eq!(got[1], ("/Users/a@x.com/f23", 1011));
    assert_eq!(got[2], ("/Users/a@x.com/f10", 1010));
    assert!(got
        .windows(2)
        .all(|w| (std::cmp::Reverse(w[0].1), w[0].0) < (std::cmp::Reverse(w[1].1), w[1].0)));
}

#[test]
fn a_location_without_the_users_folder_has_no_home_there() {
    let mut f = Fake::new();
    f.ws_dir("/Users/a@x.com");
    f.ws_file("/Users/a@x.com/x", Some(1));
    let r = scan_user(&mut f, U, all());
    assert_eq!(r.status, ScanStatus::Success);
    assert!(!r.uploads.unwrap().home_exists && !r.repos.unwrap().home_exists);
    assert!(r.dbfs.unwrap().last_modified_ms.is_none());
}
