//! Servers that echo the request's credentials back (issue 9, item 1): a 403/500 body quoting
//! the `Authorization` header, SCIM display names carrying it, an OAuth token endpoint quoting
//! the `Basic` header. No byte of any secret, in any form, may reach an output file, the journal,
//! the console, a log line or the guest (whose error messages would carry it).

use base64::Engine as _;
use serde_json::json;

use crate::util::{Asked, Done, Fake, Run, Work};

const PAT: &str = "dapi-echo-0123456789abcdef";
const CLIENT_ID: &str = "sp-echo-client";
const CLIENT_SECRET: &str = "sp-echo-secret-9876543210";
const ACCESS_TOKEN: &str = "oauth-echo-access-token-5555";

/// What the echo server does for the OAuth token endpoint.
#[derive(Clone, Copy, PartialEq)]
enum TokenEndpoint {
    /// Grants `ACCESS_TOKEN`.
    Grants,
    /// Refuses with a body quoting the request's headers (the `Basic` credentials).
    RefusesEchoing,
}

/// A workspace that quotes the request's headers in every answer it can.
fn start(token_endpoint: TokenEndpoint) -> Fake {
    Fake::start(move |asked: &Asked, base: &str| {
        let echoed = asked.headers.clone();
        match asked.path.as_str() {
            "/oidc/.well-known/oauth-authorization-server" => (
                200,
                json!({"token_endpoint": format!("{base}/oidc/v1/token"),
                       "authorization_endpoint": format!("{base}/oidc/v1/authorize")}),
            ),
            "/oidc/v1/token" if token_endpoint == TokenEndpoint::Grants => (
                200,
                json!({"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 3600}),
            ),
            "/oidc/v1/token" => (
                401,
                json!({"error": "invalid_client", "error_description": format!("bad client; you sent {echoed}")}),
            ),
            // Preflight: SCIM Me closed to the caller, and the 403 quotes the request.
            "/api/2.0/preview/scim/v2/Me" => (
                403,
                json!({"error_code": "PERMISSION_DENIED", "message": format!("not for you: {echoed}")}),
            ),
            "/api/2.0/preview/scim/v2/Users" => (
                200,
                json!({"totalResults": 2, "startIndex": 1, "itemsPerPage": 2, "Resources": [
                    {"userName": "a@x.com", "displayName": format!("A ({echoed})"), "active": true, "id": "1"},
                    {"userName": "b@x.com", "displayName": echoed, "active": true, "id": "2"}]}),
            ),
            // a@x.com: a 500 that quotes the request (retried, then the user's error row).
            "/api/2.0/workspace/list" if asked.query.contains("a%40x.com") => (
                500,
                json!({"error_code": "INTERNAL_ERROR", "message": format!("boom; request was {echoed}")}),
            ),
            // b@x.com: a 403 that quotes the request.
            "/api/2.0/workspace/list" => (
                403,
                json!({"error_code": "PERMISSION_DENIED", "message": format!("denied; request was {echoed}")}),
            ),
            // DBFS: a 404 whose message quotes the request (no home).
            "/api/2.0/dbfs/list" => (
                404,
                json!({"error_code": "RESOURCE_DOES_NOT_EXIST", "message": format!("no such path ({echoed})")}),
            ),
            _ => (404, json!({"error_code": "ENDPOINT_NOT_FOUND", "message": echoed})),
        }
    })
}

/// Every form a secret could be echoed in: raw, and the base64 forms of the Basic header.
fn forms() -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let basic = format!("{CLIENT_ID}:{CLIENT_SECRET}");
    let mut v = vec![PAT.to_string(), CLIENT_SECRET.to_string(), ACCESS_TOKEN.to_string()];
    for e in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
        v.push(e.encode(&basic));
        v.push(e.encode(PAT));
    }
    v
}

/// Asserts no secret form appears in stdout, stderr or any file the run left in its folder.
fn assert_no_secret(done: &Done) {
    let mut places = vec![
        ("stdout".to_string(), done.stdout.clone()),
        ("stderr".to_string(), done.stderr.clone()),
    ];
    for e in std::fs::read_dir(&done.dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            places.push((p.file_name().unwrap().to_string_lossy().into_owned(), text));
        }
    }
    for (place, text) in &places {
        for f in forms() {
            check!(
                done,
                !text.contains(&f),
                "a secret form ({} bytes) leaked into {place}",
                f.len()
            );
        }
    }
}

fn run_against(echo: &Fake, work: &Work, args: &[&str], env: &[(&str, &str)]) -> Done {
    let mut run = Run::in_dir(work, args);
    run.env("DATABRICKS_HOST", &echo.url);
    for (k, v) in env {
        run.env(k, v);
    }
    run.run()
}

/// Everything at TRACE (reqwest, hyper, rustls, dbx-auth, the host) but the Wasm compiler, whose
/// trace output of compiling the component is enormous and has nothing to do with HTTP.
const TRACE: &str = "trace,cranelift_codegen=warn,cranelift_frontend=warn,regalloc2=warn,wasmtime=warn,\
wasmtime_internal_cranelift=warn,wasmtime_environ=warn,wasmtime_internal_environ=warn";

