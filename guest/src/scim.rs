//! SCIM: one page of users (`list-users`) or of service principals (`list-service-principals`),
//! both paged by one [`PageAnswer`], and the caller (`whoami`, `me` with its groups).

use crate::errors::{describe_http_error, describe_malformed, describe_status};
use crate::json::{self, Present};
use crate::lenient;
use crate::transport::{send_one, Answer, Transport};
use crate::types::{Caller, Failure, Request, ServicePrincipal, ServicePrincipalPage, User, UserPage};
use serde::Deserialize;
use std::borrow::Cow;

pub const USERS_PATH: &str = "/api/2.0/preview/scim/v2/Users";
pub const ME_PATH: &str = "/api/2.0/preview/scim/v2/Me";
pub const USER_ATTRIBUTES: &str = "id,userName,displayName,active";
pub const SERVICE_PRINCIPALS_PATH: &str = "/api/2.0/preview/scim/v2/ServicePrincipals";
pub const SERVICE_PRINCIPAL_ATTRIBUTES: &str = "id,applicationId,displayName,active";
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
#[serde(bound(deserialize = "R: Deserialize<'de>"))]
struct ListResponse<R> {
    #[serde(default, rename = "totalResults", deserialize_with = "lenient::u32")]
    total_results: Option<u32>,
    #[serde(default, rename = "startIndex", deserialize_with = "lenient::u32")]
    start_index: Option<u32>,
    /// Every element must be an object.
    #[serde(default = "none", rename = "Resources", deserialize_with = "json::objects")]
    resources: Option<Vec<R>>,
    #[serde(default)]
    error_code: Present,
    #[serde(default)]
    schemas: Option<serde_json::Value>,
}

fn none<T>() -> Option<T> {
    None
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

/// One answered page request of a SCIM listing (`Users`, `ServicePrincipals`).
struct PageAnswer {
    /// `GET <path> (startIndex=…, count=…)`, for messages.
    what: String,
    /// The start index asked for (≥ 1).
    start: u32,
    resp: crate::types::Response,
}

/// The resources of one page, with what the next page needs.
struct ReadPage<R> {
    resources: Vec<R>,
    total_results: Option<u32>,
    start_index: Option<u32>,
}

impl PageAnswer {
    /// Asks `path` for the page at 1-based `start` (0 is taken as 1) of `count` (0 = 100)
    /// resources with `attributes`; a non-2xx answer or transport error is a failure.
    fn get<T: Transport + ?Sized>(
        t: &mut T,
        path: &str,
        attributes: &str,
        start: u32,
        count: u32,
    ) -> Result<Self, Failure> {
        let start = start.max(1);
        let count = if count == 0 { DEFAULT_PAGE_SIZE } else { count };
        let req = Request::get(
            path,
            vec![
                ("startIndex".to_string(), start.to_string()),
                ("count".to_string(), count.to_string()),
                ("attributes".to_string(), attributes.to_string()),
            ],
        );
        let what = format!("GET {path} (startIndex={start}, count={count})");
        let answer = send_one(t, req);
        if let Some(f) = failed(&what, &answer) {
            return Err(f);
        }
        Ok(PageAnswer {
            what,
            start,
            resp: answer.expect("checked above"),
        })
    }

    /// The body read as a SCIM list response (an error answer sent with a 2xx is a failure).
    fn read<'b, R: Deserialize<'b>>(&'b self) -> Result<ReadPage<R>, Failure> {
        let page: ListResponse<R> = json::from_object(&self.resp.body).map_err(|e| self.malformed(&e))?;
        if is_error_answer(page.error_code, page.schemas.as_ref()) {
            return Err(error_answer(&self.what, &self.resp));
        }
        Ok(ReadPage {
            resources: page.resources.unwrap_or_default(),
            total_results: page.total_results,
            start_index: page.start_index,
        })
    }

    fn malformed(&self, e: &serde_json::Error) -> Failure {
        self.failure(describe_malformed(&self.resp, e))
    }

    fn failure(&self, why: String) -> Failure {
        Failure {
            status: Some(self.resp.status),
            message: format!("{}: {why}", self.what),
        }
    }

    /// The `start-index` of the next page after `returned` resources: the echoed `startIndex`
    /// (or the one asked for) plus `returned`; none after an empty page, or when `totalResults` is
    /// known and the next index lies beyond it.
    fn next_start_index<R>(&self, page: &ReadPage<R>, returned: usize) -> Option<u32> {
        if returned == 0 {
            return None;
        }
        let start = self.start;
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
    }
}

/// One page of users from 1-based `start` (0 is taken as 1), asking for `count` (0 = 100).
///
/// The next page starts at the echoed `startIndex` (or `start` when absent) plus the number of
/// users actually returned; there is none after an empty page, or when `totalResults` is known
/// and the next index lies beyond it. Users without a `userName` are left out of `users` but
/// still advance the index.
pub fn list_users<T: Transport + ?Sized>(t: &mut T, start: u32, count: u32) -> Result<UserPage, Failure> {
    let answer = PageAnswer::get(t, USERS_PATH, USER_ATTRIBUTES, start, count)?;
    let mut page = answer.read::<RawUser>()?;
    let resources = std::mem::take(&mut page.resources);
    let next_start_index = answer.next_start_index(&page, resources.len());
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
    Ok(UserPage {
        users,
        total_results: page.total_results,
        next_start_index,
    })
}

/// One SCIM service principal as served; its fields are checked strictly (see
/// [`list_service_principals`]), so they are read as raw JSON values first.
#[derive(Deserialize)]
struct RawServicePrincipal<'a> {
    #[serde(default, rename = "applicationId")]
    application_id: Option<serde_json::Value>,
    #[serde(default, rename = "displayName")]
    display_name: Option<serde_json::Value>,
    #[serde(default)]
    active: Option<serde_json::Value>,
    #[serde(borrow, default, deserialize_with = "lenient::string")]
    id: Option<Cow<'a, str>>,
}

