//! `Credentials`: the `Authorization` header for every request the host sends.
//!
//! PAT: a fixed `Bearer <token>`. OAuth M2M: a cached access token, refreshed shortly before
//! it expires. The refresh is single-flight: callers read the cache under a `std` `RwLock`
//! (no await); on a miss they queue on one `tokio::sync::Mutex`, the first does discovery and
//! the token request, the others find the fresh token when they get the lock (or, if that
//! attempt failed while they waited, its error — so N waiters never make N failing requests).
//!
//! Early-refresh margin: the SDKs treat a token as expired 40 s early. With the simulator's
//! short test lifetimes (2 s) that would refresh on every call, so the margin is
//! `min(40 s, lifetime / 2)`: a 1 h token is refreshed at 59:20, a 2 s token after 1 s.
//! A token without `expires_in` is kept for 10 minutes (and the host's `invalidate` after a
//! 401 covers an earlier expiry).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;
use url::Url;

use crate::error::AuthError;
use crate::host_url::host_display;
use crate::oauth::{self, FetchError, RetryPolicy};
use crate::redact::Redactor;
use crate::resolve::{Method, ResolvedAuth};
use crate::secret::Secret;

/// Tuning for [`Credentials`] (the defaults suit production; tests shorten them).
#[derive(Debug, Clone)]
pub struct CredentialsOptions {
    /// Retries for discovery and token requests.
    pub retry: RetryPolicy,
    /// Refresh this long before expiry at most (the SDKs' 40 s); the margin used is
    /// `min(max_refresh_margin, lifetime / 2)`.
    pub max_refresh_margin: Duration,
    /// Lifetime assumed when the token endpoint gives no `expires_in`.
    pub default_lifetime: Duration,
}

impl Default for CredentialsOptions {
    fn default() -> Self {
        CredentialsOptions {
            retry: RetryPolicy::default(),
            max_refresh_margin: Duration::from_secs(40),
            default_lifetime: Duration::from_secs(600),
        }
    }
}

/// Supplies `Authorization` headers. Cheap to clone (an `Arc` inside); share one per workspace.
#[derive(Clone)]
pub struct Credentials {
    inner: Arc<Inner>,
    redactor: Arc<Redactor>,
}

enum Inner {
    Pat(Result<HeaderValue, AuthError>),
    M2m(Box<M2m>),
}

struct M2m {
    host: Url,
    /// An account console's id: tokens come from `<host>/oidc/accounts/<id>/v1/token`.
    account_id: Option<String>,
    client_id: String,
    client_secret: Secret,
    source: String,
    client: reqwest::Client,
    options: CredentialsOptions,
    current: RwLock<Option<Cached>>,
    refresh: tokio::sync::Mutex<RefreshState>,
    /// Completed refresh attempts (success or failure).
    attempts: AtomicU64,
    /// Token requests sent (retries not counted).
    fetches: AtomicU64,
    /// Learns every access token fetched.
    redactor: Arc<Redactor>,
}

struct Cached {
    header: HeaderValue,
    refresh_at: Instant,
    /// When the token stops working (its `expires_in` from the fetch's start).
    expires_at: std::time::SystemTime,
}

#[derive(Default)]
struct RefreshState {
    endpoint: Option<Url>,
    last_error: Option<AuthError>,
}

fn bearer(token: &str) -> Result<HeaderValue, ()> {
    let mut v = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| ())?;
    v.set_sensitive(true);
    Ok(v)
}

impl Credentials {
    /// Credentials for a resolved workspace, sending OAuth requests through `client`.
    pub fn new(resolved: &ResolvedAuth, client: reqwest::Client) -> Self {
        Self::with_options(resolved, client, CredentialsOptions::default())
    }

