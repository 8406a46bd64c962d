//! OAuth M2M (client credentials) and the discovery documents the SDKs read first.
//!
//! `GET /.well-known/databricks-config` → `{"oidc_endpoint": "<host>/oidc", …}`;
//! `GET /oidc/.well-known/oauth-authorization-server` → the token endpoint;
//! `POST /oidc/v1/token` with HTTP Basic client credentials (or `client_id`/`client_secret` in the
//! form) and `grant_type=client_credentials` → an access token valid for the configured lifetime.
//! URLs are built from the request's `Host` header, so they match the address the client used.
//! Discovery and token also answer under a moved root, `/<segment>/oidc/…` (a `databricks-config`
//! fault body can point clients there). Token requests are recorded ([`crate::TokenRequest`]).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::Response;
use base64::Engine as _;
use serde_json::json;

use crate::auth::Auth;
use crate::error::json_response;
use crate::state::SimState;
use crate::token_log::{TokenLog, TokenRequest};

fn base_url(st: &SimState, headers: &HeaderMap) -> String {
    host_base_url(headers, st.local_addr)
}

/// `http://<Host header>`, or `http://<fallback>` when the request has no `Host`.
pub(crate) fn host_base_url(headers: &HeaderMap, fallback: SocketAddr) -> String {
    match headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
        Some(host) if !host.is_empty() => format!("http://{host}"),
        _ => format!("http://{fallback}"),
    }
}

/// `GET /.well-known/databricks-config`.
pub async fn host_metadata(State(st): State<Arc<SimState>>, headers: HeaderMap) -> Response {
    let base = base_url(&st, &headers);
    let body = json!({
        "oidc_endpoint": format!("{base}/oidc"),
        "workspace_id": st.workspace_id.to_string(),
    });
    json_response(StatusCode::OK, body.to_string())
}

/// `GET /oidc/.well-known/oauth-authorization-server` (or under a moved root): URLs below the
/// root the request used.
pub async fn discovery(State(st): State<Arc<SimState>>, headers: HeaderMap, uri: Uri) -> Response {
    let root = uri
        .path()
        .strip_suffix("/.well-known/oauth-authorization-server")
        .and_then(|r| r.strip_suffix("/oidc"))
        .unwrap_or("");
    let base = format!("{}{root}", base_url(&st, &headers));
    let body = json!({
        "issuer": format!("{base}/oidc"),
        "authorization_endpoint": format!("{base}/oidc/v1/authorize"),
        "token_endpoint": format!("{base}/oidc/v1/token"),
        "jwks_uri": format!("{base}/oidc/jwks.json"),
        "grant_types_supported": ["client_credentials", "authorization_code", "refresh_token"],
        "response_types_supported": ["code"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["all-apis", "offline_access", "openid", "email", "profile"],
    });
    json_response(StatusCode::OK, body.to_string())
}

/// An RFC 6749 error body, `{"error": error, "error_description": description}`.
pub(crate) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    json_response(
        status,
        json!({"error": error, "error_description": description}).to_string(),
    )
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, b64) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (id, secret) = s.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// `POST /oidc/v1/token`.
pub async fn token(State(st): State<Arc<SimState>>, headers: HeaderMap, body: Bytes) -> Response {
    client_credentials(&st.auth, &st.token_log, &headers, &body)
}

/// The client-credentials grant against `auth`, recorded in `log`: what the workspace token
/// endpoint answers, and the account one too (with the account's own [`Auth`]). An unknown client
/// or a wrong secret answers 401 `{"error": "invalid_client", "error_description": "Client
/// authentication failed."}`.
pub(crate) fn client_credentials(auth: &Auth, log: &TokenLog, headers: &HeaderMap, body: &[u8]) -> Response {
    log.push(TokenRequest {
        authorization: headers
            .get(header::AUTHORIZATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
        body: String::from_utf8_lossy(body).into_owned(),
    });
    let form: HashMap<String, String> = match serde_urlencoded_form(body) {
        Some(f) => f,
        None => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Malformed form body."),
    };
    match form.get("grant_type").map(String::as_str) {
        Some("client_credentials") => {}
        Some(other) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("dbx-sim supports grant_type=client_credentials only, not {other}."),
            )
        }
        None => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Missing grant_type."),
    }
    let creds = basic_credentials(headers)
        .or_else(|| Some((form.get("client_id")?.clone(), form.get("client_secret")?.clone())));
    let Some((id, secret)) = creds else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed.",
        );
    };
    match auth.issue(&id, &secret) {
        Ok((token, ttl)) => {
            let scope = form.get("scope").cloned().unwrap_or_else(|| "all-apis".into());
            let body = json!({"access_token": token, "token_type": "Bearer", "expires_in": ttl, "scope": scope});
            json_response(StatusCode::OK, body.to_string())
        }
        Err(_) => oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed.",
        ),
    }
}

fn serde_urlencoded_form(body: &[u8]) -> Option<HashMap<String, String>> {
    let s = std::str::from_utf8(body).ok()?;
    // Reuse axum's query parser: a form body has the query-string syntax.
    let uri: axum::http::Uri = format!("/?{}", s.trim()).parse().ok()?;
    axum::extract::Query::<HashMap<String, String>>::try_from_uri(&uri)
        .ok()
        .map(|q| q.0)
}
