//! The one policy seam every guest request goes through, in a fixed order:
//! allow-list → credentials → limiter → retries → reqwest.
//!
//! The policy knows HTTP, not Databricks payloads. Refusals come back to the guest as values
//! (`Answer::Denied`, …), never as traps. Credentials are added here and never leave the host:
//! every response body is redacted of them ([`Authorizer::redact`]) before the guest sees it.

pub mod allow_list;
pub mod limiter;
pub mod retry;

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use backon::Retryable;
use dbx_api::{is_retryable_status, parse_retry_after, Family};
use futures::future::BoxFuture;
use reqwest::header::{HeaderValue, AUTHORIZATION, RETRY_AFTER, USER_AGENT};

use allow_list::AllowList;
use limiter::Limiter;
use retry::RetryConfig;

/// A GET request from the guest, relative to the workspace URL.
#[derive(Debug, Clone)]
pub struct Request {
    /// API path.
    pub path: String,
    /// Raw query pairs.
    pub query: Vec<(String, String)>,
}

/// The final outcome of one request, after retries.
#[derive(Debug, Clone)]
pub enum Answer {
    /// An HTTP answer (any status).
    Response {
        /// Status code.
        status: u16,
        /// Body.
        body: Vec<u8>,
    },
    /// Refused by policy, never sent.
    Denied(String),
    /// No answer in time.
    Timeout,
    /// Connection or protocol failure.
    Transport(String),
    /// Body larger than the cap.
    TooLarge(u64),
    /// The run was stopped (credentials rejected, cancelled).
    Cancelled(String),
}

/// Supplies the `Authorization` header. Implemented over `dbx_auth::Credentials`.
pub trait Authorizer: Send + Sync {
    /// The header value (sensitive); an error message never containing the secret.
    fn authorization(&self) -> BoxFuture<'_, Result<HeaderValue, String>>;
    /// Called after a 401 with the header that was refused, so the next call can fetch a
    /// fresh token (unless another caller already did).
    fn invalidate(&self, used: &HeaderValue);
    /// `body` with every secret these credentials hold (in any form) masked. Every response
    /// body goes through it before anything else sees it: a server that echoes the request's
    /// `Authorization` header must not hand the token to the guest, an output or a log.
    fn redact(&self, body: Vec<u8>) -> Vec<u8>;
    /// A header to hand to other processes (Spark workers) that stays valid for `min_life`,
    /// with when it expires (`None`: not known to expire, a PAT).
    fn handoff(&self, min_life: Duration) -> BoxFuture<'_, Result<(HeaderValue, Option<SystemTime>), String>> {
        let _ = min_life;
        Box::pin(async move { self.authorization().await.map(|h| (h, None)) })
    }
}

/// Counters for progress, summaries and benchmarks.
#[derive(Debug, Default)]
pub struct Counters {
    /// HTTP requests sent (retries included).
    pub sent: AtomicU64,
    /// 429 answers received.
    pub throttled: AtomicU64,
    /// Retries scheduled.
    pub retries: AtomicU64,
    /// Requests refused by the allow-list.
    pub denied: AtomicU64,
    /// HTTP answers received (any status, retried ones included).
    pub answers: AtomicU64,
}

/// The share of 429 answers above which a run is told the workspace throttles it…
pub const THROTTLE_SHARE: f64 = 0.05;
/// …once at least this many answers came back.
pub const THROTTLE_MIN_ANSWERS: u64 = 100;

/// Settings of the policy that are not the limiter's.
#[derive(Debug, Clone)]
pub struct PolicyConfig {
    /// Retry policy.
    pub retry: RetryConfig,
    /// Timeout of one attempt.
    pub request_timeout: Duration,
    /// Largest response body accepted.
    pub max_response_bytes: u64,
    /// Largest batch a guest may send in one call.
    pub max_batch: usize,
    /// The allow-list (listing-only unless the run enables `--notebook-sizes`).
    pub allow: AllowList,
    /// An account run's cap on requests in flight over all its workspaces.
    pub global_in_flight: Option<Arc<tokio::sync::Semaphore>>,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            retry: RetryConfig::default(),
            request_timeout: Duration::from_secs(60),
            max_response_bytes: 64 * 1024 * 1024,
            max_batch: 1000,
            allow: AllowList::read_only(),
            global_in_flight: None,
        }
    }
}

