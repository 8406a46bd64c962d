//! Scenario tests of the whole guest logic against the in-memory fake workspace.

use crate::fake::{err_json, resp, Fake};
use crate::homes::list_homes;
use crate::scim::{list_users, me, whoami, ME_PATH, USERS_PATH};
use crate::types::*;
use crate::walk::{home_of, scan_user, within_home};
use crate::{dbfs, workspace};
use serde_json::json;

/// Scan options of the tests (default batch size).
const BOTH: ScanOptions = ScanOptions {
    dbfs: true,
    workspace: true,
    batch_size: 0,
    notebook_sizes: false,
    uploads: false,
    repos: false,
    as_of_ms: crate::tests::AS_OF,
    stale_days: 365,
};
pub(crate) const WS_ONLY: ScanOptions = ScanOptions {
    dbfs: false,
    workspace: true,
    batch_size: 0,
    notebook_sizes: false,
    uploads: false,
    repos: false,
    as_of_ms: crate::tests::AS_OF,
    stale_days: 365,
};
pub(crate) const DBFS_ONLY: ScanOptions = ScanOptions {
    dbfs: true,
    workspace: false,
    batch_size: 0,
    notebook_sizes: false,
    uploads: false,
    repos: false,
    as_of_ms: crate::tests::AS_OF,
    stale_days: 365,
};
const NEITHER: ScanOptions = ScanOptions {
    dbfs: false,
    workspace: false,
    batch_size: 0,
    notebook_sizes: false,
    uploads: false,
    repos: false,
    as_of_ms: crate::tests::AS_OF,
    stale_days: 365,
};

/// The tests' as-of: 2027-01-15T08:00:00Z (ms).
pub(crate) const AS_OF: i64 = 1_800_000_000_000;

pub(crate) const U: &str = "a@x.com";
pub(crate) const H: &str = "/Users/a@x.com";

