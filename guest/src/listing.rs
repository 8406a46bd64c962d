//! The tree-independent view of one directory listing entry, and why a 2xx listing body gives
//! none.
//!
//! **An error code is an error.** A 2xx listing whose top-level object has an `error_code`
//! member that is not `null` is an error answer ([`BadListing::ErrorInBody`]), whatever else it
//! carries: a listing that reports an error cannot be trusted to be whole, and an error body
//! has no `files`/`objects`, which would otherwise read as an empty directory.

use crate::errors::{describe_malformed, describe_status};
use crate::types::Response;
use std::borrow::Cow;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Recurse into it. `repo`: a Workspace Git folder.
    Dir { repo: bool },
    /// Anything else. `size` when the server gave a valid one; `notebook` for Workspace notebooks.
    File { size: Option<u64>, notebook: bool },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Absolute path, borrowed from the body when it needs no unescaping.
    pub path: Option<Cow<'a, str>>,
    pub kind: Kind,
    /// Modification time in ms since the epoch, when the server gave a non-negative integer
    /// (DBFS `modification_time`, Workspace `modified_at`); judged against the as-of by the walk.
    pub modified: Option<u64>,
    /// The Workspace `object_type` when it is a string (DBFS entries have none).
    pub object_type: Option<Cow<'a, str>>,
    /// The Workspace `language` when it is a string (notebooks; DBFS entries have none).
    pub language: Option<Cow<'a, str>>,
}

impl Entry<'_> {
    pub fn is_dir(&self) -> bool {
        matches!(self.kind, Kind::Dir { .. })
    }
}

/// Why a 2xx listing body gives no entries.
#[derive(Debug)]
pub enum BadListing {
    /// Not a listing: not JSON, not an object, an entry that is not an object, too deep, …
    Malformed(serde_json::Error),
    /// A JSON object carrying a non-null `error_code` (see the module notes).
    ErrorInBody,
}

impl From<serde_json::Error> for BadListing {
    fn from(e: serde_json::Error) -> Self {
        BadListing::Malformed(e)
    }
}

impl BadListing {
    /// The cause for a message: `HTTP 200 INTERNAL_ERROR: boom` or `malformed response …`.
    pub fn describe(&self, resp: &Response) -> String {
        match self {
            BadListing::Malformed(e) => describe_malformed(resp, e),
            BadListing::ErrorInBody => describe_status(resp),
        }
    }
}
