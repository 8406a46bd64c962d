//! The one middleware every request goes through, in a fixed order:
//!
//! classify → count → authenticate → admit (concurrency cap, then the family's token bucket) →
//! read parameters (query string or JSON body) → faults (rules, then random) → handler →
//! latency (jitter + per-entry cost, slept while still holding the admission) → record status.
//!
//! Control endpoints (`/__sim/*`) skip all of it; OAuth and discovery endpoints are counted and
//! get the `oauth` fault rules, but need no token, are never limited, never draw random faults
//! and have no latency.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::endpoint::Endpoint;
use crate::error::{api_error, bad_request, for_status, proxy_html, RATE_LIMIT_MESSAGE};
use crate::faults::{oauth_status, truncate, FaultAction};
use crate::limits::Throttle;
use crate::net::ConnHandle;
use crate::state::SimState;
use crate::store::normalize;

/// Request parameters: the query string, completed by the top-level fields of a JSON body.
#[derive(Debug, Clone, Default)]
pub struct Params(pub HashMap<String, String>);

impl Params {
    /// A parameter's value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
}

/// Set by list handlers on their response: how many entries it holds (for the latency model).
#[derive(Debug, Clone, Copy)]
pub struct Entries(pub usize);

/// The middleware (see the module docs).
pub async fn gate(State(state): State<Arc<SimState>>, req: Request, next: Next) -> Response {
    let endpoint = Endpoint::classify(req.uri().path());
    if endpoint == Endpoint::Control {
        return next.run(req).await;
    }
    let _in_flight = state.stats.arrive();
    let resp = if endpoint.is_api() {
        api(&state, endpoint, req, next).await
    } else if endpoint.is_oauth() {
        oauth(&state, req, next).await
    } else {
        next.run(req).await
    };
    state.stats.record(endpoint, resp.status().as_u16());
    if let Some(n) = axum::body::HttpBody::size_hint(resp.body()).exact() {
        state.stats.add_bytes(n);
    }
    resp
}

