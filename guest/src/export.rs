//! Notebook sizes: `GET /api/2.0/workspace/export?path=…&format=SOURCE` →
//! `{"content":"<base64>","file_type":"py"}`, measured by its decoded length.
//!
//! The content is decoded in a stream into a sink: it is counted, never kept (the response body
//! itself is dropped with the batch). The answer is read strictly: a 2xx body must be a JSON object
//! without `error_code`, with `content` a string of canonical, padded standard base64 (what
//! Databricks sends without `direct_download`). Anything else — over the export size limit
//! (`400 MAX_NOTEBOOK_SIZE_EXCEEDED`), an error after the host's retries, a path that is not a
//! notebook, a malformed answer — leaves that one notebook unsized; it is never the user's error.

use crate::json::{self, Present};
use crate::transport::Answer;
use crate::types::Request;
use serde::Deserialize;
use std::borrow::Cow;

pub const EXPORT_PATH: &str = "/api/2.0/workspace/export";

/// The export request of one notebook (its source; the JSON answer, never `direct_download`).
pub fn request(path: &str) -> Request {
    Request::get(
        EXPORT_PATH,
        vec![
            ("path".to_string(), path.to_string()),
            ("format".to_string(), "SOURCE".to_string()),
        ],
    )
}

#[derive(Deserialize)]
struct Export<'a> {
    #[serde(borrow, default)]
    content: Option<Cow<'a, str>>,
    #[serde(default)]
    error_code: Present,
}

/// The decoded length of an export answer; `None` when the notebook cannot be sized from it.
pub fn measure(answer: &Answer) -> Option<u64> {
    let resp = answer.as_ref().ok()?;
    if !(200..300).contains(&resp.status) {
        return None;
    }
    let export: Export = json::from_object(&resp.body).ok()?;
    if export.error_code.0 {
        return None;
    }
    decoded_len(export.content?.as_bytes())
}

/// Decodes standard base64 into a sink and returns the byte count; `None` when it is not valid
/// (canonical, padded) base64.
pub fn decoded_len(b64: &[u8]) -> Option<u64> {
    use base64::engine::general_purpose::STANDARD;
    let mut reader = base64::read::DecoderReader::new(b64, &STANDARD);
    std::io::copy(&mut reader, &mut std::io::sink()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{HttpError, Response};

    // Local answers: the fake workspace (tests/fake.rs) imports this file.
    fn resp(status: u16, body: &str) -> Answer {
        Ok(Response {
            status,
            body: body.as_bytes().to_vec(),
        })
    }

    fn err_json(status: u16, code: &str, message: &str) -> Answer {
        resp(
            status,
            &serde_json::json!({"error_code": code, "message": message}).to_string(),
        )
    }

    #[test]
    fn decoded_length_is_exact() {
        assert_eq!(decoded_len(b""), Some(0));
        assert_eq!(decoded_len(b"YQ=="), Some(1));
        assert_eq!(decoded_len(b"YWI="), Some(2));
        assert_eq!(decoded_len(b"YWJj"), Some(3));
        let big = "x".repeat(100_003);
        use base64::Engine as _;
        let enc = base64::engine::general_purpose::STANDARD.encode(&big);
        assert_eq!(decoded_len(enc.as_bytes()), Some(100_003));
    }

    #[test]
    fn invalid_base64_is_unsized() {
        for bad in ["YQ", "YQ=", "Y===", "YQ==YQ==", "a b=", "YW-j", "YW_j", "!!!!", "YR=="] {
            assert_eq!(decoded_len(bad.as_bytes()), None, "{bad:?}");
        }
    }

    #[test]
    fn answers_are_read_strictly() {
        assert_eq!(measure(&resp(200, r#"{"content":"YWJj","file_type":"py"}"#)), Some(3));
        assert_eq!(measure(&resp(200, r#"{"content":""}"#)), Some(0));
        assert_eq!(measure(&resp(200, r#"{"content":"YW\/j"}"#)), Some(3));
        for (status, body) in [
            (200, r#"{"file_type":"py"}"#),
            (200, r#"{"content":null}"#),
            (200, r#"{"content":12}"#),
            (200, r#"{"content":"YWJj","error_code":"INTERNAL_ERROR"}"#),
            (200, r#"["YWJj"]"#),
            (200, "abc"),
            (200, ""),
            (500, r#"{"content":"YWJj"}"#),
        ] {
            assert_eq!(measure(&resp(status, body)), None, "{status} {body}");
        }
        let too_big = err_json(400, "MAX_NOTEBOOK_SIZE_EXCEEDED", "File size exceeds the limit");
        assert_eq!(measure(&too_big), None);
        assert_eq!(measure(&Err(HttpError::Timeout)), None);
        assert_eq!(measure(&Err(HttpError::TooLarge(10))), None);
    }

    #[test]
    fn the_request_asks_for_the_source() {
        let r = request("/Users/a@x.com/nb");
        assert_eq!(r.path, EXPORT_PATH);
        assert_eq!(r.param("path"), Some("/Users/a@x.com/nb"));
        assert_eq!(r.param("format"), Some("SOURCE"));
        assert_eq!(r.query.len(), 2);
    }
}
