//! Which HTTP answers mean "try again", and how long the server asks us to wait.

use std::time::Duration;

/// HTTP statuses that mean "try again": throttled, or a transient server failure. 501 (Not
/// Implemented) and other 5xx are final.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// Parses an integer `Retry-After` (seconds), capped at `cap`. HTTP-date forms are ignored
/// (the caller's backoff applies).
pub fn parse_retry_after(value: Option<&str>, cap: Duration) -> Option<Duration> {
    let secs: u64 = value?.trim().parse().ok()?;
    Some(Duration::from_secs(secs).min(cap))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_statuses() {
        for s in [429, 500, 502, 503, 504] {
            assert!(is_retryable_status(s));
        }
        for s in [200, 400, 401, 403, 404, 501] {
            assert!(!is_retryable_status(s));
        }
    }

    #[test]
    fn retry_after_is_integer_seconds_capped() {
        let cap = Duration::from_secs(30);
        assert_eq!(parse_retry_after(Some("2"), cap), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(Some(" 7 "), cap), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(Some("3600"), cap), Some(cap));
        assert_eq!(parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT"), cap), None);
        assert_eq!(parse_retry_after(None, cap), None);
    }
}
