//! How long to wait between attempts: exponential backoff with jitter (backon), overridden by an
//! integer `Retry-After` header when the server sends one. Which answers are retried and how
//! `Retry-After` reads are `dbx-api`'s rules, shared with `dbx-auth`.

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