/// Only the age fields of `t` (the other tests' expectations leave them to `tests_ages`).
pub(crate) fn ages_of(t: &TreeStats) -> TreeStats {
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

fn both() -> ScanOptions {
    BOTH
}

fn p(rest: &str) -> String {
    format!("{H}/{rest}")
}

/// A small realistic workspace: files of every kind in both trees.
fn sample() -> Fake {
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

fn all_within_home(f: &Fake, home: &str) {
    for r in f.requests() {
        let path = r.param("path").unwrap();
        assert!(within_home(path, home), "listed outside the home: {path}");
    }
}

#[test]
fn counts_both_trees() {
    let mut f = sample();
    let r = scan_user(&mut f, U, both());
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
fn levels_of_both_trees_go_out_together() {
    let mut f = sample();
    scan_user(&mut f, U, both());
    assert_eq!(f.batches.len(), 3, "one batch per level: {:?}", f.batches);
    let b0: Vec<_> = f.batches[0]
        .iter()
        .map(|r| (r.path.as_str(), r.param("path").unwrap()))
        .collect();
    assert_eq!(b0, vec![(dbfs::LIST_PATH, H), (workspace::LIST_PATH, H)]);
    let b1: Vec<_> = f.batches[1]
        .iter()
        .map(|r| (r.path.as_str(), r.param("path").unwrap().to_string()))
        .collect();
    assert_eq!(b1, vec![(dbfs::LIST_PATH, p("sub")), (workspace::LIST_PATH, p("proj"))]);
    assert_eq!(f.batches[2].len(), 2);
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
    let r = scan_user(&mut f, U, both());
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
fn git_folders_are_entered() {
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
fn every_other_object_is_a_file() {
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
fn empty_dirs() {
    let mut f = Fake::new();
    f.ws_dir(H).ws_dir(&p("e1")).ws_dir(&p("e1/e2"));
    f.dbfs_dir(H);
    let r = scan_user(&mut f, U, both());
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
    let r = scan_user(&mut f, U, both());
    assert_eq!(r.status, ScanStatus::Empty);
    assert_eq!(r.workspace.unwrap().directories, 1);
}

#[test]
fn missing_homes_are_not_errors() {
    let mut f = Fake::new();
    let r = scan_user(&mut f, U, both());
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
    let r = scan_user(&mut f, U, both());
    assert_eq!(r.status, ScanStatus::Success);
    assert!(!r.workspace.unwrap().home_exists);
    assert!(r.dbfs.unwrap().home_exists);
}

#[test]
fn home_that_is_a_file_is_counted() {
    let mut f = Fake::new();
    f.dbfs_file(H, Some(42));
    f.ws_obj(H, json!({"object_type": "NOTEBOOK"}));
    let r = scan_user(&mut f, U, both());
    assert_eq!(r.status, ScanStatus::Success);
    let d = r.dbfs.unwrap();
    assert_eq!((d.home_exists, d.files, d.bytes, d.directories), (true, 1, 42, 0));
    let w = r.workspace.unwrap();
    assert_eq!((w.files, w.notebooks, w.unsized_objects, w.directories), (1, 1, 1, 0));
}

#[test]
fn vanished_subdirectories_are_skipped() {
    let mut f = sample();
    f.on_ws(&p("proj"), err_json(404, "RESOURCE_DOES_NOT_EXIST", "gone"));
    f.on_dbfs(&p("sub"), resp(404, ""));
    let r = scan_user(&mut f, U, both());
    assert_eq!(r.status, ScanStatus::Success);
    assert_eq!(r.error, None);
    let w = r.workspace.unwrap();
    assert_eq!((w.vanished_dirs, w.files, w.directories, w.requests), (1, 2, 1, 2));
    let d = r.dbfs.unwrap();
    assert_eq!((d.vanished_dirs, d.files, d.directories), (1, 1, 1));
}

#[test]
fn endpoint_not_found_is_an_error_not_a_missing_home() {
    let mut f = Fake::new();
    f.on_ws(H, err_json(404, "ENDPOINT_NOT_FOUND", "No API found"));
    let r = scan_user(&mut f, U, both());
    assert_eq!(r.status, ScanStatus::Error);
    assert_eq!(
        r.error.unwrap(),
        format!("workspace {H}: HTTP 404 ENDPOINT_NOT_FOUND: No API found")
    );
}

#[test]
fn persistent_500_on_one_directory() {
    let mut f = sample();
    f.ws_dir(&p("proj2")).ws_file(&p("proj2/z"), Some(1));
    f.on_ws(&p("proj"), err_json(500, "INTERNAL_ERROR", "boom"));
    let r = scan_user(&mut f, U, both());
    assert_eq!(r.status, ScanStatus::Error);
    assert_eq!(
        r.error.as_deref(),
        Some("workspace /Users/a@x.com/proj: HTTP 500 INTERNAL_ERROR: boom")
    );
    // The rest was walked and counted.
    let w = r.workspace.unwrap();
    assert_eq!((w.files, w.bytes, w.directories), (3, 1235, 2));
    let d = r.dbfs.unwrap();
    assert_eq!((d.files, d.bytes, d.directories), (2, 300, 3));
}

#[test]
fn several_failures_keep_the_first() {
    let mut f = sample();
    f.on_dbfs(&p("sub"), err_json(503, "TEMPORARILY_UNAVAILABLE", "later"));
    f.on_ws(&p("proj"), err_json(500, "INTERNAL_ERROR", "boom"));
    f.ws_dir(&p("q"));
    f.on_ws(&p("q"), Err(HttpError::Timeout));
    let r = scan_user(&mut f, U, both());
    assert_eq!(r.status, ScanStatus::Error);
    assert_eq!(
        r.error.as_deref(),
        Some("dbfs /Users/a@x.com/sub: HTTP 503 TEMPORARILY_UNAVAILABLE: later (and 2 more failures)")
    );
}

#[test]
fn unauthorized_and_forbidden() {
    let mut f = Fake::new();
    f.on_ws(H, err_json(401, "UNAUTHENTICATED", "Invalid access token."));
    f.on_dbfs(H, err_json(403, "PERMISSION_DENIED", "no"));
    let r = scan_user(&mut f, U, both());
    assert_eq!(r.status, ScanStatus::Error);
    assert_eq!(
        r.error.as_deref(),
        Some("dbfs /Users/a@x.com: HTTP 403 PERMISSION_DENIED: no (and 1 more failures)")
    );
    assert!(!r.dbfs.unwrap().home_exists);
    let mut f = Fake::new();
    f.on_ws(H, err_json(401, "UNAUTHENTICATED", "Invalid access token."));
    let r = scan_user(&mut f, U, WS_ONLY);
    assert_eq!(
        r.error.as_deref(),
        Some("workspace /Users/a@x.com: HTTP 401 UNAUTHENTICATED: Invalid access token.")
    );
    // 400, 429 that survived the retries.
    for (st, code) in [(400, "INVALID_PARAMETER_VALUE"), (429, "REQUEST_LIMIT_EXCEEDED")] {
        let mut f = Fake::new();
        f.on_ws(H, err_json(st, code, "m"));
        let r = scan_user(&mut f, U, WS_ONLY);
        assert_eq!(r.error.unwrap(), format!("workspace {H}: HTTP {st} {code}: m"));
    }
}

#[test]
fn unparsable_bodies() {
    let mut f = sample();
    f.on_ws(&p("proj"), resp(200, "{\"objects\": [ {\"path\": "));
    f.on_dbfs(&p("sub"), resp(200, "<html><title>Sign in</title></html>"));
    let r = scan_user(&mut f, U, both());
    assert_eq!(r.status, ScanStatus::Error);
    let e = r.error.unwrap();
    assert!(
        e.starts_with("dbfs /Users/a@x.com/sub: malformed response (HTTP 200): not a JSON object (body: Sign in)"),
        "{e}"
    );
    assert!(e.contains("(body: Sign in)"), "{e}");
    assert!(e.ends_with("(and 1 more failures)"), "{e}");
    // A 200 with an empty body is not an empty directory.
    let mut f = Fake::new();
    f.on_ws(H, resp(200, ""));
    let r = scan_user(&mut f, U, WS_ONLY);
    assert_eq!(r.status, ScanStatus::Error);
    assert!(r.error.unwrap().contains("(empty body)"));
    assert!(r.workspace.unwrap().home_exists);
}

#[test]
fn html_error_bodies() {
    let mut f = Fake::new();
    f.on_ws(
        H,
        resp(502, "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>"),
    );
    f.on_dbfs(H, resp(504, &format!("upstream request timeout\n{}", "x".repeat(1000))));
    let r = scan_user(&mut f, U, both());
    let e = r.error.unwrap();
    assert!(
        e.starts_with("dbfs /Users/a@x.com: HTTP 504: upstream request timeout xxx"),
        "{e}"
    );
    assert!(e.contains("…"), "{e}");
    assert!(e.chars().count() < 300, "{e}");
    let mut f = Fake::new();
    f.on_ws(H, resp(502, "<html><head><title>502 Bad Gateway</title></head></html>"));
    let r = scan_user(&mut f, U, WS_ONLY);
    assert_eq!(r.error.unwrap(), format!("workspace {H}: HTTP 502: 502 Bad Gateway"));
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
fn transport_level_failures() {
    let cases = [
        (HttpError::Timeout, "timeout"),
        (
            HttpError::Transport("connection reset".into()),
            "transport error: connection reset",
        ),
        (HttpError::TooLarge(1 << 20), "response too large (over 1048576 bytes)"),
        (HttpError::Denied("not allowed".into()), "denied by host: not allowed"),
    ];
    for (e, msg) in cases {
        let mut f = sample();
        f.on_ws(&p("proj"), Err(e));
        let r = scan_user(&mut f, U, both());
        assert_eq!(r.status, ScanStatus::Error);
        assert_eq!(r.error.unwrap(), format!("workspace {H}/proj: {msg}"));
        // The walk went on elsewhere.
        assert_eq!(r.dbfs.unwrap().directories, 3);
    }
}

#[test]
fn cancelled_stops_at_once() {
    let mut f = sample();
    f.cancel_after = Some(2);
    let r = scan_user(&mut f, U, both());
    assert_eq!(r.status, ScanStatus::Error);
    assert_eq!(
        r.error.as_deref(),
        Some("dbfs /Users/a@x.com/sub: cancelled: run stopped")
    );
    assert_eq!(f.batches.len(), 2, "no request after the cancellation");
    assert_eq!(r.requests, 4);
    // Cancelled in the middle of a batch: the rest of it is not processed.
    let mut f = sample();
    f.on_dbfs(H, Err(HttpError::Cancelled("bad credentials".into())));
    let r = scan_user(&mut f, U, both());
    assert_eq!(
        r.error.as_deref(),
        Some("dbfs /Users/a@x.com: cancelled: bad credentials")
    );
    assert_eq!(f.batches.len(), 1);
    assert_eq!(r.workspace.unwrap().files, 0);
}

fn wide(n: usize) -> Fake {
    let mut f = Fake::new();
    f.ws_dir(H).dbfs_dir(H);
    for i in 0..n {
        f.ws_dir(&p(&format!("w{i}"))).ws_file(&p(&format!("w{i}/f")), Some(1));
        f.dbfs_dir(&p(&format!("d{i}")))
            .dbfs_file(&p(&format!("d{i}/f")), Some(2));
    }
    f
}

#[test]
fn batches_respect_size_and_cap() {
    for (asked, limit) in [
        (0u32, 64usize),
        (10, 10),
        (1, 1),
        (256, 256),
        (1000, 256),
        (u32::MAX, 256),
    ] {
        let mut f = wide(300);
        let r = scan_user(
            &mut f,
            U,
            ScanOptions {
                dbfs: true,
                workspace: true,
                batch_size: asked,
                notebook_sizes: false,
                uploads: false,
                repos: false,
                as_of_ms: crate::tests::AS_OF,
                stale_days: 365,
            },
        );
        assert_eq!(r.status, ScanStatus::Success);
        assert_eq!(r.requests, 602);
        assert_eq!(r.workspace.as_ref().unwrap().files, 300);
        assert_eq!(r.dbfs.as_ref().unwrap().bytes, 600);
        let max = f.batches.iter().map(Vec::len).max().unwrap();
        assert_eq!(max, limit.min(600), "batch_size {asked}");
        // Batches are full except the last one: no half-empty round trips.
        let n = f.batches.len();
        assert!(
            f.batches[..n - 1].iter().skip(1).all(|b| b.len() == limit),
            "batch_size {asked}"
        );
        assert_eq!(
            n,
            2usize.div_ceil(limit) + 600usize.div_ceil(limit),
            "batch_size {asked}"
        );
    }
}

#[test]
fn breadth_first_order() {
    let mut f = wide(3);
    f.ws_dir(&p("w0/deeper")).ws_file(&p("w0/deeper/x"), Some(5));
    scan_user(
        &mut f,
        U,
        ScanOptions {
            dbfs: true,
            workspace: true,
            batch_size: 2,
            notebook_sizes: false,
            uploads: false,
            repos: false,
            as_of_ms: crate::tests::AS_OF,
            stale_days: 365,
        },
    );
    let order: Vec<String> = f
        .requests()
        .iter()
        .map(|r| format!("{}:{}", &r.path[9..13], r.param("path").unwrap()))
        .collect();
    let depth = |s: &String| s.matches('/').count();
    assert!(order.windows(2).all(|w| depth(&w[0]) <= depth(&w[1])), "{order:?}");
}

#[test]
fn wrong_number_of_answers_is_a_transport_error() {
    struct Short(Fake);
    impl crate::transport::Transport for Short {
        fn send(&mut self, r: &[Request]) -> Vec<crate::transport::Answer> {
            let mut a = self.0.send(r);
            a.pop();
            a
        }
    }
    let mut t = Short(sample());
    let r = scan_user(&mut t, U, both());
    assert_eq!(r.status, ScanStatus::Error);
    assert!(r
        .error
        .unwrap()
        .starts_with("workspace /Users/a@x.com: transport error: host answered 1 results for 2 requests"));
}

#[test]
fn hostile_usernames_are_refused_without_requests() {
    for u in ["", ".", "..", "a/b", "../../etc", "a\\b", "a\nb", "a\u{0}b", "a\tb"] {
        let mut f = sample();
        let r = scan_user(&mut f, u, both());
        assert_eq!(r.status, ScanStatus::Error, "{u:?}");
        assert!(r.error.as_ref().unwrap().starts_with("invalid username '"), "{u:?}");
        assert!(!r.error.as_ref().unwrap().contains('\n'));
        assert_eq!((r.requests, r.dbfs, r.workspace), (0, None, None));
        assert!(f.batches.is_empty(), "{u:?}");
        assert_eq!(r.username, u);
    }
    let mut f = Fake::new();
    let r = scan_user(&mut f, "a/b", both());
    assert_eq!(r.error.as_deref(), Some("invalid username 'a/b': contains '/'"));
}

#[test]
fn odd_usernames_pass_raw() {
    for u in [
        "a+b@x.com",
        "a#b?c=d&e%20f@x.com",
        "first last@x.com",
        "ünï©ødé@例え.jp",
        "...",
        "a..b",
    ] {
        let home = home_of(u);
        let mut f = Fake::new();
        f.ws_dir(&home)
            .ws_dir(&format!("{home}/sub dir"))
            .ws_file(&format!("{home}/sub dir/f%20"), Some(3));
        f.dbfs_dir(&home).dbfs_file(&format!("{home}/x#y"), Some(4));
        let r = scan_user(&mut f, u, both());
        assert_eq!(r.status, ScanStatus::Success, "{u}: {:?}", r.error);
        assert_eq!(r.workspace.unwrap().bytes + r.dbfs.unwrap().bytes, 7);
        assert_eq!(f.batches[0][0].param("path"), Some(home.as_str()));
        all_within_home(&f, &home);
    }
}

#[test]
fn no_trees_no_requests() {
    let mut f = sample();
    let r = scan_user(&mut f, U, NEITHER);
    assert_eq!(
        (r.status, r.requests, r.dbfs, r.workspace),
        (ScanStatus::Empty, 0, None, None)
    );
    assert!(f.batches.is_empty());
}

#[test]
fn big_flat_directory_is_fast() {
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

// --- SCIM ----------------------------------------------------------------------------------

fn users(n: usize) -> Vec<serde_json::Value> {
    (1..=n)
        .map(|i| json!({"id": format!("{i}"), "userName": format!("u{i}@x.com"), "displayName": format!("U {i}"), "active": i % 2 == 0}))
        .collect()
}

fn all_users(f: &mut Fake, count: u32) -> (Vec<String>, usize) {
    let mut names = Vec::new();
    let mut start = 1;
    let mut pages = 0;
    loop {
        let page = list_users(f, start, count).unwrap();
        pages += 1;
        names.extend(page.users.into_iter().map(|u| u.user_name));
        match page.next_start_index {
            Some(n) => start = n,
            None => break,
        }
        assert!(pages < 1000);
    }
    (names, pages)
}

#[test]
fn scim_request_shape() {
    let mut f = Fake::new();
    f.users = users(3);
    let page = list_users(&mut f, 1, 100).unwrap();
    let r = &f.batches[0][0];
    assert_eq!(r.path, USERS_PATH);
    assert_eq!(
        r.query,
        vec![
            ("startIndex".to_string(), "1".to_string()),
            ("count".to_string(), "100".to_string()),
            ("attributes".to_string(), "id,userName,displayName,active".to_string()),
        ]
    );
    assert_eq!(page.total_results, Some(3));
    assert_eq!(page.next_start_index, None);
    assert_eq!(
        page.users[1],
        User {
            user_name: "u2@x.com".into(),
            display_name: Some("U 2".into()),
            active: Some(true),
            id: Some("2".into())
        }
    );
}

#[test]
fn scim_pages_by_users_returned() {
    // Server caps pages at 7 while we ask for 10; 23 users (not a multiple of either).
    for (cap, count, n, echo, total) in [
        (Some(7), 10, 23, true, true),
        (Some(7), 10, 23, false, true),
        (Some(7), 10, 23, true, false),
        (None, 10, 30, true, true),
        (None, 10, 30, false, false),
        (None, 100, 0, true, true),
        (Some(1), 5, 4, true, true),
    ] {
        let mut f = Fake::new();
        f.users = users(n);
        f.scim_page_cap = cap;
        f.scim_echo_start = echo;
        f.scim_total = total;
        let (names, pages) = all_users(&mut f, count);
        let want: Vec<String> = (1..=n).map(|i| format!("u{i}@x.com")).collect();
        assert_eq!(names, want, "cap {cap:?} count {count} n {n}");
        let per = cap.unwrap_or(usize::MAX).min(count as usize);
        // With totals known the last page ends the listing; without, one more (empty) page.
        let expected = if n == 0 {
            1
        } else {
            n.div_ceil(per) + usize::from(!total)
        };
        assert_eq!(pages, expected, "cap {cap:?} count {count} n {n} total {total}");
    }
}

#[test]
fn scim_next_index_uses_echoed_start() {
    let mut f = Fake::new();
    f.on(
        USERS_PATH,
        "5",
        vec![resp(
            200,
            r#"{"totalResults":100,"startIndex":11,"Resources":[{"userName":"a"},{"userName":"b"}]}"#,
        )],
    );
    let page = list_users(&mut f, 5, 50).unwrap();
    assert_eq!(page.next_start_index, Some(13));
    // Echo that would not advance: page from what was asked.
    let mut f = Fake::new();
    f.on(
        USERS_PATH,
        "5",
        vec![resp(200, r#"{"startIndex":0,"Resources":[{"userName":"a"}]}"#)],
    );
    assert_eq!(list_users(&mut f, 5, 50).unwrap().next_start_index, Some(6));
    // Strings for numbers, users without a userName skipped but counted.
    let mut f = Fake::new();
    f.on(
        USERS_PATH,
        "1",
        vec![resp(200, r#"{"totalResults":"3","startIndex":"1","Resources":[{"userName":"a","active":"true","id":7},{"id":"x"},{"userName":""}]}"#)],
    );
    let page = list_users(&mut f, 1, 50).unwrap();
    assert_eq!(page.users.len(), 1);
    assert_eq!(page.users[0].active, Some(true));
    assert_eq!(page.users[0].id.as_deref(), Some("7"));
    assert_eq!(page.total_results, Some(3));
    assert_eq!(page.next_start_index, None);
    // Start 0 is taken as 1, count 0 as 100.
    let mut f = Fake::new();
    f.users = users(2);
    list_users(&mut f, 0, 0).unwrap();
    assert_eq!(f.batches[0][0].param("startIndex"), Some("1"));
    assert_eq!(f.batches[0][0].param("count"), Some("100"));
}

#[test]
fn scim_failures() {
    let mut f = Fake::new();
    f.on(
        USERS_PATH,
        "1",
        vec![err_json(401, "UNAUTHENTICATED", "Invalid access token.")],
    );
    let e = list_users(&mut f, 1, 100).unwrap_err();
    assert_eq!(e.status, Some(401));
    assert_eq!(
        e.message,
        "GET /api/2.0/preview/scim/v2/Users (startIndex=1, count=100): HTTP 401 UNAUTHENTICATED: Invalid access token."
    );
    let mut f = Fake::new();
    f.on(
        USERS_PATH,
        "1",
        vec![resp(
            403,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"not admin","status":"403"}"#,
        )],
    );
    assert!(list_users(&mut f, 1, 100)
        .unwrap_err()
        .message
        .ends_with("HTTP 403: not admin"));
    let mut f = Fake::new();
    f.on(USERS_PATH, "1", vec![Err(HttpError::Timeout)]);
    let e = list_users(&mut f, 1, 100).unwrap_err();
    assert_eq!((e.status, e.message.ends_with(": timeout")), (None, true));
    let mut f = Fake::new();
    f.on(USERS_PATH, "1", vec![resp(200, "<html>login</html>")]);
    let e = list_users(&mut f, 1, 100).unwrap_err();
    assert!(e.message.contains("malformed response (HTTP 200)"), "{}", e.message);
    let mut f = Fake::new();
    f.on(USERS_PATH, "1", vec![resp(200, r#"{"Resources":"nope"}"#)]);
    assert!(list_users(&mut f, 1, 100).is_err());
}

#[test]
fn whoami_cases() {
    let mut f = Fake::new();
    f.on(
        ME_PATH,
        "",
        vec![resp(
            200,
            r#"{"id":"1","userName":"me@x.com","emails":[{"value":"me@x.com"}]}"#,
        )],
    );
    assert_eq!(whoami(&mut f).unwrap(), "me@x.com");
    assert_eq!(f.batches[0][0].path, ME_PATH);
    assert!(f.batches[0][0].query.is_empty());
    let mut f = Fake::new();
    f.on(ME_PATH, "", vec![err_json(401, "UNAUTHENTICATED", "bad token")]);
    let e = whoami(&mut f).unwrap_err();
    assert_eq!(e.status, Some(401));
    assert_eq!(
        e.message,
        "GET /api/2.0/preview/scim/v2/Me: HTTP 401 UNAUTHENTICATED: bad token"
    );
    let mut f = Fake::new();
    f.on(ME_PATH, "", vec![resp(200, "{}")]);
    assert_eq!(
        whoami(&mut f).unwrap_err().message,
        "GET /api/2.0/preview/scim/v2/Me: response has no userName"
    );
    let mut f = Fake::new();
    f.on(ME_PATH, "", vec![resp(200, "not json")]);
    assert!(whoami(&mut f).unwrap_err().message.contains("malformed"));
    let mut f = Fake::new();
    f.on(ME_PATH, "", vec![Err(HttpError::Cancelled("stop".into()))]);
    assert_eq!(
        whoami(&mut f).unwrap_err().message,
        "GET /api/2.0/preview/scim/v2/Me: cancelled: stop"
    );
}

#[test]
fn me_reads_groups_and_admin_status_strictly() {
    let ask = |body: &str| {
        let mut f = Fake::new();
        f.on(ME_PATH, "", vec![resp(200, body)]);
        me(&mut f)
    };
    let c = ask(r#"{"userName":"a@x.com","displayName":"A","groups":[{"display":"users","type":"direct"},{"display":"admins","type":"indirect","value":"9"}]}"#).unwrap();
    assert_eq!(
        (
            c.user_name.as_str(),
            c.display_name.as_deref(),
            c.groups.clone(),
            c.is_admin
        ),
        (
            "a@x.com",
            Some("A"),
            vec!["users".to_string(), "admins".to_string()],
            Some(true)
        )
    );
    // No groups (SCIM omits an empty attribute), null, an empty list, other groups: not an admin.
    for body in [
        r#"{"userName":"b@x.com"}"#,
        r#"{"userName":"b@x.com","groups":null}"#,
        r#"{"userName":"b@x.com","groups":[]}"#,
        r#"{"userName":"b@x.com","groups":[{"display":"data-eng"},{"display":"Admins"}]}"#,
    ] {
        assert_eq!(ask(body).unwrap().is_admin, Some(false), "{body}");
    }
    // Unreadable groups leave the answer open, unless a readable entry says admins.
    for body in [
        r#"{"userName":"b@x.com","groups":"admins"}"#,
        r#"{"userName":"b@x.com","groups":{"display":"admins"}}"#,
        r#"{"userName":"b@x.com","groups":[{"display":"users"},"admins"]}"#,
        r#"{"userName":"b@x.com","groups":[{"value":"admins"}]}"#,
        r#"{"userName":"b@x.com","groups":[{"display":7}]}"#,
    ] {
        assert_eq!(ask(body).unwrap().is_admin, None, "{body}");
    }
    let c = ask(r#"{"userName":"b@x.com","groups":[5,{"display":"admins"}]}"#).unwrap();
    assert_eq!((c.groups, c.is_admin), (vec!["admins".to_string()], Some(true)));
    // The failures of whoami.
    assert!(ask("{}").unwrap_err().message.ends_with("response has no userName"));
    assert!(ask(r#"{"userName":"a","error_code":"INTERNAL_ERROR"}"#).is_err());
    assert!(ask("[1]").unwrap_err().message.contains("malformed"));
}

// --- list-homes ----------------------------------------------------------------------------

#[test]
fn homes_are_directory_names() {
    let mut f = Fake::new();
    f.ws_dir("/Users/a@x.com")
        .ws_dir("/Users/b c@x.com")
        .ws_repo("/Users/r")
        .ws_nb("/Users/nb");
    f.ws_raw("/Users", json!({"object_type": "DIRECTORY"}));
    f.ws_raw("/Users", json!({"path": "/Users/d@x.com/", "object_type": "DIRECTORY"}));
    assert_eq!(
        list_homes(&mut f, Tree::Workspace).unwrap(),
        vec!["a@x.com".to_string(), "b c@x.com".into(), "d@x.com".into()]
    );
    assert_eq!(f.batches[0][0].param("path"), Some("/Users"));
    let mut f = Fake::new();
    f.dbfs_dir("/Users/x@y.com")
        .dbfs_file("/Users/file", Some(1))
        .dbfs_dir("/Users/ü");
    assert_eq!(
        list_homes(&mut f, Tree::Dbfs).unwrap(),
        vec!["x@y.com".to_string(), "ü".into()]
    );
    assert_eq!(f.batches[0][0].path, dbfs::LIST_PATH);
}

#[test]
fn homes_missing_or_failing() {
    let mut f = Fake::new();
    assert_eq!(list_homes(&mut f, Tree::Dbfs).unwrap(), Vec::<String>::new());
    let mut f = Fake::new();
    f.on_ws("/Users", resp(200, "{}"));
    assert_eq!(list_homes(&mut f, Tree::Workspace).unwrap(), Vec::<String>::new());
    let mut f = Fake::new();
    f.on_ws("/Users", err_json(403, "PERMISSION_DENIED", "no"));
    let e = list_homes(&mut f, Tree::Workspace).unwrap_err();
    assert_eq!(
        (e.status, e.message.as_str()),
        (Some(403), "workspace /Users: HTTP 403 PERMISSION_DENIED: no")
    );
    let mut f = Fake::new();
    f.on_dbfs("/Users", Err(HttpError::Transport("reset".into())));
    let e = list_homes(&mut f, Tree::Dbfs).unwrap_err();
    assert_eq!(
        (e.status, e.message.as_str()),
        (None, "dbfs /Users: transport error: reset")
    );
}

#[test]
fn requests_denied_one_by_one_are_failures() {
    let mut f = sample();
    f.on_dbfs(H, Err(HttpError::Denied("path not allowed".into())));
    f.on_ws(H, Err(HttpError::Denied("path not allowed".into())));
    let r = scan_user(&mut f, U, both());
    assert_eq!(r.status, ScanStatus::Error);
    assert_eq!(
        r.error.as_deref(),
        Some("dbfs /Users/a@x.com: denied by host: path not allowed (and 1 more failures)")
    );
    // A batch denied entry by entry is final: it is not sent again in smaller pieces.
    let sizes: Vec<usize> = f.batches.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![2]);
    assert_eq!(r.requests, 2);
}
