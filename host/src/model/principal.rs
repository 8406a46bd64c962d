//! Who owns a home: a user or a service principal ([`Principal`]), and whether the home is
//! orphaned ([`Orphan`]: `yes`, `no`, or `unknown` when the service principals could not be
//! listed). A service principal's home is named by its application id, a UUID
//! ([`looks_like_application_id`]). A principal as SCIM lists it is [`Listed`].

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The kind of principal a row is for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Principal {
    /// A SCIM user (and any name not known to be a service principal).
    #[default]
    User,
    /// A SCIM service principal; the row's name is its application id.
    ServicePrincipal,
}

impl Principal {
    /// The CSV value: `user` | `service_principal`.
    pub fn as_str(self) -> &'static str {
        match self {
            Principal::User => "user",
            Principal::ServicePrincipal => "service_principal",
        }
    }

    /// True for [`Principal::User`] (the journal leaves it out).
    pub fn is_user(&self) -> bool {
        *self == Principal::User
    }
}

/// Whether a home is orphaned (owned by no active user or service principal).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Orphan {
    /// Owned by an active principal (every row outside orphan scans).
    #[default]
    No,
    /// No active principal owns it.
    Yes,
    /// Named like an application id while the service principals could not be listed: it may
    /// belong to an active one.
    Unknown,
}

impl Orphan {
    /// The CSV value: `yes` | `no` | `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Orphan::No => "no",
            Orphan::Yes => "yes",
            Orphan::Unknown => "unknown",
        }
    }

    /// True for [`Orphan::No`] (the journal leaves it out).
    pub fn is_no(&self) -> bool {
        *self == Orphan::No
    }

    /// JSON: `true`, `false`, or `null` when unknown.
    pub fn as_json(self) -> Option<bool> {
        match self {
            Orphan::No => Some(false),
            Orphan::Yes => Some(true),
            Orphan::Unknown => None,
        }
    }
}

/// In the journal `yes`/`no` stay the booleans earlier versions wrote (`true`/`false`), so old
/// journals read as they always did; `unknown` is the string `"unknown"`. The strings `"yes"` and
/// `"no"` are read too.
impl Serialize for Orphan {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Orphan::No => s.serialize_bool(false),
            Orphan::Yes => s.serialize_bool(true),
            Orphan::Unknown => s.serialize_str("unknown"),
        }
    }
}

impl<'de> Deserialize<'de> for Orphan {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bool(bool),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Bool(true) => Ok(Orphan::Yes),
            Raw::Bool(false) => Ok(Orphan::No),
            Raw::Text(t) => match t.as_str() {
                "yes" => Ok(Orphan::Yes),
                "no" => Ok(Orphan::No),
                "unknown" => Ok(Orphan::Unknown),
                other => Err(serde::de::Error::custom(format!(
                    "orphan {other:?} is not true, false, \"yes\", \"no\" or \"unknown\""
                ))),
            },
        }
    }
}

/// True for a name shaped like an application id: a UUID in its hyphenated form
/// (`8-4-4-4-12` hex digits, any case), the only form Databricks shows them in.
pub fn looks_like_application_id(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// One listed SCIM principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// `userName`, or a service principal's `applicationId`: the name of its home.
    pub name: String,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `active`; `None` when the server did not say (taken as active).
    pub active: Option<bool>,
    /// SCIM `id`.
    pub id: Option<String>,
    /// A user or a service principal.
    pub principal: Principal,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orphan_reads_old_booleans_and_writes_them_back() {
        for (json, o) in [
            ("true", Orphan::Yes),
            ("false", Orphan::No),
            (r#""unknown""#, Orphan::Unknown),
        ] {
            assert_eq!(serde_json::from_str::<Orphan>(json).unwrap(), o);
            assert_eq!(serde_json::to_string(&o).unwrap(), json);
        }
        assert_eq!(serde_json::from_str::<Orphan>(r#""yes""#).unwrap(), Orphan::Yes);
        let e = serde_json::from_str::<Orphan>(r#""maybe""#).unwrap_err();
        assert!(e.to_string().contains("\"maybe\" is not"), "{e}");
        assert!(serde_json::from_str::<Orphan>("1").is_err());
        assert_eq!(
            [Orphan::Yes, Orphan::No, Orphan::Unknown].map(Orphan::as_str),
            ["yes", "no", "unknown"]
        );
    }

    #[test]
    fn principal_names() {
        assert_eq!(
            serde_json::to_string(&Principal::ServicePrincipal).unwrap(),
            r#""service_principal""#
        );
        assert_eq!(Principal::ServicePrincipal.as_str(), "service_principal");
        assert_eq!(Principal::default().as_str(), "user");
    }

    #[test]
    fn application_ids_are_hyphenated_uuids() {
        for yes in [
            "6f1c7a52-0d4e-4b8e-9d61-3c2b8f0a9e17",
            "6F1C7A52-0D4E-4B8E-9D61-3C2B8F0A9E17",
            "00000000-0000-0000-0000-000000000000",
        ] {
            assert!(looks_like_application_id(yes), "{yes}");
        }
        for no in [
            "6f1c7a520d4e4b8e9d613c2b8f0a9e17",
            "{6f1c7a52-0d4e-4b8e-9d61-3c2b8f0a9e17}",
            "6f1c7a52-0d4e-4b8e-9d61-3c2b8f0a9e1",
            "6f1c7a52-0d4e-4b8e-9d61-3c2b8f0a9e17x",
            "6f1c7a52_0d4e-4b8e-9d61-3c2b8f0a9e17",
            "6g1c7a52-0d4e-4b8e-9d61-3c2b8f0a9e17",
            "a@x.com",
            "",
        ] {
            assert!(!looks_like_application_id(no), "{no}");
        }
    }
}