/// Shared by every instance of a run.
pub struct Policy {
    base: url::Url,
    client: reqwest::Client,
    allow: AllowList,
    auth: Arc<dyn Authorizer>,
    limiter: Limiter,
    limits: limiter::Limits,
    config: PolicyConfig,
    /// Set once credentials are rejected: every later request is answered `Cancelled`.
    stopped: AtomicBool,
    stop_reason: Mutex<Option<String>>,
    /// Set once the run was warned that the workspace throttles it.
    throttle_warned: AtomicBool,
    /// Counters.
    pub counters: Counters,
}

/// What one attempt produced when it should be retried (or was final).
enum Attempt {
    Status {
        status: u16,
        body: Vec<u8>,
        retry_after: Option<Duration>,
    },
    Timeout,
    Transport(String),
    TooLarge(u64),
    Unauthorized(Vec<u8>),
    Fatal(String),
}

impl Policy {
    /// Builds the policy for the workspace at `base`.
    pub fn new(
        base: url::Url,
        client: reqwest::Client,
        auth: Arc<dyn Authorizer>,
        limits: &limiter::Limits,
        config: PolicyConfig,
    ) -> Self {
        Policy {
            base,
            client,
            allow: config.allow,
            auth,
            limiter: Limiter::new(limits).under(config.global_in_flight.clone()),
            limits: limits.clone(),
            config,
            stopped: AtomicBool::new(false),
            stop_reason: Mutex::new(None),
            throttle_warned: AtomicBool::new(false),
            counters: Counters::default(),
        }
    }

    /// The run's budget: per-family rates and the in-flight cap (split among Spark tasks).
    pub fn limits(&self) -> &limiter::Limits {
        &self.limits
    }

    /// A bearer token to hand to workers (a PAT, or a freshly minted OAuth access token: never
    /// the client secret). Sensitive: it goes to a pipe, never to argv, a log or an output.
    /// `min_life`: the least life the token must have left (else a new one is minted); the
    /// second value is when it expires (`None`: a PAT).
    pub async fn handoff_token(&self, min_life: Duration) -> Result<(String, Option<SystemTime>), String> {
        let (header, expires) = self.auth.handoff(min_life).await?;
        let text = header
            .to_str()
            .map_err(|_| "the Authorization header is not text".to_string())?;
        text.strip_prefix("Bearer ")
            .map(|t| (t.to_owned(), expires))
            .ok_or_else(|| "the credentials do not give a bearer token".to_string())
    }

    /// The run's allow-list: every guest request is checked against it (`check` prints it).
    pub fn allow_list(&self) -> &AllowList {
        &self.allow
    }

    /// The largest batch accepted in one `send`.
    pub fn max_batch(&self) -> usize {
        self.config.max_batch
    }

    /// Why the run was stopped, if it was.
    pub fn stop_reason(&self) -> Option<String> {
        self.stop_reason.lock().unwrap().clone()
    }

    /// Stops the run: every later request is answered `Cancelled(reason)`.
    pub fn stop(&self, reason: String) {
        let mut slot = self.stop_reason.lock().unwrap();
        if slot.is_none() {
            *slot = Some(reason);
        }
        self.stopped.store(true, Ordering::SeqCst);
    }

    /// Warns once when the share of 429 answers passes [`THROTTLE_SHARE`] (over at least
    /// [`THROTTLE_MIN_ANSWERS`] answers): the workspace throttles this run.
    fn watch_throttling(&self) {
        if self.throttle_warned.load(Ordering::Relaxed) || self.throttling().is_none() {
            return;
        }
        if !self.throttle_warned.swap(true, Ordering::SeqCst) {
            if let Some(t) = self.throttling() {
                tracing::warn!(
                    "the workspace is throttling this run: {} so far (each retried after a wait: the run gets \
                     slower, not faster); {}",
                    t.share(),
                    Throttling::cause(&self.limits)
                );
            }
        }
    }

