//! Step 5 of `resolve`: PAT or OAuth M2M. `auth_type` decides when set; otherwise the
//! credentials present do, and two methods at once is the SDKs' error. Every other case is an
//! error naming what was found, where, and what to do.

use super::attrs::{Attr, Attrs};
use super::profile::{note_text, FileNote};
use super::types::{Method, Origin};
use crate::error::AuthError;
use crate::secret::Secret;

/// What step 5 looks at besides the attributes.
pub(super) struct MethodContext<'a> {
    /// The host as users write it (for error messages).
    pub(super) host: &'a str,
    pub(super) note: &'a FileNote,
    /// `(method, key)` of the profile's keys of methods this tool does not implement.
    pub(super) other_methods: &'a [(&'static str, String)],
    pub(super) origin_desc: &'a dyn Fn(Origin) -> String,
}

/// Chooses the method (see the module docs).
pub(super) fn choose_method(a: &Attrs, cx: &MethodContext<'_>) -> Result<Method, AuthError> {
    match &a.auth_type {
        Some(t) => by_auth_type(a, t, cx),
        None => by_credentials(a, cx),
    }
}

/// `auth_type` names the method: its credentials must be there.
fn by_auth_type(a: &Attrs, t: &Attr, cx: &MethodContext<'_>) -> Result<Method, AuthError> {
    let name = t.value.to_ascii_lowercase();
    match name.as_str() {
        "pat" => match &a.token {
            Some(tok) => pat(tok, cx),
            None => Err(AuthError::IncompleteCredentials {
                host: cx.host.to_string(),
                detail: format!(
                    "auth_type is pat (from {}) but no token is set ({})",
                    (cx.origin_desc)(t.origin),
                    note_text(cx.note, "has no token")
                ),
                fix: "pass --token, set DATABRICKS_TOKEN, or add `token = …` to the profile".into(),
            }),
        },
        "oauth-m2m" => match (&a.client_id, &a.client_secret) {
            (Some(id), Some(s)) => Ok(m2m(id, s)),
            _ => Err(m2m_incomplete(a, cx)),
        },
        _ => Err(unsupported(
            &format!("auth_type '{}'", t.value),
            &name,
            (cx.origin_desc)(t.origin),
        )),
    }
}

/// No `auth_type`: the one method whose credentials (or profile keys) are present.
fn by_credentials(a: &Attrs, cx: &MethodContext<'_>) -> Result<Method, AuthError> {
    let mut methods: Vec<String> = Vec::new();
    if a.token.is_some() {
        methods.push("pat".into());
    }
    if a.client_id.is_some() || a.client_secret.is_some() {
        methods.push("oauth".into());
    }
    for (m, _) in cx.other_methods {
        if !methods.iter().any(|x| x == m) {
            methods.push(m.to_string());
        }
    }
    methods.sort();
    if methods.len() > 1 {
        return Err(AuthError::MultipleMethods {
            config: debug_config(a, cx.host, cx.origin_desc),
            methods,
        });
    }
    match (&a.token, &a.client_id, &a.client_secret) {
        (Some(t), _, _) => pat(t, cx),
        (None, Some(id), Some(s)) => Ok(m2m(id, s)),
        (None, Some(_), None) | (None, None, Some(_)) => Err(m2m_incomplete(a, cx)),
        (None, None, None) => {
            if let Some((method, _)) = cx.other_methods.first() {
                let keys: Vec<&str> = cx.other_methods.iter().map(|(_, k)| k.as_str()).collect();
                return Err(unsupported(
                    &format!("{method} authentication (keys {})", keys.join(", ")),
                    method,
                    (cx.origin_desc)(Origin::Profile),
                ));
            }
            let looked = [
                "--token, --token-file (not given)".to_string(),
                "DATABRICKS_TOKEN, DATABRICKS_CLIENT_ID/DATABRICKS_CLIENT_SECRET (not set)".to_string(),
                note_text(cx.note, "has no token or client_id/client_secret"),
            ];
            Err(AuthError::NoCredentials {
                host: cx.host.to_string(),
                looked: looked.join("; "),
            })
        }
    }
}

