//! SCIM: one page of users (`list-users`) and the caller (`whoami`, `me` with its groups).

use crate::errors::{describe_http_error, describe_malformed, describe_status};
use crate::lenient;
use crate::listing::{self, Present};
use crate::transport::{Answer, Transport};
use crate::types::{Caller, Failure, Request, User, UserPage};
use serde::Deserialize;
use std::borrow::Cow;

pub const USERS_PATH: &str = "/api/2.0/preview/scim/v2/Users";
pub const ME_PATH: &str = "/api/2.0/preview/scim/v2/Me";
pub const USER_ATTRIBUTES: &str = "id,userName,displayName,active";
/// Page size asked for when the caller passes 0.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

#[derive(Deserialize)]
struct RawUser<'a> {
    #[serde(borrow, default, rename = "userName", deserialize_with = "lenient::string")]
    user_name: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "displayName", deserialize_with = "lenient::string")]
    display_name: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "lenient::bool")]
    active: Option<bool>,
    #[serde(borrow, default, deserialize_with = "lenient::string")]
    id: Option<Cow<'a, str>>,
    /// Error markers of a 2xx that is an error answer (`Me`; see [`ErrorMarks`]).
    #[serde(default)]
    error_code: Present,
    #[serde(default)]
    schemas: Option<serde_json::Value>,
}

/// The SCIM error schema (`{"schemas":[this],"detail":…,"status":"500"}`).
const SCIM_ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// A 2xx SCIM body is an error answer when it carries a non-null `error_code` (the REST error
/// form) or lists the SCIM error schema in `schemas` (the SCIM error form), whatever else it holds.
fn is_error_answer(error_code: Present, schemas: Option<&serde_json::Value>) -> bool {
    error_code.0
        || schemas
            .and_then(serde_json::Value::as_array)
            .is_some_and(|s| s.iter().any(|v| v.as_str() == Some(SCIM_ERROR_SCHEMA)))
}

/// The failure for an error answer sent with a 2xx status.
fn error_answer(what: &str, resp: &crate::types::Response) -> Failure {
    Failure {
        status: Some(resp.status),
        message: format!("{what}: {}", describe_status(resp)),
    }
}

#[derive(Deserialize)]
struct ListResponse<'a> {
    #[serde(default, rename = "totalResults", deserialize_with = "lenient::u32")]
    total_results: Option<u32>,
    #[serde(default, rename = "startIndex", deserialize_with = "lenient::u32")]
    start_index: Option<u32>,
    /// Every element must be an object.
    #[serde(borrow, default, rename = "Resources", deserialize_with = "listing::objects")]
    resources: Option<Vec<RawUser<'a>>>,
    #[serde(default)]
    error_code: Present,
    #[serde(default)]
    schemas: Option<serde_json::Value>,
}

/// Turns a non-2xx answer or a transport error into a failure naming `what`.
fn failed(what: &str, answer: &Answer) -> Option<Failure> {
    match answer {
        Err(e) => Some(Failure {
            status: None,
            message: format!("{what}: {}", describe_http_error(e)),
        }),
        Ok(r) if !(200..300).contains(&r.status) => Some(Failure {
            status: Some(r.status),
            message: format!("{what}: {}", describe_status(r)),
        }),
        Ok(_) => None,
    }
}

fn send_one<T: Transport + ?Sized>(t: &mut T, req: Request) -> Answer {
    t.send(std::slice::from_ref(&req))
        .into_iter()
        .next()
        .unwrap_or_else(|| {
            Err(crate::types::HttpError::Transport(
                "host answered no result for the request".to_string(),
            ))
        })
}

