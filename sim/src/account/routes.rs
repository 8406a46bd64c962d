//! The Accounts API (host `accounts.localhost`): account OAuth and the workspace listing.
//!
//! `POST /oidc/accounts/{account_id}/v1/token` — client credentials, the workspace token code
//! ([`crate::routes::oauth`]) against the account's own token store; `GET
//! /oidc/accounts/{account_id}/.well-known/oauth-authorization-server` — discovery; `GET
//! /api/2.0/accounts/{account_id}/workspaces[/{workspace_id}]` — the workspaces, with an account
//! token; `GET|POST /__sim/stats` — the account's and every workspace's statistics (not counted).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use crate::error::{api_error, json_response};
use crate::routes::oauth::{client_credentials, host_base_url, oauth_error};

use super::state::AccountState;

/// The Accounts API router.
pub fn router(state: Arc<AccountState>) -> Router {
    Router::new()
        .route("/oidc/accounts/{account_id}/v1/token", post(token))
        .route(
            "/oidc/accounts/{account_id}/.well-known/oauth-authorization-server",
            get(discovery),
        )
        .route(
            "/oidc/accounts/{account_id}/.well-known/openid-configuration",
            get(discovery),
        )
        .route("/api/2.0/accounts/{account_id}/workspaces", get(list_workspaces))
        .route(
            "/api/2.0/accounts/{account_id}/workspaces/{workspace_id}",
            get(get_workspace),
        )
        .route("/__sim/stats", get(get_stats).post(reset_stats))
        .fallback(not_implemented)
        .method_not_allowed_fallback(not_implemented)
        .layer(axum::middleware::from_fn_with_state(state.clone(), count))
        .with_state(state)
}

/// The statistics key of an Accounts API path.
fn endpoint(path: &str) -> &'static str {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["oidc", "accounts", _, "v1", "token"] => "oauth/token",
        ["oidc", "accounts", _, ".well-known", _] => "oidc/discovery",
        ["api", "2.0", "accounts", _, "workspaces"] => "workspaces/list",
        ["api", "2.0", "accounts", _, "workspaces", _] => "workspaces/get",
        _ => "unknown",
    }
}

/// Counts every request but the control ones.
async fn count(State(st): State<Arc<AccountState>>, req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/__sim/") {
        return next.run(req).await;
    }
    let endpoint = endpoint(req.uri().path());
    let resp = next.run(req).await;
    st.record(endpoint, resp.status().as_u16());
    resp
}

fn unknown_account(id: &str) -> Response {
    oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        &format!("Account {id} does not exist."),
    )
}

/// `POST /oidc/accounts/{account_id}/v1/token`.
async fn token(
    State(st): State<Arc<AccountState>>,
    Path(account_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if account_id != st.account_id {
        return unknown_account(&account_id);
    }
    client_credentials(&st.auth, &st.token_log, &headers, &body)
}

/// `GET /oidc/accounts/{account_id}/.well-known/oauth-authorization-server`.
async fn discovery(
    State(st): State<Arc<AccountState>>,
    Path(account_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if account_id != st.account_id {
        return unknown_account(&account_id);
    }
    let base = format!("{}/oidc/accounts/{account_id}", host_base_url(&headers, st.local_addr));
    let body = json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/v1/authorize"),
        "token_endpoint": format!("{base}/v1/token"),
        "jwks_uri": format!("{base}/v1/keys"),
        "grant_types_supported": ["client_credentials", "authorization_code", "refresh_token"],
        "response_types_supported": ["code"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["all-apis", "offline_access", "openid", "email", "profile"],
    });
    json_response(StatusCode::OK, body.to_string())
}

/// An account token for this account, else the 401 (no or unknown token) or 403 (another account).
fn authorize(st: &AccountState, headers: &HeaderMap, account_id: &str) -> Result<(), Response> {
    st.auth.check(headers)?;
    if account_id != st.account_id {
        return Err(api_error(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            format!("The account {account_id} does not exist or the caller does not belong to it."),
        ));
    }
    Ok(())
}

/// `GET /api/2.0/accounts/{account_id}/workspaces`: a JSON array of every workspace.
async fn list_workspaces(
    State(st): State<Arc<AccountState>>,
    Path(account_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authorize(&st, &headers, &account_id) {
        return r;
    }
    let all: Vec<&Value> = st.workspaces.iter().map(|w| &w.listing).collect();
    json_response(StatusCode::OK, serde_json::to_string(&all).expect("listing serializes"))
}

/// `GET /api/2.0/accounts/{account_id}/workspaces/{workspace_id}`.
async fn get_workspace(
    State(st): State<Arc<AccountState>>,
    Path((account_id, workspace_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authorize(&st, &headers, &account_id) {
        return r;
    }
    let Ok(id) = workspace_id.parse::<u64>() else {
        return api_error(
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETER_VALUE",
            format!("Workspace id {workspace_id:?} is not a number."),
        );
    };
    match st.workspaces.iter().find(|w| w.workspace_id == id) {
        Some(w) => json_response(StatusCode::OK, w.listing.to_string()),
        None => api_error(
            StatusCode::NOT_FOUND,
            "RESOURCE_DOES_NOT_EXIST",
            format!("Workspace {id} does not exist."),
        ),
    }
}

/// `GET /__sim/stats` on the accounts host.
async fn get_stats(State(st): State<Arc<AccountState>>) -> Response {
    json_response(StatusCode::OK, st.stats_json().to_string())
}

/// `POST /__sim/stats` on the accounts host: resets the account's and every workspace's.
async fn reset_stats(State(st): State<Arc<AccountState>>) -> Response {
    st.reset_stats();
    json_response(StatusCode::OK, "{}".into())
}

/// Anything else on the accounts host: 501 with a hint.
async fn not_implemented(req: Request) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    tracing::warn!(%method, %path, "dbx-sim: unimplemented Accounts API route");
    api_error(
        StatusCode::NOT_IMPLEMENTED,
        "NOT_IMPLEMENTED",
        format!(
            "dbx-sim does not implement {method} {path} on the Accounts API. It serves \
             POST /oidc/accounts/<account_id>/v1/token, GET /oidc/accounts/<account_id>/.well-known/oauth-authorization-server, \
             GET /api/2.0/accounts/<account_id>/workspaces[/<workspace_id>] and /__sim/stats; see sim/README.md."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_classified_for_the_statistics() {
        assert_eq!(endpoint("/oidc/accounts/a/v1/token"), "oauth/token");
        assert_eq!(
            endpoint("/oidc/accounts/a/.well-known/oauth-authorization-server"),
            "oidc/discovery"
        );
        assert_eq!(endpoint("/api/2.0/accounts/a/workspaces"), "workspaces/list");
        assert_eq!(endpoint("/api/2.0/accounts/a/workspaces/12"), "workspaces/get");
        assert_eq!(endpoint("/api/2.0/accounts/a/users"), "unknown");
    }
}
