//! The read-only allow-list: which workspace-relative API requests a guest may make.
//!
//! The list is data, `wit/allow-list.json` (at the repository root), part of the host–guest
//! contract: the Python and Node hosts (`hosts/`) read the same file. This module is the authority:
//! it embeds the file, parses it once, and its tests pin every entry.
//!
//! Deny by default. A request is accepted only if its path is exactly one of the endpoints and
//! every query parameter is one that endpoint may carry. A path with anything that could change
//! the meaning of the URL once it is joined to the workspace host (`?`, `#`, `%`, `\`, control
//! characters) is refused before the lookup, and so is any path or value over the length limits.
//! An endpoint may confine query parameters to [`roots`](Endpoint::roots): the listing and export
//! endpoints take a `path` that must be one of the folders the scanner walks (`/Users`,
//! `/FileStore/shared_uploads` in DBFS; `/Users`, `/Repos` in the Workspace) or below one, never a
//! sibling such as `/Users2` or `/Repos.evil`, never a `.`/`..` or empty segment ([`within_root`]).
//!
//! An endpoint may belong to an [`Optional`] feature (`"option"` in the file): it is on the list
//! only when the run enables that feature ([`AllowList::with`]); [`AllowList::read_only`] is the
//! listing-only list of a run without it.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

/// The rate-limit families are shared with the simulator (`dbx-api`).
pub use dbx_api::Family;

/// Features that put extra endpoints on the allow-list when a run enables them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum Optional {
    /// `scan --notebook-sizes`: `workspace/export` of notebooks.
    #[serde(rename = "notebook-sizes")]
    NotebookSizes,
}

/// The data file, relative to this source file.
const SOURCE: &str = include_str!("../../../wit/allow-list.json");

/// `allow-list.json` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    #[serde(rename = "about")]
    _about: String,
    rules: Rules,
    endpoints: Vec<Endpoint>,
}

/// The checks every request passes, whatever its endpoint.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rules {
    /// Longest path accepted, in bytes (Databricks paths are far shorter).
    max_path_bytes: usize,
    /// Longest query value accepted, in bytes.
    max_value_bytes: usize,
    /// Most query parameters on one request.
    max_params: usize,
    /// Characters refused anywhere in a path.
    forbidden_path_chars: Vec<char>,
    /// Refuse control characters (Unicode `Cc`) in a path.
    forbid_control_chars: bool,
}

/// Only `GET` exists: the WIT request has no method, and every host sends GET.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
enum Method {
    #[serde(rename = "GET")]
    Get,
}

/// One read-only endpoint: exact path, family, and the query parameter names it may carry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Endpoint {
    #[serde(rename = "method")]
    _method: Method,
    path: String,
    family: Family,
    params: Vec<String>,
    /// Parameters confined to folders: the parameter must be present, and each of its values must
    /// be one of these roots or below one ([`within_root`]).
    #[serde(default)]
    roots: BTreeMap<String, Vec<String>>,
    /// On the list only when the run enables this feature.
    #[serde(default)]
    option: Option<Optional>,
}

/// Whether `value` is `root` itself or a path below it: `root`, `/`, then non-empty segments none
/// of which is `.` or `..` (the scanner's own rule for staying inside a home). `/Users2`,
/// `/Users.evil`, `/Users/`, `/Users//x` and `/Users/../x` are not within `/Users`.
pub fn within_root(value: &str, root: &str) -> bool {
    if value == root {
        return true;
    }
    match value.strip_prefix(root).and_then(|r| r.strip_prefix('/')) {
        Some(rest) => rest.split('/').all(|s| !s.is_empty() && s != "." && s != ".."),
        None => false,
    }
}

static SPEC: LazyLock<Spec> = LazyLock::new(|| {
    let spec: Spec = serde_json::from_str(SOURCE).expect("wit/allow-list.json is valid (pinned by the tests)");
    for (i, e) in spec.endpoints.iter().enumerate() {
        assert!(
            spec.endpoints[..i].iter().all(|o| o.path != e.path),
            "wit/allow-list.json lists {} twice",
            e.path
        );
        for (name, roots) in &e.roots {
            assert!(
                e.params.contains(name) && !roots.is_empty(),
                "wit/allow-list.json confines {name} on {}, which it does not take",
                e.path
            );
        }
    }
    spec
});

