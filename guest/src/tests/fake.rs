//! An in-memory Databricks workspace answering the guest's requests (tests only).

use crate::transport::{Answer, Transport, MAX_BATCH_HOST_ACCEPTS};
use crate::types::{Api, HttpError, Request, Response, Tree};
use crate::{dbfs, export, scim, workspace};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};

pub fn resp(status: u16, body: &str) -> Answer {
    Ok(Response {
        status,
        body: body.as_bytes().to_vec(),
    })
}

pub fn err_json(status: u16, code: &str, message: &str) -> Answer {
    resp(status, &json!({"error_code": code, "message": message}).to_string())
}

#[derive(Default)]
struct TreeModel {
    /// Directory path → its children (JSON objects as the API returns them).
    listings: HashMap<String, Vec<Value>>,
    /// File path → its object (for "listing a file returns the file").
    files: HashMap<String, Value>,
}

impl TreeModel {
    fn add(&mut self, path: &str, obj: Value, is_dir: bool) {
        if let Some((parent, _)) = path.rsplit_once('/') {
            if !parent.is_empty() {
                self.listings.entry(parent.to_string()).or_default().push(obj.clone());
            }
        }
        if is_dir {
            self.listings.entry(path.to_string()).or_default();
        } else {
            self.files.insert(path.to_string(), obj);
        }
    }
}

#[derive(Default)]
pub struct Fake {
    dbfs: TreeModel,
    ws: TreeModel,
    /// (API path, first query value) → answers; the last one repeats.
    overrides: HashMap<(String, String), VecDeque<Answer>>,
    /// Every batch, as sent.
    pub batches: Vec<Vec<Request>>,
    /// After this many requests, every answer is `cancelled`.
    pub cancel_after: Option<usize>,
    /// SCIM users (full objects) and the server's own page cap.
    pub users: Vec<Value>,
    pub scim_page_cap: Option<usize>,
    pub scim_echo_start: bool,
    pub scim_total: bool,
    /// Notebook path → its source (what `workspace/export` returns, base64-encoded).
    sources: HashMap<String, Vec<u8>>,
}

impl Fake {
    pub fn new() -> Self {
        Fake {
            scim_echo_start: true,
            scim_total: true,
            ..Default::default()
        }
    }

    fn model(&mut self, tree: Tree) -> &mut TreeModel {
        match tree.api() {
            Api::Dbfs => &mut self.dbfs,
            Api::Workspace => &mut self.ws,
        }
    }

    // --- Workspace -----------------------------------------------------------------------
    pub fn ws_obj(&mut self, path: &str, mut obj: Value) -> &mut Self {
        obj["path"] = json!(path);
        let is_dir = matches!(obj["object_type"].as_str(), Some("DIRECTORY" | "REPO"));
        self.ws.add(path, obj, is_dir);
        self
    }
    pub fn ws_dir(&mut self, path: &str) -> &mut Self {
        self.ws_obj(path, json!({"object_type": "DIRECTORY", "object_id": 1}))
    }
    pub fn ws_repo(&mut self, path: &str) -> &mut Self {
        self.ws_obj(path, json!({"object_type": "REPO", "object_id": 2}))
    }
    pub fn ws_file(&mut self, path: &str, size: Option<u64>) -> &mut Self {
        match size {
            Some(s) => self.ws_obj(path, json!({"object_type": "FILE", "size": s})),
            None => self.ws_obj(path, json!({"object_type": "FILE"})),
        }
    }
    pub fn ws_nb(&mut self, path: &str) -> &mut Self {
        self.ws_obj(path, json!({"object_type": "NOTEBOOK", "language": "PYTHON"}))
    }
    /// A notebook in `language` whose export gives `source`.
    pub fn ws_nb_src(&mut self, path: &str, language: &str, source: &str) -> &mut Self {
        self.sources.insert(path.to_string(), source.as_bytes().to_vec());
        self.ws_obj(path, json!({"object_type": "NOTEBOOK", "language": language}))
    }

    // --- DBFS ----------------------------------------------------------------------------
    pub fn dbfs_dir(&mut self, path: &str) -> &mut Self {
        self.model(Tree::Dbfs)
            .add(path, json!({"path": path, "is_dir": true, "file_size": 0}), true);
        self
    }
    pub fn dbfs_file(&mut self, path: &str, size: Option<u64>) -> &mut Self {
        let obj = match size {
            Some(s) => json!({"path": path, "is_dir": false, "file_size": s, "modification_time": 1}),
            None => json!({"path": path, "is_dir": false}),
        };
        self.model(Tree::Dbfs).add(path, obj, false);
        self
    }
    /// Adds a raw DBFS entry to `dir`'s listing (no model of its own).
    pub fn dbfs_raw(&mut self, dir: &str, obj: Value) -> &mut Self {
        self.dbfs.listings.entry(dir.to_string()).or_default().push(obj);
        self
    }
    /// Adds a raw Workspace entry to `dir`'s listing (no model of its own).
    pub fn ws_raw(&mut self, dir: &str, obj: Value) -> &mut Self {
        self.ws.listings.entry(dir.to_string()).or_default().push(obj);
        self
    }

