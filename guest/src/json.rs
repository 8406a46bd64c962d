//! The rules every 2xx body is read by (the listings, SCIM, exports and the error bodies):
//!
//! * **Objects only.** A body, and every element of a list of records (`files`, `objects`,
//!   `Resources`), must be a JSON object. serde's derived structs also accept the *sequence
//!   form* (`["/Users/u/x", false, 1000]` read by field position); [`Object`] refuses it, so an
//!   entry that is not an object makes the whole body malformed instead of inventing a file.
//! * **Bounded depth.** serde_json's recursion limit (128 levels) is kept (the guest never
//!   enables `unbounded_depth`): a 100k-deep `[[[…]]]` where a record or a read value belongs
//!   is a malformed body, not a stack overflow. A field of the wrong type is skipped (see
//!   `lenient`) by serde_json's non-recursive skipper, so a deep value there is only "absent".
//! * **An error code is an error.** Readers look for a non-null `error_code` with [`Present`]
//!   (see `listing` for what it means in a listing).

use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

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
    fn bodies_and_records_are_read_only_from_json_objects() {
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
