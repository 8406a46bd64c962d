//! `list-users`, `whoami` and `me`: SCIM requests, paging, and failures.

use super::fake::{err_json, resp, Fake};
use crate::scim::{list_users, me, whoami, ME_PATH, USERS_PATH};
use crate::types::*;
use serde_json::json;

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
fn a_users_page_asks_for_the_documented_attributes() {
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
fn users_pages_advance_by_the_users_returned() {
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
fn the_next_users_page_starts_after_the_echoed_start_index() {
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
fn users_page_failures_name_the_request_and_cause() {
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
fn whoami_gives_the_callers_user_name_or_names_the_failure() {
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