/// `a number`, `an object`, … for a message about a value of the wrong type.
fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

impl RawServicePrincipal<'_> {
    /// The checked service principal, or why this resource is unusable.
    fn check(self) -> Result<ServicePrincipal, String> {
        use serde_json::Value;
        let application_id = match self.application_id {
            Some(Value::String(s)) => {
                if let Err(why) = crate::username::validate(&s) {
                    return Err(format!(
                        "applicationId '{}' cannot name a home directory ({why})",
                        crate::username::display(&s)
                    ));
                }
                s
            }
            None | Some(Value::Null) => return Err("has no applicationId".to_string()),
            Some(v) => return Err(format!("applicationId is {}, not a string", json_kind(&v))),
        };
        let display_name = match self.display_name {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(v) => return Err(format!("displayName is {}, not a string", json_kind(&v))),
        };
        let active = match self.active {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(b),
            Some(v) => return Err(format!("active is {}, not true or false", json_kind(&v))),
        };
        Ok(ServicePrincipal {
            application_id,
            display_name,
            active,
            id: self.id.map(Cow::into_owned),
        })
    }
}

/// One page of service principals, paged exactly like [`list_users`]. Their ids name homes and
/// decide which homes are orphans, so a resource that is not a usable service principal fails the
/// page (naming its position) rather than being skipped: an `applicationId` that is absent, not a
/// string or no valid home name, a `displayName` that is not a string, or an `active` that is not
/// a boolean (`null` or absent are "not said").
pub fn list_service_principals<T: Transport + ?Sized>(
    t: &mut T,
    start: u32,
    count: u32,
) -> Result<ServicePrincipalPage, Failure> {
    let answer = PageAnswer::get(t, SERVICE_PRINCIPALS_PATH, SERVICE_PRINCIPAL_ATTRIBUTES, start, count)?;
    let mut page = answer.read::<RawServicePrincipal>()?;
    let resources = std::mem::take(&mut page.resources);
    let next_start_index = answer.next_start_index(&page, resources.len());
    let mut service_principals = Vec::with_capacity(resources.len());
    for (n, raw) in resources.into_iter().enumerate() {
        let id = raw.id.as_deref().map(|i| format!(" (id {i})")).unwrap_or_default();
        let sp = raw
            .check()
            .map_err(|why| answer.failure(format!("service principal {} of the page{id}: {why}", n + 1)))?;
        service_principals.push(sp);
    }
    Ok(ServicePrincipalPage {
        service_principals,
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
    let me: RawMe = json::from_object(&resp.body).map_err(|e| Failure {
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
