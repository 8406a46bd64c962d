//! Turning failed answers into short, single-line messages that name the cause, and telling a
//! missing path from a missing API.

use crate::lenient;
use crate::types::{HttpError, Response};
use serde::Deserialize;
use std::borrow::Cow;

/// Longest cause (and longest path) put into a message, in characters.
pub const MAX_CAUSE_CHARS: usize = 200;

/// Is this character unfit for a one-line message (control, bidi override, zero-width)?
fn unprintable(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// One line: unprintable characters become spaces, whitespace runs collapse, the ends are
/// trimmed, and anything beyond `max` characters is cut and marked with `…`.
pub fn sanitize(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max * 4 + 4));
    let mut chars = 0usize;
    let mut pending_space = false;
    for c in s.chars() {
        if c.is_whitespace() || unprintable(c) {
            pending_space = chars > 0;
            continue;
        }
        let extra = if pending_space { 2 } else { 1 };
        if chars + extra > max {
            out.push('…');
            return out;
        }
        if pending_space {
            out.push(' ');
            chars += 1;
            pending_space = false;
        }
        out.push(c);
        chars += 1;
    }
    out
}

/// The readable start of a non-JSON body: an HTML page's `<title>` (or its text without tags),
/// else the text itself; sanitised and truncated. Empty when the body is empty.
pub fn body_snippet(body: &[u8]) -> String {
    let head = &body[..body.len().min(8 * 1024)];
    let text = String::from_utf8_lossy(head);
    let trimmed = text.trim_start();
    if trimmed.starts_with('<') {
        if let Some(title) = html_title(trimmed) {
            let t = sanitize(&decode_entities(title), MAX_CAUSE_CHARS);
            if !t.is_empty() {
                return t;
            }
        }
        return sanitize(&decode_entities(&strip_tags(trimmed)), MAX_CAUSE_CHARS);
    }
    sanitize(&text, MAX_CAUSE_CHARS)
}

fn html_title(html: &str) -> Option<&str> {
    let lower = html.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    Some(&html[start..end])
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

#[derive(Deserialize)]
struct ErrorBody<'a> {
    #[serde(borrow, default, deserialize_with = "lenient::string")]
    error_code: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "lenient::string")]
    message: Option<Cow<'a, str>>,
    /// SCIM errors carry `detail` instead of `message`.
    #[serde(borrow, default, deserialize_with = "lenient::string")]
    detail: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "scimType", deserialize_with = "lenient::string")]
    scim_type: Option<Cow<'a, str>>,
}

/// `HTTP 500 INTERNAL_ERROR: boom`, `HTTP 400: detail`, `HTTP 502: Bad Gateway` (HTML title),
/// `HTTP 503` (empty body).
pub fn describe_status(resp: &Response) -> String {
    let status = resp.status;
    let parsed = crate::json::from_object::<ErrorBody>(&resp.body).ok();
    let (code, text) = match &parsed {
        Some(b) => {
            let code = b
                .error_code
                .as_deref()
                .or(b.scim_type.as_deref())
                .map(|c| sanitize(c, 64));
            let text = b
                .message
                .as_deref()
                .or(b.detail.as_deref())
                .map(|m| sanitize(m, MAX_CAUSE_CHARS));
            (code.filter(|c| !c.is_empty()), text.filter(|t| !t.is_empty()))
        }
        None => (None, Some(body_snippet(&resp.body)).filter(|t| !t.is_empty())),
    };
    let mut out = format!("HTTP {status}");
    if let Some(code) = code {
        out.push(' ');
        out.push_str(&code);
    }
    if let Some(text) = text {
        out.push_str(": ");
        out.push_str(&text);
    }
    out
}

/// Why no HTTP answer came back.
pub fn describe_http_error(e: &HttpError) -> String {
    match e {
        HttpError::Denied(why) => format!("denied by host: {}", sanitize(why, MAX_CAUSE_CHARS)),
        HttpError::Timeout => "timeout".to_string(),
        HttpError::Transport(why) => format!("transport error: {}", sanitize(why, MAX_CAUSE_CHARS)),
        HttpError::TooLarge(cap) => format!("response too large (over {cap} bytes)"),
        HttpError::Cancelled(why) => format!("cancelled: {}", sanitize(why, MAX_CAUSE_CHARS)),
    }
}

