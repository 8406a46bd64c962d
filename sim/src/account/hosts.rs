//! Routing by `Host`: one listener serves the Accounts API and every workspace of an account.
//!
//! The `Host` header (port stripped, case-insensitive) picks the inner router: `accounts.localhost`
//! → the Accounts API, `<deployment_name>.localhost` → that workspace's complete router
//! ([`crate::app::router`] over its own state). The request is handed over whole, extensions
//! (`ConnectInfo`) included. Any other host: 404 `NOT_FOUND` naming the hosts served.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use axum::Router;
use tower::ServiceExt as _;

use crate::error::api_error;

/// The host of the Accounts API.
pub const ACCOUNTS_HOST: &str = "accounts.localhost";

/// The routers by host name.
#[derive(Debug)]
pub struct Hosts {
    by_host: HashMap<String, Router>,
    /// Host names in the order an error lists them.
    names: Vec<String>,
}

impl Hosts {
    /// The Accounts API router and each workspace's (deployment name, router).
    pub fn new(accounts: Router, workspaces: impl IntoIterator<Item = (String, Router)>) -> Hosts {
        let mut by_host = HashMap::new();
        let mut names = vec![ACCOUNTS_HOST.to_string()];
        by_host.insert(ACCOUNTS_HOST.to_string(), accounts);
        for (deployment, router) in workspaces {
            let host = format!("{deployment}.localhost");
            names.push(host.clone());
            by_host.insert(host, router);
        }
        Hosts { by_host, names }
    }
}

/// The outer router: every request goes to [`dispatch`].
pub fn router(hosts: Arc<Hosts>) -> Router {
    Router::new().fallback(dispatch).with_state(hosts)
}

/// The host name a request was sent to: the `Host` header (else the URI's authority), without the
/// port, lowercased, without a trailing dot.
fn host_name(req: &Request) -> String {
    let raw = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_string()))
        .unwrap_or_default();
    let name = if raw.starts_with('[') {
        // An IPv6 literal: `[::1]:port`.
        raw.split_once(']').map_or(raw.as_str(), |(h, _)| h).to_string() + "]"
    } else {
        raw.rsplit_once(':').map_or(raw.as_str(), |(h, _)| h).to_string()
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

async fn dispatch(State(hosts): State<Arc<Hosts>>, req: Request) -> Response {
    let host = host_name(&req);
    match hosts.by_host.get(&host) {
        Some(router) => match router.clone().oneshot(req).await {
            Ok(resp) => resp,
            Err(never) => match never {},
        },
        None => api_error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!(
                "dbx-sim account: no workspace at host '{host}'; served: {}",
                hosts.names.join(", ")
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_host(host: &str) -> Request {
        Request::builder()
            .uri("/x")
            .header(header::HOST, host)
            .body(axum::body::Body::empty())
            .unwrap()
    }

    #[test]
    fn host_names_lose_port_case_and_trailing_dot() {
        assert_eq!(host_name(&with_host("WS-A.localhost:8080")), "ws-a.localhost");
        assert_eq!(host_name(&with_host("accounts.localhost.")), "accounts.localhost");
        assert_eq!(host_name(&with_host("[::1]:80")), "[::1]");
        let no_host = Request::builder()
            .uri("http://ws-b.localhost:1/x")
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(host_name(&no_host), "ws-b.localhost");
    }
}
