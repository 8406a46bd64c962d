//! Fault injection: fixed rules per path and seeded random faults.
//!
//! Rules come from the fixture (`faults`, every call fails) or from `POST /__sim/faults` at run
//! time (optionally limited by `times` and delayed by `offset`). With `--fault-rate P`, each API
//! request also fails at random with probability P, drawing from a seeded generator: 500, 503,
//! 504, a connection reset, a truncated body, an answer slower than any sane client timeout, or a
//! proxy's HTML error page. The pipeline (`pipeline.rs`) consults this module once per request.
//! Rules on the `oauth` API cover the token and discovery endpoints (never random faults): a
//! status there gets an OAuth error body (RFC 6749 §5.2), see [`oauth_status`].

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use rand::Rng;

use crate::error::json_response;
use crate::fixture::Fault;

/// What a fault does to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultAction {
    /// Answer with this status and the real service's body for it.
    Status(u16),
    /// Reset the connection without answering.
    Reset,
    /// Answer with a body cut short (the connection closes mid-body).
    Truncate,
    /// Stall for the configured slow-fault time, then answer normally.
    Slow,
    /// A proxy's HTML error page (502).
    Html,
    /// Answer with this status and exactly this body (a rule's `body`).
    Body(u16, Bytes),
}

impl FaultAction {
    fn of(f: &Fault) -> FaultAction {
        match f.kind.as_deref() {
            Some("reset") => FaultAction::Reset,
            Some("truncate") => FaultAction::Truncate,
            Some("slow") => FaultAction::Slow,
            Some("html") => FaultAction::Html,
            _ => match &f.body {
                Some(b) => FaultAction::Body(f.status, Bytes::copy_from_slice(b.as_bytes())),
                None => FaultAction::Status(f.status),
            },
        }
    }

    /// The kinds `--fault-rate` draws from, uniformly.
    pub const RANDOM: [FaultAction; 7] = [
        FaultAction::Status(500),
        FaultAction::Status(503),
        FaultAction::Status(504),
        FaultAction::Reset,
        FaultAction::Truncate,
        FaultAction::Slow,
        FaultAction::Html,
    ];
}

#[derive(Debug)]
struct Rule {
    fault: Fault,
    /// Matching calls seen so far.
    seen: u64,
    /// Calls failed so far.
    fired: u64,
}

impl Rule {
    fn matches(&self, api: &str, path: &str) -> bool {
        if self.fault.api != api {
            return false;
        }
        let p = self.fault.path.as_str();
        match p.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => p == path,
        }
    }

    fn exhausted(&self) -> bool {
        matches!(self.fault.times, Some(t) if self.fired >= t)
    }
}

/// The active fault rules.
#[derive(Debug, Default)]
pub struct FaultSet {
    rules: Mutex<Vec<Rule>>,
    count: AtomicUsize,
}

impl FaultSet {
    /// A set holding `faults`.
    pub fn new(faults: &[Fault]) -> Self {
        let set = FaultSet::default();
        set.add(faults.iter().cloned());
        set
    }

    /// Adds rules (checked after the existing ones).
    pub fn add(&self, faults: impl IntoIterator<Item = Fault>) {
        let mut rules = self.rules.lock().expect("faults lock");
        rules.extend(faults.into_iter().map(|fault| Rule {
            fault,
            seen: 0,
            fired: 0,
        }));
        self.count.store(rules.len(), Ordering::Release);
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.rules.lock().expect("faults lock").clear();
        self.count.store(0, Ordering::Release);
    }

    /// The active rules, with `times` reduced by the failures already served.
    pub fn list(&self) -> Vec<Fault> {
        self.rules
            .lock()
            .expect("faults lock")
            .iter()
            .map(|r| {
                let mut f = r.fault.clone();
                f.times = f.times.map(|t| t.saturating_sub(r.fired));
                f.offset = f.offset.map(|o| o.saturating_sub(r.seen));
                f
            })
            .collect()
    }

    /// As [`FaultSet::check_delayed`], without the delay (for the unit tests).
    #[cfg(test)]
    pub fn check(&self, api: &str, path: &str) -> Option<FaultAction> {
        self.check_delayed(api, path).map(|(action, _)| action)
    }

