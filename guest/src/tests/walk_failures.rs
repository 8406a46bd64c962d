//! `scan-user` failures: every failed answer is an error naming the location, path and cause;
//! the first is reported, the others counted, and the walk goes on (unless cancelled).

use super::fake::{err_json, resp, Fake};
use super::fixtures::{p, sample, BOTH, H, U, WS_ONLY};
use crate::types::*;
use super::sink::scan_user;

#[test]
fn endpoint_not_found_is_an_error_not_a_missing_home() {
    let mut f = Fake::new();
    f.on_ws(H, err_json(404, "ENDPOINT_NOT_FOUND", "No API found"));
    let r = scan_user(&mut f, U, BOTH);
    assert_eq!(r.status, ScanStatus::Error);
    assert_eq!(
        r.error.unwrap(),
        format!("workspace {H}: HTTP 404 ENDPOINT_NOT_FOUND: No API found")
    );
}
#[test]
fn a_directory_failing_with_500_is_an_error_and_the_rest_is_counted() {
    let mut f = sample();
    f.ws_dir(&p("proj2")).ws_file(&p("proj2/z"), Some(1));
    f.on_ws(&p("proj"), err_json(500, "INTERNAL_ERROR", "boom"));
    let r = scan_user(&mut f, U, BOTH);
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
fn several_failures_report_the_first_and_count_the_others() {
    let mut f = sample();
    f.on_dbfs(&p("sub"), err_json(503, "TEMPORARILY_UNAVAILABLE", "later"));
    f.on_ws(&p("proj"), err_json(500, "INTERNAL_ERROR", "boom"));
    f.ws_dir(&p("q"));
    f.on_ws(&p("q"), Err(HttpError::Timeout));
    let r = scan_user(&mut f, U, BOTH);
    assert_eq!(r.status, ScanStatus::Error);
    assert_eq!(
        r.error.as_deref(),
        Some("dbfs /Users/a@x.com/sub: HTTP 503 TEMPORARILY_UNAVAILABLE: later (and 2 more failures)")
    );
}
#[test]
fn refusals_401_403_400_429_are_errors_naming_code_and_message() {
    let mut f = Fake::new();
    f.on_ws(H, err_json(401, "UNAUTHENTICATED", "Invalid access token."));
    f.on_dbfs(H, err_json(403, "PERMISSION_DENIED", "no"));
    let r = scan_user(&mut f, U, BOTH);
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
fn unparsable_2xx_bodies_are_errors_quoting_the_body() {
    let mut f = sample();
    f.on_ws(&p("proj"), resp(200, "{\"objects\": [ {\"path\": "));
    f.on_dbfs(&p("sub"), resp(200, "<html><title>Sign in</title></html>"));
    let r = scan_user(&mut f, U, BOTH);
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
fn html_error_pages_are_reduced_to_their_title_or_text() {
    let mut f = Fake::new();
    f.on_ws(
        H,
        resp(502, "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>"),
    );
    f.on_dbfs(H, resp(504, &format!("upstream request timeout\n{}", "x".repeat(1000))));
    let r = scan_user(&mut f, U, BOTH);
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
fn transport_failures_are_errors_and_the_walk_goes_on() {
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
        let r = scan_user(&mut f, U, BOTH);
        assert_eq!(r.status, ScanStatus::Error);
        assert_eq!(r.error.unwrap(), format!("workspace {H}/proj: {msg}"));
        // The walk went on elsewhere.
        assert_eq!(r.dbfs.unwrap().directories, 3);
    }
}
#[test]
fn a_cancelled_request_stops_the_walk_at_once() {
    let mut f = sample();
    f.cancel_after = Some(2);
    let r = scan_user(&mut f, U, BOTH);
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
    let r = scan_user(&mut f, U, BOTH);
    assert_eq!(
        r.error.as_deref(),
        Some("dbfs /Users/a@x.com: cancelled: bad credentials")
    );
    assert_eq!(f.batches.len(), 1);
    assert_eq!(r.workspace.unwrap().files, 0);
}
#[test]
fn requests_denied_one_by_one_are_failures() {
    let mut f = sample();
    f.on_dbfs(H, Err(HttpError::Denied("path not allowed".into())));
    f.on_ws(H, Err(HttpError::Denied("path not allowed".into())));
    let r = scan_user(&mut f, U, BOTH);
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
    let r = scan_user(&mut t, U, BOTH);
    assert_eq!(r.status, ScanStatus::Error);
    assert!(r
        .error
        .unwrap()
        .starts_with("workspace /Users/a@x.com: transport error: host answered 1 results for 2 requests"));
}