/// A request the allow-list accepted: its family and the path segments to put in the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    /// Rate-limit family.
    pub family: Family,
    /// Decoded path segments (the URL builder percent-encodes each one).
    pub segments: Vec<String>,
}

/// One allow-list entry as shown to people (`check`): method, exact path, family, parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryView {
    /// Always `GET`.
    pub method: &'static str,
    /// The exact path.
    pub path: &'static str,
    /// Its rate-limit family.
    pub family: Family,
    /// The query parameter names it may carry.
    pub params: Vec<&'static str>,
    /// Parameters confined to folders, with their roots (see [`within_root`]), by name.
    pub roots: Vec<(&'static str, Vec<&'static str>)>,
}

/// The parsed, deny-by-default allow-list.
#[derive(Debug, Clone, Copy)]
pub struct AllowList {
    spec: &'static Spec,
    /// `--notebook-sizes`: the `notebook-sizes` endpoints are on the list.
    notebook_sizes: bool,
}

impl Default for AllowList {
    fn default() -> Self {
        Self::read_only()
    }
}

impl AllowList {
    /// The read-only allow-list of dbx-inventory (`wit/allow-list.json`, parsed on first use).
    pub fn read_only() -> Self {
        AllowList {
            spec: &SPEC,
            notebook_sizes: false,
        }
    }

    /// This list with the endpoints of `feature` on it.
    pub fn with(mut self, feature: Optional) -> Self {
        match feature {
            Optional::NotebookSizes => self.notebook_sizes = true,
        }
        self
    }

    /// Whether `feature`'s endpoints are on the list.
    pub fn enables(&self, feature: Optional) -> bool {
        match feature {
            Optional::NotebookSizes => self.notebook_sizes,
        }
    }

    /// Every endpoint a guest may reach, in the file's order (the data [`AllowList::check`] uses);
    /// an optional endpoint only when its feature is on.
    pub fn entries(&self) -> Vec<EntryView> {
        self.spec
            .endpoints
            .iter()
            .filter(|e| e.option.is_none_or(|o| self.enables(o)))
            .map(|e| EntryView {
                method: match e._method {
                    Method::Get => "GET",
                },
                path: &e.path,
                family: e.family,
                params: e.params.iter().map(String::as_str).collect(),
                roots: e
                    .roots
                    .iter()
                    .map(|(n, r)| (n.as_str(), r.iter().map(String::as_str).collect()))
                    .collect(),
            })
            .collect()
    }

    /// The rules every request passes besides its endpoint, in words (`check` prints them).
    pub fn rules_summary(&self) -> String {
        let r = &self.spec.rules;
        let chars: Vec<String> = r.forbidden_path_chars.iter().map(|c| format!("{c}")).collect();
        format!(
            "paths matched exactly, none holding {}{}; paths and values at most {} and {} bytes; at most {} parameters",
            chars.join(" "),
            if r.forbid_control_chars {
                " or a control character"
            } else {
                ""
            },
            r.max_path_bytes,
            r.max_value_bytes,
            r.max_params
        )
    }

