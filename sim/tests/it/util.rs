//! Helpers: start a simulator on 127.0.0.1:0, call it with reqwest, read JSON.

use dbx_sim::{Fixture, RunningSim, SimConfig};
use reqwest::header::HeaderMap;
use serde_json::Value;

/// The fixture of the issue, plus a few shapes the tests need.
pub const FIXTURE: &str = r#"{
  "users": [
    {"userName": "a@x.com", "displayName": "A", "active": true},
    {"userName": "b@x.com", "displayName": "B", "active": false},
    {"userName": "c@y.org", "displayName": "C", "active": true, "groups": [{"value": "admins"}]},
    {"userName": "d@x.com", "displayName": "D", "active": true},
    {"userName": "e@x.com", "displayName": "E", "active": true}
  ],
  "workspace": [
    {"path": "/Users/a@x.com/nb", "object_type": "NOTEBOOK", "language": "PYTHON", "object_id": 1, "modified_at": 2000},
    {"path": "/Users/a@x.com/old", "object_type": "NOTEBOOK", "language": "SQL", "object_id": 2, "modified_at": 1000},
    {"path": "/Users/a@x.com/d/f.csv", "object_type": "FILE", "size": 123},
    {"path": "/Users/a@x.com/empty", "object_type": "DIRECTORY"},
    {"path": "/Users/a@x.com/exp", "object_id": 9, "weird": {"nested": [1, 2]}},
    {"path": "/Users/a@x.com/repo", "object_type": "REPO"},
    {"path": "/Users/a@x.com/repo/src/main.py", "object_type": "FILE", "size": 7},
    {"path": "/Users/b@x.com/broken/x", "object_type": "FILE", "size": 1}
  ],
  "dbfs": [
    {"path": "/Users/a@x.com/x.bin", "is_dir": false, "file_size": 10, "modification_time": 5},
    {"path": "/Users/a@x.com/emptydir", "is_dir": true},
    {"path": "dbfs:/tmp/t.txt", "is_dir": false, "file_size": 3}
  ],
  "volumes": [
    {"path": "/Volumes/c/s/v/f1.txt", "is_directory": false, "file_size": 5, "last_modified": 1700000000000},
    {"path": "/Volumes/c/s/v/f2.txt", "is_directory": false, "file_size": 6},
    {"path": "/Volumes/c/s/v/f3.txt", "is_directory": false, "file_size": 7},
    {"path": "/Volumes/c/s/v/sub/f4.txt", "is_directory": false, "file_size": 8}
  ],
  "faults": [{"api": "workspace", "path": "/Users/b@x.com/broken", "status": 500}]
}"#;

/// The test fixture.
pub fn fixture() -> Fixture {
    Fixture::from_json(FIXTURE).unwrap()
}

/// A config serving the test fixture with no limits.
pub fn config() -> SimConfig {
    SimConfig {
        fixture: fixture(),
        limits: None,
        ..Default::default()
    }
}

/// Starts a simulator.
pub async fn start(config: SimConfig) -> RunningSim {
    dbx_sim::start(config).await.expect("simulator starts")
}

/// A client with the default token.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap()
}

/// GET `url` without credentials (discovery and control endpoints) and parse the JSON body.
pub async fn get_json<T: serde::de::DeserializeOwned>(url: String) -> T {
    client().get(url).send().await.unwrap().json().await.unwrap()
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

/// `GET url + path` with `Authorization: Bearer dapi-sim`.
pub async fn get(sim: &RunningSim, path: &str) -> Resp {
    get_with(&client(), sim, path, Some("dapi-sim"))
        .await
        .expect("request succeeds")
}

/// `GET` with a chosen client and token.
pub async fn get_with(c: &reqwest::Client, sim: &RunningSim, path: &str, token: Option<&str>) -> reqwest::Result<Resp> {
    let mut rb = c.get(format!("{}{path}", sim.url()));
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    let r = rb.send().await?;
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await?;
    Ok(Resp { status, headers, text })
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
