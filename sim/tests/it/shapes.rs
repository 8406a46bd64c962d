//! Response shapes and quirks, as DATABRICKS_API.md describes the real service.

use serde_json::{json, Value};

use crate::util::{client, config, enc, get, get_with, start};

#[tokio::test]
async fn workspace_listing_has_implicit_parents_and_verbatim_entries() {
    let sim = start(config()).await;
    let r = get(&sim, "/api/2.0/workspace/list?path=/Users/a@x.com").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "application/json");
    let objs = r.json()["objects"].as_array().unwrap().clone();
    let paths: Vec<&str> = objs.iter().map(|o| o["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        [
            "/Users/a@x.com/d",
            "/Users/a@x.com/empty",
            "/Users/a@x.com/exp",
            "/Users/a@x.com/nb",
            "/Users/a@x.com/old",
            "/Users/a@x.com/repo"
        ]
    );
    // The implicit parent is a DIRECTORY with an id; the untyped entry is served as given.
    assert_eq!(objs[0]["object_type"], "DIRECTORY");
    assert!(objs[0]["object_id"].is_u64());
    assert_eq!(
        objs[2],
        json!({"path": "/Users/a@x.com/exp", "object_id": 9, "weird": {"nested": [1, 2]}})
    );
    assert!(objs[3].get("size").is_none(), "notebooks carry no size");
    sim.shutdown().await;
}

#[tokio::test]
async fn empty_directory_is_empty_object_and_file_lists_itself() {
    let sim = start(config()).await;
    let r = get(&sim, "/api/2.0/workspace/list?path=/Users/a@x.com/empty").await;
    assert_eq!((r.status, r.text.as_str()), (200, "{}"));
    let r = get(&sim, "/api/2.0/workspace/list?path=/Users/a@x.com/d/f.csv").await;
    assert_eq!(
        r.json(),
        json!({"objects": [{"path": "/Users/a@x.com/d/f.csv", "object_type": "FILE", "size": 123}]})
    );
    let r = get(&sim, "/api/2.0/dbfs/list?path=/Users/a@x.com/emptydir").await;
    assert_eq!(r.text, "{}");
    let r = get(&sim, "/api/2.0/dbfs/list?path=/Users/a@x.com/x.bin").await;
    assert_eq!(r.json()["files"][0]["file_size"], 10);
    sim.shutdown().await;
}

#[tokio::test]
async fn repo_lists_like_a_directory() {
    let sim = start(config()).await;
    let r = get(&sim, "/api/2.0/workspace/list?path=/Users/a@x.com/repo").await;
    assert_eq!(r.json()["objects"][0]["path"], "/Users/a@x.com/repo/src");
    sim.shutdown().await;
}

