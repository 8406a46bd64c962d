//! `Redactor`: every secret the host holds, and the one function that removes them from bytes a
//! server sent (a body that echoes the request's `Authorization` header, an error page quoting
//! it). Each secret is known in every form it is sent in: the raw value (a PAT, an access token,
//! the client secret) and the base64 forms of the `Basic` header (`client_id:client_secret`),
//! with and without padding, standard and URL-safe.

use std::sync::RwLock;

use base64::Engine as _;

/// What a secret is replaced with.
pub const MASK: &str = "****";

/// Secrets shorter than this are not searched for (they would mask ordinary text; real tokens
/// and secrets are far longer).
const MIN_LEN: usize = 6;

/// The secrets of one set of credentials. Grows as OAuth tokens are fetched (past tokens stay:
/// a server may echo an old one).
#[derive(Default)]
pub struct Redactor {
    known: RwLock<Vec<Vec<u8>>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secrets)", self.known.read().map_or(0, |k| k.len()))
    }
}

impl Redactor {
    /// An empty redactor.
    pub fn new() -> Self {
        Redactor::default()
    }

    /// Adds a raw secret value (and its base64 forms).
    pub fn add(&self, secret: &str) {
        self.add_forms(secret.as_bytes());
    }

    /// Adds the client credentials of a `Basic` header: the secret, and `id:secret` in base64.
    pub fn add_basic(&self, client_id: &str, client_secret: &str) {
        self.add(client_secret);
        self.add_forms(format!("{client_id}:{client_secret}").as_bytes());
    }

    fn add_forms(&self, raw: &[u8]) {
        use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
        let mut forms = vec![raw.to_vec()];
        for engine in [STANDARD, URL_SAFE] {
            forms.push(engine.encode(raw).into_bytes());
        }
        for engine in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
            forms.push(engine.encode(raw).into_bytes());
        }
        let mut known = self.known.write().unwrap_or_else(|e| e.into_inner());
        for f in forms {
            if f.len() >= MIN_LEN && !known.contains(&f) {
                known.push(f);
            }
        }
        // Longest first: a form containing another is masked whole.
        known.sort_by_key(|f| std::cmp::Reverse(f.len()));
    }

    /// True when `bytes` holds no known secret.
    pub fn is_clean(&self, bytes: &[u8]) -> bool {
        let known = self.known.read().unwrap_or_else(|e| e.into_inner());
        known.iter().all(|s| memchr::memmem::find(bytes, s).is_none())
    }

    /// `bytes` with every known secret replaced by [`MASK`] (unchanged, no copy, when clean).
    pub fn redact(&self, bytes: Vec<u8>) -> Vec<u8> {
        if self.is_clean(&bytes) {
            return bytes;
        }
        let known = self.known.read().unwrap_or_else(|e| e.into_inner());
        let mut out = bytes;
        for s in known.iter() {
            if memchr::memmem::find(&out, s).is_none() {
                continue;
            }
            let mut next = Vec::with_capacity(out.len());
            let mut last = 0;
            for at in memchr::memmem::find_iter(&out, s) {
                if at < last {
                    continue;
                }
                next.extend_from_slice(&out[last..at]);
                next.extend_from_slice(MASK.as_bytes());
                last = at + s.len();
            }
            next.extend_from_slice(&out[last..]);
            out = next;
        }
        out
    }

    /// [`Redactor::redact`] for text.
    pub fn redact_str(&self, text: &str) -> String {
        match String::from_utf8(self.redact(text.as_bytes().to_vec())) {
            Ok(s) => s,
            // Masking whole secrets of valid UTF-8 inside valid UTF-8 keeps it valid; be safe anyway.
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

    #[test]
    fn every_form_of_every_secret_is_masked() {
        let r = Redactor::new();
        r.add("dapi-0123456789abcdef");
        r.add_basic("client-id-1", "s3cr3t/+?value");
        let basic = STANDARD.encode("client-id-1:s3cr3t/+?value");
        let body = format!(
            "{{\"echo\":\"Authorization: Bearer dapi-0123456789abcdef\",\"basic\":\"Basic {basic}\",\
             \"raw\":\"s3cr3t/+?value\",\"url\":\"{}\",\"b64\":\"{}\"}}",
            URL_SAFE_NO_PAD.encode("client-id-1:s3cr3t/+?value"),
            STANDARD.encode("dapi-0123456789abcdef")
        );
        let out = r.redact_str(&body);
        for leaked in [
            "dapi-0123456789abcdef",
            "s3cr3t",
            basic.as_str(),
            &URL_SAFE_NO_PAD.encode("client-id-1:s3cr3t/+?value"),
            &STANDARD.encode("dapi-0123456789abcdef"),
        ] {
            assert!(!out.contains(leaked), "{leaked} in {out}");
        }
        assert!(out.contains("Bearer ****") && out.contains("Basic ****"), "{out}");
        assert!(!r.is_clean(body.as_bytes()) && r.is_clean(out.as_bytes()));
    }

    #[test]
    fn clean_bodies_are_returned_as_they_are() {
        let r = Redactor::new();
        r.add("dapi-0123456789abcdef");
        let body = b"{\"files\":[]}".to_vec();
        assert_eq!(r.redact(body.clone()), body);
        // Short values are never searched for: they would mask ordinary text.
        r.add("abc");
        assert_eq!(r.redact_str("abc abc"), "abc abc");
    }

    #[test]
    fn repeated_and_adjacent_secrets_are_all_masked() {
        let r = Redactor::new();
        r.add("tok-AAAAAAAA");
        r.add("tok-BBBBBBBB");
        assert_eq!(r.redact_str("tok-AAAAAAAAtok-BBBBBBBB|tok-AAAAAAAA"), "********|****");
    }
}