/// A PAT, refused when it cannot be one (so it is never echoed in a header).
fn pat(t: &Attr, cx: &MethodContext<'_>) -> Result<Method, AuthError> {
    if !t.value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AuthError::InvalidValue {
            key: "token".into(),
            origin: (cx.origin_desc)(t.origin),
            reason:
                "it contains spaces or non-ASCII characters, which a token never does (was it pasted with extra text?)"
                    .into(),
        });
    }
    Ok(Method::Pat {
        token: Secret::new(t.value.clone()),
    })
}

fn m2m(id: &Attr, secret: &Attr) -> Method {
    Method::OAuthM2m {
        client_id: id.value.clone(),
        client_secret: Secret::new(secret.value.clone()),
    }
}

/// OAuth M2M with half (or none) of the client credentials.
fn m2m_incomplete(a: &Attrs, cx: &MethodContext<'_>) -> AuthError {
    let (have, have_o, missing) = match (&a.client_id, &a.client_secret) {
        (Some(id), None) => ("client_id", id.origin, "client_secret"),
        (None, Some(s)) => ("client_secret", s.origin, "client_id"),
        _ => ("neither client_id nor client_secret", Origin::Profile, "both"),
    };
    let detail = if missing == "both" {
        format!(
            "auth_type is oauth-m2m but neither client_id nor client_secret is set ({})",
            note_text(cx.note, "has neither")
        )
    } else {
        format!("{have} is set (from {}) but {missing} is not", (cx.origin_desc)(have_o))
    };
    AuthError::IncompleteCredentials {
        host: cx.host.to_string(),
        detail,
        fix: "OAuth M2M needs both: set DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET, or client_id and client_secret in the profile".into(),
    }
}

fn unsupported(what: &str, name: &str, origin: String) -> AuthError {
    let hint = match name {
        "databricks-cli" | "external-browser" | "oauth-u2m" | "u2m" => {
            " A user login is not supported; create a personal access token (User Settings → Developer → Access tokens, or `databricks tokens create`) and use it as the token."
        }
        "azure-cli" | "azure-msi" | "azure-client-secret" | "azure" | "github-oidc-azure" | "azure-devops-oidc" => {
            " For Azure, create a Databricks personal access token, or give the service principal a Databricks OAuth secret and use oauth-m2m."
        }
        "basic" => " Username/password login is deprecated by Databricks; use a personal access token.",
        "runtime" | "metadata-service" | "google-id" | "google-credentials" | "google" | "github-oidc" | "env-oidc" | "file-oidc" => {
            " Use a personal access token or a service principal's OAuth secret instead."
        }
        _ => " This auth_type is not a known Databricks one; check the spelling.",
    };
    AuthError::UnsupportedAuthType {
        what: what.to_string(),
        origin,
        hint: hint.to_string(),
    }
}

/// `Config: host=…, token=***, client_id=…. Sources: …`, as the SDKs' debug string (secrets masked).
fn debug_config(a: &Attrs, host: &str, origin_desc: &dyn Fn(Origin) -> String) -> String {
    let mut cfg = vec![format!("host={host}")];
    let mut sources = Vec::new();
    for (name, attr, sensitive) in [
        ("token", &a.token, true),
        ("client_id", &a.client_id, false),
        ("client_secret", &a.client_secret, true),
        ("profile", &a.profile, false),
    ] {
        if let Some(x) = attr {
            cfg.push(if sensitive {
                format!("{name}=***")
            } else {
                format!("{name}={}", x.value)
            });
            if name != "profile" {
                sources.push(format!("{name} from {}", origin_desc(x.origin)));
            }
        }
    }
    format!("Config: {}. Sources: {}", cfg.join(", "), sources.join(", "))
}
