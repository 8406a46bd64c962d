//! Usernames are case-insensitive in Databricks: `Alice@X.com` and `alice@x.com` are one user.
//! [`UserKey`] is that identity (Unicode lower case), used wherever users are compared: the
//! host's dedupe, journal, feeder, `users` and orphaned homes, and the simulator's user tokens
//! and per-user folders.

use std::fmt;

/// The case-insensitive identity of a user (or home directory name).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserKey(String);

impl UserKey {
    /// The key of a username as spelled anywhere.
    pub fn of(username: &str) -> UserKey {
        UserKey(username.to_lowercase())
    }

    /// The key as text (lower-cased), e.g. for digests.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_that_differ_in_case_are_one_key() {
        assert_eq!(UserKey::of("Alice@Example.COM"), UserKey::of("alice@example.com"));
        assert_ne!(UserKey::of("alice@example.com"), UserKey::of("alice2@example.com"));
        assert_eq!(UserKey::of("ÄBC@x.com").as_str(), "äbc@x.com");
        assert_eq!(UserKey::of("ÄBC@x.com"), UserKey::of("äbc@X.COM"));
    }
}
