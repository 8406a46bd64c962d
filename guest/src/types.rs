//! Plain Rust mirrors of the WIT types, so the logic modules compile and test on any target.

/// One GET request, relative to the workspace URL (`dbx:inventory/http.request`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Absolute API path, e.g. `/api/2.0/workspace/list`.
    pub path: String,
    /// Raw (unencoded) query pairs; the host percent-encodes them.
    pub query: Vec<(String, String)>,
}

impl Request {
    pub fn get(path: &str, query: Vec<(String, String)>) -> Self {
        Request {
            path: path.to_string(),
            query,
        }
    }

    /// The value of the first query parameter called `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// The final answer to a request, after the host's retries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Why a request produced no HTTP response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpError {
    Denied(String),
    Timeout,
    Transport(String),
    TooLarge(u64),
    Cancelled(String),
}

/// What to scan for one user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScanOptions {
    pub dbfs: bool,
    pub workspace: bool,
    /// Most requests per `send` batch; 0 = [`crate::walk::DEFAULT_BATCH_SIZE`].
    pub batch_size: u32,
}

/// Counts for one tree of one user.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TreeStats {
    pub home_exists: bool,
    pub files: u64,
    pub bytes: u64,
    pub directories: u64,
    pub unsized_objects: u64,
    pub notebooks: u64,
    pub repos: u64,
    pub vanished_dirs: u64,
    pub max_depth: u32,
    pub requests: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanStatus {
    Success,
    Empty,
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserReport {
    pub username: String,
    pub dbfs: Option<TreeStats>,
    pub workspace: Option<TreeStats>,
    pub status: ScanStatus,
    pub error: Option<String>,
    pub requests: u32,
}

/// One SCIM user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub user_name: String,
    pub display_name: Option<String>,
    pub active: Option<bool>,
    pub id: Option<String>,
}

/// One page of SCIM users.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserPage {
    pub users: Vec<User>,
    pub total_results: Option<u32>,
    pub next_start_index: Option<u32>,
}

/// Why a call failed as a whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub status: Option<u16>,
    pub message: String,
}

/// The two trees a user's files live in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tree {
    Dbfs,
    Workspace,
}

impl Tree {
    /// Name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Tree::Dbfs => "dbfs",
            Tree::Workspace => "workspace",
        }
    }

    /// The list endpoint of the tree.
    pub fn list_path(self) -> &'static str {
        match self {
            Tree::Dbfs => crate::dbfs::LIST_PATH,
            Tree::Workspace => crate::workspace::LIST_PATH,
        }
    }

    /// The list request for `path` in this tree.
    pub fn list_request(self, path: &str) -> Request {
        Request::get(self.list_path(), vec![("path".to_string(), path.to_string())])
    }
}