    /// As [`Credentials::new`], with explicit tuning.
    pub fn with_options(resolved: &ResolvedAuth, client: reqwest::Client, options: CredentialsOptions) -> Self {
        let redactor = Arc::new(Redactor::new());
        let inner = match &resolved.method {
            Method::Pat { token } => {
                redactor.add(token.expose());
                Inner::Pat(bearer(token.expose()).map_err(|_| AuthError::InvalidValue {
                    key: "token".into(),
                    origin: resolved.source.to_string(),
                    reason: "it contains characters not allowed in an HTTP header".into(),
                }))
            }
            Method::OAuthM2m {
                client_id,
                client_secret,
            } => Inner::M2m(Box::new(M2m {
                host: resolved.host.clone(),
                account_id: resolved.account_id.clone(),
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
                source: resolved.source.to_string(),
                client,
                options,
                current: RwLock::new(None),
                refresh: tokio::sync::Mutex::new(RefreshState::default()),
                attempts: AtomicU64::new(0),
                fetches: AtomicU64::new(0),
                redactor: {
                    redactor.add_basic(client_id, client_secret.expose());
                    redactor.clone()
                },
            })),
        };
        Credentials {
            inner: Arc::new(inner),
            redactor,
        }
    }

    /// Every secret these credentials hold or have held (PAT, client secret and its `Basic`
    /// forms, each access token fetched), to mask them in what servers send back.
    pub fn redactor(&self) -> Arc<Redactor> {
        self.redactor.clone()
    }

    /// Like [`Credentials::authorization`], but an OAuth token that would be refreshed within
    /// `min_life` is replaced by a fresh one first: a token handed to other processes (Spark
    /// workers) must outlive their work. A PAT is returned as it is.
    pub async fn authorization_valid_for(&self, min_life: Duration) -> Result<HeaderValue, AuthError> {
        if let Inner::M2m(m) = &*self.inner {
            let mut current = m.current.write().unwrap_or_else(|e| e.into_inner());
            if current
                .as_ref()
                .is_some_and(|c| c.refresh_at.saturating_duration_since(Instant::now()) < min_life)
            {
                *current = None;
            }
        }
        self.authorization().await
    }

    /// A header to hand to another process that stays valid for at least `min_life` (a PAT;
    /// for OAuth M2M a token fetched afresh when the cached one has less left), with the
    /// instant it expires (`None`: a PAT, no known expiry).
    pub async fn handoff(&self, min_life: Duration) -> Result<(HeaderValue, Option<std::time::SystemTime>), AuthError> {
        let header = self.authorization_valid_for(min_life).await?;
        let expires = match &*self.inner {
            Inner::Pat(_) => None,
            Inner::M2m(m) => m
                .current
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .as_ref()
                .filter(|c| c.header == header)
                .map(|c| c.expires_at),
        };
        Ok((header, expires))
    }

    /// The `Authorization` header value (`Bearer …`, marked sensitive). For OAuth M2M this may
    /// discover endpoints and fetch a token; concurrent callers share one request.
    pub async fn authorization(&self) -> Result<HeaderValue, AuthError> {
        match &*self.inner {
            Inner::Pat(h) => h.clone(),
            Inner::M2m(m) => m.authorization().await,
        }
    }

    /// Forget the cached OAuth token so the next call fetches a new one. The host calls this
    /// after a 401. No effect for a personal access token.
    pub fn invalidate(&self) {
        if let Inner::M2m(m) = &*self.inner {
            tracing::debug!(client_id = %m.client_id, "OAuth token invalidated");
            *m.current.write().unwrap_or_else(|e| e.into_inner()) = None;
        }
    }

    /// Like [`Credentials::invalidate`], but only if `used` (the header that got the 401) is
    /// still the cached one: when many requests fail at once with the same old token, the token
    /// fetched by the first of them is not thrown away by the others.
    pub fn invalidate_token(&self, used: &HeaderValue) {
        if let Inner::M2m(m) = &*self.inner {
            let mut current = m.current.write().unwrap_or_else(|e| e.into_inner());
            if current.as_ref().is_some_and(|c| &c.header == used) {
                tracing::debug!(client_id = %m.client_id, "OAuth token invalidated");
                *current = None;
            }
        }
    }

    /// `pat` or `oauth-m2m`.
    pub fn auth_type(&self) -> &'static str {
        match &*self.inner {
            Inner::Pat(_) => "pat",
            Inner::M2m(_) => "oauth-m2m",
        }
    }

    /// OAuth token requests sent so far (each counted once, retries not counted); 0 for a PAT.
    pub fn token_requests(&self) -> u64 {
        match &*self.inner {
            Inner::Pat(_) => 0,
            Inner::M2m(m) => m.fetches.load(Ordering::Relaxed),
        }
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.inner {
            Inner::Pat(_) => f.write_str("Credentials(pat)"),
            Inner::M2m(m) => write!(
                f,
                "Credentials(oauth-m2m, client_id {}, {})",
                m.client_id,
                host_display(&m.host)
            ),
        }
    }
}

