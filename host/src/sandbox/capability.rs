//! The guest's `http` import: converts WIT types and calls the one policy seam.
//!
//! An oversized batch is a protocol violation and traps the instance (the user's row becomes
//! an `error`); a refused request is answered `denied` as a value.

use super::bindings::http::{self, HttpError, Request, Response};
use super::state::InstanceState;
use crate::policy::{self, Answer};

impl http::Host for InstanceState {
    async fn send(&mut self, requests: Vec<Request>) -> wasmtime::Result<Vec<Result<Response, HttpError>>> {
        let max = self.policy.max_batch();
        if requests.len() > max {
            self.policy
                .counters
                .denied
                .fetch_add(requests.len() as u64, std::sync::atomic::Ordering::Relaxed);
            tracing::warn!(error.type = "denied", "guest sent a batch of {} requests (limit {max})", requests.len());
            wasmtime::bail!(
                "the scanner sent a batch of {} requests (limit {max}); stopped",
                requests.len()
            );
        }
        self.requests += requests.len() as u64;
        self.busy_ticks = 0;
        let reqs = requests
            .into_iter()
            .map(|r| policy::Request {
                path: r.path,
                query: r.query,
            })
            .collect();
        let outcomes = self.policy.send_batch(reqs).await;
        self.busy_ticks = 0;
        Ok(outcomes
            .into_iter()
            .map(|o| match o {
                Answer::Response { status, body } => Ok(Response { status, body }),
                Answer::Denied(why) => Err(HttpError::Denied(why)),
                Answer::Timeout => Err(HttpError::Timeout),
                Answer::Transport(e) => Err(HttpError::Transport(e)),
                Answer::TooLarge(n) => Err(HttpError::TooLarge(n)),
                Answer::Cancelled(why) => Err(HttpError::Cancelled(why)),
            })
            .collect())
    }
}