    /// The 429 answers so far, when their share is above [`THROTTLE_SHARE`] (over at least
    /// [`THROTTLE_MIN_ANSWERS`] answers), or once the run was warned.
    pub fn throttling(&self) -> Option<Throttling> {
        let answers = self.counters.answers.load(Ordering::Relaxed);
        let throttled = self.counters.throttled.load(Ordering::Relaxed);
        let over = answers >= THROTTLE_MIN_ANSWERS && throttled as f64 >= THROTTLE_SHARE * answers as f64;
        (over || self.throttle_warned.load(Ordering::Relaxed)).then_some(Throttling { answers, throttled })
    }

    /// Runs a batch concurrently; results in request order. (Batch size is enforced by the
    /// capability, which stops the instance: an oversized batch is a protocol violation.)
    pub async fn send_batch(&self, requests: Vec<Request>) -> Vec<Answer> {
        futures::future::join_all(requests.into_iter().map(|r| self.send(r))).await
    }

    /// Runs one request through allow-list → credentials → limiter → retries → reqwest.
    pub async fn send(&self, request: Request) -> Answer {
        let allowed = match self.allow.check(&request.path, &request.query) {
            Ok(a) => a,
            Err(why) => {
                self.counters.denied.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error.type = "denied", path = %request.path, "request denied: {why}");
                return Answer::Denied(why);
            }
        };
        let mut url = self.base.clone();
        {
            let mut segs = url.path_segments_mut().expect("http(s) base URL");
            segs.pop_if_empty();
            segs.extend(&allowed.segments);
        }
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&request.query);
        }
        let what = describe(&request);
        let attempts = AtomicU32::new(0);
        let max = self.config.retry.max_attempts;
        let result = (|| self.attempt(&url, allowed.family, &attempts))
            .retry(self.config.retry.backoff())
            .sleep(tokio::time::sleep)
            .when(|a: &Attempt| {
                matches!(a, Attempt::Status { .. } | Attempt::Timeout | Attempt::Transport(_))
                    || matches!(a, Attempt::Unauthorized(_) if attempts.load(Ordering::Relaxed) < 2)
            })
            .adjust(|a: &Attempt, dur| match a {
                Attempt::Status {
                    retry_after: Some(ra), ..
                } => Some(*ra),
                _ => dur,
            })
            .notify(|a: &Attempt, dur| {
                self.counters.retries.fetch_add(1, Ordering::Relaxed);
                let n = attempts.load(Ordering::Relaxed);
                let cause = match a {
                    Attempt::Status { status: 429, .. } => "Rate limited (429)".to_string(),
                    Attempt::Status { status, .. } => format!("Server error ({status})"),
                    Attempt::Timeout => "Timed out".to_string(),
                    Attempt::Transport(e) => format!("Network error ({e})"),
                    Attempt::Unauthorized(_) => "Unauthorized (401), refreshing credentials".to_string(),
                    _ => "Failed".to_string(),
                };
                tracing::debug!("{cause} on {what}, retrying in {} (attempt {n}/{max})", fmt_delay(dur));
            })
            .await;
        match result {
            Ok(outcome) => outcome,
            Err(Attempt::Status { status, body, .. }) => Answer::Response { status, body },
            Err(Attempt::Timeout) => Answer::Timeout,
            Err(Attempt::Transport(e)) => Answer::Transport(e),
            Err(Attempt::TooLarge(n)) => Answer::TooLarge(n),
            Err(Attempt::Unauthorized(body)) => {
                self.stop(format!("the workspace rejected the credentials (HTTP 401 on {what})"));
                Answer::Response { status: 401, body }
            }
            Err(Attempt::Fatal(why)) => Answer::Cancelled(why),
        }
    }

    async fn attempt(&self, url: &url::Url, family: Family, attempts: &AtomicU32) -> Result<Answer, Attempt> {
        if self.stopped.load(Ordering::SeqCst) {
            return Err(Attempt::Fatal(
                self.stop_reason().unwrap_or_else(|| "run stopped".into()),
            ));
        }
        let auth = self.auth.authorization().await.map_err(|e| {
            self.stop(e.clone());
            Attempt::Fatal(e)
        })?;
        let _permit = self.limiter.admit(family).await;
        attempts.fetch_add(1, Ordering::Relaxed);
        self.counters.sent.fetch_add(1, Ordering::Relaxed);
        let send = self
            .client
            .get(url.clone())
            .header(AUTHORIZATION, auth.clone())
            .header(
                USER_AGENT,
                HeaderValue::from_static(concat!("dbx-inventory/", env!("CARGO_PKG_VERSION"))),
            )
            .send();
        let timeout = self.config.request_timeout;
        let read = async {
            let mut resp = send.await.map_err(classify)?;
            let status = resp.status().as_u16();
            let retry_after = parse_retry_after(
                resp.headers().get(RETRY_AFTER).and_then(|v| v.to_str().ok()),
                self.config.retry.max_delay,
            );
            let cap = self.config.max_response_bytes;
            if let Some(len) = resp.content_length() {
                if len > cap {
                    return Err(Attempt::TooLarge(cap));
                }
            }
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(classify)? {
                if (body.len() + chunk.len()) as u64 > cap {
                    return Err(Attempt::TooLarge(cap));
                }
                body.extend_from_slice(&chunk);
            }
            Ok((status, body, retry_after))
        };
        let (status, body, retry_after) = match tokio::time::timeout(timeout, read).await {
            Err(_) => return Err(Attempt::Timeout),
            Ok(r) => r?,
        };
        let body = self.auth.redact(body);
        if status == 429 {
            self.counters.throttled.fetch_add(1, Ordering::Relaxed);
        }
        self.counters.answers.fetch_add(1, Ordering::Relaxed);
        self.watch_throttling();
        if status == 401 {
            self.auth.invalidate(&auth);
            return Err(Attempt::Unauthorized(body));
        }
        if is_retryable_status(status) {
            return Err(Attempt::Status {
                status,
                body,
                retry_after,
            });
        }
        Ok(Answer::Response { status, body })
    }
}

