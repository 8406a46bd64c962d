//! The DBFS API: `list` and `get-status` under `/api/2.0/dbfs/`.
//!
//! Paths are absolute; a `dbfs:` scheme is accepted and dropped. An empty directory lists as `{}`,
//! listing a file returns that file, a missing path is 404
//! `No file or directory exists on path <path>.` With `--no-dbfs` every request answers
//! [`dbfs_disabled`] instead.

use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::response::Response;

use super::{listing_response, path_param};
use crate::error::{dbfs_disabled, dbfs_not_found};
use crate::pipeline::Params;
use crate::state::SimState;
use crate::store::normalize;

/// The answer of a workspace without DBFS, whatever the path (even a missing one).
fn disabled(st: &SimState, params: &Params) -> Option<Response> {
    st.dbfs_disabled.then(|| {
        let raw = params.get("path").unwrap_or("/");
        dbfs_disabled(&normalize(raw.strip_prefix("dbfs:").unwrap_or(raw)))
    })
}

fn lookup<'a>(st: &'a SimState, raw: &str) -> Option<&'a crate::store::Node> {
    st.store.dbfs.get(&normalize(raw.strip_prefix("dbfs:").unwrap_or(raw)))
}

/// `GET /api/2.0/dbfs/list?path=…`.
pub async fn list(State(st): State<Arc<SimState>>, Extension(params): Extension<Params>) -> Response {
    if let Some(r) = disabled(&st, &params) {
        return r;
    }
    let raw = match path_param(&params) {
        Ok(p) => p,
        Err(r) => return r,
    };
    match lookup(&st, raw) {
        Some(node) => {
            let (body, n) = st.store.dbfs.listing(node, "files");
            listing_response(body, n)
        }
        None => dbfs_not_found(raw),
    }
}

/// `GET /api/2.0/dbfs/get-status?path=…`.
pub async fn get_status(State(st): State<Arc<SimState>>, Extension(params): Extension<Params>) -> Response {
    if let Some(r) = disabled(&st, &params) {
        return r;
    }
    let raw = match path_param(&params) {
        Ok(p) => p,
        Err(r) => return r,
    };
    match lookup(&st, raw) {
        Some(node) => listing_response(node.json.to_string(), 1),
        None => dbfs_not_found(raw),
    }
}