/// One page of users from 1-based `start` (0 is taken as 1), asking for `count` (0 = 100).
///
/// The next page starts at the echoed `startIndex` (or `start` when absent) plus the number of
/// users actually returned; there is none after an empty page, or when `totalResults` is known
/// and the next index lies beyond it. Users without a `userName` are left out of `users` but
/// still advance the index.
pub fn list_users<T: Transport + ?Sized>(t: &mut T, start: u32, count: u32) -> Result<UserPage, Failure> {
    let start = start.max(1);
    let count = if count == 0 { DEFAULT_PAGE_SIZE } else { count };
    let req = Request::get(
        USERS_PATH,
        vec![
            ("startIndex".to_string(), start.to_string()),
            ("count".to_string(), count.to_string()),
            ("attributes".to_string(), USER_ATTRIBUTES.to_string()),
        ],
    );
    let what = format!("GET {USERS_PATH} (startIndex={start}, count={count})");
    let answer = send_one(t, req);
    if let Some(f) = failed(&what, &answer) {
        return Err(f);
    }
    let resp = answer.expect("checked above");
    let page: ListResponse = listing::from_object(&resp.body).map_err(|e| Failure {
        status: Some(resp.status),
        message: format!("{what}: {}", describe_malformed(&resp, &e)),
    })?;
    if is_error_answer(page.error_code, page.schemas.as_ref()) {
        return Err(error_answer(&what, &resp));
    }
    let resources = page.resources.unwrap_or_default();
    let returned = resources.len();
    let users: Vec<User> = resources
        .into_iter()
        .filter_map(|u| {
            Some(User {
                user_name: u.user_name.filter(|n| !n.is_empty())?.into_owned(),
                display_name: u.display_name.map(Cow::into_owned),
                active: u.active,
                id: u.id.map(Cow::into_owned),
            })
        })
        .collect();
    let next_start_index = if returned == 0 {
        None
    } else {
        let base = page.start_index.filter(|&s| s >= 1).unwrap_or(start);
        let returned = u32::try_from(returned).unwrap_or(u32::MAX);
        let mut next = base.saturating_add(returned);
        if next <= start {
            // An echoed index that would not move forward: page from what we asked for.
            next = start.saturating_add(returned);
        }
        match page.total_results {
            Some(total) if next > total => None,
            _ if next == u32::MAX => None,
            _ => Some(next),
        }
    };
    Ok(UserPage {
        users,
        total_results: page.total_results,
        next_start_index,
    })
}

/// The `userName` of the caller (SCIM `Me`).
pub fn whoami<T: Transport + ?Sized>(t: &mut T) -> Result<String, Failure> {
    me(t).map(|c| c.user_name)
}

/// The SCIM group that makes a workspace admin.
pub const ADMINS_GROUP: &str = "admins";

/// The caller (SCIM `Me`): name, groups, and whether it is a workspace admin.
pub fn me<T: Transport + ?Sized>(t: &mut T) -> Result<Caller, Failure> {
    let what = format!("GET {ME_PATH}");
    let answer = send_one(t, Request::get(ME_PATH, Vec::new()));
    if let Some(f) = failed(&what, &answer) {
        return Err(f);
    }
    let resp = answer.expect("checked above");
    let me: RawMe = listing::from_object(&resp.body).map_err(|e| Failure {
        status: Some(resp.status),
        message: format!("{what}: {}", describe_malformed(&resp, &e)),
    })?;
    if is_error_answer(me.error_code, me.schemas.as_ref()) {
        return Err(error_answer(&what, &resp));
    }
    let user_name = me
        .user_name
        .filter(|n| !n.is_empty())
        .map(Cow::into_owned)
        .ok_or_else(|| Failure {
            status: Some(resp.status),
            message: format!("{what}: response has no userName"),
        })?;
    let (groups, is_admin) = read_groups(me.groups.as_ref());
    Ok(Caller {
        user_name,
        display_name: me.display_name.map(Cow::into_owned),
        groups,
        is_admin,
    })
}

/// `Me`: a user resource with its `groups` (the fields of [`RawUser`] that `Me` needs).
#[derive(Deserialize)]
struct RawMe<'a> {
    #[serde(borrow, default, rename = "userName", deserialize_with = "lenient::string")]
    user_name: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "displayName", deserialize_with = "lenient::string")]
    display_name: Option<Cow<'a, str>>,
    #[serde(default)]
    groups: Option<serde_json::Value>,
    #[serde(default)]
    error_code: Present,
    #[serde(default)]
    schemas: Option<serde_json::Value>,
}

/// The group names of `Me`'s `groups`, and whether they make an admin. Absent or `null` means
/// no group (SCIM omits empty attributes): not an admin. A value that is not a list of objects
/// with a string `display` leaves the answer open — unless a readable entry is `admins`.
fn read_groups(groups: Option<&serde_json::Value>) -> (Vec<String>, Option<bool>) {
    let entries = match groups {
        None | Some(serde_json::Value::Null) => return (Vec::new(), Some(false)),
        Some(serde_json::Value::Array(a)) => a,
        Some(_) => return (Vec::new(), None),
    };
    let mut names = Vec::new();
    let mut unreadable = false;
    for g in entries {
        match g.get("display").and_then(serde_json::Value::as_str) {
            Some(name) if g.is_object() && !name.is_empty() => names.push(name.to_string()),
            _ => unreadable = true,
        }
    }
    let admin = names.iter().any(|n| n == ADMINS_GROUP);
    let is_admin = if admin {
        Some(true)
    } else if unreadable {
        None
    } else {
        Some(false)
    };
    (names, is_admin)
}
