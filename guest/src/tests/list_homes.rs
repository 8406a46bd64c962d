//! `list-homes`: the directory names under a location's root.

use super::fake::{err_json, resp, Fake};
use crate::dbfs;
use crate::homes::list_homes;
use crate::types::*;
use serde_json::json;

#[test]
fn homes_are_the_directory_names_under_users() {
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
fn a_missing_root_gives_no_homes_and_a_failed_listing_fails() {
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
