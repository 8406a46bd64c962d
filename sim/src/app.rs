//! The router: maps every route to its handler and wraps them all in the pipeline. Nothing else.

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

use crate::pipeline::gate;
use crate::routes::{control, dbfs, not_implemented, oauth, scim, volumes, workspace};
use crate::state::SimState;

/// Builds the simulator's `Router`.
pub fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route("/api/2.0/workspace/list", get(workspace::list))
        .route("/api/2.0/workspace/get-status", get(workspace::get_status))
        .route("/api/2.0/workspace/export", get(workspace::export))
        .route("/api/2.0/dbfs/list", get(dbfs::list))
        .route("/api/2.0/dbfs/get-status", get(dbfs::get_status))
        .route("/api/2.0/fs/directories/{*path}", get(volumes::list_directory))
        .route("/api/2.0/fs/files/{*path}", get(volumes::file))
        .route("/api/2.0/preview/scim/v2/Users", get(scim::list_users))
        .route("/api/2.0/preview/scim/v2/Users/{id}", get(scim::get_user))
        .route("/api/2.0/preview/scim/v2/Me", get(scim::me))
        .route(
            "/api/2.0/preview/scim/v2/ServicePrincipals",
            get(scim::list_service_principals),
        )
        .route(
            "/api/2.0/preview/scim/v2/ServicePrincipals/{id}",
            get(scim::get_service_principal),
        )
        .route("/.well-known/databricks-config", get(oauth::host_metadata))
        .route("/oidc/.well-known/oauth-authorization-server", get(oauth::discovery))
        .route("/oidc/v1/token", post(oauth::token))
        // A moved OIDC root (one segment deep), for clients that follow `databricks-config`.
        .route(
            "/{root}/oidc/.well-known/oauth-authorization-server",
            get(oauth::discovery),
        )
        .route("/{root}/oidc/v1/token", post(oauth::token))
        .route("/__sim/stats", get(control::get_stats).post(control::reset_stats))
        .route(
            "/__sim/faults",
            get(control::list_faults)
                .post(control::add_faults)
                .delete(control::clear_faults),
        )
        .fallback(not_implemented)
        .method_not_allowed_fallback(not_implemented)
        .layer(axum::middleware::from_fn_with_state(state.clone(), gate))
        .with_state(state)
}
