//! The tree-independent view of one directory listing entry, and the rules every 2xx body is
//! read by (shared by the listings, SCIM and the error bodies):
//!
//! * **Objects only.** A body, and every element of a list of records (`files`, `objects`,
//!   `Resources`), must be a JSON object. serde's derived structs also accept the *sequence
//!   form* (`["/Users/u/x", false, 1000]` read by field position); [`Object`] refuses it, so an
//!   entry that is not an object makes the whole body malformed instead of inventing a file.
//! * **Bounded depth.** serde_json's recursion limit (128 levels) is kept (the guest never
//!   enables `unbounded_depth`): a 100k-deep `[[[…]]]` where a record or a read value belongs
//!   is a malformed body, not a stack overflow. A field of the wrong type is skipped (see
//!   `lenient`) by serde_json's non-recursive skipper, so a deep value there is only "absent".
//! * **An error code is an error.** A 2xx listing whose top-level object has an `error_code`
//!   member that is not `null` is an error answer ([`BadListing::ErrorInBody`]), whatever else it
//!   carries: a listing that reports an error cannot be trusted to be whole, and an error body
//!   has no `files`/`objects`, which would otherwise read as an empty directory.

use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

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
    pub fn describe(&self, resp: &crate::types::Response) -> String {
        match self {
            BadListing::Malformed(e) => crate::errors::describe_malformed(resp, e),
            BadListing::ErrorInBody => crate::errors::describe_status(resp),
        }
    }
}

/// A `T` read only from a JSON object (never from serde's sequence form of a struct).
#[derive(Debug)]
pub struct Object<T>(pub T);

impl<'de, T: de::Deserialize<'de>> de::Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: de::Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Object<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Object)
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

/// A list of records: every element must be a JSON object.
pub fn objects<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: de::Deserialize<'de>,
{
    let list: Option<Vec<Object<T>>> = de::Deserialize::deserialize(d)?;
    Ok(list.map(|v| v.into_iter().map(|o| o.0).collect()))
}

/// Whether a member was present with a value other than `null` (the value itself is skipped,
/// within serde_json's depth limit).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Present(pub bool);

impl<'de> de::Deserialize<'de> for Present {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v: Option<de::IgnoredAny> = de::Deserialize::deserialize(d)?;
        Ok(Present(v.is_some()))
    }
}

/// Deserializes a body that must be a JSON object (never the sequence form of a struct).
pub fn from_object<'a, T: serde::Deserialize<'a>>(body: &'a [u8]) -> Result<T, serde_json::Error> {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') | None => serde_json::from_slice::<Object<T>>(body).map(|o| o.0),
        Some(_) => Err(<serde_json::Error as serde::de::Error>::custom("not a JSON object")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct S {
        #[serde(default)]
        a: Option<u32>,
    }

    #[test]
    fn only_objects() {
        assert_eq!(from_object::<S>(br#"{"a":1}"#).unwrap().a, Some(1));
        assert!(from_object::<S>(b"[1]").is_err());
        assert!(serde_json::from_slice::<Object<S>>(b"[1]").is_err());
        assert!(serde_json::from_slice::<Vec<Object<S>>>(br#"[{"a":1},[2]]"#).is_err());
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let e = serde_json::from_str::<Vec<Object<S>>>(&format!("[{deep}]")).unwrap_err();
        assert!(e.to_string().contains("expected a JSON object"), "{e}");
        // Values that are read keep serde_json's depth limit; skipped ones are skipped without
        // recursion (serde_json's `ignore_value` is a loop), so neither can overflow the stack.
        let e = serde_json::from_str::<serde_json::Value>(&deep).unwrap_err();
        assert!(e.to_string().contains("recursion limit exceeded"), "{e}");
        assert!(serde_json::from_str::<serde::de::IgnoredAny>(&deep).is_ok());
    }
}