impl M2m {
    fn fresh(&self) -> Option<HeaderValue> {
        let guard = self.current.read().unwrap_or_else(|e| e.into_inner());
        guard
            .as_ref()
            .filter(|c| Instant::now() < c.refresh_at)
            .map(|c| c.header.clone())
    }

    async fn authorization(&self) -> Result<HeaderValue, AuthError> {
        if let Some(h) = self.fresh() {
            return Ok(h);
        }
        let seen = self.attempts.load(Ordering::SeqCst);
        let mut state = self.refresh.lock().await;
        if let Some(h) = self.fresh() {
            return Ok(h);
        }
        if self.attempts.load(Ordering::SeqCst) != seen {
            if let Some(e) = &state.last_error {
                // The attempt we queued behind failed: share its answer.
                return Err(e.clone());
            }
        }
        let result = self.refresh(&mut state).await;
        state.last_error = result.as_ref().err().cloned();
        self.attempts.fetch_add(1, Ordering::SeqCst);
        result
    }

    async fn refresh(&self, state: &mut RefreshState) -> Result<HeaderValue, AuthError> {
        let host = host_display(&self.host);
        let endpoint = match (&state.endpoint, &self.account_id) {
            (Some(e), _) => e.clone(),
            // An account console's token endpoint, as the SDKs build it (no discovery).
            (None, Some(id)) => {
                let e =
                    self.host
                        .join(&format!("oidc/accounts/{id}/v1/token"))
                        .map_err(|e| AuthError::TokenEndpoint {
                            client_id: self.client_id.clone(),
                            host: host.clone(),
                            source_desc: self.source.clone(),
                            endpoint: format!("{host}/oidc/accounts/{id}/v1/token"),
                            reason: e.to_string(),
                        })?;
                state.endpoint = Some(e.clone());
                e
            }
            (None, None) => {
                let e = oauth::discover_token_endpoint(&self.client, &self.host, &self.options.retry)
                    .await
                    .map_err(|(tried, reason)| AuthError::Discovery {
                        host: host.clone(),
                        source_desc: self.source.clone(),
                        tried: tried.join(", "),
                        reason,
                    })?;
                state.endpoint = Some(e.clone());
                e
            }
        };
        let started = Instant::now();
        let started_wall = std::time::SystemTime::now();
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let token = oauth::request_token(
            &self.client,
            &endpoint,
            &self.client_id,
            &self.client_secret,
            &self.options.retry,
        )
        .await
        .map_err(|e| match e {
            FetchError::Rejected { status, detail } => AuthError::CredentialsRejected {
                client_id: self.client_id.clone(),
                host: host.clone(),
                source_desc: self.source.clone(),
                endpoint: endpoint.to_string(),
                status,
                detail,
            },
            FetchError::Failed(reason) => AuthError::TokenEndpoint {
                client_id: self.client_id.clone(),
                host: host.clone(),
                source_desc: self.source.clone(),
                endpoint: endpoint.to_string(),
                reason,
            },
        })?;
        // Known before it is ever sent, so no echo of it can slip through.
        self.redactor.add(token.access_token.expose());
        let header = bearer(token.access_token.expose()).map_err(|_| AuthError::TokenEndpoint {
            client_id: self.client_id.clone(),
            host: host.clone(),
            source_desc: self.source.clone(),
            endpoint: endpoint.to_string(),
            reason: "the access token contains characters not allowed in an HTTP header".into(),
        })?;
        let lifetime = token.expires_in.unwrap_or(self.options.default_lifetime);
        let margin = self.options.max_refresh_margin.min(lifetime / 2);
        let refresh_at = started + lifetime.saturating_sub(margin);
        tracing::debug!(
            client_id = %self.client_id,
            lifetime_s = lifetime.as_secs_f64(),
            refresh_in_s = refresh_at.saturating_duration_since(Instant::now()).as_secs_f64(),
            "OAuth token cached"
        );
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(Cached {
            header: header.clone(),
            refresh_at,
            expires_at: started_wall + lifetime,
        });
        Ok(header)
    }
}
