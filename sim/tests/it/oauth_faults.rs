//! Fault rules on the OAuth and discovery endpoints (api `oauth`), a moved OIDC root, and the
//! token requests the simulator records.

use std::time::{Duration, Instant};

use dbx_sim::{Fault, RunningSim, SimConfig, TokenRequest};
use serde_json::Value;

use crate::util::{client, config, get_json, get_with, start};

const BASIC: &str = "Basic Y2lkOnNlY3JldA=="; // cid:secret

fn oauth_config() -> SimConfig {
    SimConfig {
        clients: vec![("cid".into(), "secret".into())],
        ..config()
    }
}

fn count(sim: &RunningSim, endpoint: &str, status: u16) -> u64 {
    let stats = sim.stats();
    stats
        .by_endpoint
        .get(endpoint)
        .and_then(|m| m.get(&status))
        .copied()
        .unwrap_or(0)
}

/// `POST path` with `cid:secret` as HTTP Basic and a client-credentials form.
async fn post_token(sim: &RunningSim, path: &str) -> reqwest::Response {
    client()
        .post(format!("{}{path}", sim.url()))
        .header("authorization", BASIC)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&scope=all-apis")
        .send()
        .await
        .unwrap()
}

fn rule(path: &str, status: u16) -> Fault {
    Fault::new("oauth", path, status)
}

#[tokio::test]
async fn status_rules_answer_oauth_errors_and_429_carries_retry_after() {
    let sim = start(oauth_config()).await;
    let mut once = rule("/oidc/v1/token", 429);
    once.times = Some(1);
    sim.add_faults([rule("/.well-known/databricks-config", 404), once]);
    let c = client();
    let r = get_with(&c, &sim, "/.well-known/databricks-config", None)
        .await
        .unwrap();
    assert_eq!((r.status, r.json()["error"].as_str()), (404, Some("not_found")));
    let r = get_with(&c, &sim, "/oidc/.well-known/oauth-authorization-server", None)
        .await
        .unwrap();
    assert_eq!(r.status, 200, "other endpoints are not affected");
    let r = post_token(&sim, "/oidc/v1/token").await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "1");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    let r = post_token(&sim, "/oidc/v1/token").await;
    assert_eq!(r.status(), 200, "the rule fired once");
    assert_eq!(count(&sim, "well-known/databricks-config", 404), 1);
    assert_eq!(count(&sim, "oauth/token", 429), 1);
    assert_eq!(count(&sim, "oauth/token", 200), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn oauth_rules_come_through_the_control_endpoint_too() {
    let sim = start(oauth_config()).await;
    let r = client()
        .post(format!("{}/__sim/faults", sim.url()))
        .body(r#"{"api":"oauth","path":"/oidc/*","status":503,"delay_ms":10}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let listed: Vec<Value> = get_json(format!("{}/__sim/faults", sim.url())).await;
    let added = listed.iter().find(|f| f["api"] == "oauth").expect("the rule is listed");
    assert_eq!(added["delay_ms"], 10);
    assert_eq!(post_token(&sim, "/oidc/v1/token").await.status(), 503);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_rule_delay_holds_the_answer_back() {
    let sim = start(oauth_config()).await;
    let mut slow = rule("/oidc/v1/token", 500);
    slow.delay_ms = Some(300);
    sim.add_faults([slow]);
    let start = Instant::now();
    assert_eq!(post_token(&sim, "/oidc/v1/token").await.status(), 500);
    assert!(start.elapsed() >= Duration::from_millis(300), "{:?}", start.elapsed());
    sim.shutdown().await;
}

#[tokio::test]
async fn random_faults_never_touch_the_oauth_endpoints() {
    let sim = start(SimConfig {
        fault_rate: 1.0,
        ..oauth_config()
    })
    .await;
    for _ in 0..20 {
        assert_eq!(post_token(&sim, "/oidc/v1/token").await.status(), 200);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_moved_oidc_root_serves_discovery_and_tokens() {
    let sim = start(oauth_config()).await;
    let url = sim.url();
    let moved: Value = get_json(format!("{url}/elsewhere/oidc/.well-known/oauth-authorization-server")).await;
    assert_eq!(moved["issuer"], format!("{url}/elsewhere/oidc"));
    assert_eq!(moved["token_endpoint"], format!("{url}/elsewhere/oidc/v1/token"));
    let usual: Value = get_json(format!("{url}/oidc/.well-known/oauth-authorization-server")).await;
    assert_eq!(usual["token_endpoint"], format!("{url}/oidc/v1/token"));
    let r = post_token(&sim, "/elsewhere/oidc/v1/token").await;
    assert_eq!(r.status(), 200);
    let token: Value = r.json().await.unwrap();
    let me = get_with(
        &client(),
        &sim,
        "/api/2.0/preview/scim/v2/Me",
        token["access_token"].as_str(),
    )
    .await
    .unwrap();
    assert_eq!(me.status, 200);
    assert_eq!(count(&sim, "oidc/discovery", 200), 2);
    assert_eq!(count(&sim, "oauth/token", 200), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn token_requests_are_recorded_as_sent() {
    let sim = start(oauth_config()).await;
    assert_eq!(post_token(&sim, "/oidc/v1/token").await.status(), 200);
    assert_eq!(
        sim.token_requests(),
        [TokenRequest {
            authorization: Some(BASIC.into()),
            body: "grant_type=client_credentials&scope=all-apis".into(),
        }]
    );
    sim.shutdown().await;
}
