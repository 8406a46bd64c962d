//! Error responses with the bodies the real service sends.
//!
//! REST errors are `{"error_code": "...", "message": "..."}` (JSON even for 401/403); SCIM errors
//! use the SCIM error schema; OAuth token errors use RFC 6749 bodies.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A JSON response with the given status and pre-serialized body.
pub fn json_response(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// `{"error_code": code, "message": message}` with `status`.
pub fn api_error(status: StatusCode, code: &str, message: impl AsRef<str>) -> Response {
    let body = json!({"error_code": code, "message": message.as_ref()}).to_string();
    json_response(status, body)
}

/// 404 `RESOURCE_DOES_NOT_EXIST` for the workspace API.
pub fn workspace_not_found(path: &str) -> Response {
    api_error(
        StatusCode::NOT_FOUND,
        "RESOURCE_DOES_NOT_EXIST",
        format!("Path ({path}) doesn't exist."),
    )
}

/// 404 `RESOURCE_DOES_NOT_EXIST` for the DBFS API.
pub fn dbfs_not_found(path: &str) -> Response {
    api_error(
        StatusCode::NOT_FOUND,
        "RESOURCE_DOES_NOT_EXIST",
        format!("No file or directory exists on path {path}."),
    )
}

/// What a workspace whose DBFS root is disabled answers every DBFS API request: 403
/// `PERMISSION_DENIED`, `Public DBFS root is disabled. Access is denied on path: <path>` (the
/// message the Databricks CLI prints for `fs ls dbfs:/…` on such a workspace; `path` without the
/// `dbfs:` scheme).
pub fn dbfs_disabled(path: &str) -> Response {
    api_error(
        StatusCode::FORBIDDEN,
        "PERMISSION_DENIED",
        format!("Public DBFS root is disabled. Access is denied on path: {path}"),
    )
}

/// 400 for a missing or malformed parameter.
pub fn bad_request(message: impl AsRef<str>) -> Response {
    api_error(StatusCode::BAD_REQUEST, "INVALID_PARAMETER_VALUE", message)
}

/// A SCIM error body (`urn:ietf:params:scim:api:messages:2.0:Error`).
pub fn scim_error(status: StatusCode, detail: impl AsRef<str>, scim_type: Option<&str>) -> Response {
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "detail": detail.as_ref(),
        "status": status.as_u16().to_string(),
    });
    if let Some(t) = scim_type {
        body["scimType"] = json!(t);
    }
    let mut r = json_response(status, body.to_string());
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/scim+json"));
    r
}

/// 401 for a missing, unknown or expired token.
pub fn unauthenticated(message: &str) -> Response {
    let mut r = api_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", message);
    if let Ok(v) = HeaderValue::from_str(message) {
        r.headers_mut().insert("x-databricks-reason-phrase", v);
    }
    r
}

/// The body the real service sends for a status used in a fault rule.
pub fn for_status(status: StatusCode, path: &str, api: &str) -> Response {
    match status.as_u16() {
        400 => bad_request(format!("Invalid request path: {path}")),
        401 => unauthenticated("Invalid access token."),
        403 => api_error(
            status,
            "PERMISSION_DENIED",
            format!("User does not have permission to access {path}."),
        ),
        404 if api == "dbfs" => dbfs_not_found(path),
        404 if api == "volumes" => api_error(status, "NOT_FOUND", "The directory being accessed is not found."),
        404 => workspace_not_found(path),
        409 => api_error(status, "RESOURCE_CONFLICT", format!("Conflict on {path}.")),
        429 => api_error(status, "REQUEST_LIMIT_EXCEEDED", RATE_LIMIT_MESSAGE),
        500 => api_error(
            status,
            "INTERNAL_ERROR",
            "The server encountered an unexpected error. Please try again later.",
        ),
        502 => proxy_html(status),
        503 => api_error(
            status,
            "TEMPORARILY_UNAVAILABLE",
            "The service at /api/2.0 is temporarily unavailable. Please try again later.",
        ),
        504 => api_error(
            status,
            "DEADLINE_EXCEEDED",
            "The request could not be processed in time. Please try again later.",
        ),
        _ => api_error(
            status,
            status
                .canonical_reason()
                .unwrap_or("ERROR")
                .to_ascii_uppercase()
                .replace(' ', "_")
                .as_str(),
            format!("Request for {path} failed."),
        ),
    }
}

/// The message of a 429 from a rate limit.
pub const RATE_LIMIT_MESSAGE: &str = "Too many requests. Please wait a moment and try again. If the issue persists, consider adjusting your request frequency or reaching out to support for assistance.";

/// An HTML error page as a load balancer or proxy sends it.
pub fn proxy_html(status: StatusCode) -> Response {
    let reason = status.canonical_reason().unwrap_or("Error");
    let code = status.as_u16();
    let body = format!(
        "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    let mut r = (status, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    r
}