/// A run's 429 answers, once their share passed [`THROTTLE_SHARE`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throttling {
    /// HTTP answers received.
    pub answers: u64,
    /// Of them, 429 Too Many Requests.
    pub throttled: u64,
}

impl Throttling {
    /// `820 of 1000 answers (82 %) were 429 Too Many Requests`.
    pub fn share(&self) -> String {
        let pct = 100.0 * self.throttled as f64 / self.answers.max(1) as f64;
        format!(
            "{} of {} answers ({pct:.0} %) were 429 Too Many Requests",
            self.throttled, self.answers
        )
    }

    /// The likely cause: client limits above the published ones, or (when they are not) another
    /// client sharing the workspace's budget.
    pub fn cause(limits: &limiter::Limits) -> String {
        let raised = limits.above_published();
        if raised.is_empty() {
            "this run keeps to the published limits, so another client probably shares the workspace's budget \
             (another scan or check of the same workspace, jobs, SDK scripts): each run then takes longer — run one \
             scan at a time"
                .into()
        } else {
            let names: Vec<String> = raised
                .iter()
                .map(|(f, set, _)| {
                    format!(
                        "{f} {}/s, published {}",
                        limiter::rate_words(*set),
                        limiter::published_words(*f)
                    )
                })
                .collect();
            format!(
                "the client's limits are above the published ones ({}): remove or lower --rate-limit (if the \
                 workspace's limits were not raised, another client may share its budget too)",
                names.join("; ")
            )
        }
    }
}

fn classify(e: reqwest::Error) -> Attempt {
    if e.is_timeout() {
        return Attempt::Timeout;
    }
    // The source chain says what happened (reset, refused, truncated body) without the URL.
    let mut msg = String::new();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(&e);
    while let Some(s) = src {
        msg = s.to_string();
        src = s.source();
    }
    if msg.is_empty() {
        msg = e.without_url().to_string();
    }
    Attempt::Transport(msg)
}

fn describe(r: &Request) -> String {
    match r.query.iter().find(|(k, _)| k == "path") {
        Some((_, p)) => format!("{} {p}", r.path),
        None => r.path.clone(),
    }
}

fn fmt_delay(d: Duration) -> String {
    if d.as_millis() % 1000 == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}