/// A 2xx body that could not be read: the parser's complaint, plus the start of the body when
/// it does not even look like JSON.
pub fn describe_malformed(resp: &Response, err: &serde_json::Error) -> String {
    let mut out = format!(
        "malformed response (HTTP {}): {}",
        resp.status,
        sanitize(&err.to_string(), 120)
    );
    let looks_json = resp
        .body
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{' || *b == b'[');
    if !looks_json {
        let snippet = body_snippet(&resp.body);
        if snippet.is_empty() {
            out.push_str(" (empty body)");
        } else {
            out.push_str(&format!(" (body: {})", sanitize(&snippet, 80)));
        }
    }
    out
}

/// A 404 meaning "this path does not exist" (not "this API does not exist").
pub fn is_not_found(resp: &Response) -> bool {
    #[derive(serde::Deserialize)]
    struct Code<'a> {
        #[serde(borrow, default, deserialize_with = "crate::lenient::string")]
        error_code: Option<std::borrow::Cow<'a, str>>,
    }
    resp.status == 404
        && !matches!(
            crate::json::from_object::<Code>(&resp.body),
            Ok(Code { error_code: Some(c) }) if c == "ENDPOINT_NOT_FOUND"
        )
}

/// The failures of one scan: the first message is kept, later ones are counted.
#[derive(Debug, Default)]
pub struct Failures {
    first: Option<String>,
    more: u64,
}

impl Failures {
    pub fn record(&mut self, message: String) {
        if self.first.is_none() {
            self.first = Some(message);
        } else {
            self.more += 1;
        }
    }

    pub fn any(&self) -> bool {
        self.first.is_some()
    }

    /// `first` or `first (and N more failures)`.
    pub fn message(&self) -> Option<String> {
        let first = self.first.as_ref()?;
        // Always "failures" (also for 1): the wording is part of the contract with the host.
        Some(match self.more {
            0 => first.clone(),
            n => format!("{first} (and {n} more failures)"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(status: u16, body: &str) -> Response {
        Response {
            status,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn json_error_bodies_give_status_code_and_message() {
        assert_eq!(
            describe_status(&r(500, r#"{"error_code":"INTERNAL_ERROR","message":"boom"}"#)),
            "HTTP 500 INTERNAL_ERROR: boom"
        );
        assert_eq!(
            describe_status(&r(401, r#"{"message":"bad token"}"#)),
            "HTTP 401: bad token"
        );
        assert_eq!(
            describe_status(&r(403, r#"{"error_code":"PERMISSION_DENIED"}"#)),
            "HTTP 403 PERMISSION_DENIED"
        );
        assert_eq!(
            describe_status(&r(400, r#"{"schemas":["x"],"detail":"bad filter","status":"400"}"#)),
            "HTTP 400: bad filter"
        );
        assert_eq!(describe_status(&r(503, "")), "HTTP 503");
        assert_eq!(describe_status(&r(500, "{}")), "HTTP 500");
        assert_eq!(
            describe_status(&r(500, "{\"error_code\":\"X\",\"message\":\"line1\\nline2\\u0000\"}")),
            "HTTP 500 X: line1 line2"
        );
    }

    #[test]
    fn text_and_html_error_bodies_give_their_readable_start() {
        assert_eq!(
            describe_status(&r(502, "upstream connect error\r\n")),
            "HTTP 502: upstream connect error"
        );
        assert_eq!(
            describe_status(&r(
                502,
                "<html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>"
            )),
            "HTTP 502: 502 Bad Gateway"
        );
        assert_eq!(
            describe_status(&r(
                403,
                "<!DOCTYPE html><html><body><h1>Access &amp; denied</h1>\n<p>go away</p></body></html>"
            )),
            "HTTP 403: Access & denied go away"
        );
        let long = "x".repeat(5000);
        let d = describe_status(&r(500, &long));
        assert_eq!(d.chars().count(), "HTTP 500: ".len() + MAX_CAUSE_CHARS + 1);
        assert!(d.ends_with('…'));
        let bin = describe_status(&Response {
            status: 500,
            body: vec![0xff, 0xfe, b'o', b'k', 0, 7],
        });
        assert_eq!(bin, "HTTP 500: \u{FFFD}\u{FFFD}ok");
    }

    #[test]
    fn sanitize_makes_one_trimmed_line_cut_at_the_limit() {
        assert_eq!(sanitize("  a \n\t b\u{202E}c  ", 100), "a b c");
        assert_eq!(sanitize("abcdef", 3), "abc…");
        assert_eq!(sanitize("ab cdef", 3), "ab…");
        assert_eq!(sanitize("ééé", 3), "ééé");
        assert_eq!(sanitize("", 3), "");
    }

    #[test]
    fn transport_errors_are_described_by_kind() {
        assert_eq!(describe_http_error(&HttpError::Timeout), "timeout");
        assert_eq!(
            describe_http_error(&HttpError::TooLarge(10)),
            "response too large (over 10 bytes)"
        );
        assert_eq!(
            describe_http_error(&HttpError::Transport("reset\n".into())),
            "transport error: reset"
        );
        assert_eq!(
            describe_http_error(&HttpError::Denied("nope".into())),
            "denied by host: nope"
        );
        assert_eq!(
            describe_http_error(&HttpError::Cancelled("bad token".into())),
            "cancelled: bad token"
        );
    }

    #[test]
    fn malformed_bodies_name_the_parser_error_and_the_body_start() {
        let resp = r(200, "<html>oops</html>");
        let err = serde_json::from_slice::<serde_json::Value>(&resp.body).unwrap_err();
        let d = describe_malformed(&resp, &err);
        assert!(d.starts_with("malformed response (HTTP 200): expected value"), "{d}");
        assert!(d.ends_with("(body: oops)"), "{d}");
        let resp = r(200, "");
        let err = serde_json::from_slice::<serde_json::Value>(&resp.body).unwrap_err();
        assert!(describe_malformed(&resp, &err).ends_with("(empty body)"));
    }

    #[test]
    fn failures_keep_the_first_message_and_count_the_others() {
        let mut f = Failures::default();
        assert_eq!(f.message(), None);
        f.record("a".into());
        assert_eq!(f.message().as_deref(), Some("a"));
        f.record("b".into());
        assert_eq!(f.message().as_deref(), Some("a (and 1 more failures)"));
        f.record("c".into());
        assert_eq!(f.message().as_deref(), Some("a (and 2 more failures)"));
    }

    #[test]
    fn only_a_404_without_endpoint_not_found_means_a_missing_path() {
        let r = |s: u16, b: &str| Response {
            status: s,
            body: b.as_bytes().to_vec(),
        };
        assert!(is_not_found(&r(
            404,
            r#"{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"x"}"#
        )));
        assert!(is_not_found(&r(404, "")));
        assert!(is_not_found(&r(404, "<html>Not Found</html>")));
        assert!(!is_not_found(&r(
            404,
            r#"{"error_code":"ENDPOINT_NOT_FOUND","message":"x"}"#
        )));
        assert!(!is_not_found(&r(500, "")));
    }
}
