//! `scan-user` counting: what a walk counts in each tree, and which entries it follows.

use super::fake::{err_json, resp, Fake};
use super::fixtures::{ages_of, all_within_home, p, sample, BOTH, DBFS_ONLY, H, U, WS_ONLY};
use crate::types::*;
use super::sink::scan_user;
use crate::{dbfs, workspace};
use serde_json::json;

#[test]
fn a_scan_counts_files_bytes_and_directories_of_both_trees() {
    let mut f = sample();
    let r = scan_user(&mut f, U, BOTH);
    assert_eq!(r.status, ScanStatus::Success);
    assert_eq!(r.error, None);
    assert_eq!(r.username, U);
    let w = r.workspace.unwrap();
    assert_eq!(
        w,
        TreeStats {
            home_exists: true,
            files: 4,
            bytes: 1244,
            directories: 3,
            unsized_objects: 2,
            notebooks: 2,
            repos: 0,
            vanished_dirs: 0,
            max_depth: 2,
            requests: 3,
            notebook_bytes: None,
            notebooks_unsized: 0,
            ..ages_of(&w)
        }
    );
    let d = r.dbfs.unwrap();
    assert_eq!(
        d,
        TreeStats {
            home_exists: true,
            files: 2,
            bytes: 300,
            directories: 3,
            unsized_objects: 0,
            notebooks: 0,
            repos: 0,
            vanished_dirs: 0,
            max_depth: 2,
            requests: 3,
            notebook_bytes: None,
            notebooks_unsized: 0,
            ..ages_of(&d)
        }
    );
    assert_eq!(r.requests, 6);
    all_within_home(&f, H);
    // Raw paths, the documented query parameter, nothing else.
    for req in f.requests() {
        assert_eq!(req.query.len(), 1);
        assert_eq!(req.query[0].0, "path");
        assert!(req.path == dbfs::LIST_PATH || req.path == workspace::LIST_PATH);
    }
}
#[test]
fn deep_trees_have_no_depth_limit() {
    let mut f = Fake::new();
    f.ws_dir(H).dbfs_dir(H);
    let mut path = H.to_string();
    for i in 1..=20 {
        path = format!("{path}/d{i}");
        f.ws_dir(&path).dbfs_dir(&path);
        f.ws_file(&format!("{path}/f"), Some(i))
            .dbfs_file(&format!("{path}/f"), Some(i));
    }
    let r = scan_user(&mut f, U, BOTH);
    assert_eq!(r.status, ScanStatus::Success);
    for s in [r.workspace.unwrap(), r.dbfs.unwrap()] {
        assert_eq!(s.max_depth, 20);
        assert_eq!(s.directories, 21);
        assert_eq!(s.files, 20);
        assert_eq!(s.bytes, (1..=20).sum::<u64>());
        assert_eq!(s.requests, 21);
    }
    assert_eq!(f.batches.len(), 21);
    assert!(f.batches.iter().all(|b| b.len() == 2));
}
#[test]
fn git_folders_are_entered_and_counted_as_repos() {
    let mut f = Fake::new();
    f.ws_dir(H)
        .ws_repo(&p("repo"))
        .ws_file(&p("repo/README.md"), Some(50))
        .ws_nb(&p("repo/nb"))
        .ws_dir(&p("repo/src"))
        .ws_file(&p("repo/src/x.py"), Some(7))
        .ws_dir(&p("d"))
        .ws_repo(&p("d/inner"));
    let r = scan_user(&mut f, U, WS_ONLY);
    assert!(r.dbfs.is_none());
    let w = r.workspace.unwrap();
    assert_eq!(w.repos, 2);
    assert_eq!(w.files, 3);
    assert_eq!(w.bytes, 57);
    assert_eq!(w.directories, 5);
    assert_eq!(w.notebooks, 1);
    assert_eq!(w.unsized_objects, 1);
    assert_eq!(r.status, ScanStatus::Success);
}
#[test]
fn every_workspace_object_but_directories_and_repos_is_a_file() {
    let mut f = Fake::new();
    f.ws_dir(H)
        .ws_obj(&p("lib"), json!({"object_type": "LIBRARY"}))
        .ws_obj(&p("dash"), json!({"object_type": "DASHBOARD"}))
        .ws_obj(&p("exp"), json!({"object_id": 5}))
        .ws_obj(&p("new"), json!({"object_type": "SOMETHING_NEW", "size": 9}))
        .ws_obj(&p("strsize"), json!({"object_type": "FILE", "size": "11"}))
        .ws_obj(&p("badsize"), json!({"object_type": "FILE", "size": "lots"}))
        .ws_obj(&p("nullsize"), json!({"object_type": "FILE", "size": null}))
        .ws_file(&p("nosize"), None)
        .ws_file(&p("zero"), Some(0));
    let r = scan_user(&mut f, U, WS_ONLY);
    let w = r.workspace.unwrap();
    assert_eq!(w.files, 9);
    assert_eq!(w.bytes, 20);
    assert_eq!(w.unsized_objects, 6);
    assert_eq!(w.notebooks, 0);
    assert_eq!(w.directories, 1);
    assert_eq!(w.requests, 1);
}
#[test]
fn files_without_size_are_unsized() {
    let mut f = Fake::new();
    f.dbfs_dir(H).dbfs_file(&p("a"), None).dbfs_file(&p("b"), Some(5));
    f.dbfs_raw(H, json!({"path": p("c"), "file_size": "6"}));
    f.dbfs_raw(H, json!({"path": p("d"), "is_dir": "false", "file_size": -3}));
    f.dbfs_raw(H, json!({"file_size": 1}));
    let r = scan_user(&mut f, U, DBFS_ONLY);
    assert!(r.workspace.is_none());
    let d = r.dbfs.unwrap();
    assert_eq!((d.files, d.bytes, d.unsized_objects), (5, 12, 2));
    assert_eq!(r.status, ScanStatus::Success);
}
#[test]
fn empty_directories_count_nothing() {
    let mut f = Fake::new();
    f.ws_dir(H).ws_dir(&p("e1")).ws_dir(&p("e1/e2"));
    f.dbfs_dir(H);
    let r = scan_user(&mut f, U, BOTH);
    assert_eq!(r.status, ScanStatus::Empty);
    assert_eq!(r.error, None);
    let w = r.workspace.unwrap();
    assert_eq!((w.home_exists, w.files, w.directories, w.max_depth), (true, 0, 3, 2));
    let d = r.dbfs.unwrap();
    assert_eq!((d.home_exists, d.files, d.directories, d.max_depth), (true, 0, 1, 0));
    // Other empty forms.
    let mut f = Fake::new();
    f.on_ws(H, resp(200, r#"{"objects":[]}"#))
        .on_dbfs(H, resp(200, r#"{"files":null}"#));
    let r = scan_user(&mut f, U, BOTH);
    assert_eq!(r.status, ScanStatus::Empty);
    assert_eq!(r.workspace.unwrap().directories, 1);
}
#[test]
fn missing_homes_are_not_errors() {
    let mut f = Fake::new();
    let r = scan_user(&mut f, U, BOTH);
    assert_eq!(r.status, ScanStatus::Empty);
    assert_eq!(r.error, None);
    for s in [r.workspace.unwrap(), r.dbfs.unwrap()] {
        assert_eq!(
            s,
            TreeStats {
                requests: 1,
                ..TreeStats::default()
            }
        );
    }
    assert_eq!(r.requests, 2);

    // One home missing, the other with files.
    let mut f = Fake::new();
    f.dbfs_dir(H).dbfs_file(&p("x"), Some(3));
    let r = scan_user(&mut f, U, BOTH);
    assert_eq!(r.status, ScanStatus::Success);
    assert!(!r.workspace.unwrap().home_exists);
    assert!(r.dbfs.unwrap().home_exists);
}
#[test]
fn home_that_is_a_file_is_counted() {
    let mut f = Fake::new();
    f.dbfs_file(H, Some(42));
    f.ws_obj(H, json!({"object_type": "NOTEBOOK"}));
    let r = scan_user(&mut f, U, BOTH);
    assert_eq!(r.status, ScanStatus::Success);
    let d = r.dbfs.unwrap();
    assert_eq!((d.home_exists, d.files, d.bytes, d.directories), (true, 1, 42, 0));
    let w = r.workspace.unwrap();
    assert_eq!((w.files, w.notebooks, w.unsized_objects, w.directories), (1, 1, 1, 0));
}
#[test]
fn vanished_subdirectories_are_counted_as_vanished_not_errors() {
    let mut f = sample();
    f.on_ws(&p("proj"), err_json(404, "RESOURCE_DOES_NOT_EXIST", "gone"));
    f.on_dbfs(&p("sub"), resp(404, ""));
    let r = scan_user(&mut f, U, BOTH);
    assert_eq!(r.status, ScanStatus::Success);
    assert_eq!(r.error, None);
    let w = r.workspace.unwrap();
    assert_eq!((w.vanished_dirs, w.files, w.directories, w.requests), (1, 2, 1, 2));
    let d = r.dbfs.unwrap();
    assert_eq!((d.vanished_dirs, d.files, d.directories), (1, 1, 1));
}
#[test]
fn entries_outside_home_are_not_followed() {
    let mut f = Fake::new();
    f.ws_dir(H).ws_file(&p("ok"), Some(1));
    f.ws_raw(H, json!({"path": "/Users/b@x.com/secret", "object_type": "DIRECTORY"}));
    f.ws_raw(
        H,
        json!({"path": "/Users/a@x.com/../b@x.com", "object_type": "DIRECTORY"}),
    );
    f.ws_raw(
        H,
        json!({"path": "/Users/a@x.com.evil/f", "object_type": "FILE", "size": 100}),
    );
    let r = scan_user(&mut f, U, WS_ONLY);
    assert_eq!(r.status, ScanStatus::Error);
    assert_eq!(
        r.error.as_deref(),
        Some(
            "workspace /Users/a@x.com: server returned entry outside home: /Users/b@x.com/secret (and 2 more failures)"
        )
    );
    let w = r.workspace.unwrap();
    assert_eq!((w.files, w.bytes, w.requests), (1, 1, 1));
    assert_eq!(f.listed(Tree::Workspace), vec![H.to_string()]);
}
#[test]
fn directory_without_path_is_an_error() {
    let mut f = Fake::new();
    f.dbfs_dir(H).dbfs_file(&p("f"), Some(1));
    f.dbfs_raw(H, json!({"is_dir": true}));
    let r = scan_user(&mut f, U, DBFS_ONLY);
    assert_eq!(r.status, ScanStatus::Error);
    assert_eq!(
        r.error.as_deref(),
        Some("dbfs /Users/a@x.com: directory entry without path")
    );
    assert_eq!(r.dbfs.unwrap().files, 1);
}
#[test]
fn loops_and_duplicates_are_listed_once() {
    let mut f = Fake::new();
    f.ws_dir(H).ws_dir(&p("a")).ws_file(&p("a/f"), Some(1));
    // a lists the home and itself again, twice; with trailing slashes too.
    f.ws_raw(&p("a"), json!({"path": H, "object_type": "DIRECTORY"}));
    f.ws_raw(&p("a"), json!({"path": format!("{H}/a/"), "object_type": "DIRECTORY"}));
    f.ws_raw(H, json!({"path": p("a"), "object_type": "DIRECTORY"}));
    let r = scan_user(&mut f, U, WS_ONLY);
    assert_eq!(r.status, ScanStatus::Success);
    let w = r.workspace.unwrap();
    assert_eq!((w.directories, w.files, w.requests), (2, 1, 2));
}
#[test]
fn a_listing_of_100k_entries_is_counted_within_seconds() {
    let mut f = Fake::new();
    // 100k files and 5k (empty) subdirectories in one listing.
    let mut body = String::from(r#"{"objects":["#);
    for i in 0..100_000 {
        body.push_str(&format!(
            r#"{{"path":"{H}/f{i}","object_type":"FILE","size":1,"object_id":{i}}},"#
        ));
    }
    for i in 0..5_000 {
        body.push_str(&format!(r#"{{"path":"{H}/d{i}","object_type":"DIRECTORY"}},"#));
    }
    body.pop();
    body.push_str("]}");
    f.on_ws(H, resp(200, &body));
    let t = std::time::Instant::now();
    let r = scan_user(&mut f, U, WS_ONLY);
    let w = r.workspace.unwrap();
    assert_eq!((w.bytes, w.directories, w.vanished_dirs), (100_000, 1, 5_000));
    assert!(t.elapsed().as_secs() < 5);
}
