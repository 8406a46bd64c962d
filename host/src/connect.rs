//! Turns the command line into a ready-to-use runtime: credentials (dbx-auth) → HTTP client →
//! policy (allow-list, limiter, retries) → compiled scanner component, and the credentials check
//! every command that talks to the workspace makes first ([`preflight`]).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use futures::future::BoxFuture;
use reqwest::header::HeaderValue;

use crate::cli::{AuthArgs, LimitArgs};
use crate::error::FatalError;
use crate::model::{Caller, CallerIdentity};
use crate::policy::allow_list::{AllowList, Optional};
use crate::policy::limiter::{self, Limits};
use crate::policy::retry::RetryConfig;
use crate::policy::{Authorizer, Policy, PolicyConfig};
use crate::sandbox::{GuestLimits, Runtime, EMBEDDED_COMPONENT};

/// Adapts `dbx_auth::Credentials` to the policy's `Authorizer`.
struct CredentialsAuthorizer(dbx_auth::Credentials);

impl Authorizer for CredentialsAuthorizer {
    fn authorization(&self) -> BoxFuture<'_, Result<HeaderValue, String>> {
        Box::pin(async move {
            self.0
                .authorization()
                .await
                .map_err(|e| self.0.redactor().redact_str(&e.to_string()))
        })
    }
    fn invalidate(&self, used: &HeaderValue) {
        self.0.invalidate_token(used)
    }
    fn redact(&self, body: Vec<u8>) -> Vec<u8> {
        self.0.redactor().redact(body)
    }
    fn handoff(
        &self,
        min_life: Duration,
    ) -> BoxFuture<'_, Result<(HeaderValue, Option<std::time::SystemTime>), String>> {
        Box::pin(async move {
            self.0
                .handoff(min_life)
                .await
                .map_err(|e| self.0.redactor().redact_str(&e.to_string()))
        })
    }
}

/// The auth flags as dbx-auth wants them.
pub fn auth_flags(a: &AuthArgs) -> dbx_auth::AuthFlags {
    dbx_auth::AuthFlags {
        host: a.host.clone(),
        token: a.token.clone(),
        token_file: a.token_file.clone(),
        profile: a.profile.clone(),
        auth_type: a.auth_type.clone(),
        account_id: None,
    }
}

/// Resolves where the workspace is and how to authenticate (flags → env → profile).
pub fn resolve_auth(a: &AuthArgs) -> anyhow::Result<dbx_auth::ResolvedAuth> {
    let mut resolved = dbx_auth::resolve(&auth_flags(a), &dbx_auth::Env::from_process())?;
    // A workspace's tokens come from the workspace, whatever `account_id` the environment or
    // the profile also holds (only an account run signs in to the console).
    resolved.account_id = None;
    Ok(resolved)
}

/// The HTTP client shared by every request (connection pool, TLS).
pub fn http_client(limits: &LimitArgs) -> anyhow::Result<reqwest::Client> {
    http_client_timing_out(limits.request_timeout)
}

/// [`http_client`] with requests that time out after `request_timeout` seconds (+5).
pub fn http_client_timing_out(request_timeout: u64) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(LoopbackNames))
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(request_timeout.max(1) + 5))
        .pool_max_idle_per_host(32)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .context("building the HTTP client")
}

/// The system resolver, except that `localhost` and every name under `.localhost` are
/// 127.0.0.1 (RFC 6761 §6.3, as curl and browsers do): the simulator's account serves each
/// workspace at `<name>.localhost`, and the system resolver here does not know those names.
struct LoopbackNames;