#[tokio::test]
async fn missing_paths_are_404_with_the_real_messages() {
    let sim = start(config()).await;
    let r = get(&sim, "/api/2.0/workspace/list?path=/Users/zz@x.com").await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json(),
        json!({"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Path (/Users/zz@x.com) doesn't exist."})
    );
    let r = get(&sim, "/api/2.0/workspace/get-status?path=/nope").await;
    assert_eq!(r.json()["message"], "Path (/nope) doesn't exist.");
    let r = get(&sim, "/api/2.0/dbfs/list?path=/nope").await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json(),
        json!({"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "No file or directory exists on path /nope."})
    );
    let r = get(&sim, "/api/2.0/dbfs/get-status?path=/nope").await;
    assert_eq!(r.status, 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn path_is_accepted_from_a_json_body_on_get() {
    let sim = start(config()).await;
    let r = client()
        .get(format!("{}/api/2.0/workspace/list", sim.url()))
        .bearer_auth("dapi-sim")
        .body(r#"{"path": "/Users/a@x.com/d"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["objects"][0]["path"], "/Users/a@x.com/d/f.csv");
    // The query string wins over the body.
    let r = client()
        .get(format!("{}/api/2.0/dbfs/get-status?path=/tmp", sim.url()))
        .bearer_auth("dapi-sim")
        .body(r#"{"path": "/nope"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn missing_or_relative_path_is_400() {
    let sim = start(config()).await;
    let r = get(&sim, "/api/2.0/workspace/list").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error_code"], "INVALID_PARAMETER_VALUE");
    let r = get(&sim, "/api/2.0/workspace/list?path=Users").await;
    assert_eq!(r.status, 400);
    sim.shutdown().await;
}

#[tokio::test]
async fn get_status_dbfs_scheme_and_trailing_slash() {
    let sim = start(config()).await;
    let r = get(&sim, "/api/2.0/workspace/get-status?path=/Users/a@x.com/").await;
    assert_eq!(r.json()["object_type"], "DIRECTORY");
    let r = get(&sim, "/api/2.0/dbfs/get-status?path=dbfs:/tmp/t.txt").await;
    assert_eq!(r.json(), json!({"path": "/tmp/t.txt", "is_dir": false, "file_size": 3}));
    let r = get(&sim, "/api/2.0/workspace/get-status?path=/").await;
    assert_eq!(r.json()["object_type"], "DIRECTORY");
    sim.shutdown().await;
}

#[tokio::test]
async fn notebooks_modified_after_filters_old_notebooks_only() {
    let sim = start(config()).await;
    let r = get(
        &sim,
        "/api/2.0/workspace/list?path=/Users/a@x.com&notebooks_modified_after=1500",
    )
    .await;
    let paths: Vec<String> = r.json()["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["path"].as_str().unwrap().to_string())
        .collect();
    assert!(paths.contains(&"/Users/a@x.com/nb".to_string()));
    assert!(!paths.contains(&"/Users/a@x.com/old".to_string()));
    assert!(paths.contains(&"/Users/a@x.com/d".to_string()));
    sim.shutdown().await;
}

#[tokio::test]
async fn export_gives_base64_source() {
    use base64::Engine as _;
    let sim = start(config()).await;
    let r = get(&sim, "/api/2.0/workspace/export?path=/Users/a@x.com/nb&format=SOURCE").await;
    let v = r.json();
    assert_eq!(v["file_type"], "py");
    let src = base64::engine::general_purpose::STANDARD
        .decode(v["content"].as_str().unwrap())
        .unwrap();
    assert!(String::from_utf8(src)
        .unwrap()
        .starts_with("# Databricks notebook source"));
    let r = get(&sim, "/api/2.0/workspace/export?path=/Users/a@x.com/d/f.csv").await;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(r.json()["content"].as_str().unwrap())
        .unwrap();
    assert_eq!(bytes.len(), 123);
    let r = get(&sim, "/api/2.0/workspace/export?path=/Users/a@x.com/d&format=SOURCE").await;
    assert_eq!(r.status, 400);
    sim.shutdown().await;
}

#[tokio::test]
async fn volume_directories_page_with_tokens() {
    let sim = start(config()).await;
    let base = "/api/2.0/fs/directories/Volumes/c/s/v";
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let q = match &token {
            Some(t) => format!("{base}?page_size=2&page_token={}", enc(t)),
            None => format!("{base}?page_size=2"),
        };
        let v = get(&sim, &q).await.json();
        pages += 1;
        for e in v["contents"].as_array().into_iter().flatten() {
            seen.push(e["name"].as_str().unwrap().to_string());
        }
        match v["next_page_token"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, ["f1.txt", "f2.txt", "f3.txt", "sub"]);
    // Two full pages, then the empty page a full last page leads to.
    assert_eq!(pages, 3);
    let r = get(&sim, &format!("{base}?page_token=garbage")).await;
    assert_eq!(r.status, 400);
    let r = get(&sim, "/api/2.0/fs/directories/Volumes/c/s/nope").await;
    assert_eq!((r.status, r.json()["error_code"].as_str()), (404, Some("NOT_FOUND")));
    let r = client()
        .head(format!("{}/api/2.0/fs/files/Volumes/c/s/v/f1.txt", sim.url()))
        .bearer_auth("dapi-sim")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-length"], "5");
    assert!(r.headers().contains_key("last-modified"));
    sim.shutdown().await;
}

#[tokio::test]
async fn scim_pages_filters_and_projects() {
    let sim = start(dbx_sim::SimConfig {
        scim_max_page: 2,
        ..config()
    })
    .await;
    // Asking for 100 gets the server's page cap (2): clients must page by what they received.
    let v = get(&sim, "/api/2.0/preview/scim/v2/Users?count=100").await.json();
    assert_eq!(v["totalResults"], 5);
    assert_eq!(v["itemsPerPage"], 2);
    assert_eq!(v["startIndex"], 1);
    assert_eq!(v["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:ListResponse");
    let mut names = Vec::new();
    let mut start_index = 1;
    loop {
        let v = get(
            &sim,
            &format!("/api/2.0/preview/scim/v2/Users?startIndex={start_index}&count=100"),
        )
        .await
        .json();
        let Some(rs) = v["Resources"].as_array() else { break };
        if rs.is_empty() {
            break;
        }
        names.extend(rs.iter().map(|u| u["userName"].as_str().unwrap().to_string()));
        start_index += rs.len();
    }
    assert_eq!(names, ["a@x.com", "b@x.com", "c@y.org", "d@x.com", "e@x.com"]);
    let v = get(
        &sim,
        &format!(
            "/api/2.0/preview/scim/v2/Users?filter={}",
            enc(r#"userName eq "C@Y.ORG""#)
        ),
    )
    .await
    .json();
    assert_eq!(v["totalResults"], 1);
    assert_eq!(
        v["Resources"][0]["groups"][0]["value"], "admins",
        "unknown attributes are served"
    );
    let v = get(
        &sim,
        &format!(
            "/api/2.0/preview/scim/v2/Users?filter={}",
            enc(r#"userName sw "b" or userName co "y.o""#)
        ),
    )
    .await
    .json();
    assert_eq!(v["totalResults"], 2);
    let v = get(&sim, "/api/2.0/preview/scim/v2/Users?attributes=userName&count=1")
        .await
        .json();
    let keys: Vec<&String> = v["Resources"][0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "userName"]);
    let r = get(
        &sim,
        &format!("/api/2.0/preview/scim/v2/Users?filter={}", enc("userName eq")),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error");
    let v = get(
        &sim,
        "/api/2.0/preview/scim/v2/Users?sortBy=userName&sortOrder=descending&count=1",
    )
    .await
    .json();
    assert_eq!(v["Resources"][0]["userName"], "e@x.com");
    let id = v["Resources"][0]["id"].as_str().unwrap().to_string();
    let u = get(&sim, &format!("/api/2.0/preview/scim/v2/Users/{id}")).await.json();
    assert_eq!(u["userName"], "e@x.com");
    let me = get(&sim, "/api/2.0/preview/scim/v2/Me").await.json();
    assert_eq!(me["userName"], "a@x.com");
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_routes_are_501_with_a_hint() {
    let sim = start(config()).await;
    let r = get(&sim, "/api/2.0/clusters/list").await;
    assert_eq!(r.status, 501);
    assert_eq!(r.json()["error_code"], "NOT_IMPLEMENTED");
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("GET /api/2.0/clusters/list"));
    let r = client()
        .post(format!("{}/api/2.0/workspace/list", sim.url()))
        .bearer_auth("dapi-sim")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 501);
    sim.shutdown().await;
}

#[tokio::test]
async fn odd_names_round_trip_through_url_encoding() {
    let mut cfg = config();
    cfg.fixture.workspace.push(dbx_sim::WorkspaceEntry {
        path: "/Users/a@x.com/we+ird #?%&ü x".into(),
        object_type: Some("FILE".into()),
        size: Some(1),
        ..Default::default()
    });
    let sim = start(cfg).await;
    let r = get(
        &sim,
        &format!(
            "/api/2.0/workspace/get-status?path={}",
            enc("/Users/a@x.com/we+ird #?%&ü x")
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["path"], "/Users/a@x.com/we+ird #?%&ü x");
    let r = get_with(
        &client(),
        &sim,
        "/api/2.0/workspace/get-status?path=%zz",
        Some("dapi-sim"),
    )
    .await
    .unwrap();
    assert_eq!(r.status, 400);
    sim.shutdown().await;
}

#[tokio::test]
async fn service_principals_page_like_users_with_the_real_shapes() {
    let fixture = dbx_sim::Fixture::from_json(
        r#"{"service_principals": [
            {"applicationId": "6f1c7a52-0d4e-4b8e-9d61-3c2b8f0a9e17", "displayName": "etl-service", "active": true},
            {"applicationId": "0b9e5a1d-7c3f-4e2a-8f6b-1d4c9e7a2b30", "displayName": "old-bot", "active": false,
             "externalId": "ext-1"},
            {"applicationId": "3d0f6c2e-9a8b-4c1d-b2e3-f4a5b6c7d8e9", "displayName": "deploy"}
        ]}"#,
    )
    .unwrap();
    let sim = start(dbx_sim::SimConfig {
        fixture,
        limits: None,
        scim_max_page: 2,
        ..Default::default()
    })
    .await;
    let v = get(
        &sim,
        "/api/2.0/preview/scim/v2/ServicePrincipals?startIndex=1&count=100",
    )
    .await
    .json();
    assert_eq!(v["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:ListResponse");
    assert_eq!(
        (v["totalResults"].as_u64(), v["itemsPerPage"].as_u64()),
        (Some(3), Some(2))
    );
    let first = &v["Resources"][0];
    assert_eq!(
        first["schemas"][0],
        "urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal"
    );
    assert_eq!(first["applicationId"], "6f1c7a52-0d4e-4b8e-9d61-3c2b8f0a9e17");
    assert_eq!(
        (first["displayName"].as_str(), first["active"].as_bool()),
        (Some("etl-service"), Some(true))
    );
    let id = first["id"].as_str().unwrap().to_string();
    assert!(id.len() == 16 && id.bytes().all(|b| b.is_ascii_digit()), "{id}");
    assert_eq!(v["Resources"][1]["externalId"], "ext-1", "other attributes are served");
    let v = get(
        &sim,
        "/api/2.0/preview/scim/v2/ServicePrincipals?startIndex=3&count=100",
    )
    .await
    .json();
    assert_eq!(v["Resources"].as_array().unwrap().len(), 1);
    assert_eq!(v["Resources"][0]["displayName"], "deploy");
    assert!(
        v["Resources"][0].get("active").is_none(),
        "absent in the fixture, absent here"
    );
    let v = get(
        &sim,
        "/api/2.0/preview/scim/v2/ServicePrincipals?attributes=id,applicationId,displayName,active&count=1",
    )
    .await
    .json();
    let keys: Vec<&String> = v["Resources"][0].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 4, "{keys:?}");
    let r = get(&sim, &format!("/api/2.0/preview/scim/v2/ServicePrincipals/{id}")).await;
    assert_eq!((r.status, r.json()["displayName"].as_str()), (200, Some("etl-service")));
    assert_eq!(
        get(&sim, "/api/2.0/preview/scim/v2/ServicePrincipals/1").await.status,
        404
    );
    // A fault refuses the listing the way a workspace refuses a caller without the right.
    sim.add_faults([dbx_sim::Fault::new("scim", "/ServicePrincipals", 403)]);
    let r = get(
        &sim,
        "/api/2.0/preview/scim/v2/ServicePrincipals?startIndex=1&count=100",
    )
    .await;
    assert_eq!(
        (r.status, r.json()["error_code"].as_str()),
        (403, Some("PERMISSION_DENIED"))
    );
    assert_eq!(get(&sim, "/api/2.0/preview/scim/v2/Users").await.status, 200);
    let stats = sim.stats();
    assert_eq!(stats.by_endpoint["scim/ServicePrincipals"][&403], 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn export_serves_a_fixture_notebooks_content_every_language_and_a_size_limit() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut cfg = config();
    cfg.max_export_bytes = 20;
    let ws = &mut cfg.fixture.workspace;
    let mut nb = |path: &str, lang: &str, content: Option<&str>| {
        ws.push(dbx_sim::WorkspaceEntry {
            path: path.into(),
            object_type: Some("NOTEBOOK".into()),
            language: Some(lang.into()),
            content: content.map(Into::into),
            ..Default::default()
        })
    };
    nb("/Users/c@x.com/py", "PYTHON", Some("print('é')"));
    nb("/Users/c@x.com/sql", "SQL", Some("SELECT 1"));
    nb("/Users/c@x.com/scala", "SCALA", Some("val x = 1"));
    nb("/Users/c@x.com/r", "R", Some("x <- 1"));
    nb("/Users/c@x.com/empty", "PYTHON", Some(""));
    nb("/Users/c@x.com/big", "PYTHON", Some("# twenty-one bytes!!!"));
    nb("/Users/c@x.com/generated", "SQL", None);
    let sim = start(cfg).await;
    let export = |p: &str| format!("/api/2.0/workspace/export?path=/Users/c@x.com/{p}&format=SOURCE");
    for (p, src, ext) in [
        ("py", "print('é')", "py"),
        ("sql", "SELECT 1", "sql"),
        ("scala", "val x = 1", "scala"),
        ("r", "x <- 1", "r"),
        ("empty", "", "py"),
    ] {
        let v = get(&sim, &export(p)).await.json();
        assert_eq!(
            b64.decode(v["content"].as_str().unwrap()).unwrap(),
            src.as_bytes(),
            "{p}"
        );
        assert_eq!(v["file_type"], ext, "{p}");
    }
    let r = get(&sim, &export("big")).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error_code"], "MAX_NOTEBOOK_SIZE_EXCEEDED");
    // Generated sources are over 1 KB: over this simulator's 20-byte limit too.
    assert_eq!(get(&sim, &export("generated")).await.status, 400);
    // The source is never part of the listing.
    let listed = get(&sim, "/api/2.0/workspace/list?path=/Users/c@x.com").await.json();
    assert!(!listed.to_string().contains("content"), "{listed}");
    sim.shutdown().await;
}

#[test]
fn content_is_only_for_notebooks() {
    let mut f = dbx_sim::Fixture::default();
    f.workspace.push(dbx_sim::WorkspaceEntry {
        path: "/Users/a/f.csv".into(),
        object_type: Some("FILE".into()),
        content: Some("x".into()),
        ..Default::default()
    });
    let e = f.validate().unwrap_err().to_string();
    assert!(e.contains("workspace[0]") && e.contains("only NOTEBOOK"), "{e}");
}