    /// The fault for a call to `path` on `api`, if a rule fires, and the rule's `delay_ms` (zero
    /// when it has none); counts the call against the rule.
    pub fn check_delayed(&self, api: &str, path: &str) -> Option<(FaultAction, Duration)> {
        if self.count.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut rules = self.rules.lock().expect("faults lock");
        let mut action = None;
        for rule in rules.iter_mut().filter(|r| !r.exhausted()) {
            if !rule.matches(api, path) {
                continue;
            }
            rule.seen += 1;
            if rule.seen <= rule.fault.offset.unwrap_or(0) {
                continue;
            }
            rule.fired += 1;
            let delay = Duration::from_millis(rule.fault.delay_ms.unwrap_or(0));
            action = Some((FaultAction::of(&rule.fault), delay));
            break;
        }
        let before = rules.len();
        rules.retain(|r| !r.exhausted());
        if rules.len() != before {
            self.count.store(rules.len(), Ordering::Release);
        }
        action
    }
}

/// Draws a random fault with probability `rate`.
pub fn draw(rng: &mut impl Rng, rate: f64) -> Option<FaultAction> {
    if rate <= 0.0 || !rng.random_bool(rate.min(1.0)) {
        return None;
    }
    Some(FaultAction::RANDOM[rng.random_range(0..FaultAction::RANDOM.len())].clone())
}

/// What the OAuth token and discovery endpoints answer for a status rule: an OAuth error body.
pub fn oauth_status(status: StatusCode) -> Response {
    let error = match status.as_u16() {
        429 | 500..=599 => "temporarily_unavailable",
        401 => "invalid_client",
        403 => "access_denied",
        404 => "not_found",
        _ => "invalid_request",
    };
    let description = format!("dbx-sim fault rule: HTTP {}", status.as_u16());
    let body = serde_json::json!({"error": error, "error_description": description});
    json_response(status, body.to_string())
}

/// Rewrites a complete response so that its body stops halfway: the `Content-Length` announces
/// the full body, then the connection is closed.
pub async fn truncate(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let full = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let half = Bytes::copy_from_slice(&full[..full.len() / 2]);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(full.len()));
    // Send the first half, give the server a moment to flush it, then fail the body: hyper
    // closes the connection, and the client sees fewer bytes than announced.
    let stream = futures_util::stream::unfold(0u8, move |step| {
        let half = half.clone();
        async move {
            match step {
                0 => Some((Ok(half), 1)),
                1 => {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    let e = std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "simulated truncated body");
                    Some((Err(e), 2))
                }
                _ => None,
            }
        }
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn fixture_rule_fires_on_every_call_for_that_path_only() {
        let set = FaultSet::new(&[Fault::new("workspace", "/Users/b/broken", 500)]);
        for _ in 0..3 {
            assert_eq!(
                set.check("workspace", "/Users/b/broken"),
                Some(FaultAction::Status(500))
            );
        }
        assert_eq!(set.check("workspace", "/Users/b"), None);
        assert_eq!(set.check("dbfs", "/Users/b/broken"), None);
    }

    #[test]
    fn times_and_offset_limit_a_rule() {
        let mut f = Fault::new("dbfs", "/x*", 429);
        f.times = Some(2);
        f.offset = Some(1);
        let set = FaultSet::new(&[f]);
        assert_eq!(set.check("dbfs", "/x/1"), None);
        assert_eq!(set.check("dbfs", "/x/2"), Some(FaultAction::Status(429)));
        assert_eq!(set.check("dbfs", "/x"), Some(FaultAction::Status(429)));
        assert_eq!(set.check("dbfs", "/x"), None);
        assert!(set.list().is_empty());
    }

    #[test]
    fn kinds_map_to_actions() {
        let mut f = Fault::new("scim", "/Users", 500);
        f.kind = Some("reset".into());
        let set = FaultSet::new(&[f]);
        assert_eq!(set.check("scim", "/Users"), Some(FaultAction::Reset));
    }

    #[test]
    fn a_body_replaces_the_answer() {
        let mut f = Fault::new("workspace", "/Users/a", 200);
        f.body = Some(r#"{"error_code":"INTERNAL_ERROR"}"#.into());
        assert!(f.validate().is_ok());
        let set = FaultSet::new(std::slice::from_ref(&f));
        assert_eq!(
            set.check("workspace", "/Users/a"),
            Some(FaultAction::Body(
                200,
                Bytes::from_static(br#"{"error_code":"INTERNAL_ERROR"}"#)
            ))
        );
        f.kind = Some("reset".into());
        assert!(f.validate().is_err());
    }

    #[test]
    fn random_faults_follow_the_seed_and_rate() {
        let mut a = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut b = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let xs: Vec<_> = (0..1000).map(|_| draw(&mut a, 0.1)).collect();
        let ys: Vec<_> = (0..1000).map(|_| draw(&mut b, 0.1)).collect();
        assert_eq!(xs, ys);
        let n = xs.iter().filter(|x| x.is_some()).count();
        assert!((60..140).contains(&n), "{n}");
        let mut c = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        assert!((0..100).all(|_| draw(&mut c, 0.0).is_none()));
    }
}
