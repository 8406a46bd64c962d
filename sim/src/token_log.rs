//! The token requests the simulator received, as sent, so tests can check what a client puts in
//! them (HTTP Basic, the grant type, the scope). Only the last [`TokenLog::KEEP`] are kept.

use std::collections::VecDeque;
use std::sync::Mutex;

/// One `POST …/oidc/v1/token` as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The form body, as sent.
    pub body: String,
}

/// The last token requests answered by the token endpoint (not those a fault rule answered).
#[derive(Debug, Default)]
pub struct TokenLog(Mutex<VecDeque<TokenRequest>>);

impl TokenLog {
    /// How many requests are kept: tokens are cached, so a real run makes a handful.
    pub const KEEP: usize = 100;

    /// Records a request, dropping the oldest beyond [`TokenLog::KEEP`].
    pub fn push(&self, request: TokenRequest) {
        let mut log = self.0.lock().expect("token log lock");
        if log.len() == Self::KEEP {
            log.pop_front();
        }
        log.push_back(request);
    }

    /// The recorded requests, oldest first.
    pub fn list(&self) -> Vec<TokenRequest> {
        self.0.lock().expect("token log lock").iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_requests_in_order() {
        let log = TokenLog::default();
        for i in 0..TokenLog::KEEP + 5 {
            log.push(TokenRequest {
                authorization: None,
                body: i.to_string(),
            });
        }
        let list = log.list();
        assert_eq!(list.len(), TokenLog::KEEP);
        assert_eq!(list[0].body, "5");
        assert_eq!(list.last().unwrap().body, (TokenLog::KEEP + 4).to_string());
    }
}
