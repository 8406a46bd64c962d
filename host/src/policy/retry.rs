//! Which outcomes are retried, and how long to wait: exponential backoff with jitter (backon),
//! overridden by an integer `Retry-After` header when the server sends one.

use std::time::Duration;

use backon::ExponentialBuilder;

/// Retry settings, bounded per request.
#[derive(Debug, Clone)]
pub struct RetryConfig {
    /// Attempts per request, the first included.
    pub max_attempts: usize,
    /// First backoff delay.
    pub base_delay: Duration,
    /// Longest backoff delay (and longest `Retry-After` honoured).
    pub max_delay: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryConfig {
    /// The backon policy: `max_attempts - 1` retries, doubling from `base_delay`, with jitter.
    pub fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(self.base_delay)
            .with_max_delay(self.max_delay)
            .with_factor(2.0)
            .with_max_times(self.max_attempts.saturating_sub(1))
            .with_jitter()
    }
}

/// HTTP statuses that mean "try again": throttled, or a transient server failure.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// Parses an integer `Retry-After` (seconds). HTTP-date forms are ignored (backoff applies).
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
