//! The account's workspaces: `GET /api/2.0/accounts/{account_id}/workspaces` with the account
//! token, its answer checked strictly (an array of objects; each with a positive
//! `workspace_id`; `deployment_name` a DNS name when the workspace is running).

use std::time::Duration;

use serde_json::Value;

/// Largest answer accepted (a 50,000-workspace account is a few MB).
const MAX_BYTES: usize = 32 << 20;
/// Attempts for a 429, a 5xx or a network error.
const ATTEMPTS: u32 = 4;

/// One workspace of the account, as the Accounts API lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// `workspace_id`.
    pub id: u64,
    /// `deployment_name` (checked when the workspace is to be scanned).
    pub deployment_name: String,
    /// `workspace_name` (the deployment name when absent).
    pub name: String,
    /// `workspace_status`: `RUNNING`, `PROVISIONING`, `FAILED`, …
    pub status: String,
    /// `workspace_status_message`, when given.
    pub status_message: String,
}

impl Listed {
    /// Whether the workspace can be scanned.
    pub fn running(&self) -> bool {
        self.status == "RUNNING"
    }

    /// `ws-a (1001, "Team A")`.
    pub fn describe(&self) -> String {
        if self.name == self.deployment_name || self.name.is_empty() {
            format!("{} ({})", self.shown(), self.id)
        } else {
            format!("{} ({}, \"{}\")", self.shown(), self.id, self.name)
        }
    }

    /// The deployment name, or the id when there is none.
    pub fn shown(&self) -> String {
        if self.deployment_name.is_empty() {
            format!("workspace {}", self.id)
        } else {
            self.deployment_name.clone()
        }
    }
}

/// Lists the account's workspaces. Errors are phrased for the user (the status and the
/// server's message, secrets masked by `redact`).
pub async fn list(
    client: &reqwest::Client,
    creds: &dbx_auth::Credentials,
    account_host: &url::Url,
    account_id: &str,
) -> Result<Vec<Listed>, String> {
    let url = account_host
        .join(&format!("api/2.0/accounts/{account_id}/workspaces"))
        .map_err(|e| format!("bad account URL: {e}"))?;
    let redact = creds.redactor();
    let mut last = String::new();
    for attempt in 1..=ATTEMPTS {
        if attempt > 1 {
            tokio::time::sleep(Duration::from_millis(500 << attempt)).await;
        }
        let header = creds
            .authorization()
            .await
            .map_err(|e| redact.redact_str(&e.to_string()))?;
        let sent = client
            .get(url.clone())
            .header(reqwest::header::AUTHORIZATION, header.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await;
        let answer = match sent {
            Ok(a) => a,
            Err(e) => {
                last = format!("{url}: {e}");
                continue;
            }
        };
        let status = answer.status().as_u16();
        let body = match read_capped(answer).await {
            Ok(b) => b,
            Err(e) => {
                last = format!("{url}: {e}");
                continue;
            }
        };
        let text = redact.redact_str(&String::from_utf8_lossy(&body));
        match status {
            200 => return parse(&body).map_err(|e| format!("{url}: {e}")),
            401 => creds.invalidate_token(&header),
            429 | 500..=599 => {}
            _ => return Err(format!("{url}: HTTP {status}: {}", excerpt(&text))),
        }
        last = format!("{url}: HTTP {status}: {}", excerpt(&text));
    }
    Err(last)
}

async fn read_capped(mut answer: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = answer.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > MAX_BYTES {
            return Err(format!("the answer is larger than {} MiB", MAX_BYTES >> 20));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn excerpt(text: &str) -> String {
    let t: String = text.chars().take(300).collect();
    crate::output::console::terminal_safe(&t).into_owned()
}

/// The workspaces of an answer; refuses any other shape, naming the first fault.
pub fn parse(body: &[u8]) -> Result<Vec<Listed>, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("the answer is not JSON ({e})"))?;
    // The API answers an array; an object with `workspaces` is accepted too (an empty account
    // may answer `{}`).
    let items = match &v {
        Value::Array(a) => a.as_slice(),
        Value::Object(o) => match o.get("workspaces") {
            Some(Value::Array(a)) => a.as_slice(),
            None if o.is_empty() => &[],
            _ => return Err("the answer is an object without a `workspaces` array".into()),
        },
        _ => return Err("the answer is not a list of workspaces".into()),
    };
    let text = |o: &serde_json::Map<String, Value>, k: &str, i: usize| -> Result<String, String> {
        match o.get(k) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) if s.len() <= 1024 => Ok(s.clone()),
            Some(_) => Err(format!("workspace #{i}: `{k}` is not a string")),
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Value::Object(o) = item else {
            return Err(format!("workspace #{i} is not an object"));
        };
        let id = match o.get("workspace_id") {
            Some(Value::Number(n)) => n.as_u64().filter(|n| *n > 0),
            _ => None,
        }
        .ok_or_else(|| format!("workspace #{i}: `workspace_id` is not a positive integer"))?;
        let deployment_name = text(o, "deployment_name", i)?;
        let name = text(o, "workspace_name", i)?;
        out.push(Listed {
            id,
            name: if name.is_empty() { deployment_name.clone() } else { name },
            deployment_name,
            status: text(o, "workspace_status", i)?,
            status_message: text(o, "workspace_status_message", i)?,
        });
    }
    let mut ids: Vec<u64> = out.iter().map(|w| w.id).collect();
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("workspace_id {} is listed twice", w[0]));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_is_parsed_and_checked() {
        let ok = br#"[{"workspace_id": 1, "deployment_name": "a", "workspace_name": "A", "workspace_status": "RUNNING", "extra": 1},
                     {"workspace_id": 2, "workspace_status": "PROVISIONING"}]"#;
        let l = parse(ok).unwrap();
        assert_eq!(l[0].describe(), "a (1, \"A\")");
        assert!(l[0].running() && !l[1].running());
        assert_eq!(l[1].shown(), "workspace 2");
        assert_eq!(parse(b"{}").unwrap(), vec![]);
        for (bad, want) in [
            (&b"[1]"[..], "#0 is not an object"),
            (b"[{\"workspace_id\": -1}]", "positive integer"),
            (
                b"[{\"workspace_id\": 1, \"deployment_name\": 5}]",
                "`deployment_name` is not a string",
            ),
            (b"[{\"workspace_id\": 1}, {\"workspace_id\": 1}]", "listed twice"),
            (b"\"x\"", "not a list"),
            (b"<html>", "not JSON"),
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.contains(want), "{e}");
        }
    }
}
