//! The read-only allow-list: which workspace-relative API paths a guest may call.
//!
//! Deny by default. A request path is accepted only if it is exactly one of the read-only
//! endpoints below (or, for Unity Catalog volumes, a clean absolute path under
//! `/api/2.0/fs/directories/`). Anything that could change the meaning of the URL once it is
//! joined to the workspace host (`?`, `#`, `%`, `\`, `..`, `//`, control characters) is refused.

use std::fmt;

/// Endpoint families, each with its own rate limit (as the workspace enforces them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// `/api/2.0/workspace/*`
    Workspace,
    /// `/api/2.0/dbfs/*`
    Dbfs,
    /// `/api/2.0/fs/directories/*` (Unity Catalog volumes)
    Files,
    /// `/api/2.0/preview/scim/v2/*`
    Scim,
}

impl Family {
    /// Short name used in logs, flags and statistics.
    pub fn name(self) -> &'static str {
        match self {
            Family::Workspace => "workspace",
            Family::Dbfs => "dbfs",
            Family::Files => "files",
            Family::Scim => "scim",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const EXACT: &[(&str, Family)] = &[
    ("/api/2.0/workspace/list", Family::Workspace),
    ("/api/2.0/workspace/get-status", Family::Workspace),
    ("/api/2.0/workspace/export", Family::Workspace),
    ("/api/2.0/dbfs/list", Family::Dbfs),
    ("/api/2.0/dbfs/get-status", Family::Dbfs),
    ("/api/2.0/preview/scim/v2/Users", Family::Scim),
    ("/api/2.0/preview/scim/v2/Me", Family::Scim),
];

const FILES_PREFIX: &str = "/api/2.0/fs/directories/";

/// Longest path or query value accepted (Databricks paths are far shorter).
const MAX_LEN: usize = 4096;
/// Most query parameters on one request.
const MAX_PARAMS: usize = 16;

/// Query parameter names the read-only endpoints use; anything else is refused.
const PARAMS: &[&str] = &[
    "path",
    "format",
    "notebooks_modified_after",
    "startIndex",
    "count",
    "attributes",
    "excludedAttributes",
    "filter",
    "sortBy",
    "sortOrder",
    "page_size",
    "page_token",
];

/// A request the allow-list accepted: its family and the path segments to put in the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    /// Rate-limit family.
    pub family: Family,
    /// Decoded path segments (the URL builder percent-encodes each one).
    pub segments: Vec<String>,
}

/// The parsed, deny-by-default allow-list.
#[derive(Debug, Clone, Default)]
pub struct AllowList {
    _private: (),
}

impl AllowList {
    /// The read-only allow-list of dbx-inventory.
    pub fn read_only() -> Self {
        AllowList { _private: () }
    }

    /// Checks one request. `Err` carries the reason given back to the guest as `denied`.
    pub fn check(&self, path: &str, query: &[(String, String)]) -> Result<Allowed, String> {
        if path.len() > MAX_LEN {
            return Err(format!("path longer than {MAX_LEN} bytes"));
        }
        if let Some(bad) = path
            .chars()
            .find(|c| matches!(c, '?' | '#' | '%' | '\\') || c.is_control())
        {
            return Err(format!("path {path:?} contains {bad:?}"));
        }
        let family = if let Some((_, family)) = EXACT.iter().find(|(p, _)| *p == path) {
            *family
        } else if let Some(rest) = path.strip_prefix(FILES_PREFIX) {
            if rest.is_empty() || rest.split('/').any(|seg| seg.is_empty() || seg == "." || seg == "..") {
                return Err(format!("path {path:?} is not a clean volume path"));
            }
            Family::Files
        } else {
            return Err(format!("path {path:?} is not on the read-only allow-list"));
        };
        if query.len() > MAX_PARAMS {
            return Err(format!("{} query parameters (limit {MAX_PARAMS})", query.len()));
        }
        for (name, value) in query {
            if !PARAMS.contains(&name.as_str()) {
                return Err(format!("query parameter {name:?} is not allowed"));
            }
            if value.len() > MAX_LEN {
                return Err(format!("query parameter {name:?} longer than {MAX_LEN} bytes"));
            }
        }
        let segments = path[1..].split('/').map(str::to_owned).collect();
        Ok(Allowed { family, segments })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn read_only_endpoints_are_allowed_with_their_family() {
        let a = AllowList::read_only();
        assert_eq!(
            a.check("/api/2.0/workspace/list", &q(&[("path", "/Users/a")]))
                .unwrap()
                .family,
            Family::Workspace
        );
        assert_eq!(a.check("/api/2.0/dbfs/list", &[]).unwrap().family, Family::Dbfs);
        assert_eq!(
            a.check("/api/2.0/preview/scim/v2/Users", &q(&[("startIndex", "1")]))
                .unwrap()
                .family,
            Family::Scim
        );
        assert_eq!(
            a.check("/api/2.0/preview/scim/v2/Me", &[]).unwrap().family,
            Family::Scim
        );
        let v = a
            .check("/api/2.0/fs/directories/Volumes/c/s/v", &q(&[("page_size", "1000")]))
            .unwrap();
        assert_eq!(v.family, Family::Files);
        assert_eq!(
            v.segments,
            ["api", "2.0", "fs", "directories", "Volumes", "c", "s", "v"]
        );
    }

    #[test]
    fn write_and_unknown_endpoints_are_denied() {
        let a = AllowList::read_only();
        for p in [
            "/api/2.0/workspace/delete",
            "/api/2.0/workspace/import",
            "/api/2.0/dbfs/delete",
            "/api/2.0/dbfs/put",
            "/api/2.0/dbfs/read",
            "/api/2.0/token/create",
            "/api/2.0/preview/scim/v2/Users/123",
            "/oidc/v1/token",
            "/.well-known/databricks-config",
            "/api/2.0/workspace/list/",
            "api/2.0/workspace/list",
            "",
            "/",
        ] {
            assert!(a.check(p, &[]).is_err(), "{p} must be denied");
        }
    }

    #[test]
    fn path_tricks_are_denied() {
        let a = AllowList::read_only();
        for p in [
            "/api/2.0/workspace/list?path=/",
            "/api/2.0/workspace/list#x",
            "/api/2.0/workspace/%6Cist",
            "/api/2.0/dbfs/../token/create",
            "/api/2.0/fs/directories/Volumes/../../token",
            "/api/2.0/fs/directories/Volumes//x",
            "/api/2.0/fs/directories/",
            "/api/2.0/fs/directories/a/./b",
            "/api/2.0/workspace\\list",
            "/api/2.0/workspace/list\n",
        ] {
            assert!(a.check(p, &[]).is_err(), "{p:?} must be denied");
        }
    }

    #[test]
    fn unknown_query_parameters_are_denied() {
        let a = AllowList::read_only();
        assert!(a
            .check("/api/2.0/workspace/list", &q(&[("recursive", "true")]))
            .is_err());
        assert!(a
            .check("/api/2.0/workspace/list", &q(&[("path", "/Users/a+b #?&%/x ü")]))
            .is_ok());
        let many: Vec<(String, String)> = (0..17).map(|_| ("path".into(), "/".into())).collect();
        assert!(a.check("/api/2.0/workspace/list", &many).is_err());
    }
}
