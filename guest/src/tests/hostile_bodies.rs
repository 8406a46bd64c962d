//! Hostile 2xx bodies (issue 9, items 2–4 and duplicates): errors inside a 200, list entries
//! that are not objects, deep nesting, sizes that are not sizes, sums past `u64`, files listed
//! twice. Each is an error row naming the path, or exact counts; never invented files.

use super::fake::{resp, Fake};
use super::fixtures::{p, BOTH, DBFS_ONLY, H, U, WS_ONLY};
use crate::homes::list_homes;
use crate::scim::{list_users, whoami, ME_PATH, USERS_PATH};
use crate::types::*;
use super::sink::scan_user;
use serde_json::json;

// --- item 2: an error inside a 200 ------------------------------------------------------------

#[test]
fn error_code_in_a_200_listing_is_an_error_naming_path_code_and_message() {
    for tree in [Tree::Workspace, Tree::Dbfs] {
        let mut f = Fake::new();
        f.ws_dir(H).ws_dir(&p("sub")).ws_file(&p("sub/x"), Some(5));
        f.dbfs_dir(H).dbfs_dir(&p("sub")).dbfs_file(&p("sub/x"), Some(5));
        let body = r#"{"error_code":"INTERNAL_ERROR","message":"boom"}"#;
        match tree.api() {
            Api::Workspace => f.on_ws(&p("sub"), resp(200, body)),
            Api::Dbfs => f.on_dbfs(&p("sub"), resp(200, body)),
        };
        let opts = if tree == Tree::Workspace { WS_ONLY } else { DBFS_ONLY };
        let r = scan_user(&mut f, U, opts);
        assert_eq!(r.status, ScanStatus::Error, "{tree:?}");
        assert_eq!(
            r.error.as_deref(),
            Some(format!("{} {H}/sub: HTTP 200 INTERNAL_ERROR: boom", tree.name()).as_str())
        );
    }
}

