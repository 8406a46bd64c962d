//! `dbx-inventory auth-token` (hidden): resolves the credentials as `scan` does (flags →
//! environment → profile; a PAT, or an OAuth access token minted from the client) and hands the
//! workspace URL and a bearer token to a program on standard output, as JSON. The Python
//! package's `scan()` uses it so a notebook outside Databricks authenticates exactly as the CLI.
//! A terminal is refused: the token is for a program's pipe, never a screen or a scrollback.

use std::io::{IsTerminal as _, Write as _};
use std::time::Duration;

use crate::cli::AuthTokenArgs;
use crate::error::{FatalError, Outcome, UsageError};

/// The least life the handed-over token has (else a fresh one is minted).
const MIN_LIFE: Duration = Duration::from_secs(600);

/// How long the token request may take (seconds; as `scan`'s default --request-timeout).
const REQUEST_TIMEOUT_SECS: u64 = 60;

/// `dbx-inventory auth-token`.
pub async fn run(args: AuthTokenArgs) -> anyhow::Result<Outcome> {
    if std::io::stdout().is_terminal() {
        return Err(UsageError(
            "auth-token prints a bearer token for a program to read (the Python package's scan()); \
             its standard output is a terminal: pipe it to that program instead"
                .into(),
        )
        .into());
    }
    let resolved = crate::connect::resolve_auth(&args.auth)?;
    let client = crate::connect::http_client_timing_out(REQUEST_TIMEOUT_SECS)?;
    let creds = dbx_auth::Credentials::new(&resolved, client);
    let (header, expires) = creds.handoff(MIN_LIFE).await.map_err(|e| {
        FatalError(
            creds
                .redactor()
                .redact_str(&format!("cannot get a token from {}: {e}", resolved.describe())),
        )
    })?;
    let token = header
        .to_str()
        .ok()
        .and_then(|h| h.strip_prefix("Bearer "))
        .ok_or_else(|| {
            FatalError(format!(
                "the credentials from {} are not a bearer token",
                resolved.describe()
            ))
        })?;
    let expires_ms = expires.map(crate::format::epoch_ms);
    let line = serde_json::json!({
        "host": resolved.host.as_str().trim_end_matches('/'),
        "token": token,
        "expires_ms": expires_ms,
        "credential": resolved.describe(),
    });
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|e| FatalError(format!("cannot write to standard output: {e}")))?;
    Ok(Outcome::Clean)
}
