//! `list-service-principals`: the request, paging like `list-users`, and the strict checks of
//! `applicationId`, `displayName` and `active`.

use super::fake::{err_json, resp, Fake};
use crate::scim::{list_service_principals, SERVICE_PRINCIPALS_PATH};
use crate::types::ServicePrincipal;

const APP_A: &str = "6f1c7a52-0d4e-4b8e-9d61-3c2b8f0a9e17";
const APP_B: &str = "0b9e5a1d-7c3f-4e2a-8f6b-1d4c9e7a2b30";

fn page(resources: &str, total: u32, start: u32) -> String {
    format!(
        r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":{total},"startIndex":{start},"itemsPerPage":1,"Resources":[{resources}]}}"#
    )
}

#[test]
fn a_page_asks_for_the_documented_attributes_and_reads_every_field() {
    let mut f = Fake::new();
    let body = page(
        &format!(
            r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal"],"id":"7001","applicationId":"{APP_A}","displayName":"etl-service","active":true,"entitlements":[{{"value":"workspace-access"}}],"groups":[]}},
               {{"id":"7002","applicationId":"{APP_B}","active":false}},
               {{"id":"7003","applicationId":"{APP_B}x","displayName":null,"active":null}}"#
        ),
        3,
        1,
    );
    f.on(SERVICE_PRINCIPALS_PATH, "1", vec![resp(200, &body)]);
    let p = list_service_principals(&mut f, 1, 100).unwrap();
    let r = &f.batches[0][0];
    assert_eq!(r.path, SERVICE_PRINCIPALS_PATH);
    assert_eq!(
        r.query,
        vec![
            ("startIndex".to_string(), "1".to_string()),
            ("count".to_string(), "100".to_string()),
            (
                "attributes".to_string(),
                "id,applicationId,displayName,active".to_string()
            ),
        ]
    );
    assert_eq!(p.total_results, Some(3));
    assert_eq!(p.next_start_index, None);
    assert_eq!(
        p.service_principals,
        vec![
            ServicePrincipal {
                application_id: APP_A.into(),
                display_name: Some("etl-service".into()),
                active: Some(true),
                id: Some("7001".into()),
            },
            ServicePrincipal {
                application_id: APP_B.into(),
                display_name: None,
                active: Some(false),
                id: Some("7002".into()),
            },
            ServicePrincipal {
                application_id: format!("{APP_B}x"),
                display_name: None,
                active: None,
                id: Some("7003".into()),
            },
        ]
    );
}

#[test]
fn pages_advance_by_the_resources_returned() {
    let mut f = Fake::new();
    // A server capping pages at 1 while 2 were asked for: the next page starts at 2, then 3.
    f.on(
        SERVICE_PRINCIPALS_PATH,
        "1",
        vec![resp(200, &page(&format!(r#"{{"applicationId":"{APP_A}"}}"#), 2, 1))],
    );
    f.on(
        SERVICE_PRINCIPALS_PATH,
        "2",
        vec![resp(200, &page(&format!(r#"{{"applicationId":"{APP_B}"}}"#), 2, 2))],
    );
    let first = list_service_principals(&mut f, 1, 2).unwrap();
    assert_eq!(first.next_start_index, Some(2));
    let second = list_service_principals(&mut f, 2, 2).unwrap();
    assert_eq!(second.next_start_index, None);
    assert_eq!(second.service_principals[0].application_id, APP_B);
    // No Resources at all (an empty workspace): an empty last page.
    let mut f = Fake::new();
    f.on(
        SERVICE_PRINCIPALS_PATH,
        "1",
        vec![resp(200, r#"{"totalResults":0,"startIndex":1,"itemsPerPage":0}"#)],
    );
    let p = list_service_principals(&mut f, 0, 0).unwrap();
    assert!(p.service_principals.is_empty() && p.next_start_index.is_none());
    assert_eq!(f.batches[0][0].param("count"), Some("100"));
}

#[test]
fn resources_of_the_wrong_shape_fail_the_page_naming_them() {
    for (resource, why) in [
        (
            r#"{"id":"9","displayName":"x"}"#,
            "service principal 2 of the page (id 9): has no applicationId",
        ),
        (
            r#"{"applicationId":17}"#,
            "service principal 2 of the page: applicationId is a number, not a string",
        ),
        (
            r#"{"applicationId":null}"#,
            "service principal 2 of the page: has no applicationId",
        ),
        (
            r#"{"applicationId":"../etc"}"#,
            "service principal 2 of the page: applicationId '../etc' cannot name a home directory (contains '/')",
        ),
        (
            r#"{"applicationId":""}"#,
            "service principal 2 of the page: applicationId '' cannot name a home directory (empty)",
        ),
        (
            r#"{"applicationId":"a","displayName":["x"]}"#,
            "service principal 2 of the page: displayName is an array, not a string",
        ),
        (
            r#"{"applicationId":"a","active":"true"}"#,
            "service principal 2 of the page: active is a string, not true or false",
        ),
    ] {
        let mut f = Fake::new();
        let body = page(&format!(r#"{{"applicationId":"{APP_A}"}},{resource}"#), 2, 1);
        f.on(SERVICE_PRINCIPALS_PATH, "1", vec![resp(200, &body)]);
        let e = list_service_principals(&mut f, 1, 100).unwrap_err();
        assert_eq!(e.status, Some(200));
        assert_eq!(
            e.message,
            format!("GET {SERVICE_PRINCIPALS_PATH} (startIndex=1, count=100): {why}"),
            "{resource}"
        );
    }
    // A resource that is not an object makes the body malformed.
    let mut f = Fake::new();
    f.on(SERVICE_PRINCIPALS_PATH, "1", vec![resp(200, r#"{"Resources":["x"]}"#)]);
    let e = list_service_principals(&mut f, 1, 100).unwrap_err();
    assert!(e.message.contains("malformed response (HTTP 200)"), "{}", e.message);
}

#[test]
fn refusals_and_error_answers_are_failures_with_their_status() {
    let mut f = Fake::new();
    f.on(
        SERVICE_PRINCIPALS_PATH,
        "1",
        vec![err_json(
            403,
            "PERMISSION_DENIED",
            "Only workspace admins can list service principals.",
        )],
    );
    let e = list_service_principals(&mut f, 1, 100).unwrap_err();
    assert_eq!(e.status, Some(403));
    assert_eq!(
        e.message,
        format!(
            "GET {SERVICE_PRINCIPALS_PATH} (startIndex=1, count=100): HTTP 403 PERMISSION_DENIED: Only workspace \
             admins can list service principals."
        )
    );
    // A 200 carrying the SCIM error schema is an error, not an empty listing.
    let mut f = Fake::new();
    f.on(
        SERVICE_PRINCIPALS_PATH,
        "1",
        vec![resp(
            200,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"boom","status":"500"}"#,
        )],
    );
    let e = list_service_principals(&mut f, 1, 100).unwrap_err();
    assert!(e.message.ends_with("HTTP 200: boom"), "{}", e.message);
}