    /// Checks one request. `Err` carries the reason given back to the guest as `denied`.
    pub fn check(&self, path: &str, query: &[(String, String)]) -> Result<Allowed, String> {
        let rules = &self.spec.rules;
        let max = rules.max_path_bytes;
        if path.len() > max {
            return Err(format!("path longer than {max} bytes"));
        }
        if let Some(bad) = path
            .chars()
            .find(|c| rules.forbidden_path_chars.contains(c) || (rules.forbid_control_chars && c.is_control()))
        {
            return Err(format!("path {path:?} contains {bad:?}"));
        }
        let Some(endpoint) = self.spec.endpoints.iter().find(|e| e.path == path) else {
            return Err(format!("path {path:?} is not on the read-only allow-list"));
        };
        if let Some(feature) = endpoint.option.filter(|f| !self.enables(*f)) {
            let flag = match feature {
                Optional::NotebookSizes => "--notebook-sizes",
            };
            return Err(format!(
                "path {path:?} is not on the read-only allow-list of this run (only with {flag})"
            ));
        }
        let max = rules.max_params;
        if query.len() > max {
            return Err(format!("{} query parameters (limit {max})", query.len()));
        }
        let max = rules.max_value_bytes;
        for (name, value) in query {
            if !endpoint.params.contains(name) {
                return Err(format!("query parameter {name:?} is not allowed on {path}"));
            }
            if value.len() > max {
                return Err(format!("query parameter {name:?} longer than {max} bytes"));
            }
        }
        for (name, roots) in &endpoint.roots {
            let mut present = false;
            for (_, value) in query.iter().filter(|(n, _)| n == name) {
                present = true;
                if !roots.iter().any(|r| within_root(value, r)) {
                    return Err(format!(
                        "query parameter {name:?} value {value:?} is not within {}",
                        roots.join(" or ")
                    ));
                }
            }
            if !present {
                return Err(format!("query parameter {name:?} is required on {path}"));
            }
        }
        let segments = path[1..].split('/').map(str::to_owned).collect();
        Ok(Allowed {
            family: endpoint.family,
            segments,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    /// Every endpoint of `wit/allow-list.json`, exactly: adding, dropping or widening one fails here.
    #[test]
    fn the_file_lists_exactly_these_endpoints() {
        let got: Vec<(&str, Family, Vec<&str>)> = SPEC
            .endpoints
            .iter()
            .map(|e| (e.path.as_str(), e.family, e.params.iter().map(String::as_str).collect()))
            .collect();
        let want: Vec<(&str, Family, Vec<&str>)> = vec![
            ("/api/2.0/workspace/list", Family::Workspace, vec!["path"]),
            ("/api/2.0/dbfs/list", Family::Dbfs, vec!["path"]),
            (
                "/api/2.0/preview/scim/v2/Users",
                Family::Scim,
                vec!["startIndex", "count", "attributes"],
            ),
            ("/api/2.0/preview/scim/v2/Me", Family::Scim, vec![]),
            (
                "/api/2.0/preview/scim/v2/ServicePrincipals",
                Family::Scim,
                vec!["startIndex", "count", "attributes"],
            ),
            ("/api/2.0/workspace/export", Family::Export, vec!["path", "format"]),
        ];
        assert_eq!(got, want);
        let options: Vec<Option<Optional>> = SPEC.endpoints.iter().map(|e| e.option).collect();
        assert_eq!(options, [None, None, None, None, None, Some(Optional::NotebookSizes)]);
        assert!(SPEC.endpoints.iter().all(|e| e._method == Method::Get));
        // The folders each endpoint's `path` is confined to: exactly the roots the scanner walks.
        type Confined = Vec<(&'static str, Vec<&'static str>)>;
        let roots: Vec<(&str, Confined)> = AllowList::read_only()
            .with(Optional::NotebookSizes)
            .entries()
            .into_iter()
            .map(|e| (e.path, e.roots))
            .collect();
        assert_eq!(
            roots,
            [
                ("/api/2.0/workspace/list", vec![("path", vec!["/Users", "/Repos"])]),
                (
                    "/api/2.0/dbfs/list",
                    vec![("path", vec!["/Users", "/FileStore/shared_uploads"])]
                ),
                ("/api/2.0/preview/scim/v2/Users", vec![]),
                ("/api/2.0/preview/scim/v2/Me", vec![]),
                ("/api/2.0/preview/scim/v2/ServicePrincipals", vec![]),
                ("/api/2.0/workspace/export", vec![("path", vec!["/Users", "/Repos"])]),
            ]
        );
    }

    #[test]
    fn the_file_pins_these_rules() {
        let r = &SPEC.rules;
        assert_eq!((r.max_path_bytes, r.max_value_bytes, r.max_params), (4096, 4096, 16));
        assert_eq!(r.forbidden_path_chars, ['?', '#', '%', '\\']);
        assert!(r.forbid_control_chars);
    }

    #[test]
    fn read_only_endpoints_are_allowed_with_their_family() {
        let a = AllowList::read_only();
        let w = a.check("/api/2.0/workspace/list", &q(&[("path", "/Users/a")])).unwrap();
        assert_eq!(w.family, Family::Workspace);
        assert_eq!(w.segments, ["api", "2.0", "workspace", "list"]);
        let d = a.check("/api/2.0/dbfs/list", &q(&[("path", "/Users/a")])).unwrap();
        assert_eq!(d.family, Family::Dbfs);
        let u = a
            .check(
                "/api/2.0/preview/scim/v2/Users",
                &q(&[
                    ("startIndex", "1"),
                    ("count", "100"),
                    ("attributes", "id,userName,displayName,active"),
                ]),
            )
            .unwrap();
        assert_eq!(u.family, Family::Scim);
        assert_eq!(u.segments, ["api", "2.0", "preview", "scim", "v2", "Users"]);
        assert_eq!(
            a.check("/api/2.0/preview/scim/v2/Me", &[]).unwrap().family,
            Family::Scim
        );
        let sp = a
            .check(
                "/api/2.0/preview/scim/v2/ServicePrincipals",
                &q(&[
                    ("startIndex", "1"),
                    ("count", "100"),
                    ("attributes", "id,applicationId,displayName,active"),
                ]),
            )
            .unwrap();
        assert_eq!(sp.family, Family::Scim);
    }

    #[test]
    fn write_and_unknown_endpoints_are_denied() {
        let a = AllowList::read_only();
        for p in [
            "/api/2.0/workspace/delete",
            "/api/2.0/workspace/import",
            "/api/2.0/workspace/mkdirs",
            "/api/2.0/dbfs/delete",
            "/api/2.0/dbfs/put",
            "/api/2.0/dbfs/read",
            "/api/2.0/dbfs/mkdirs",
            "/api/2.0/token/create",
            "/api/2.0/preview/scim/v2/Users/123",
            "/api/2.0/preview/scim/v2/Groups",
            "/api/2.0/preview/scim/v2/ServicePrincipals/123",
            "/api/2.0/preview/scim/v2/serviceprincipals",
            "/oidc/v1/token",
            "/.well-known/databricks-config",
            "/api/2.0/workspace/list/",
            "api/2.0/workspace/list",
            "/API/2.0/workspace/list",
            "",
            "/",
        ] {
            let e = a.check(p, &[]).unwrap_err();
            assert!(e.contains("not on the read-only allow-list"), "{p}: {e}");
        }
    }

    /// Without `--notebook-sizes` the list is listing-only: export is refused, naming the flag.
    #[test]
    fn export_is_allowed_only_with_notebook_sizes() {
        let q2 = q(&[("path", "/Users/a/nb"), ("format", "SOURCE")]);
        let e = AllowList::read_only()
            .check("/api/2.0/workspace/export", &q2)
            .unwrap_err();
        assert_eq!(
            e,
            "path \"/api/2.0/workspace/export\" is not on the read-only allow-list of this run (only with --notebook-sizes)"
        );
        let a = AllowList::read_only().with(Optional::NotebookSizes);
        assert!(a.enables(Optional::NotebookSizes) && !AllowList::read_only().enables(Optional::NotebookSizes));
        let ok = a.check("/api/2.0/workspace/export", &q2).unwrap();
        assert_eq!(ok.family, Family::Export);
        assert_eq!(ok.segments, ["api", "2.0", "workspace", "export"]);
        // Still only the parameters the scanner sends: never direct_download.
        let e = a
            .check(
                "/api/2.0/workspace/export",
                &q(&[("path", "/x"), ("direct_download", "true")]),
            )
            .unwrap_err();
        assert!(e.contains("direct_download"), "{e}");
        // Confined like the listings: a notebook in a home or a Git folder, nothing else.
        let at = |p: &str| a.check("/api/2.0/workspace/export", &q(&[("path", p), ("format", "SOURCE")]));
        assert!(at("/Repos/a/proj/nb").is_ok() && at("/Users/a/nb").is_ok());
        assert!(at("/Shared/nb").is_err() && at("/Repos.evil/nb").is_err() && at("/Users/a/../../Shared/nb").is_err());
        // The rest of the list is unchanged.
        assert!(a.check("/api/2.0/workspace/delete", &[]).is_err());
        assert!(a.check("/api/2.0/workspace/list", &q(&[("path", "/Users")])).is_ok());
    }

    /// Read-only endpoints the scanner does not use are not on the list either.
    #[test]
    fn unused_read_only_endpoints_are_denied() {
        let a = AllowList::read_only();
        for p in [
            "/api/2.0/workspace/get-status",
            "/api/2.0/workspace/export",
            "/api/2.0/dbfs/get-status",
            "/api/2.0/fs/directories/Volumes/c/s/v",
            "/api/2.0/fs/files/Volumes/c/s/v/f",
        ] {
            assert!(a.check(p, &q(&[("path", "/Users/a")])).is_err(), "{p} must be denied");
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
            "/api/2.0/dbfs/./list",
            "/api/2.0//dbfs/list",
            "/api/2.0/fs/directories/Volumes/../../token",
            "/api/2.0/fs/directories/Volumes//x",
            "/api/2.0/fs/directories/",
            "/api/2.0/fs/directories/a/./b",
            "/api/2.0/workspace\\list",
            "/api/2.0/workspace/list\n",
            "/api/2.0/workspace/list\u{85}",
        ] {
            assert!(a.check(p, &[]).is_err(), "{p:?} must be denied");
        }
        let e = a.check("/api/2.0/workspace/list?path=/", &[]).unwrap_err();
        assert!(e.contains("'?'"), "{e}");
        let long = format!("/api/2.0/workspace/list{}", "x".repeat(4096));
        assert_eq!(a.check(&long, &[]).unwrap_err(), "path longer than 4096 bytes");
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
        assert_eq!(
            a.check("/api/2.0/workspace/list", &many).unwrap_err(),
            "17 query parameters (limit 16)"
        );
        let long = q(&[("path", &"x".repeat(4097))]);
        assert!(a.check("/api/2.0/workspace/list", &long).is_err());
        let longest = format!("/Users/{}", "x".repeat(4096 - "/Users/".len()));
        assert!(a.check("/api/2.0/workspace/list", &q(&[("path", &longest)])).is_ok());
    }

    /// Parameter names are per endpoint: one endpoint's names are refused on another.
    #[test]
    fn parameters_are_allowed_only_on_their_own_endpoint() {
        let a = AllowList::read_only();
        assert_eq!(
            a.check("/api/2.0/workspace/list", &q(&[("startIndex", "1")]))
                .unwrap_err(),
            "query parameter \"startIndex\" is not allowed on /api/2.0/workspace/list"
        );
        assert!(a.check("/api/2.0/dbfs/list", &q(&[("count", "100")])).is_err());
        assert!(a.check("/api/2.0/preview/scim/v2/Users", &q(&[("path", "/")])).is_err());
        assert!(a
            .check("/api/2.0/preview/scim/v2/ServicePrincipals", &q(&[("path", "/")]))
            .is_err());
        assert!(a
            .check("/api/2.0/preview/scim/v2/Me", &q(&[("attributes", "id")]))
            .is_err());
        for dropped in [
            "filter",
            "excludedAttributes",
            "sortBy",
            "format",
            "page_token",
            "notebooks_modified_after",
        ] {
            assert!(
                a.check("/api/2.0/preview/scim/v2/Users", &q(&[(dropped, "x")]))
                    .is_err()
                    && a.check("/api/2.0/preview/scim/v2/ServicePrincipals", &q(&[(dropped, "x")]))
                        .is_err()
                    && a.check("/api/2.0/workspace/list", &q(&[(dropped, "x")])).is_err(),
                "{dropped} must be denied"
            );
        }
        assert!(a.check("/api/2.0/workspace/list", &q(&[("Path", "/")])).is_err());
    }

    #[test]
    fn within_root_is_the_root_or_below_it() {
        for ok in [
            "/Users",
            "/Users/a@x.com",
            "/Users/a@x.com/x y/ü",
            "/Users/...",
            "/Users/a..b",
        ] {
            assert!(within_root(ok, "/Users"), "{ok}");
        }
        for bad in [
            "/Users2",
            "/Users.evil",
            "/Users/",
            "/Users//x",
            "/Users/a/",
            "/Users/..",
            "/Users/../Shared",
            "/Users/a/./b",
            "/users",
            "Users",
            "/",
            "",
            "dbfs:/Users",
            "/Shared/Users",
        ] {
            assert!(!within_root(bad, "/Users"), "{bad}");
        }
        assert!(within_root(
            "/FileStore/shared_uploads/a@x.com",
            "/FileStore/shared_uploads"
        ));
        assert!(!within_root("/FileStore/shared_uploads2", "/FileStore/shared_uploads"));
        assert!(!within_root("/FileStore/tables", "/FileStore/shared_uploads"));
    }

    /// The listings reach the four locations' roots and what is below them, nothing else: DBFS
    /// `/Users` and `/FileStore/shared_uploads`, Workspace `/Users` and `/Repos`.
    #[test]
    fn listings_are_confined_to_the_four_locations() {
        let a = AllowList::read_only();
        let dbfs = |p: &str| a.check("/api/2.0/dbfs/list", &q(&[("path", p)]));
        let ws = |p: &str| a.check("/api/2.0/workspace/list", &q(&[("path", p)]));
        for p in [
            "/Users",
            "/Users/a@x.com",
            "/Users/a@x.com/sub/f",
            "/FileStore/shared_uploads",
            "/FileStore/shared_uploads/a@x.com/d",
        ] {
            assert!(dbfs(p).is_ok(), "dbfs {p}");
        }
        for p in [
            "/Users",
            "/Users/a@x.com/nb",
            "/Repos",
            "/Repos/a@x.com",
            "/Repos/a@x.com/proj/dir",
        ] {
            assert!(ws(p).is_ok(), "workspace {p}");
        }
        // Siblings of a root, other folders, the other API's roots, traversal: refused.
        for p in [
            "/",
            "/Users2",
            "/Users.evil/x",
            "/FileStore",
            "/FileStore/shared_uploads2/a",
            "/FileStore/tables/x",
            "/Repos",
            "/Repos/a",
            "/databricks-datasets",
            "/Users/a/../../FileStore/x",
            "dbfs:/Users/a",
        ] {
            assert!(dbfs(p).is_err(), "dbfs {p}");
        }
        for p in [
            "/",
            "/Shared",
            "/Users2",
            "/Repos.evil",
            "/Repos2/a",
            "/FileStore/shared_uploads/a",
            "/Repos/a/../../Shared",
            "/Users/a//b",
        ] {
            assert!(ws(p).is_err(), "workspace {p}");
        }
        assert_eq!(
            ws("/Repos.evil").unwrap_err(),
            "query parameter \"path\" value \"/Repos.evil\" is not within /Users or /Repos"
        );
        assert_eq!(
            dbfs("/Users2").unwrap_err(),
            "query parameter \"path\" value \"/Users2\" is not within /Users or /FileStore/shared_uploads"
        );
        // The parameter is required (an unconfined listing is not one the scanner makes), and
        // every copy of it is checked.
        assert_eq!(
            a.check("/api/2.0/dbfs/list", &[]).unwrap_err(),
            "query parameter \"path\" is required on /api/2.0/dbfs/list"
        );
        assert!(a
            .check(
                "/api/2.0/workspace/list",
                &q(&[("path", "/Users/a"), ("path", "/Shared")])
            )
            .is_err());
    }
}