impl reqwest::dns::Resolve for LoopbackNames {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let name = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        Box::pin(async move {
            if is_loopback_name(&name) {
                let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
                return Ok(Box::new(std::iter::once(addr)) as reqwest::dns::Addrs);
            }
            let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// `localhost` or a name under `.localhost` (lowercase, no trailing dot).
pub fn is_loopback_name(name: &str) -> bool {
    name == "localhost" || name.ends_with(".localhost")
}

/// Builds the runtime for a resolved workspace, with the listing-only allow-list.
pub fn runtime(resolved: &dbx_auth::ResolvedAuth, limits: &LimitArgs, max_instances: u32) -> anyhow::Result<Runtime> {
    runtime_with(resolved, limits, max_instances, AllowList::read_only())
}

/// Builds the runtime for a resolved workspace with the run's allow-list (e.g. with
/// `--notebook-sizes`' export endpoint on it).
pub fn runtime_with(
    resolved: &dbx_auth::ResolvedAuth,
    limits: &LimitArgs,
    max_instances: u32,
    allow: AllowList,
) -> anyhow::Result<Runtime> {
    runtime_cached(resolved, limits, max_instances, allow, None)
}

/// [`runtime_with`], the compiled component kept in (and taken from) `compile_cache`: the Spark
/// workers of one executor compile the scanner once.
pub fn runtime_cached(
    resolved: &dbx_auth::ResolvedAuth,
    limits: &LimitArgs,
    max_instances: u32,
    allow: AllowList,
    compile_cache: Option<&std::path::Path>,
) -> anyhow::Result<Runtime> {
    let client = http_client(limits)?;
    let creds = dbx_auth::Credentials::new(resolved, client.clone());
    let policy = policy_for(resolved, limits, allow, client, creds, None)?;
    runtime_for(policy, limits, max_instances + 8, compile_cache)
}

/// The runtime (the scanner compiled, its instance pool sized for `pool` instances at once)
/// that sends through `policy`.
pub fn runtime_for(
    policy: Arc<Policy>,
    limits: &LimitArgs,
    pool: u32,
    compile_cache: Option<&std::path::Path>,
) -> anyhow::Result<Runtime> {
    let component = match &limits.component {
        Some(path) => std::fs::read(path).with_context(|| format!("cannot read component {}", path.display()))?,
        None => EMBEDDED_COMPONENT.to_vec(),
    };
    let guest = GuestLimits {
        memory_bytes: limits.guest_memory_mib.max(16) << 20,
        compute: Duration::from_secs_f64(limits.guest_cpu_secs.clamp(0.05, 86_400.0)),
        deadline: Duration::from_secs(limits.user_timeout.max(1)),
        max_instances: pool,
    };
    Runtime::with_cache(&component, policy, guest, compile_cache).map_err(|e| match &limits.component {
        Some(p) => e.context(format!("component {}", p.display())),
        None => e,
    })
}

/// The policy of one workspace: allow-list → `creds` → its limiter (the published limits, a
/// profile's `rate_limit`, `--rate-limit`, `--max-in-flight`; under `global`, an account run's
/// cap) → retries → `client`.
pub fn policy_for(
    resolved: &dbx_auth::ResolvedAuth,
    limits: &LimitArgs,
    allow: AllowList,
    client: reqwest::Client,
    creds: dbx_auth::Credentials,
    global: Option<Arc<tokio::sync::Semaphore>>,
) -> anyhow::Result<Arc<Policy>> {
    let mut rate = Limits {
        max_in_flight: limits.max_in_flight as usize,
        ..Limits::default()
    };
    if let Some(r) = resolved.rate_limit {
        // A profile's `rate_limit` (requests/s) caps every family, as the SDKs apply it.
        for v in rate.rates.values_mut() {
            v.0 = v.0.min(r);
        }
    }
    for spec in &limits.rate_limits {
        rate.apply_spec(spec)
            .map_err(|e| anyhow::anyhow!("--rate-limit: {e}"))?;
    }
    warn_above_published(&rate, &limits.rate_limits);
    let config = PolicyConfig {
        retry: RetryConfig {
            max_attempts: limits.retry_attempts as usize,
            base_delay: Duration::from_millis(limits.retry_base_ms),
            ..RetryConfig::default()
        },
        request_timeout: Duration::from_secs(limits.request_timeout.max(1)),
        max_response_bytes: limits.max_response_mib.max(1) << 20,
        allow,
        global_in_flight: global,
        ..PolicyConfig::default()
    };
    Ok(Arc::new(Policy::new(
        resolved.host.clone(),
        client,
        Arc::new(CredentialsAuthorizer(creds)),
        &rate,
        config,
    )))
}

/// Warns (once per run, at its start) about each `--rate-limit` above the workspace's published
/// limit: the workspace answers the excess with 429, so such a run is slower, not faster. (A
/// profile's `rate_limit` only lowers the limits, and `--max-in-flight` is capped at 20 by the
/// command line.)
fn warn_above_published(rate: &Limits, specs: &[String]) {
    for (family, _, _) in rate.above_published() {
        let flag = limiter::spec_part(specs, family).unwrap_or_else(|| family.name().to_string());
        tracing::warn!(
            "--rate-limit {flag} is above the published {family} limit ({}): the workspace answers requests \
             beyond it with 429 Too Many Requests (retried after a wait), so the run gets slower, not faster; \
             keep the default unless this workspace's limits were raised",
            limiter::published_words(family)
        );
    }
}

/// The allow-list of a scan: listing-only, plus notebook exports with `--notebook-sizes`.
pub fn scan_allow_list(notebook_sizes: bool) -> AllowList {
    let list = AllowList::read_only();
    if notebook_sizes {
        list.with(Optional::NotebookSizes)
    } else {
        list
    }
}

/// Checks the credentials before anything else: a rejected token stops the run with no rows.
/// Returns who the credentials belong to and whether they are a workspace admin
/// ([`CallerIdentity::Unknown`] when SCIM `Me` is closed to them).
pub async fn preflight(rt: &Runtime, auth: &dbx_auth::ResolvedAuth) -> anyhow::Result<CallerIdentity> {
    let auth_desc = auth.describe();
    match rt.me().await? {
        Ok(me) => Ok(CallerIdentity::Known(Caller {
            user_name: me.user_name,
            display_name: me.display_name,
            groups: me.groups,
            admin: me.is_admin,
        })),
        Err(f) if matches!(f.status, Some(401)) => Err(FatalError(format!(
            "authentication failed: {}\nDetail: {}",
            auth.rejection_message(401),
            f.message
        ))
        .into()),
        // The host stopped the run before sending (e.g. the OAuth token endpoint refused the
        // client credentials): its reason is complete and already names the source.
        Err(f) if f.status.is_none() && rt.policy().stop_reason().is_some() => Err(FatalError(format!(
            "cannot authenticate: {}",
            rt.policy().stop_reason().unwrap_or(f.message)
        ))
        .into()),
        Err(f) if f.status.is_none() => {
            let hint = match plain_http_instead(&auth.host).await {
                Some(http) => format!("\nhint: the server answered plain HTTP: use {http}?"),
                None => String::new(),
            };
            Err(FatalError(format!("cannot reach the workspace ({auth_desc}): {}{hint}", f.message)).into())
        }
        // Not an answer a workspace gives to SCIM `Me` (404, 405, a page that is not JSON): a
        // wrong URL, unless the other APIs answer like a workspace.
        Err(f) if !matches!(f.status, Some(403 | 429 | 500..=599)) => {
            if let Some(why) = not_a_workspace(rt, &f.message).await {
                return Err(FatalError(format!(
                    "{} does not answer like a Databricks workspace: {why}. Is this the workspace URL? \
                     (e.g. https://adb-1234567890123456.7.azuredatabricks.net or https://<name>.cloud.databricks.com; \
                     {auth_desc}). Nothing was scanned",
                    auth.host_str()
                ))
                .into());
            }
            tracing::warn!("could not identify the caller: {}", f.message);
            Ok(CallerIdentity::Unknown(f.message))
        }
        // 403 and the like: SCIM may be closed to this principal; the scan itself may still work.
        Err(f) => {
            tracing::warn!("could not identify the caller: {}", f.message);
            Ok(CallerIdentity::Unknown(f.message))
        }
    }
}

/// When SCIM `Me` failed in a way no workspace answers it: asks the SCIM user listing and the
/// Workspace `/Users` listing too. `Some(what each said)` when neither answers like a workspace
/// (a 401/403 is a workspace's answer: credentials, not the URL; a `/Users` with homes in it is
/// a workspace's); `None` when one does.
async fn not_a_workspace(rt: &Runtime, me: &str) -> Option<String> {
    use crate::sandbox::bindings::scanner::Tree;
    let (users, homes) = tokio::join!(rt.list_users(1, 1), rt.list_homes(Tree::Workspace));
    let failed = |status: Option<u16>, message: String| {
        (!matches!(status, Some(401 | 403 | 429 | 500..=599))).then_some(message)
    };
    let users = match users {
        Ok(Ok(_)) => None,
        Ok(Err(f)) => failed(f.status, f.message),
        Err(e) => Some(format!("{e:#}")),
    }?;
    // A 404 on `/Users` reads as "no homes": only a listing with homes in it is a workspace's.
    let homes = match homes {
        Ok(Ok(h)) if !h.is_empty() => None,
        Ok(Ok(_)) => Some("no homes (or not found)".to_string()),
        Ok(Err(f)) => failed(f.status, f.message),
        Err(e) => Some(format!("{e:#}")),
    }?;
    Some(format!("SCIM Me: {me}; SCIM Users: {users}; Workspace /Users: {homes}"))
}

/// For an `https://` workspace URL that could not be reached: the `http://` URL to use instead
/// when the server there answers plain HTTP (a local server or simulator given the wrong
/// scheme). One `HEAD /` in clear text, no credentials, 3 s at most; `None` otherwise.
pub async fn plain_http_instead(host: &url::Url) -> Option<String> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    if host.scheme() != "https" {
        return None;
    }
    let name = host.host_str()?;
    let port = host.port_or_known_default()?;
    let addrs = host.socket_addrs(|| None).ok()?;
    let probe = async {
        let mut s = tokio::net::TcpStream::connect(&addrs[..]).await.ok()?;
        s.write_all(format!("HEAD / HTTP/1.0\r\nHost: {name}\r\n\r\n").as_bytes())
            .await
            .ok()?;
        let mut answer = [0u8; 5];
        s.read_exact(&mut answer).await.ok()?;
        Some(&answer == b"HTTP/")
    };
    match tokio::time::timeout(Duration::from_secs(3), probe).await {
        Ok(Some(true)) => Some(format!("http://{name}:{port}")),
        _ => None,
    }
}

/// Why the workspace has no DBFS API, when it has none: DBFS is off by default on GCP and can be
/// turned off elsewhere ("disable legacy DBFS"); such a workspace answers every DBFS request
/// with an error that says so (`FEATURE_DISABLED`, or a message naming DBFS as disabled). One
/// `/Users` listing tells; any other answer (a listing, a 404, a 5xx) is not this.
pub async fn dbfs_unavailable(rt: &Runtime) -> Option<String> {
    use crate::sandbox::bindings::scanner::Tree;
    match rt.list_homes(Tree::Dbfs).await {
        Ok(Err(f)) if dbfs_disabled_answer(f.status, &f.message) => Some(f.message),
        _ => None,
    }
}

/// True for the answers of a workspace whose DBFS API is turned off.
pub fn dbfs_disabled_answer(status: Option<u16>, message: &str) -> bool {
    matches!(status, Some(400 | 403 | 404 | 501)) && names_dbfs_disabled(message)
}

/// True when an error message carries a DBFS-disabled answer: `FEATURE_DISABLED`,
/// `DBFS_DISABLED`, or the "Public DBFS root is disabled" message (as Databricks words it).
pub fn names_dbfs_disabled(message: &str) -> bool {
    message.contains("FEATURE_DISABLED")
        || message.contains("DBFS_DISABLED")
        || message.contains("DBFS root is disabled")
}
