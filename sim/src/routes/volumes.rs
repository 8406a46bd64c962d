//! The Files API for Unity Catalog volumes: `/api/2.0/fs/directories/<path>` (paged listing, and
//! `HEAD` for "is this a directory") and `/api/2.0/fs/files/<path>` (`HEAD` metadata, `GET` bytes).
//!
//! Listings are paged with `page_size` (at most 1000, the default) and an opaque
//! `next_page_token`; like the real service, a full last page still carries a token that leads to
//! an empty page.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Extension, Path, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;

use super::listing_response;
use crate::error::{api_error, bad_request};
use crate::pipeline::Params;
use crate::state::SimState;
use crate::store::normalize;

const MAX_PAGE: usize = 1000;
const MAX_DOWNLOAD: u64 = 64 * 1024 * 1024;

fn not_found(what: &str) -> Response {
    api_error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("The {what} being accessed is not found."),
    )
}

fn encode_token(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("dbx-sim:{offset}"))
}

fn decode_token(token: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).ok()?;
    String::from_utf8(raw).ok()?.strip_prefix("dbx-sim:")?.parse().ok()
}

/// `GET|HEAD /api/2.0/fs/directories/<path>?page_size=…&page_token=…`.
pub async fn list_directory(
    State(st): State<Arc<SimState>>,
    Path(path): Path<String>,
    method: Method,
    Extension(params): Extension<Params>,
) -> Response {
    let path = normalize(&path);
    let tree = &st.store.volumes;
    let Some(node) = tree.get(&path).filter(|n| n.info.is_dir) else {
        return not_found("directory");
    };
    if method == Method::HEAD {
        return StatusCode::OK.into_response();
    }
    let page_size = match params.get("page_size") {
        None => MAX_PAGE,
        Some(v) => match v.parse::<usize>() {
            Ok(0) => MAX_PAGE,
            Ok(n) => n.min(MAX_PAGE),
            Err(_) => return bad_request(format!("Invalid page_size: {v}")),
        },
    };
    let start = match params.get("page_token") {
        None | Some("") => 0,
        Some(t) => match decode_token(t) {
            Some(o) => o,
            None => return bad_request(format!("Invalid page token: {t}")),
        },
    };
    let kids: Vec<&str> = tree
        .children(node)
        .skip(start)
        .take(page_size)
        .map(|n| &*n.json)
        .collect();
    if kids.is_empty() {
        return listing_response("{}".to_string(), 0);
    }
    let n = kids.len();
    let mut body = format!("{{\"contents\":[{}]", kids.join(","));
    if n == page_size {
        body.push_str(&format!(",\"next_page_token\":\"{}\"", encode_token(start + n)));
    }
    body.push('}');
    listing_response(body, n)
}

/// `HEAD|GET /api/2.0/fs/files/<path>`: metadata in headers; `GET` also sends the bytes.
pub async fn file(State(st): State<Arc<SimState>>, Path(path): Path<String>, method: Method) -> Response {
    let path = normalize(&path);
    let Some(node) = st.store.volumes.get(&path).filter(|n| !n.info.is_dir) else {
        return not_found("file");
    };
    let size = node.info.size.unwrap_or(0);
    let mut resp = if method == Method::HEAD {
        Response::new(Body::empty())
    } else if size > MAX_DOWNLOAD {
        return bad_request(format!(
            "dbx-sim serves files up to {MAX_DOWNLOAD} bytes; {path} is {size}."
        ));
    } else {
        Response::new(Body::from(vec![b'x'; size as usize]))
    };
    let h = resp.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Some(ms) = node.info.modified_ms.filter(|m| *m >= 0) {
        let t = UNIX_EPOCH + Duration::from_millis(ms as u64);
        if let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(t)) {
            h.insert(header::LAST_MODIFIED, v);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_reject_garbage() {
        assert_eq!(decode_token(&encode_token(1000)), Some(1000));
        assert_eq!(decode_token("garbage!"), None);
        assert_eq!(
            decode_token(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("x:1")),
            None
        );
    }
}
