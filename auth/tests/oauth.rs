//! OAuth M2M and PAT credentials against the simulator (`dbx-sim`): the happy paths, then fault
//! cases made with its `oauth` fault rules (404 discovery, 5xx/429 from the token endpoint, a
//! moved OIDC root, a token without `expires_in`).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dbx_auth::{resolve, AuthError, AuthFlags, Credentials, CredentialsOptions, Env, ResolvedAuth, RetryPolicy};
use dbx_sim::Fault;
use serde_json::json;

const ID: &str = "sp-client-id";
const SECRET: &str = "HUNTER2-sp-secret";

fn m2m(host: &str, id: &str, secret: &str) -> ResolvedAuth {
    let env = Env::from_pairs([
        ("DATABRICKS_HOST", host),
        ("DATABRICKS_CLIENT_ID", id),
        ("DATABRICKS_CLIENT_SECRET", secret),
    ]);
    resolve(&AuthFlags::default(), &env).unwrap()
}

fn fast_options() -> CredentialsOptions {
    CredentialsOptions {
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_secs(2),
            request_timeout: Duration::from_secs(5),
        },
        ..CredentialsOptions::default()
    }
}

async fn sim(ttl: u64) -> dbx_sim::RunningSim {
    dbx_sim::start(dbx_sim::SimConfig {
        clients: vec![(ID.into(), SECRET.into())],
        oauth_token_ttl_secs: ttl,
        // Rate limits are the host's business; here they would only slow the polling loops.
        limits: None,
        ..Default::default()
    })
    .await
    .unwrap()
}

fn count(sim: &dbx_sim::RunningSim, endpoint: &str, status: u16) -> u64 {
    sim.stats()
        .by_endpoint
        .get(endpoint)
        .and_then(|m| m.get(&status))
        .copied()
        .unwrap_or(0)
}

