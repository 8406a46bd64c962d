//! The guest's only way out: batches of GET requests answered in order.

use crate::types::{HttpError, Request, Response};

/// Answer of one request.
pub type Answer = Result<Response, HttpError>;

/// Sends a batch of requests concurrently; one answer per request, in order.
/// In the component this is the imported `http::send`; tests use an in-memory fake.
pub trait Transport {
    fn send(&mut self, requests: &[Request]) -> Vec<Answer>;
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn send(&mut self, requests: &[Request]) -> Vec<Answer> {
        (**self).send(requests)
    }
}

/// Sends `requests` (already chunked to at most `*limit`) and returns exactly one answer per
/// request.
///
/// * A host answering fewer or more results than requests is a host bug: missing answers become
///   `transport` errors, extra ones are dropped.
/// * The host may refuse a batch larger than its cap by denying every entry: when a batch of more
///   than one request comes back entirely `denied`, `*limit` is halved and the requests are sent
///   again in smaller chunks (the smaller limit sticks for later batches).
pub fn send_adaptive<T: Transport + ?Sized>(t: &mut T, requests: &[Request], limit: &mut usize) -> Vec<Answer> {
    let mut out = Vec::with_capacity(requests.len());
    let mut rest = requests;
    while !rest.is_empty() {
        let n = rest.len().min((*limit).max(1));
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        let mut answers = t.send(chunk);
        if answers.len() != chunk.len() {
            let got = answers.len();
            answers.truncate(chunk.len());
            while answers.len() < chunk.len() {
                answers.push(Err(HttpError::Transport(format!(
                    "host answered {got} results for {} requests",
                    chunk.len()
                ))));
            }
        }
        if chunk.len() > 1 && answers.iter().all(|a| matches!(a, Err(HttpError::Denied(_)))) {
            *limit = chunk.len() / 2;
            out.extend(send_adaptive(t, chunk, limit));
        } else {
            out.extend(answers);
        }
    }
    out
}
