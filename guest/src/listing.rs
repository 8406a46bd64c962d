//! The tree-independent view of one directory listing entry.

use std::borrow::Cow;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Recurse into it. `repo`: a Workspace Git folder.
    Dir { repo: bool },
    /// Anything else. `size` when the server gave one; `notebook` for Workspace notebooks.
    File { size: Option<u64>, notebook: bool },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Absolute path, borrowed from the body when it needs no unescaping.
    pub path: Option<Cow<'a, str>>,
    pub kind: Kind,
}

impl Entry<'_> {
    pub fn is_dir(&self) -> bool {
        matches!(self.kind, Kind::Dir { .. })
    }
}

/// Deserializes a body that must be a JSON object (serde would also take a struct from an array).
pub fn from_object<'a, T: serde::Deserialize<'a>>(body: &'a [u8]) -> Result<T, serde_json::Error> {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') | None => serde_json::from_slice(body),
        Some(_) => Err(<serde_json::Error as serde::de::Error>::custom("not a JSON object")),
    }
}