/// OAuth M2M credentials, everything logged at TRACE.
const OAUTH_TRACE: &[(&str, &str)] = &[
    ("DATABRICKS_CLIENT_ID", CLIENT_ID),
    ("DATABRICKS_CLIENT_SECRET", CLIENT_SECRET),
    ("DBX_INVENTORY_LOG", TRACE),
];

const SCAN: &[&str] = &[
    "scan",
    "a@x.com",
    "b@x.com",
    "--retry-base-ms",
    "5",
    "--retry-attempts",
    "2",
    "-o",
    "out.csv",
    "--jsonl",
    "out.jsonl",
    "--html",
    "out.html",
    "--debug",
];

#[test]
fn an_echoed_personal_access_token_reaches_no_output_log_or_row() {
    let echo = start(TokenEndpoint::Grants);
    for log in ["debug", TRACE] {
        let work = Work::new();
        let done = run_against(
            &echo,
            &work,
            SCAN,
            &[("DATABRICKS_TOKEN", PAT), ("DBX_INVENTORY_LOG", log)],
        );
        // The rows still say what happened: both users failed, naming the cause.
        check!(done, done.code == 3, "two error rows expected");
        let rows = done.rows("out.csv");
        check!(
            done,
            rows["a@x.com"]["status"] == "error" && rows["a@x.com"]["error"].contains("500")
        );
        check!(
            done,
            rows["b@x.com"]["status"] == "error" && rows["b@x.com"]["error"].contains("403")
        );
        check!(
            done,
            rows["a@x.com"]["error"].contains("Bearer ****"),
            "the echo is kept, masked: {}",
            rows["a@x.com"]["error"]
        );
        assert_no_secret(&done);

        let users = run_against(
            &echo,
            &work,
            &["users", "--format", "json", "-o", "users.json", "--debug"],
            &[("DATABRICKS_TOKEN", PAT), ("DBX_INVENTORY_LOG", log)],
        );
        check!(users, users.code == 0);
        check!(users, users.file("users.json").contains("Bearer ****"));
        assert_no_secret(&users);
        let listed = run_against(&echo, &work, &["users"], &[("DATABRICKS_TOKEN", PAT)]);
        check!(listed, listed.code == 0 && listed.stdout.contains("a@x.com"));
        assert_no_secret(&listed);
    }
}

#[test]
fn an_echoed_oauth_access_token_reaches_no_output_log_or_row() {
    let echo = start(TokenEndpoint::Grants);
    let work = Work::new();
    let done = run_against(&echo, &work, SCAN, OAUTH_TRACE);
    check!(done, done.code == 3);
    check!(done, done.rows("out.csv")["b@x.com"]["error"].contains("Bearer ****"));
    assert_no_secret(&done);
}

#[test]
fn a_token_endpoint_echoing_the_basic_header_leaks_neither_the_secret_nor_its_base64() {
    let echo = start(TokenEndpoint::RefusesEchoing);
    let work = Work::new();
    let done = run_against(&echo, &work, SCAN, OAUTH_TRACE);
    check!(done, done.code == 1, "rejected client credentials stop the run");
    check!(
        done,
        done.stderr.contains("invalid_client"),
        "the refusal is still explained"
    );
    assert_no_secret(&done);
}

#[test]
fn a_listing_echoing_the_token_in_a_path_gives_the_objects_file_only_the_masked_form() {
    let echo = Fake::start(|asked: &Asked, _base: &str| {
        let echoed = asked.headers.replace('\n', " ");
        match asked.path.as_str() {
            "/api/2.0/preview/scim/v2/Me" => (
                200,
                json!({"userName": "admin@x.com", "groups": [{"display": "admins"}]}),
            ),
            "/api/2.0/dbfs/list" if asked.query.contains("%2FUsers%2Fa%40x.com") => (
                200,
                json!({"files": [{"path": format!("/Users/a@x.com/{echoed}"), "is_dir": false, "file_size": 5}]}),
            ),
            _ => (404, json!({"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no"})),
        }
    });
    let work = Work::new();
    let done = run_against(
        &echo,
        &work,
        &[
            "scan",
            "a@x.com",
            "--locations",
            "dbfs",
            "-o",
            "out.csv",
            "--objects",
            "o.parquet",
        ],
        &[("DATABRICKS_TOKEN", PAT)],
    );
    check!(done, done.code == 0);
    assert_no_secret(&done);
    let objs = crate::objects::read(&work.path("o.parquet"));
    check!(done, objs.len() == 1, "one file: {objs:?}");
    let path = objs[0].path.clone().unwrap_or_default();
    check!(done, path.contains("Bearer ****"), "the echo is kept, masked: {path}");
    for f in forms() {
        check!(done, !path.contains(&f), "a secret form reached the objects file");
    }
}
