//! The guest's only way out: batches of GET requests answered in order.
//!
//! The batch rule (the same in `wit/inventory.wit` and in every host): a host accepts any batch
//! of up to [`MAX_BATCH_HOST_ACCEPTS`] requests; a larger batch is a protocol violation and the
//! host may stop the instance. The guest never sends more than the walk's `MAX_BATCH_SIZE`.

use crate::types::{HttpError, Request, Response};

/// The smallest batch cap a host may have: every host accepts batches of this many requests
/// (the Rust host's cap is exactly this), and may trap on a larger one.
pub const MAX_BATCH_HOST_ACCEPTS: usize = 1000;

/// Answer of one request.
pub type Answer = Result<Response, HttpError>;

/// Sends a batch of requests concurrently; one answer per request, in order.
/// In the component this is the imported `http::send` ([`Host`]); tests use an in-memory fake.
pub trait Transport {
    fn send(&mut self, requests: &[Request]) -> Vec<Answer>;
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn send(&mut self, requests: &[Request]) -> Vec<Answer> {
        (**self).send(requests)
    }
}

/// The imported `dbx:inventory/http.send` (on a native target its stub panics).
pub struct Host;

impl Transport for Host {
    fn send(&mut self, requests: &[Request]) -> Vec<Answer> {
        crate::dbx::inventory::http::send(requests)
    }
}

/// Sends one request alone; a host answering no result is a `transport` error.
pub fn send_one<T: Transport + ?Sized>(t: &mut T, req: Request) -> Answer {
    t.send(std::slice::from_ref(&req))
        .into_iter()
        .next()
        .unwrap_or_else(|| {
            Err(HttpError::Transport(
                "host answered no result for the request".to_string(),
            ))
        })
}

/// Sends one batch (at most [`MAX_BATCH_HOST_ACCEPTS`] requests) and returns exactly one answer
/// per request. A host answering fewer or more results than requests is a host bug: missing
/// answers become `transport` errors, extra ones are dropped.
pub fn send_batch<T: Transport + ?Sized>(t: &mut T, requests: &[Request]) -> Vec<Answer> {
    debug_assert!(requests.len() <= MAX_BATCH_HOST_ACCEPTS, "batch over the host's cap");
    let mut answers = t.send(requests);
    if answers.len() != requests.len() {
        let got = answers.len();
        answers.truncate(requests.len());
        while answers.len() < requests.len() {
            answers.push(Err(HttpError::Transport(format!(
                "host answered {got} results for {} requests",
                requests.len()
            ))));
        }
    }
    answers
}