#[test]
fn error_code_in_a_200_home_listing_is_not_an_empty_home() {
    let mut f = Fake::new();
    f.on_ws(H, resp(200, r#"{"error_code":"PERMISSION_DENIED","message":"no"}"#));
    // An error code next to a list is an error too: the listing cannot be trusted to be whole.
    f.on_dbfs(
        H,
        resp(
            200,
            &json!({"error_code": "PARTIAL", "files": [{"path": p("f"), "file_size": 1}]}).to_string(),
        ),
    );
    let r = scan_user(&mut f, U, BOTH);
    assert_eq!(r.status, ScanStatus::Error);
    assert_eq!(
        r.error.as_deref(),
        Some("dbfs /Users/a@x.com: HTTP 200 PARTIAL (and 1 more failures)")
    );
    let (d, w) = (r.dbfs.unwrap(), r.workspace.unwrap());
    assert_eq!((d.files, w.files, d.home_exists, w.home_exists), (0, 0, false, false));
    // `error_code: null` is no error (and a code of another type still is one).
    let mut f = Fake::new();
    f.on_ws(
        H,
        resp(
            200,
            r#"{"error_code":null,"objects":[{"path":"/Users/a@x.com/n","object_type":"FILE","size":3}]}"#,
        ),
    );
    f.on_dbfs(H, resp(200, r#"{"error_code":{"x":1},"message":"odd"}"#));
    let r = scan_user(&mut f, U, BOTH);
    assert_eq!(r.error.as_deref(), Some("dbfs /Users/a@x.com: HTTP 200: odd"));
    assert_eq!(r.workspace.unwrap().bytes, 3);
}

#[test]
fn an_error_code_in_a_200_fails_list_homes_and_scim_pages() {
    let mut f = Fake::new();
    f.on_ws(
        "/Users",
        resp(200, r#"{"error_code":"INTERNAL_ERROR","message":"boom"}"#),
    );
    let e = list_homes(&mut f, Tree::Workspace).unwrap_err();
    assert_eq!(
        (e.status, e.message.as_str()),
        (Some(200), "workspace /Users: HTTP 200 INTERNAL_ERROR: boom")
    );
    for body in [
        r#"{"error_code":"INTERNAL_ERROR","message":"boom"}"#,
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"boom","status":"500"}"#,
    ] {
        let mut f = Fake::new();
        f.on(USERS_PATH, "1", vec![resp(200, body)]);
        let e = list_users(&mut f, 1, 10).unwrap_err();
        assert_eq!(e.status, Some(200));
        assert!(e.message.ends_with("boom"), "{}", e.message);
        assert!(e
            .message
            .starts_with("GET /api/2.0/preview/scim/v2/Users (startIndex=1, count=10): HTTP 200"));
        let mut f = Fake::new();
        f.on(ME_PATH, "", vec![resp(200, body)]);
        let e = whoami(&mut f).unwrap_err();
        assert!(
            e.message.starts_with("GET /api/2.0/preview/scim/v2/Me: HTTP 200"),
            "{}",
            e.message
        );
    }
}

// --- item 3: entries must be objects -----------------------------------------------------------

#[test]
fn list_entries_that_are_not_objects_make_the_listing_malformed() {
    let deep = format!("{{\"files\":[{}{}]}}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_ws = format!("{{\"objects\":[{}{}]}}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_field = format!(
        "{{\"objects\":[{{\"path\":\"{H}/f\",\"size\":{}1{}}}]}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let cases: Vec<(Tree, String)> = vec![
        (Tree::Dbfs, r#"{"files":[[]]}"#.into()),
        (Tree::Dbfs, r#"{"files":[["/Users/a@x.com/x",false,1000]]}"#.into()),
        (Tree::Dbfs, deep),
        (Tree::Workspace, r#"{"objects":[1,"x",null]}"#.into()),
        (
            Tree::Workspace,
            r#"{"objects":[["/Users/a@x.com/x","FILE",1000]]}"#.into(),
        ),
        (
            Tree::Workspace,
            r#"{"objects":[{"path":"/Users/a@x.com/ok","object_type":"FILE"},null]}"#.into(),
        ),
        (Tree::Workspace, deep_ws),
    ];
    for (tree, body) in cases {
        let mut f = Fake::new();
        let opts = match tree.api() {
            Api::Dbfs => {
                f.on_dbfs(H, resp(200, &body));
                DBFS_ONLY
            }
            Api::Workspace => {
                f.on_ws(H, resp(200, &body));
                WS_ONLY
            }
        };
        let r = scan_user(&mut f, U, opts);
        let short = &body[..body.len().min(60)];
        assert_eq!(r.status, ScanStatus::Error, "{short}");
        let e = r.error.unwrap();
        assert!(
            e.starts_with(&format!("{} {H}: malformed response (HTTP 200)", tree.name())),
            "{short}: {e}"
        );
        let t = r.dbfs.or(r.workspace).unwrap();
        assert_eq!((t.files, t.bytes, t.unsized_objects), (0, 0, 0), "{short}");
    }
    // A deep value where a size belongs is a size of the wrong type: skipped (without
    // recursion), the file is unsized.
    let mut f = Fake::new();
    f.on_ws(H, resp(200, &deep_field));
    let r = scan_user(&mut f, U, WS_ONLY);
    assert_eq!(r.status, ScanStatus::Success, "{:?}", r.error);
    let w = r.workspace.unwrap();
    assert_eq!((w.files, w.bytes, w.unsized_objects), (1, 0, 1));
}

#[test]
fn scim_users_that_are_not_objects_make_the_page_malformed() {
    for body in [
        r#"{"Resources":[["a@x.com","A",true,"1"]],"totalResults":1}"#,
        r#"{"Resources":[{"userName":"a@x.com"},7]}"#,
        r#"["a@x.com"]"#,
    ] {
        let mut f = Fake::new();
        f.on(USERS_PATH, "1", vec![resp(200, body)]);
        let e = list_users(&mut f, 1, 10).unwrap_err();
        assert!(
            e.message.contains("malformed response (HTTP 200)"),
            "{body}: {}",
            e.message
        );
    }
    let mut f = Fake::new();
    f.on(ME_PATH, "", vec![resp(200, r#"["a@x.com","A",true,"1"]"#)]);
    assert!(whoami(&mut f).unwrap_err().message.contains("malformed response"));
}

#[test]
fn an_error_body_in_array_form_is_not_read_by_position() {
    // A 404 whose body is the sequence form of {"error_code": "ENDPOINT_NOT_FOUND"} is a plain
    // "not found" (the array is not read as the struct), so the home is missing, not an error.
    let mut f = Fake::new();
    f.on_ws(H, resp(404, r#"["ENDPOINT_NOT_FOUND"]"#));
    let r = scan_user(&mut f, U, WS_ONLY);
    assert_eq!(r.status, ScanStatus::Empty);
    assert!(!r.workspace.unwrap().home_exists);
}

// --- item 4: sizes ---------------------------------------------------------------------------

#[test]
fn sizes_that_are_not_u64_integers_are_unsized() {
    let mut f = Fake::new();
    f.ws_dir(H);
    let sizes = [
        json!(1.5),
        json!(-1),
        json!(1e3),
        json!(1000.0),
        serde_json::from_str::<serde_json::Value>("18446744073709551616").unwrap(),
        json!("18446744073709551616"),
        json!("1.5"),
        json!("-1"),
        json!(" 5"),
        json!("1e3"),
        json!(true),
        json!([7]),
        json!({"v": 7}),
    ];
    for (i, s) in sizes.iter().enumerate() {
        f.ws_raw(
            H,
            json!({"path": p(&format!("u{i}")), "object_type": "FILE", "size": s}),
        );
    }
    // Sized: JSON integers and decimal digit strings (the proto3 JSON form of a 64-bit integer).
    f.ws_raw(
        H,
        json!({"path": p("max"), "object_type": "FILE", "size": u64::MAX - 100}),
    );
    f.ws_raw(H, json!({"path": p("str"), "object_type": "FILE", "size": "100"}));
    let r = scan_user(&mut f, U, WS_ONLY);
    assert_eq!(r.status, ScanStatus::Success, "{:?}", r.error);
    let w = r.workspace.unwrap();
    assert_eq!(w.files, sizes.len() as u64 + 2);
    assert_eq!(w.unsized_objects, sizes.len() as u64);
    assert_eq!(w.bytes, u64::MAX);
    // The raw body too (serde_json's Value would already have turned 2^64 into a float).
    let mut f = Fake::new();
    f.on_dbfs(
        H,
        resp(
            200,
            &format!(
                r#"{{"files":[{{"path":"{H}/a","file_size":18446744073709551616}},{{"path":"{H}/b","file_size":1.5}},{{"path":"{H}/c","file_size":-0}},{{"path":"{H}/d","file_size":7}}]}}"#
            ),
        ),
    );
    let d = scan_user(&mut f, U, DBFS_ONLY).dbfs.unwrap();
    assert_eq!((d.files, d.bytes, d.unsized_objects), (4, 7, 3));
}

#[test]
fn a_tree_whose_sizes_sum_past_u64_is_an_error_naming_the_overflow() {
    let mut f = Fake::new();
    f.ws_dir(H)
        .ws_file(&p("huge"), Some(u64::MAX))
        .ws_dir(&p("d"))
        .ws_file(&p("d/small"), Some(15))
        .ws_file(&p("d/more"), Some(1));
    let r = scan_user(&mut f, U, WS_ONLY);
    assert_eq!(r.status, ScanStatus::Error);
    assert_eq!(
        r.error.as_deref(),
        Some(
            "workspace /Users/a@x.com/d/small: size 15 takes the tree's total past 18446744073709551615 bytes \
             (u64); it and later sizes are left out of the total"
        )
    );
    let w = r.workspace.unwrap();
    // Counted files all; bytes: the exact sum of the sizes added before the overflow.
    assert_eq!((w.files, w.bytes, w.unsized_objects), (3, u64::MAX, 0));
    // Two trees that each fit are no error: the host adds them without wrapping.
    let mut f = Fake::new();
    f.ws_dir(H).ws_file(&p("huge"), Some(u64::MAX));
    f.dbfs_dir(H).dbfs_file(&p("small"), Some(15));
    let r = scan_user(&mut f, U, BOTH);
    assert_eq!(r.status, ScanStatus::Success);
    assert_eq!((r.workspace.unwrap().bytes, r.dbfs.unwrap().bytes), (u64::MAX, 15));
}

// --- item 7, first bullet: duplicates ----------------------------------------------------------

#[test]
fn a_file_listed_twice_is_counted_once() {
    let mut f = Fake::new();
    f.ws_dir(H).ws_file(&p("f"), Some(10)).ws_nb(&p("nb")).ws_dir(&p("d"));
    f.ws_raw(H, json!({"path": p("f"), "object_type": "FILE", "size": 10}));
    f.ws_raw(H, json!({"path": p("f/"), "object_type": "FILE", "size": 10}));
    f.ws_raw(H, json!({"path": p("nb"), "object_type": "NOTEBOOK"}));
    // The same file again in another listing (a server listing a non-child) still counts once.
    f.ws_raw(&p("d"), json!({"path": p("f"), "object_type": "FILE", "size": 10}));
    let r = scan_user(&mut f, U, WS_ONLY);
    assert_eq!(r.status, ScanStatus::Success);
    let w = r.workspace.unwrap();
    assert_eq!((w.files, w.bytes, w.notebooks, w.unsized_objects), (2, 10, 1, 1));
    // Paths are compared exactly: other spellings are other files; files without a path count.
    let mut f = Fake::new();
    f.dbfs_dir(H).dbfs_file(&p("f"), Some(1));
    f.dbfs_raw(H, json!({"path": p("F"), "file_size": 1}));
    f.dbfs_raw(H, json!({"path": format!("dbfs:{H}/f"), "file_size": 1}));
    f.dbfs_raw(H, json!({"file_size": 2}));
    f.dbfs_raw(H, json!({"file_size": 2}));
    let d = scan_user(&mut f, U, DBFS_ONLY).dbfs.unwrap();
    assert_eq!((d.files, d.bytes), (4, 6));
}
