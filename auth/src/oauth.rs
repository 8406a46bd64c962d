//! OAuth M2M plumbing: endpoint discovery and the client-credentials token request, with
//! retries. No caching here (see `credentials.rs`).
//!
//! Discovery (as the current SDKs): `GET <host>/.well-known/databricks-config` →
//! `oidc_endpoint`, then `GET <oidc_endpoint>/.well-known/oauth-authorization-server` →
//! `token_endpoint`. When the first step fails (404 on older workspaces, or anything else, as
//! the Python SDK falls back on any error), `GET <host>/oidc/.well-known/oauth-authorization-server`.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use base64::Engine as _;
use dbx_api::{is_retryable_status, parse_retry_after};
use reqwest::{Client, StatusCode};
use url::Url;

use crate::host_url::host_display;
use crate::secret::Secret;

/// Retry policy for discovery and token requests.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all (first try included).
    pub max_attempts: u32,
    /// First backoff; doubles each retry, with jitter (backon, as the host's requests).
    pub base_delay: Duration,
    /// Longest single wait (also caps `Retry-After`).
    pub max_delay: Duration,
    /// Per-request timeout.
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// A token as the endpoint returned it.
#[derive(Debug)]
pub(crate) struct FetchedToken {
    pub access_token: Secret,
    pub expires_in: Option<Duration>,
}

/// Why a request failed after retries.
#[derive(Debug)]
pub(crate) enum FetchError {
    /// The endpoint refused the client credentials (400/401/403).
    Rejected { status: u16, detail: String },
    /// Anything else: transport, 5xx/429 after retries, another status, a malformed body.
    Failed(String),
}

/// One HTTP answer, or a transport failure.
enum Answer {
    Ok(String),
    Status { status: StatusCode, body: String },
}

/// Sends `build()` with retries on transport errors and the statuses [`is_retryable_status`]
/// names (429, 500, 502, 503, 504), waiting `Retry-After` when the server sends one.
async fn send_with_retries(
    policy: &RetryPolicy,
    what: &str,
    build: impl Fn() -> reqwest::RequestBuilder,
) -> Result<Answer, String> {
    let mut delays = ExponentialBuilder::default()
        .with_min_delay(policy.base_delay)
        .with_max_delay(policy.max_delay)
        .with_factor(2.0)
        .with_max_times(policy.max_attempts.saturating_sub(1) as usize)
        .with_jitter()
        .build();
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let result = build().timeout(policy.request_timeout).send().await;
        let retry_after;
        let failure = match result {
            Ok(resp) => {
                let status = resp.status();
                retry_after = parse_retry_after(
                    resp.headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok()),
                    policy.max_delay,
                );
                let body = match resp.text().await {
                    Ok(b) => b,
                    Err(e) => {
                        let msg = format!("reading the answer failed: {}", without_url(e));
                        if attempt >= policy.max_attempts {
                            return Err(msg);
                        }
                        backoff(delays.next(), policy, attempt, None, what, &msg).await;
                        continue;
                    }
                };
                if status.is_success() {
                    return Ok(Answer::Ok(body));
                }
                if !is_retryable_status(status.as_u16()) || attempt >= policy.max_attempts {
                    return Ok(Answer::Status { status, body });
                }
                format!("HTTP {}", status.as_u16())
            }
            Err(e) => {
                retry_after = None;
                let msg = if e.is_timeout() {
                    format!("timed out after {:?}", policy.request_timeout)
                } else {
                    format!("request failed: {}", without_url(e))
                };
                if attempt >= policy.max_attempts {
                    return Err(format!("{msg} (after {attempt} attempts)"));
                }
                msg
            }
        };
        backoff(delays.next(), policy, attempt, retry_after, what, &failure).await;
    }
}

/// Waits `Retry-After` when given, else the backoff's next delay.
async fn backoff(
    next: Option<Duration>,
    policy: &RetryPolicy,
    attempt: u32,
    retry_after: Option<Duration>,
    what: &str,
    failure: &str,
) {
    let delay = retry_after.or(next).unwrap_or(policy.max_delay);
    tracing::debug!(what, attempt, failure, delay_ms = delay.as_millis() as u64, "retrying");
    tokio::time::sleep(delay).await;
}