async fn api(state: &SimState, endpoint: Endpoint, req: Request, next: Next) -> Response {
    let principal = match state.auth.check(req.headers()) {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    let _permit = match &state.limiter {
        None => None,
        Some(l) => match l.admit(endpoint.family()) {
            Ok(p) => {
                if let Some(f) = endpoint.family() {
                    state.stats.admitted(f);
                }
                Some(p)
            }
            Err(t) => {
                if let Throttle::Rate(f, _) = t {
                    state.stats.throttled(f);
                }
                return throttled(state, t);
            }
        },
    };
    let (mut parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, 1 << 20).await {
        Ok(b) => b,
        Err(_) => return bad_request("Request body too large or unreadable."),
    };
    let params = match read_params(&parts.uri, &body) {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    let fault_key = fault_key(endpoint, parts.uri.path(), &params);
    let conn = parts.extensions.get::<ConnectInfo<ConnHandle>>().map(|c| c.0.clone());
    parts.extensions.insert(params);
    parts.extensions.insert(principal);
    let req = Request::from_parts(parts, axum::body::Body::from(body));

    let api = endpoint.api().unwrap_or_default();
    let (action, delay) = match state.faults.check_delayed(api, &fault_key) {
        Some((action, delay)) => (Some(action), delay),
        None => (state.draw_fault(), Duration::ZERO),
    };
    let latency = state.draw_latency();
    let resp = match action {
        None => next.run(req).await,
        Some(_) if !state.sleep(delay).await => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        Some(action) => {
            let status_body = |status| for_status(status, &fault_key, api);
            answer(state, action, &status_body, conn, req, next).await
        }
    };
    let entries = resp.extensions().get::<Entries>().map_or(0, |e| e.0);
    state.sleep(latency + state.entry_latency(entries)).await;
    resp
}

/// A token or discovery request: the `oauth` fault rules (matched on the URL path), else the handler.
async fn oauth(state: &SimState, req: Request, next: Next) -> Response {
    let Some((action, delay)) = state.faults.check_delayed("oauth", req.uri().path()) else {
        return next.run(req).await;
    };
    let conn = req.extensions().get::<ConnectInfo<ConnHandle>>().map(|c| c.0.clone());
    if !state.sleep(delay).await {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    answer(state, action, &oauth_status, conn, req, next).await
}

/// The answer to a request a fault rule (or a random fault) fired on; `status_body` gives the
/// body of a `Status` fault.
async fn answer(
    state: &SimState,
    action: FaultAction,
    status_body: &(dyn Fn(StatusCode) -> Response + Sync),
    conn: Option<ConnHandle>,
    req: Request,
    next: Next,
) -> Response {
    match action {
        FaultAction::Status(s) => {
            let status = StatusCode::from_u16(s).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut r = status_body(status);
            if s == 429 && state.retry_after {
                r.headers_mut().insert("retry-after", HeaderValue::from_static("1"));
            }
            r
        }
        FaultAction::Html => proxy_html(StatusCode::BAD_GATEWAY),
        FaultAction::Body(s, body) => {
            let status = StatusCode::from_u16(s).unwrap_or(StatusCode::OK);
            (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        FaultAction::Reset => {
            if let Some(c) = conn {
                c.reset();
            }
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        FaultAction::Slow => {
            if !state.sleep(state.slow_fault).await {
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
            next.run(req).await
        }
        FaultAction::Truncate => truncate(next.run(req).await).await,
    }
}

/// The 429 for a throttled request.
fn throttled(state: &SimState, t: Throttle) -> Response {
    let mut resp = match t {
        Throttle::Concurrency(max) => api_error(
            StatusCode::TOO_MANY_REQUESTS,
            "REQUEST_LIMIT_EXCEEDED",
            format!(
                "Workspace {} exceeded the concurrent limit of {max} requests.",
                state.workspace_id
            ),
        ),
        Throttle::Rate(..) => api_error(
            StatusCode::TOO_MANY_REQUESTS,
            "REQUEST_LIMIT_EXCEEDED",
            RATE_LIMIT_MESSAGE,
        ),
    };
    if state.retry_after {
        let secs = match t {
            Throttle::Rate(_, wait) => wait.as_secs_f64().ceil().max(1.0) as u64,
            Throttle::Concurrency(_) => 1,
        };
        resp.headers_mut().insert("retry-after", HeaderValue::from(secs));
    }
    resp
}

/// Parses the query string, then adds top-level scalar fields of a JSON body not already given.
fn read_params(uri: &axum::http::Uri, body: &[u8]) -> Result<Params, Response> {
    let Query(mut map) = Query::<HashMap<String, String>>::try_from_uri(uri)
        .map_err(|e| bad_request(format!("Malformed query string: {e}")))?;
    if !body.is_empty() && body.iter().any(|b| !b.is_ascii_whitespace()) {
        let v: Value = serde_json::from_slice(body).map_err(|e| {
            api_error(
                StatusCode::BAD_REQUEST,
                "MALFORMED_REQUEST",
                format!("Could not parse request body: {e}"),
            )
        })?;
        if let Value::Object(obj) = v {
            for (k, v) in obj {
                let s = match v {
                    Value::String(s) => s,
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => continue,
                };
                map.entry(k).or_insert(s);
            }
        }
    }
    Ok(Params(map))
}

/// The path a fault rule is matched against.
fn fault_key(endpoint: Endpoint, url_path: &str, params: &Params) -> String {
    match endpoint.api() {
        Some("workspace") | Some("dbfs") => match params.get("path") {
            Some(p) => normalize(p.strip_prefix("dbfs:").unwrap_or(p)),
            None => String::new(),
        },
        Some("volumes") => {
            let rest = url_path
                .strip_prefix("/api/2.0/fs/directories")
                .or_else(|| url_path.strip_prefix("/api/2.0/fs/files"))
                .unwrap_or(url_path);
            normalize(&percent_decode(rest))
        }
        Some("scim") => url_path
            .strip_prefix("/api/2.0/preview/scim/v2")
            .unwrap_or(url_path)
            .to_string(),
        _ => url_path.to_string(),
    }
}

/// Decodes `%XX` escapes of a URL path (invalid escapes are kept as they are).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_come_from_query_then_json_body() {
        let uri: axum::http::Uri = "/api/2.0/workspace/list?path=%2FUsers%2Fa%40x.com".parse().unwrap();
        let p = read_params(&uri, b"").unwrap();
        assert_eq!(p.get("path"), Some("/Users/a@x.com"));
        let uri: axum::http::Uri = "/api/2.0/workspace/list".parse().unwrap();
        let p = read_params(&uri, br#"{"path":"/Users/b","notebooks_modified_after":5}"#).unwrap();
        assert_eq!(p.get("path"), Some("/Users/b"));
        assert_eq!(p.get("notebooks_modified_after"), Some("5"));
        assert!(read_params(&uri, b"{not json").is_err());
    }

    #[test]
    fn percent_decoding_handles_utf8_and_bad_escapes() {
        assert_eq!(percent_decode("/Volumes/a%20b/%C3%A9"), "/Volumes/a b/é");
        assert_eq!(percent_decode("/x%2"), "/x%2");
        assert_eq!(percent_decode("/x%zz"), "/x%zz");
    }
}
