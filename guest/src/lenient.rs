//! Tolerant field deserializers: every response field is optional and may carry an unexpected
//! JSON type. A field of the wrong type becomes "absent" instead of failing the whole listing.

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// Any JSON value → `Some(u64)` when it is a non-negative integer that fits in `u64`: a JSON
/// integer literal, or a string of ASCII digits only (the proto3 JSON form of a 64-bit integer,
/// which Databricks' protobuf-based APIs may use). Everything else is `None`, never truncated or
/// clamped: fractions (`1.5`), exponents (`1e3`, even when whole), `1000.0`, negatives (also
/// `-0`), integers past `u64::MAX` (serde_json reads `18446744073709551616` as a float), strings
/// with signs, spaces, dots or exponents, booleans, arrays and objects.
pub fn u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    d.deserialize_any(U64V)
}

/// Like [`u64`], clamped to `u32`.
pub fn u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    Ok(u64(d)?.map(|v| v.min(u32::MAX as u64) as u32))
}

/// Any JSON value → `Some(bool)` for booleans and the strings `"true"`/`"false"`.
pub fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    d.deserialize_any(BoolV)
}

/// Any JSON value → `Some(string)` for strings (borrowed when unescaped) and, rendered, numbers.
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    d.deserialize_any(StrV::<true>)
}

/// Any JSON value → `Some(string)` for strings only (borrowed when unescaped); numbers too are
/// `None` (a type or a language is a name, never a number).
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    d.deserialize_any(StrV::<false>)
}

fn parse_num(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u64>().ok()
}

macro_rules! ignore_compound {
    () => {
        fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
            while a.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
            while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    };
}

struct U64V;
impl<'de> Visitor<'de> for U64V {
    type Value = Option<u64>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        // serde_json gives i64 only for literals with a minus sign: `-0` too is no size.
        Ok(u64::try_from(v).ok().filter(|_| v > 0))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(parse_num(v))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    ignore_compound!();
}

struct BoolV;
impl<'de> Visitor<'de> for BoolV {
    type Value = Option<bool>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(match v.trim() {
            s if s.eq_ignore_ascii_case("true") => Some(true),
            s if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        })
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    ignore_compound!();
}

/// A string; with `NUMBERS`, an integer too (as its decimal text).
struct StrV<const NUMBERS: bool>;
impl<'de, const NUMBERS: bool> Visitor<'de> for StrV<NUMBERS> {
    type Value = Option<Cow<'de, str>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(NUMBERS.then(|| Cow::Owned(v.to_string())))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(NUMBERS.then(|| Cow::Owned(v.to_string())))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    ignore_compound!();
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use std::borrow::Cow;

    #[derive(Deserialize)]
    struct T<'a> {
        #[serde(default, deserialize_with = "super::u64")]
        n: Option<u64>,
        #[serde(default, deserialize_with = "super::bool")]
        b: Option<bool>,
        #[serde(borrow, default, deserialize_with = "super::string")]
        s: Option<Cow<'a, str>>,
        #[serde(borrow, default, deserialize_with = "super::text")]
        t: Option<Cow<'a, str>>,
    }

    fn p(j: &str) -> (Option<u64>, Option<bool>, Option<String>) {
        let t: T = serde_json::from_str(j).unwrap();
        (t.n, t.b, t.s.map(|s| s.into_owned()))
    }

    #[test]
    fn values_of_the_wrong_type_are_absent_never_truncated() {
        assert_eq!(p(r#"{}"#), (None, None, None));
        assert_eq!(
            p(r#"{"n":12,"b":true,"s":"x"}"#),
            (Some(12), Some(true), Some("x".into()))
        );
        assert_eq!(
            p(r#"{"n":"34","b":"false","s":7}"#),
            (Some(34), Some(false), Some("7".into()))
        );
        assert_eq!(p(r#"{"n":-1,"b":1,"s":null}"#), (None, None, None));
        assert_eq!(p(r#"{"n":12.9,"b":null,"s":[1,{"a":2}]}"#), (None, None, None));
        assert_eq!(p(r#"{"n":"abc","b":{"x":[1]},"s":{"y":"z"}}"#), (None, None, None));
        assert_eq!(p(r#"{"n":null,"s":"a\"b"}"#), (None, None, Some("a\"b".into())));
        assert_eq!(p(r#"{"n":" 5 "}"#).0, None);
        for n in [
            "1e3",
            "1000.0",
            "-0",
            "18446744073709551616",
            "\"1e3\"",
            "\"+5\"",
            "\"\"",
        ] {
            assert_eq!(p(&format!(r#"{{"n":{n}}}"#)).0, None, "{n}");
        }
        assert_eq!(p(r#"{"n":18446744073709551615}"#).0, Some(u64::MAX));
        assert_eq!(p(r#"{"n":"18446744073709551615"}"#).0, Some(u64::MAX));
        assert_eq!(p(r#"{"n":"007"}"#).0, Some(7));
    }

    #[test]
    fn text_is_strings_only() {
        let t = |j: &str| serde_json::from_str::<T>(j).unwrap().t.map(|s| s.into_owned());
        assert_eq!(t(r#"{"t":"NOTEBOOK"}"#), Some("NOTEBOOK".into()));
        assert_eq!(t(r#"{"t":"a\"b"}"#), Some("a\"b".into()));
        assert_eq!(t(r#"{"t":""}"#), Some(String::new()));
        for bad in ["42", "-1", "1.5", "true", "null", "[\"x\"]", "{\"x\":\"y\"}"] {
            assert_eq!(t(&format!(r#"{{"t":{bad}}}"#)), None, "{bad}");
        }
        assert_eq!(t("{}"), None);
        assert!(matches!(
            serde_json::from_str::<T>(r#"{"t":"x"}"#).unwrap().t,
            Some(Cow::Borrowed(_))
        ));
    }

    #[test]
    fn plain_strings_are_borrowed_not_copied() {
        let j = r#"{"s":"plain"}"#;
        let t: T = serde_json::from_str(j).unwrap();
        assert!(matches!(t.s, Some(Cow::Borrowed(_))));
    }
}
