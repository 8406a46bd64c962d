//! The DBFS API: `list` and `get-status` under `/api/2.0/dbfs/`.
//!
//! Paths are absolute; a `dbfs:` scheme is accepted and dropped. An empty directory lists as `{}`,
//! listing a file returns that file, a missing path is 404
//! `No file or directory exists on path <path>.`

use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::response::Response;

use super::{listing_response, path_param};
use crate::error::dbfs_not_found;
use crate::pipeline::Params;
use crate::state::SimState;
use crate::store::normalize;

fn lookup<'a>(st: &'a SimState, raw: &str) -> Option<&'a crate::store::Node> {
    st.store.dbfs.get(&normalize(raw.strip_prefix("dbfs:").unwrap_or(raw)))
}

/// `GET /api/2.0/dbfs/list?path=…`.
pub async fn list(State(st): State<Arc<SimState>>, Extension(params): Extension<Params>) -> Response {
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
    let raw = match path_param(&params) {
        Ok(p) => p,
        Err(r) => return r,
    };
    match lookup(&st, raw) {
        Some(node) => listing_response(node.json.to_string(), 1),
        None => dbfs_not_found(raw),
    }
}
