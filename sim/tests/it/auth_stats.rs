//! Authentication (PAT, OAuth M2M, expiry) and the statistics endpoint.

use std::time::Duration;

use dbx_sim::SimConfig;
use serde_json::Value;

use crate::util::{client, config, get, get_json, get_with, start};

fn oauth_config(ttl: u64) -> SimConfig {
    SimConfig {
        clients: vec![("cid".into(), "secret".into())],
        oauth_token_ttl_secs: ttl,
        ..config()
    }
}

#[tokio::test]
async fn missing_or_unknown_token_is_401_with_json_body() {
    let sim = start(config()).await;
    let c = client();
    for token in [None, Some("dapi-wrong")] {
        let r = get_with(&c, &sim, "/api/2.0/workspace/list?path=/", token)
            .await
            .unwrap();
        assert_eq!(r.status, 401);
        assert_eq!(r.json()["error_code"], "UNAUTHENTICATED");
    }
    // Discovery needs no token.
    let r = get_with(&c, &sim, "/.well-known/databricks-config", None)
        .await
        .unwrap();
    assert_eq!(r.json()["oidc_endpoint"], format!("{}/oidc", sim.url()));
    sim.shutdown().await;
}

#[tokio::test]
async fn extra_pats_are_accepted() {
    let sim = start(SimConfig {
        tokens: vec!["t1".into(), "t2".into()],
        ..config()
    })
    .await;
    let c = client();
    assert_eq!(
        get_with(&c, &sim, "/api/2.0/workspace/list?path=/", Some("t2"))
            .await
            .unwrap()
            .status,
        200
    );
    assert_eq!(
        get_with(&c, &sim, "/api/2.0/workspace/list?path=/", Some("dapi-sim"))
            .await
            .unwrap()
            .status,
        401
    );
    sim.shutdown().await;
}

async fn token(sim: &dbx_sim::RunningSim, form: &[(&str, &str)], basic: Option<(&str, &str)>) -> (u16, Value) {
    let mut rb = client().post(format!("{}/oidc/v1/token", sim.url())).form(form);
    if let Some((id, secret)) = basic {
        rb = rb.basic_auth(id, Some(secret));
    }
    let r = rb.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn oauth_client_credentials_issue_tokens_that_expire() {
    let sim = start(oauth_config(1)).await;
    let (status, v) = token(
        &sim,
        &[("grant_type", "client_credentials"), ("scope", "all-apis")],
        Some(("cid", "secret")),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 1);
    let t = v["access_token"].as_str().unwrap().to_string();
    let c = client();
    let me = get_with(&c, &sim, "/api/2.0/preview/scim/v2/Me", Some(&t))
        .await
        .unwrap();
    assert_eq!(me.json()["userName"], "cid");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = get_with(&c, &sim, "/api/2.0/preview/scim/v2/Me", Some(&t))
        .await
        .unwrap();
    assert_eq!(r.status, 401);
    // Credentials in the form body work too; wrong ones do not.
    let (status, _) = token(
        &sim,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "cid"),
            ("client_secret", "secret"),
        ],
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, v) = token(&sim, &[("grant_type", "client_credentials")], Some(("cid", "nope"))).await;
    assert_eq!((status, v["error"].as_str()), (401, Some("invalid_client")));
    let (status, v) = token(&sim, &[("grant_type", "password")], Some(("cid", "secret"))).await;
    assert_eq!((status, v["error"].as_str()), (400, Some("unsupported_grant_type")));
    sim.shutdown().await;
}

#[tokio::test]
async fn discovery_documents_use_the_address_the_client_used() {
    let sim = start(oauth_config(3600)).await;
    let url = format!("http://localhost:{}", sim.addr().port());
    let v: Value = get_json(format!("{url}/oidc/.well-known/oauth-authorization-server")).await;
    assert_eq!(v["token_endpoint"], format!("{url}/oidc/v1/token"));
    sim.shutdown().await;
}

#[tokio::test]
async fn stats_count_by_endpoint_and_status_and_reset() {
    let sim = start(config()).await;
    get(&sim, "/api/2.0/workspace/list?path=/").await;
    get(&sim, "/api/2.0/workspace/list?path=/nope").await;
    get(&sim, "/api/2.0/dbfs/list?path=/").await;
    get(&sim, "/api/2.0/preview/scim/v2/Users").await;
    get(&sim, "/api/2.0/fs/directories/Volumes/c/s/v").await;
    let s = sim.stats();
    assert_eq!(s.total_requests, 5);
    assert_eq!(s.by_endpoint["workspace/list"][&200], 1);
    assert_eq!(s.by_endpoint["workspace/list"][&404], 1);
    assert_eq!(s.by_endpoint["dbfs/list"][&200], 1);
    assert_eq!(s.by_endpoint["scim/Users"][&200], 1);
    assert_eq!(s.by_endpoint["fs/directories"][&200], 1);
    assert!(s.bytes_sent > 500, "{}", s.bytes_sent);
    assert_eq!(s.peak_concurrency, 1);
    // The HTTP view is the same data; control calls are not counted.
    let http: dbx_sim::Stats = get_json(format!("{}/__sim/stats", sim.url())).await;
    assert_eq!(http.total_requests, 5);
    assert_eq!(http.by_endpoint, s.by_endpoint);
    client()
        .post(format!("{}/__sim/stats", sim.url()))
        .send()
        .await
        .unwrap();
    let s = sim.stats();
    assert_eq!((s.total_requests, s.bytes_sent, s.status_429), (0, 0, 0));
    assert!(s.by_endpoint.is_empty());
    get(&sim, "/api/2.0/workspace/get-status?path=/").await;
    sim.reset_stats();
    assert_eq!(sim.stats().total_requests, 0);
    sim.shutdown().await;
}