/// `GET /api/2.0/preview/scim/v2/Me` with the given header: the status.
async fn call_me(client: &reqwest::Client, host: &str, auth: reqwest::header::HeaderValue) -> u16 {
    client
        .get(format!("{host}/api/2.0/preview/scim/v2/Me"))
        .header(reqwest::header::AUTHORIZATION, auth)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

// ---- against the simulator -------------------------------------------------------------------

#[tokio::test]
async fn pat_gives_a_sensitive_bearer_header_the_workspace_accepts() {
    let sim = sim(3600).await;
    let env = Env::from_pairs([
        ("DATABRICKS_HOST", sim.url()),
        ("DATABRICKS_TOKEN", "dapi-sim".to_string()),
    ]);
    let resolved = resolve(&AuthFlags::default(), &env).unwrap();
    let client = reqwest::Client::new();
    let creds = Credentials::new(&resolved, client.clone());
    let h = creds.authorization().await.unwrap();
    assert_eq!(h.to_str().unwrap(), "Bearer dapi-sim");
    assert!(h.is_sensitive());
    assert_eq!(call_me(&client, &sim.url(), h).await, 200);
    creds.invalidate(); // no effect for a PAT
    assert_eq!(
        creds.authorization().await.unwrap().to_str().unwrap(),
        "Bearer dapi-sim"
    );
    assert_eq!(creds.token_requests(), 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn m2m_token_is_cached_one_request_for_many_calls() {
    let sim = sim(3600).await;
    let client = reqwest::Client::new();
    let creds = Credentials::new(&m2m(&sim.url(), ID, SECRET), client.clone());
    let first = creds.authorization().await.unwrap();
    assert!(first.is_sensitive());
    assert!(first.to_str().unwrap().starts_with("Bearer "));
    for _ in 0..100 {
        assert_eq!(creds.authorization().await.unwrap(), first);
    }
    assert_eq!(call_me(&client, &sim.url(), first).await, 200);
    assert_eq!(count(&sim, "oauth/token", 200), 1);
    assert_eq!(
        count(&sim, "well-known/databricks-config", 200),
        1,
        "discovery runs once"
    );
    assert_eq!(count(&sim, "oidc/discovery", 200), 1);
    assert_eq!(creds.token_requests(), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn concurrent_callers_share_one_token_request() {
    let sim = sim(3600).await;
    let creds = Credentials::new(&m2m(&sim.url(), ID, SECRET), reqwest::Client::new());
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..64 {
        let c = creds.clone();
        tasks.spawn(async move { c.authorization().await.unwrap() });
    }
    let headers: Vec<_> = tasks.join_all().await;
    assert!(headers.windows(2).all(|w| w[0] == w[1]), "everyone got the same token");
    assert_eq!(count(&sim, "oauth/token", 200), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn short_lived_tokens_are_refreshed_before_expiry_across_a_long_run() {
    // 2 s tokens: the early-refresh margin is min(40 s, 2 s / 2) = 1 s, so a token is reused
    // for about 1 s. A 5 s "scan" calling the API every 50 ms must never see a 401.
    let sim = sim(2).await;
    let client = reqwest::Client::new();
    let creds = Credentials::new(&m2m(&sim.url(), ID, SECRET), client.clone());
    let h1 = creds.authorization().await.unwrap();
    assert_eq!(creds.authorization().await.unwrap(), h1, "reused within the margin");
    let start = Instant::now();
    let mut calls = 0;
    while start.elapsed() < Duration::from_secs(5) {
        let h = creds.authorization().await.unwrap();
        assert_eq!(
            call_me(&client, &sim.url(), h).await,
            200,
            "after {:?}",
            start.elapsed()
        );
        calls += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let tokens = count(&sim, "oauth/token", 200);
    assert!(
        (4..=8).contains(&tokens),
        "{tokens} token requests for {calls} calls over 5 s"
    );
    assert_eq!(count(&sim, "scim/Me", 401), 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn invalidate_after_a_401_fetches_a_fresh_token() {
    let sim = sim(3600).await;
    let client = reqwest::Client::new();
    let creds = Credentials::new(&m2m(&sim.url(), ID, SECRET), client.clone());
    let h1 = creds.authorization().await.unwrap();
    creds.invalidate();
    let h2 = creds.authorization().await.unwrap();
    assert_ne!(h1, h2);
    assert_eq!(count(&sim, "oauth/token", 200), 2);
    assert_eq!(
        count(&sim, "well-known/databricks-config", 200),
        1,
        "the endpoint stays cached"
    );
    assert_eq!(call_me(&client, &sim.url(), h2).await, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn invalidate_token_ignores_a_stale_header() {
    let sim = sim(3600).await;
    let creds = Credentials::new(&m2m(&sim.url(), ID, SECRET), reqwest::Client::new());
    let old = creds.authorization().await.unwrap();
    creds.invalidate_token(&old);
    let new = creds.authorization().await.unwrap();
    assert_ne!(old, new);
    // A late 401 for the old token must not discard the new one.
    creds.invalidate_token(&old);
    assert_eq!(creds.authorization().await.unwrap(), new);
    assert_eq!(count(&sim, "oauth/token", 200), 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn an_expired_token_gets_401_and_the_next_call_brings_a_new_one() {
    let sim = sim(1).await;
    let client = reqwest::Client::new();
    let creds = Credentials::new(&m2m(&sim.url(), ID, SECRET), client.clone());
    let old = creds.authorization().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        call_me(&client, &sim.url(), old.clone()).await,
        401,
        "the simulator expires tokens"
    );
    creds.invalidate_token(&old);
    let new = creds.authorization().await.unwrap();
    assert_eq!(call_me(&client, &sim.url(), new).await, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn wrong_secret_is_a_clear_error_without_the_secret() {
    let sim = sim(3600).await;
    let creds = Credentials::with_options(
        &m2m(&sim.url(), ID, "HUNTER2-wrong"),
        reqwest::Client::new(),
        fast_options(),
    );
    let e = creds.authorization().await.unwrap_err();
    assert!(matches!(e, AuthError::CredentialsRejected { status: 401, .. }), "{e:?}");
    assert!(!e.is_configuration());
    let msg = e.to_string();
    assert!(
        msg.contains(&format!("rejected the client credentials of client_id '{ID}'")),
        "{msg}"
    );
    assert!(msg.contains("HTTP 401: invalid_client"), "{msg}");
    assert!(
        msg.contains("environment (DATABRICKS_HOST, DATABRICKS_CLIENT_ID, DATABRICKS_CLIENT_SECRET)"),
        "{msg}"
    );
    assert!(msg.contains(&format!("host {}", sim.url())), "{msg}");
    assert!(
        !msg.contains("HUNTER2") && !format!("{e:?}").contains("HUNTER2"),
        "{msg}"
    );
    assert_eq!(count(&sim, "oauth/token", 401), 1, "a rejection is not retried");
    sim.shutdown().await;
}

#[tokio::test]
async fn m2m_from_a_profile_in_a_temp_config_file() {
    let sim = sim(3600).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("cfg");
    std::fs::write(
        &cfg,
        format!(
            "[SP]\nhost = {}/\nclient_id = {ID}\nclient_secret = {SECRET}\n",
            sim.url()
        ),
    )
    .unwrap();
    let env = Env::from_pairs([
        ("DATABRICKS_CONFIG_FILE", cfg.to_str().unwrap()),
        ("HOME", dir.path().to_str().unwrap()),
    ]);
    let flags = AuthFlags {
        profile: Some("SP".into()),
        ..AuthFlags::default()
    };
    let resolved = resolve(&flags, &env).unwrap();
    assert_eq!(
        resolved.source.to_string(),
        format!("profile 'SP' in {}", cfg.display())
    );
    let client = reqwest::Client::new();
    let creds = Credentials::new(&resolved, client.clone());
    let h = creds.authorization().await.unwrap();
    assert_eq!(call_me(&client, &sim.url(), h).await, 200);
    sim.shutdown().await;
}

// ---- fault cases: the simulator's `oauth` fault rules ------------------------------------------

fn oauth_rule(path: &str, status: u16) -> Fault {
    Fault::new("oauth", path, status)
}

/// A rule failing the next `times` token requests with `status`.
fn token_fails(status: u16, times: u64) -> Fault {
    let mut f = oauth_rule("/oidc/v1/token", status);
    f.times = Some(times);
    f
}

/// Every request to `endpoint`, whatever the answer.
fn hits(sim: &dbx_sim::RunningSim, endpoint: &str) -> u64 {
    sim.stats().by_endpoint.get(endpoint).map_or(0, |m| m.values().sum())
}

fn fast_m2m(sim: &dbx_sim::RunningSim, id: &str) -> Credentials {
    Credentials::with_options(&m2m(&sim.url(), id, SECRET), reqwest::Client::new(), fast_options())
}

#[tokio::test]
async fn discovery_falls_back_when_databricks_config_is_404() {
    let sim = sim(3600).await;
    sim.add_faults([oauth_rule("/.well-known/databricks-config", 404)]);
    let client = reqwest::Client::new();
    let creds = Credentials::with_options(&m2m(&sim.url(), ID, SECRET), client.clone(), fast_options());
    let h = creds.authorization().await.unwrap();
    assert_eq!(call_me(&client, &sim.url(), h).await, 200, "the token the sim issued");
    assert_eq!(count(&sim, "well-known/databricks-config", 404), 1);
    assert_eq!(hits(&sim, "oidc/discovery"), 1);
    assert_eq!(hits(&sim, "oauth/token"), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_oidc_endpoint_named_by_databricks_config_is_followed() {
    let sim = sim(3600).await;
    let mut config = oauth_rule("/.well-known/databricks-config", 200);
    config.body =
        Some(json!({"oidc_endpoint": format!("{}/elsewhere/oidc", sim.url()), "workspace_id": "1"}).to_string());
    // The usual root refuses, so only a client following the document gets a token.
    sim.add_faults([config, oauth_rule("/oidc/*", 404)]);
    fast_m2m(&sim, ID).authorization().await.unwrap();
    assert_eq!(hits(&sim, "well-known/databricks-config"), 1);
    assert_eq!(hits(&sim, "oidc/discovery"), 1);
    assert_eq!(hits(&sim, "oauth/token"), 1);
    assert_eq!(count(&sim, "oauth/token", 200), 1, "served at the moved root");
    sim.shutdown().await;
}

#[tokio::test]
async fn the_token_request_is_basic_auth_with_client_credentials_grant() {
    // HTTP Basic (RFC 7617) splits at the first colon: the sim knows this client as `id` with
    // the secret `with-colon?:<SECRET>`.
    let sim = dbx_sim::start(dbx_sim::SimConfig {
        clients: vec![("id".into(), format!("with-colon?:{SECRET}"))],
        limits: None,
        ..Default::default()
    })
    .await
    .unwrap();
    fast_m2m(&sim, "id:with-colon?").authorization().await.unwrap();
    let seen = sim.token_requests();
    assert_eq!(seen[0].body, "grant_type=client_credentials&scope=all-apis");
    use base64::Engine as _;
    let expected = base64::engine::general_purpose::STANDARD.encode(format!("id:with-colon?:{SECRET}"));
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some(format!("Basic {expected}").as_str())
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn transient_token_failures_are_retried() {
    let sim = sim(3600).await;
    sim.add_faults([token_fails(503, 1), token_fails(500, 1)]);
    let client = reqwest::Client::new();
    let creds = Credentials::with_options(&m2m(&sim.url(), ID, SECRET), client.clone(), fast_options());
    let h = creds.authorization().await.unwrap();
    assert_eq!(call_me(&client, &sim.url(), h).await, 200, "the third answer's token");
    assert_eq!(
        (count(&sim, "oauth/token", 503), count(&sim, "oauth/token", 500)),
        (1, 1)
    );
    assert_eq!(hits(&sim, "oauth/token"), 3);
    sim.shutdown().await;
}

#[tokio::test]
async fn retry_after_is_honoured_on_429() {
    // The sim's 429 carries `Retry-After: 1`.
    let sim = sim(3600).await;
    sim.add_faults([token_fails(429, 1)]);
    let start = Instant::now();
    fast_m2m(&sim, ID).authorization().await.unwrap();
    assert!(start.elapsed() >= Duration::from_millis(950), "{:?}", start.elapsed());
    assert_eq!(hits(&sim, "oauth/token"), 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn persistent_5xx_gives_up_with_a_clear_error() {
    let sim = sim(3600).await;
    sim.add_faults([oauth_rule("/oidc/v1/token", 500)]);
    let e = fast_m2m(&sim, ID).authorization().await.unwrap_err();
    assert!(matches!(e, AuthError::TokenEndpoint { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains(ID) && msg.contains("HTTP 500") && msg.contains(&sim.url()),
        "{msg}"
    );
    assert!(!msg.contains("HUNTER2"));
    assert_eq!(hits(&sim, "oauth/token"), 3, "max_attempts");
    sim.shutdown().await;
}

#[tokio::test]
async fn callers_queued_behind_a_failed_refresh_share_its_error() {
    let sim = sim(3600).await;
    let mut slow_500 = oauth_rule("/oidc/v1/token", 500);
    slow_500.delay_ms = Some(50);
    sim.add_faults([slow_500]);
    let creds = fast_m2m(&sim, ID);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let c = creds.clone();
        tasks.spawn(async move { c.authorization().await });
    }
    let results = tasks.join_all().await;
    assert!(results
        .iter()
        .all(|r| matches!(r, Err(AuthError::TokenEndpoint { .. }))));
    assert_eq!(hits(&sim, "oauth/token"), 3, "one attempt sequence for 20 callers");
    // A later call tries again.
    creds.authorization().await.unwrap_err();
    assert_eq!(hits(&sim, "oauth/token"), 6);
    sim.shutdown().await;
}

#[tokio::test]
async fn unreachable_host_is_a_discovery_error_naming_the_host() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let creds = Credentials::with_options(&m2m(&url, ID, SECRET), reqwest::Client::new(), fast_options());
    let e = creds.authorization().await.unwrap_err();
    assert!(matches!(e, AuthError::Discovery { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains(&url)
            && msg.contains("/.well-known/databricks-config")
            && msg.contains("/oidc/.well-known/oauth-authorization-server"),
        "{msg}"
    );
}

#[tokio::test]
async fn a_token_without_expires_in_is_kept_for_the_default_lifetime() {
    let sim = sim(3600).await;
    let mut no_expiry = oauth_rule("/oidc/v1/token", 200);
    no_expiry.body = Some(r#"{"access_token":"sim-no-expiry","token_type":"Bearer"}"#.into());
    sim.add_faults([no_expiry]);
    let creds = fast_m2m(&sim, ID);
    let h = creds.authorization().await.unwrap();
    assert_eq!(h.to_str().unwrap(), "Bearer sim-no-expiry");
    assert_eq!(creds.authorization().await.unwrap(), h);
    assert_eq!(hits(&sim, "oauth/token"), 1);
    sim.shutdown().await;
}

#[test]
fn no_secret_or_token_reaches_the_logs() {
    // Capture every dbx_auth event at TRACE through a full flow: discovery, token, rejection.
    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("trace")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let token = tracing::subscriber::with_default(subscriber, || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let sim = sim(3600).await;
            let good = Credentials::new(&m2m(&sim.url(), ID, SECRET), reqwest::Client::new());
            let h = good.authorization().await.unwrap();
            good.invalidate();
            good.authorization().await.unwrap();
            let bad = Credentials::with_options(
                &m2m(&sim.url(), ID, "HUNTER2-wrong"),
                reqwest::Client::new(),
                fast_options(),
            );
            bad.authorization().await.unwrap_err();
            sim.shutdown().await;
            h.to_str().unwrap().trim_start_matches("Bearer ").to_string()
        })
    });
    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("requesting an OAuth token"),
        "logging was captured: {logs}"
    );
    assert!(!logs.contains("HUNTER2"), "{logs}");
    assert!(!logs.contains(&token), "{logs}");
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{ID}:{SECRET}"));
    assert!(!logs.contains(&basic), "{logs}");
}