/// A reqwest error's text with its causes, without the URL (named separately in messages).
fn without_url(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut s = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

/// Discovers the token endpoint; the error lists the URLs tried and the last failure.
pub(crate) async fn discover_token_endpoint(
    client: &Client,
    host: &Url,
    policy: &RetryPolicy,
) -> Result<Url, (Vec<String>, String)> {
    let base = host_display(host);
    let mut tried = Vec::new();
    let config_url = format!("{base}/.well-known/databricks-config");
    tried.push(config_url.clone());
    let first = async {
        match send_with_retries(policy, "databricks-config", || client.get(&config_url)).await? {
            Answer::Ok(body) => {
                let v: serde_json::Value =
                    serde_json::from_str(&body).map_err(|e| format!("{config_url}: not JSON ({e})"))?;
                let oidc = v
                    .get("oidc_endpoint")
                    .and_then(|o| o.as_str())
                    .filter(|o| !o.is_empty() && !o.contains("{account_id}"))
                    .ok_or_else(|| format!("{config_url}: no usable oidc_endpoint"))?;
                Ok(format!(
                    "{}/.well-known/oauth-authorization-server",
                    oidc.trim_end_matches('/')
                ))
            }
            Answer::Status { status, .. } => Err(format!("{config_url}: HTTP {}", status.as_u16())),
        }
    };
    let mut candidates = Vec::new();
    match first.await {
        Ok(u) => candidates.push(u),
        Err(why) => tracing::debug!(reason = %why, "no /.well-known/databricks-config; using the /oidc fallback"),
    }
    let fallback = format!("{base}/oidc/.well-known/oauth-authorization-server");
    if !candidates.contains(&fallback) {
        candidates.push(fallback);
    }
    let mut last = String::from("no candidate");
    for url in candidates {
        tried.push(url.clone());
        match fetch_token_endpoint(client, host, &url, policy).await {
            Ok(u) => {
                tracing::debug!(metadata = %url, token_endpoint = %u, "discovered the OAuth token endpoint");
                return Ok(u);
            }
            Err(e) => last = e,
        }
    }
    Err((tried, last))
}

async fn fetch_token_endpoint(client: &Client, host: &Url, url: &str, policy: &RetryPolicy) -> Result<Url, String> {
    match send_with_retries(policy, "oauth-authorization-server", || client.get(url)).await? {
        Answer::Ok(body) => {
            let v: serde_json::Value = serde_json::from_str(&body).map_err(|e| format!("{url}: not JSON ({e})"))?;
            let te = v
                .get("token_endpoint")
                .and_then(|t| t.as_str())
                .ok_or_else(|| format!("{url}: no token_endpoint"))?;
            let te = Url::parse(te).map_err(|e| format!("{url}: bad token_endpoint '{te}' ({e})"))?;
            // Never send the secret over plain http unless the workspace itself is plain http.
            if te.scheme() != "https" && !(te.scheme() == "http" && host.scheme() == "http") {
                return Err(format!("{url}: token_endpoint {te} is not https"));
            }
            Ok(te)
        }
        Answer::Status { status, .. } => Err(format!("{url}: HTTP {}", status.as_u16())),
    }
}

/// `POST token_endpoint` with Basic client credentials, `grant_type=client_credentials&scope=all-apis`.
pub(crate) async fn request_token(
    client: &Client,
    endpoint: &Url,
    client_id: &str,
    client_secret: &Secret,
    policy: &RetryPolicy,
) -> Result<FetchedToken, FetchError> {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{}", client_secret.expose()));
    let mut auth = reqwest::header::HeaderValue::from_str(&format!("Basic {basic}"))
        .map_err(|_| FetchError::Failed("client_id contains characters not allowed in a header".into()))?;
    auth.set_sensitive(true);
    tracing::debug!(client_id, endpoint = %endpoint, "requesting an OAuth token");
    let answer = send_with_retries(policy, "oauth-token", || {
        client
            .post(endpoint.clone())
            .header(reqwest::header::AUTHORIZATION, auth.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[("grant_type", "client_credentials"), ("scope", "all-apis")])
    })
    .await
    .map_err(FetchError::Failed)?;
    // An error body may quote the request, the `Basic` header included: mask every form.
    let redactor = crate::redact::Redactor::new();
    redactor.add_basic(client_id, client_secret.expose());
    let scrub = |s: String| redactor.redact_str(&s);
    match answer {
        Answer::Ok(body) => {
            #[derive(serde::Deserialize)]
            struct TokenBody {
                access_token: Option<String>,
                token_type: Option<String>,
                expires_in: Option<serde_json::Value>,
            }
            let t: TokenBody = serde_json::from_str(&body)
                .map_err(|e| FetchError::Failed(format!("the answer is not a token (not JSON: {e})")))?;
            let access_token = t
                .access_token
                .filter(|a| !a.is_empty())
                .ok_or_else(|| FetchError::Failed("the answer has no access_token".into()))?;
            if let Some(tt) = t.token_type.as_deref() {
                if !tt.eq_ignore_ascii_case("bearer") {
                    tracing::warn!(
                        token_type = tt,
                        "unexpected OAuth token_type; using it as a Bearer token"
                    );
                }
            }
            let expires_in = t.expires_in.and_then(|v| match v {
                serde_json::Value::Number(n) => n.as_f64(),
                serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            });
            let expires_in = expires_in
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(Duration::from_secs_f64);
            tracing::debug!(
                client_id,
                expires_in_s = expires_in.map(|d| d.as_secs()),
                "got an OAuth token"
            );
            Ok(FetchedToken {
                access_token: Secret::new(access_token),
                expires_in,
            })
        }
        Answer::Status { status, body } => {
            let detail = scrub(oauth_error_detail(&body));
            match status.as_u16() {
                s @ (400 | 401 | 403) => Err(FetchError::Rejected { status: s, detail }),
                s => Err(FetchError::Failed(format!("HTTP {s}{detail}"))),
            }
        }
    }
}

/// `: invalid_client (Client authentication failed)` from an OAuth error body, or "".
fn oauth_error_detail(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else {
        return String::new();
    };
    let get = |k: &str| {
        v.get(k)
            .and_then(|x| x.as_str())
            .map(|s| s.chars().take(200).collect::<String>())
    };
    match (get("error"), get("error_description").or_else(|| get("message"))) {
        (Some(e), Some(d)) => format!(": {e} ({d})"),
        (Some(e), None) => format!(": {e}"),
        (None, Some(d)) => format!(": {d}"),
        (None, None) => String::new(),
    }
}
