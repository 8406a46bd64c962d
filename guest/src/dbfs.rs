//! DBFS listings: `GET /api/2.0/dbfs/list?path=…` → `{"files":[{path,is_dir,file_size}]}`.

use crate::json::{self, Present};
use crate::lenient;
use crate::listing::{BadListing, Entry, Kind};
use crate::types::Api;
use serde::Deserialize;
use std::borrow::Cow;

pub const LIST_PATH: &str = Api::Dbfs.list_path();

#[derive(Deserialize)]
struct Listing<'a> {
    /// Absent (or null) for an empty directory. Every element must be an object.
    #[serde(borrow, default, deserialize_with = "json::objects")]
    files: Option<Vec<RawFile<'a>>>,
    /// An error answer sent with a 2xx status (see `listing`).
    #[serde(default)]
    error_code: Present,
}

#[derive(Deserialize)]
struct RawFile<'a> {
    #[serde(borrow, default, deserialize_with = "lenient::string")]
    path: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "lenient::bool")]
    is_dir: Option<bool>,
    #[serde(default, deserialize_with = "lenient::u64")]
    file_size: Option<u64>,
    /// Epoch ms.
    #[serde(default, deserialize_with = "lenient::u64")]
    modification_time: Option<u64>,
}

/// `dbfs:/x` → `/x` (the API documents scheme-less paths; tolerate the other form).
fn strip_scheme(p: Cow<'_, str>) -> Cow<'_, str> {
    match p {
        Cow::Borrowed(s) => Cow::Borrowed(s.strip_prefix("dbfs:").filter(|r| r.starts_with('/')).unwrap_or(s)),
        Cow::Owned(s) => match s.strip_prefix("dbfs:").filter(|r| r.starts_with('/')) {
            Some(r) => Cow::Owned(r.to_string()),
            None => Cow::Owned(s),
        },
    }
}

/// Parses one listing body. `is_dir: true` is a directory; everything else is a file.
pub fn parse(body: &[u8]) -> Result<Vec<Entry<'_>>, BadListing> {
    let listing: Listing = json::from_object(body)?;
    if listing.error_code.0 {
        return Err(BadListing::ErrorInBody);
    }
    Ok(listing
        .files
        .unwrap_or_default()
        .into_iter()
        .map(|f| Entry {
            path: f.path.map(strip_scheme),
            modified: f.modification_time,
            object_type: None,
            language: None,
            kind: if f.is_dir == Some(true) {
                Kind::Dir { repo: false }
            } else {
                Kind::File {
                    size: f.file_size,
                    notebook: false,
                }
            },
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_dir_entries_are_directories_and_every_other_entry_a_file() {
        let body = br#"{"files":[
            {"path":"/Users/a@x.com/f.csv","is_dir":false,"file_size":123,"modification_time":1700000000000},
            {"path":"/Users/a@x.com/sub","is_dir":true,"file_size":0,"modification_time":0},
            {"path":"/Users/a@x.com/nosize"},
            {"path":"/Users/a@x.com/strsize","file_size":"77"}
        ]}"#;
        let e = parse(body).unwrap();
        assert_eq!(e.len(), 4);
        assert_eq!(
            e[0].kind,
            Kind::File {
                size: Some(123),
                notebook: false
            }
        );
        assert_eq!(e[0].path.as_deref(), Some("/Users/a@x.com/f.csv"));
        assert_eq!(e[1].kind, Kind::Dir { repo: false });
        assert_eq!(
            e[2].kind,
            Kind::File {
                size: None,
                notebook: false
            }
        );
        assert_eq!(
            e[3].kind,
            Kind::File {
                size: Some(77),
                notebook: false
            }
        );
    }

    #[test]
    fn the_dbfs_scheme_is_dropped_from_absolute_paths() {
        let e = parse(
            br#"{"files":[{"path":"dbfs:/Users/a/x","is_dir":true},{"path":"dbfs:\/Users/a/y"},{"path":"dbfs:rel"}]}"#,
        )
        .unwrap();
        let paths: Vec<_> = e.iter().map(|e| e.path.as_deref().unwrap()).collect();
        assert_eq!(paths, vec!["/Users/a/x", "/Users/a/y", "dbfs:rel"]);
    }

    #[test]
    fn absent_null_and_empty_file_lists_are_an_empty_directory() {
        assert!(parse(b"{}").unwrap().is_empty());
        assert!(parse(br#"{"files":null}"#).unwrap().is_empty());
        assert!(parse(br#"{"files":[]}"#).unwrap().is_empty());
    }

    #[test]
    fn bodies_that_are_not_a_listing_object_are_malformed() {
        assert!(parse(b"").is_err());
        assert!(parse(b"<html>").is_err());
        assert!(parse(br#"{"files":{}}"#).is_err());
        assert!(parse(br#"{"files":[1]}"#).is_err());
        assert!(parse(br#"[]"#).is_err());
    }
}