    /// Answers for the requests to `api` whose first query value is `key`; the last repeats.
    pub fn on(&mut self, api: &str, key: &str, answers: Vec<Answer>) -> &mut Self {
        self.overrides
            .insert((api.to_string(), key.to_string()), answers.into());
        self
    }
    pub fn on_ws(&mut self, path: &str, a: Answer) -> &mut Self {
        self.on(workspace::LIST_PATH, path, vec![a])
    }
    pub fn on_dbfs(&mut self, path: &str, a: Answer) -> &mut Self {
        self.on(dbfs::LIST_PATH, path, vec![a])
    }

    /// All requests, in order.
    pub fn requests(&self) -> Vec<&Request> {
        self.batches.iter().flatten().collect()
    }
    /// The `path` parameters of the list requests of one tree, in order.
    pub fn listed(&self, tree: Tree) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == tree.list_path())
            .map(|r| r.param("path").unwrap().to_string())
            .collect()
    }

    fn listing(&self, tree: Tree, path: &str) -> Answer {
        let (m, key) = match tree.api() {
            Api::Dbfs => (&self.dbfs, "files"),
            Api::Workspace => (&self.ws, "objects"),
        };
        if let Some(children) = m.listings.get(path) {
            if children.is_empty() {
                return resp(200, "{}");
            }
            return resp(200, &json!({ key: children }).to_string());
        }
        if let Some(file) = m.files.get(path) {
            return resp(200, &json!({ key: [file] }).to_string());
        }
        let msg = match tree.api() {
            Api::Dbfs => format!("No file or directory exists on path {path}."),
            Api::Workspace => format!("Path ({path}) doesn't exist."),
        };
        err_json(404, "RESOURCE_DOES_NOT_EXIST", &msg)
    }

    fn scim_users(&self, r: &Request) -> Answer {
        let start: usize = r.param("startIndex").unwrap().parse().unwrap();
        let count: usize = r.param("count").unwrap().parse().unwrap();
        let n = count.min(self.scim_page_cap.unwrap_or(usize::MAX));
        let from = (start.max(1) - 1).min(self.users.len());
        let to = (from + n).min(self.users.len());
        let page = &self.users[from..to];
        let mut body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "itemsPerPage": page.len(),
            "Resources": page,
        });
        if self.scim_total {
            body["totalResults"] = json!(self.users.len());
        }
        if self.scim_echo_start {
            body["startIndex"] = json!(start);
        }
        resp(200, &body.to_string())
    }

    fn export(&self, path: &str) -> Answer {
        use base64::Engine as _;
        match self.sources.get(path) {
            Some(src) => {
                let b64 = base64::engine::general_purpose::STANDARD.encode(src);
                resp(200, &json!({"content": b64, "file_type": "py"}).to_string())
            }
            None if self.ws.files.contains_key(path) => {
                err_json(400, "INVALID_PARAMETER_VALUE", "not a notebook with a source")
            }
            None => err_json(404, "RESOURCE_DOES_NOT_EXIST", &format!("Path ({path}) doesn't exist.")),
        }
    }

    fn answer(&mut self, r: &Request) -> Answer {
        let key = (
            r.path.clone(),
            r.query.first().map(|(_, v)| v.clone()).unwrap_or_default(),
        );
        if let Some(q) = self.overrides.get_mut(&key) {
            return if q.len() > 1 {
                q.pop_front().unwrap()
            } else {
                q[0].clone()
            };
        }
        match r.path.as_str() {
            p if p == dbfs::LIST_PATH => self.listing(Tree::Dbfs, r.param("path").unwrap()),
            p if p == workspace::LIST_PATH => self.listing(Tree::Workspace, r.param("path").unwrap()),
            p if p == scim::USERS_PATH => self.scim_users(r),
            p if p == export::EXPORT_PATH => self.export(r.param("path").unwrap()),
            _ => err_json(404, "ENDPOINT_NOT_FOUND", "no such endpoint"),
        }
    }
}

impl Transport for Fake {
    fn send(&mut self, requests: &[Request]) -> Vec<Answer> {
        // A larger batch is a protocol violation; the Rust host traps the instance.
        assert!(
            requests.len() <= MAX_BATCH_HOST_ACCEPTS,
            "batch of {} requests over the host's cap",
            requests.len()
        );
        self.batches.push(requests.to_vec());
        let before: usize = self.batches[..self.batches.len() - 1].iter().map(Vec::len).sum();
        requests
            .iter()
            .enumerate()
            .map(|(i, r)| match self.cancel_after {
                Some(n) if before + i >= n => Err(HttpError::Cancelled("run stopped".into())),
                _ => self.answer(r),
            })
            .collect()
    }
}
