//! Workspace listings: `GET /api/2.0/workspace/list?path=…` → `{"objects":[{path,object_type,size}]}`.

use crate::json::{self, Present};
use crate::lenient;
use crate::listing::{BadListing, Entry, Kind};
use crate::types::Api;
use serde::Deserialize;
use std::borrow::Cow;

pub const LIST_PATH: &str = Api::Workspace.list_path();

#[derive(Deserialize)]
struct Listing<'a> {
    /// Absent (or null) for an empty directory. Every element must be an object.
    #[serde(borrow, default, deserialize_with = "json::objects")]
    objects: Option<Vec<RawObject<'a>>>,
    /// An error answer sent with a 2xx status (see `listing`).
    #[serde(default)]
    error_code: Present,
}

#[derive(Deserialize)]
struct RawObject<'a> {
    #[serde(borrow, default, deserialize_with = "lenient::string")]
    path: Option<Cow<'a, str>>,
    /// A string, or absent (a number is no type: the object is then a file of type "").
    #[serde(borrow, default, deserialize_with = "lenient::text")]
    object_type: Option<Cow<'a, str>>,
    /// Notebooks: `PYTHON`, `SQL`, `SCALA`, `R` (a string, or absent).
    #[serde(borrow, default, deserialize_with = "lenient::text")]
    language: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "lenient::u64")]
    size: Option<u64>,
    /// Epoch ms (files, and often notebooks).
    #[serde(default, deserialize_with = "lenient::u64")]
    modified_at: Option<u64>,
}

/// Parses one listing body. `DIRECTORY` and `REPO` are directories; every other object
/// (NOTEBOOK, FILE, LIBRARY, DASHBOARD, no or unknown type) is a file.
pub fn parse(body: &[u8]) -> Result<Vec<Entry<'_>>, BadListing> {
    let listing: Listing = json::from_object(body)?;
    if listing.error_code.0 {
        return Err(BadListing::ErrorInBody);
    }
    Ok(listing
        .objects
        .unwrap_or_default()
        .into_iter()
        .map(|o| {
            let kind = match o.object_type.as_deref() {
                Some("DIRECTORY") => Kind::Dir { repo: false },
                Some("REPO") => Kind::Dir { repo: true },
                Some("NOTEBOOK") => Kind::File {
                    size: o.size,
                    notebook: true,
                },
                _ => Kind::File {
                    size: o.size,
                    notebook: false,
                },
            };
            Entry {
                path: o.path,
                kind,
                modified: o.modified_at,
                object_type: o.object_type,
                language: o.language,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_and_repos_are_directories_and_every_other_object_a_file() {
        let body = br#"{"objects":[
            {"path":"/Users/a@x.com/project","object_type":"DIRECTORY","object_id":123,"resource_id":"123"},
            {"path":"/Users/a@x.com/nb","object_type":"NOTEBOOK","language":"PYTHON","object_id":456},
            {"path":"/Users/a@x.com/data.csv","object_type":"FILE","size":1234,"created_at":1},
            {"path":"/Users/a@x.com/repo","object_type":"REPO"},
            {"path":"/Users/a@x.com/lib","object_type":"LIBRARY"},
            {"path":"/Users/a@x.com/dash","object_type":"DASHBOARD"},
            {"path":"/Users/a@x.com/exp","object_id":9},
            {"path":"/Users/a@x.com/new","object_type":"SOMETHING_NEW","size":"5"},
            {"path":"/Users/a@x.com/weird","object_type":42,"size":{"a":1}}
        ]}"#;
        let e = parse(body).unwrap();
        let kinds: Vec<Kind> = e.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            vec![
                Kind::Dir { repo: false },
                Kind::File {
                    size: None,
                    notebook: true
                },
                Kind::File {
                    size: Some(1234),
                    notebook: false
                },
                Kind::Dir { repo: true },
                Kind::File {
                    size: None,
                    notebook: false
                },
                Kind::File {
                    size: None,
                    notebook: false
                },
                Kind::File {
                    size: None,
                    notebook: false
                },
                Kind::File {
                    size: Some(5),
                    notebook: false
                },
                Kind::File {
                    size: None,
                    notebook: false
                },
            ]
        );
    }

    #[test]
    fn object_types_and_languages_are_kept_when_they_are_strings() {
        let body = br#"{"objects":[
            {"path":"/Users/a@x.com/nb","object_type":"NOTEBOOK","language":"PYTHON"},
            {"path":"/Users/a@x.com/f","object_type":"FILE","language":null},
            {"path":"/Users/a@x.com/new","object_type":"SOMETHING_NEW","language":"KLINGON"},
            {"path":"/Users/a@x.com/none"},
            {"path":"/Users/a@x.com/num","object_type":42,"language":7},
            {"path":"/Users/a@x.com/obj","object_type":{"a":"NOTEBOOK"},"language":["SQL"]}
        ]}"#;
        let e = parse(body).unwrap();
        let got: Vec<(Option<&str>, Option<&str>)> =
            e.iter().map(|e| (e.object_type.as_deref(), e.language.as_deref())).collect();
        assert_eq!(
            got,
            vec![
                (Some("NOTEBOOK"), Some("PYTHON")),
                (Some("FILE"), None),
                (Some("SOMETHING_NEW"), Some("KLINGON")),
                (None, None),
                (None, None),
                (None, None),
            ]
        );
        assert!(e.iter().all(|e| !e.is_dir()));
    }

    #[test]
    fn empty_object_lists_are_empty_and_non_listings_malformed() {
        assert!(parse(b"{}").unwrap().is_empty());
        assert!(parse(b" {\"objects\": null} ").unwrap().is_empty());
        assert!(parse(b"{\"objects\":\"x\"}").is_err());
        assert!(parse(b"not json").is_err());
        assert!(parse(b"{\"objects\":[]").is_err());
    }

    #[test]
    fn escaped_paths_are_unescaped() {
        let e = parse(br#"{"objects":[{"path":"/Users/a\u00e9/x\"y","object_type":"FILE"}]}"#).unwrap();
        assert_eq!(e[0].path.as_deref(), Some("/Users/a\u{e9}/x\"y"));
    }
}
