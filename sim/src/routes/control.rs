//! The simulator's own control endpoints, for tests: statistics and run-time faults.
//!
//! `GET /__sim/stats` → [`Stats`](crate::Stats) as JSON; `POST /__sim/stats` resets them.
//! `GET /__sim/faults` lists active rules; `POST /__sim/faults` adds rules (a JSON array of
//! fault objects, or one object); `DELETE /__sim/faults` removes them all.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use crate::error::{api_error, json_response};
use crate::fixture::Fault;
use crate::state::SimState;

/// `GET /__sim/stats`.
pub async fn get_stats(State(st): State<Arc<SimState>>) -> Response {
    json_response(
        StatusCode::OK,
        serde_json::to_string(&st.stats.snapshot()).expect("stats serialize"),
    )
}

/// `POST /__sim/stats`: reset.
pub async fn reset_stats(State(st): State<Arc<SimState>>) -> Response {
    st.stats.reset();
    json_response(StatusCode::OK, "{}".into())
}

/// `GET /__sim/faults`.
pub async fn list_faults(State(st): State<Arc<SimState>>) -> Response {
    json_response(
        StatusCode::OK,
        serde_json::to_string(&st.faults.list()).expect("faults serialize"),
    )
}

/// `POST /__sim/faults`.
pub async fn add_faults(State(st): State<Arc<SimState>>, body: Bytes) -> Response {
    let faults: Vec<Fault> = match serde_json::from_slice::<Vec<Fault>>(&body) {
        Ok(v) => v,
        Err(_) => match serde_json::from_slice::<Fault>(&body) {
            Ok(f) => vec![f],
            Err(e) => {
                return api_error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_PARAMETER_VALUE",
                    format!("Bad fault rules: {e}"),
                )
            }
        },
    };
    for (i, f) in faults.iter().enumerate() {
        if let Err(e) = f.validate() {
            return api_error(
                StatusCode::BAD_REQUEST,
                "INVALID_PARAMETER_VALUE",
                format!("faults[{i}]: {e}"),
            );
        }
    }
    let n = faults.len();
    st.faults.add(faults);
    json_response(StatusCode::OK, json!({"added": n}).to_string())
}

/// `DELETE /__sim/faults`.
pub async fn clear_faults(State(st): State<Arc<SimState>>) -> Response {
    st.faults.clear();
    json_response(StatusCode::OK, "{}".into())
}
