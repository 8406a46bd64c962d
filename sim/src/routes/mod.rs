//! One module per REST resource; `app.rs` maps them to routes.
//!
//! Handlers get the shared [`SimState`](crate::state::SimState), the request's
//! [`Params`](crate::pipeline::Params) (query string or JSON body) and answer with the real
//! service's shapes. Authentication, limits, faults and latency happen before, in `pipeline.rs`.

pub mod control;
pub mod dbfs;
pub mod oauth;
pub mod scim;
pub mod volumes;
pub mod workspace;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::Response;

use crate::error::{api_error, bad_request, json_response};
use crate::pipeline::{Entries, Params};

/// The `path` parameter: required and absolute.
pub(crate) fn path_param(params: &Params) -> Result<&str, Response> {
    match params.get("path") {
        None | Some("") => Err(bad_request("Missing required field: path")),
        Some(p) if !p.starts_with('/') && !p.starts_with("dbfs:/") => Err(bad_request(format!(
            "Invalid request path: {p}. The path must be absolute."
        ))),
        Some(p) => Ok(p),
    }
}

/// A JSON 200 carrying the number of listed entries for the latency model.
pub(crate) fn listing_response(body: String, entries: usize) -> Response {
    let mut r = json_response(StatusCode::OK, body);
    r.extensions_mut().insert(Entries(entries));
    r
}

/// Every route the simulator does not implement: 501 with a hint, and a log line.
pub async fn not_implemented(req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    tracing::warn!(%method, %path, "dbx-sim: unimplemented route");
    api_error(
        StatusCode::NOT_IMPLEMENTED,
        "NOT_IMPLEMENTED",
        format!(
            "dbx-sim does not implement {method} {path}. It serves GET /api/2.0/workspace/{{list,get-status,export}}, \
             /api/2.0/dbfs/{{list,get-status}}, /api/2.0/fs/{{directories,files}}/<path>, \
             /api/2.0/preview/scim/v2/{{Users,ServicePrincipals,Me}}, POST /oidc/v1/token and /__sim/{{stats,faults}}; see sim/README.md."
        ),
    )
}
