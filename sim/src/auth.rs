//! Who may call the API: personal access tokens and OAuth M2M access tokens.
//!
//! Every API request needs `Authorization: Bearer <token>`, where the token is one of the
//! configured PATs or an access token issued by `POST /oidc/v1/token` that has not expired.
//! Anything else gets a 401 with a JSON body.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use axum::response::Response;

use crate::error::unauthenticated;

/// The caller of an authenticated request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A personal access token (the index into the configured tokens).
    Pat(usize),
    /// An OAuth access token issued to this client (service principal).
    ServicePrincipal(String),
    /// A non-admin user's token (`--user-token`): the user's `userName`.
    User(String),
    /// An OAuth access token of a client that is not a workspace admin here.
    NonAdminServicePrincipal(String),
}

impl Principal {
    /// The non-admin user whose Workspace view is restricted, if any.
    pub fn restricted_user(&self) -> Option<&str> {
        match self {
            Principal::User(u) | Principal::NonAdminServicePrincipal(u) => Some(u),
            _ => None,
        }
    }
}

#[derive(Debug)]
struct Issued {
    client_id: String,
    expires: Instant,
}

/// Token checks and the OAuth token store.
#[derive(Debug)]
pub struct Auth {
    tokens: Vec<String>,
    user_tokens: HashMap<String, String>,
    clients: HashMap<String, String>,
    non_admin_clients: Vec<String>,
    ttl: Duration,
    issued: Mutex<HashMap<String, Issued>>,
    counter: AtomicU64,
}

/// Why the token endpoint refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// Unknown client or wrong secret.
    InvalidClient,
}

impl Auth {
    /// Accepts `tokens` as (admin) PATs, `user_tokens` as (token, userName) PATs of non-admin
    /// users, and `clients` as (client_id, secret) pairs.
    pub fn new(
        tokens: &[String],
        user_tokens: &[(String, String)],
        clients: &[(String, String)],
        ttl_secs: u64,
    ) -> Self {
        Auth {
            tokens: tokens.to_vec(),
            user_tokens: user_tokens.iter().cloned().collect(),
            clients: clients.iter().cloned().collect(),
            non_admin_clients: Vec::new(),
            ttl: Duration::from_secs(ttl_secs),
            issued: Mutex::new(HashMap::new()),
            counter: AtomicU64::new(0),
        }
    }

    /// These clients' tokens are those of non-admins (see `SimConfig::non_admin_clients`).
    pub fn with_non_admin_clients(mut self, clients: &[String]) -> Self {
        self.non_admin_clients = clients.to_vec();
        self
    }

    /// Checks the `Authorization` header of an API request.
    pub fn check(&self, headers: &HeaderMap) -> Result<Principal, Response> {
        let Some(value) = headers.get(axum::http::header::AUTHORIZATION) else {
            return Err(unauthenticated(
                "No API token found in the request. Please authenticate.",
            ));
        };
        let value = value.to_str().unwrap_or("");
        let token = match value.split_once(' ') {
            Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => t.trim(),
            _ => return Err(unauthenticated("Invalid access token.")),
        };
        if let Some(i) = self.tokens.iter().position(|t| t == token) {
            return Ok(Principal::Pat(i));
        }
        if let Some(user) = self.user_tokens.get(token) {
            return Ok(Principal::User(user.clone()));
        }
        let issued = self.issued.lock().expect("auth lock");
        match issued.get(token) {
            Some(t) if t.expires > Instant::now() && self.non_admin_clients.contains(&t.client_id) => {
                Ok(Principal::NonAdminServicePrincipal(t.client_id.clone()))
            }
            Some(t) if t.expires > Instant::now() => Ok(Principal::ServicePrincipal(t.client_id.clone())),
            Some(_) => Err(unauthenticated("Token is expired.")),
            None => Err(unauthenticated("Invalid access token.")),
        }
    }

    /// Issues an access token for a client; returns the token and its lifetime in seconds.
    pub fn issue(&self, client_id: &str, secret: &str) -> Result<(String, u64), TokenError> {
        match self.clients.get(client_id) {
            Some(s) if s == secret => {}
            _ => return Err(TokenError::InvalidClient),
        }
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let token = format!("dsim-oauth-{:016x}{:08x}", rand::random::<u64>(), n);
        let now = Instant::now();
        let mut issued = self.issued.lock().expect("auth lock");
        // Forget tokens that expired long ago so the map stays small.
        if issued.len() > 10_000 {
            issued.retain(|_, t| t.expires + Duration::from_secs(60) > now);
        }
        issued.insert(
            token.clone(),
            Issued {
                client_id: client_id.to_string(),
                expires: now + self.ttl,
            },
        );
        Ok((token, self.ttl.as_secs()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn bearer(t: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("authorization", HeaderValue::from_str(&format!("Bearer {t}")).unwrap());
        h
    }

    #[test]
    fn pat_and_issued_tokens_are_accepted_others_rejected() {
        let a = Auth::new(
            &["dapi-sim".into()],
            &[("dapi-bob".into(), "bob@x.com".into())],
            &[("c".into(), "s".into())],
            3600,
        );
        assert_eq!(
            a.check(&bearer("dapi-bob")).unwrap(),
            Principal::User("bob@x.com".into())
        );
        assert_eq!(a.check(&bearer("dapi-sim")).unwrap(), Principal::Pat(0));
        assert_eq!(a.check(&bearer("nope")).unwrap_err().status(), 401);
        assert_eq!(a.check(&HeaderMap::new()).unwrap_err().status(), 401);
        assert_eq!(a.issue("c", "wrong"), Err(TokenError::InvalidClient));
        let (t, ttl) = a.issue("c", "s").unwrap();
        assert_eq!(ttl, 3600);
        assert_eq!(a.check(&bearer(&t)).unwrap(), Principal::ServicePrincipal("c".into()));
    }

    #[test]
    fn expired_tokens_are_rejected() {
        let a = Auth::new(&[], &[], &[("c".into(), "s".into())], 0);
        let (t, _) = a.issue("c", "s").unwrap();
        assert_eq!(a.check(&bearer(&t)).unwrap_err().status(), 401);
    }
}
