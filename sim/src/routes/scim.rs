//! SCIM users and service principals: `GET /api/2.0/preview/scim/v2/Users[/{id}]`,
//! `GET …/ServicePrincipals[/{id}]` and `GET …/Me`.
//!
//! Both listings page alike (one [`list`]): `Users` and `ServicePrincipals` page with `startIndex` (1-based) and `count`; the server returns at most
//! `scim_max_page` resources whatever `count` asks, so clients must page by the number of
//! resources actually returned. `filter` supports `eq ne co sw ew pr gt ge lt le`, `and`, `or`,
//! `not` and parentheses; `attributes`/`excludedAttributes` project; `sortBy`/`sortOrder` sort.

use std::cmp::Ordering;
use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::listing_response;
use crate::auth::Principal;
use crate::error::scim_error;
use crate::pipeline::Params;
use crate::state::SimState;
use crate::store::{user_id_for, Resources, USER_SCHEMA};

const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// `GET /api/2.0/preview/scim/v2/Users`.
pub async fn list_users(State(st): State<Arc<SimState>>, Extension(params): Extension<Params>) -> Response {
    list(&st, &st.store.users, &params)
}

/// `GET /api/2.0/preview/scim/v2/ServicePrincipals`.
pub async fn list_service_principals(
    State(st): State<Arc<SimState>>,
    Extension(params): Extension<Params>,
) -> Response {
    list(&st, &st.store.service_principals, &params)
}

/// `GET /api/2.0/preview/scim/v2/ServicePrincipals/{id}`.
pub async fn get_service_principal(
    State(st): State<Arc<SimState>>,
    Path(id): Path<String>,
    Extension(params): Extension<Params>,
) -> Response {
    match st.store.service_principals.by_id(&id) {
        Some(sp) => listing_response(Value::Object(project(sp, &params)).to_string(), 1),
        None => scim_error(
            StatusCode::NOT_FOUND,
            format!("ServicePrincipal with id {id} not found."),
            None,
        ),
    }
}

/// One page of a resource table: `filter`, `sortBy`/`sortOrder`, `startIndex`/`count` (capped at
/// `scim_max_page`), `attributes`/`excludedAttributes`.
fn list(st: &SimState, table: &Resources, params: &Params) -> Response {
    let filter = match params.get("filter").filter(|f| !f.trim().is_empty()) {
        None => None,
        Some(f) => match Filter::parse(f) {
            Ok(f) => Some(f),
            Err(e) => {
                return scim_error(
                    StatusCode::BAD_REQUEST,
                    format!("Invalid filter {f:?}: {e}"),
                    Some("invalidFilter"),
                )
            }
        },
    };
    let start = match parse_num(params, "startIndex", 1) {
        Ok(n) => n.max(1) as usize,
        Err(r) => return r,
    };
    let count = match parse_num(params, "count", st.scim_max_page as i64) {
        Ok(n) => n.max(0) as usize,
        Err(r) => return r,
    };
    let mut matched: Vec<&Map<String, Value>> = table
        .list
        .iter()
        .filter(|u| filter.as_ref().is_none_or(|f| f.matches(u)))
        .collect();
    if let Some(attr) = params.get("sortBy") {
        let desc = params
            .get("sortOrder")
            .is_some_and(|o| o.eq_ignore_ascii_case("descending"));
        matched.sort_by(|a, b| {
            let o = cmp_values(first_value(a, attr).as_ref(), first_value(b, attr).as_ref());
            if desc {
                o.reverse()
            } else {
                o
            }
        });
    }
    let total = matched.len();
    let page: Vec<Value> = matched
        .into_iter()
        .skip(start - 1)
        .take(count.min(st.scim_max_page))
        .map(|u| Value::Object(project(u, params)))
        .collect();
    let n = page.len();
    let mut body = json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": n,
    });
    if n > 0 {
        body["Resources"] = Value::Array(page);
    }
    listing_response(body.to_string(), n)
}

/// `GET /api/2.0/preview/scim/v2/Users/{id}`.
pub async fn get_user(
    State(st): State<Arc<SimState>>,
    Path(id): Path<String>,
    Extension(params): Extension<Params>,
) -> Response {
    match st.store.users.by_id(&id) {
        Some(u) => listing_response(Value::Object(project(u, &params)).to_string(), 1),
        None => scim_error(StatusCode::NOT_FOUND, format!("User {id} not found."), None),
    }
}

/// `GET /api/2.0/preview/scim/v2/Me`: for an admin PAT the first fixture user, for an OAuth
/// token its service principal — both members of the `admins` group — and for a `--user-token`
/// that user, without `admins` (any other groups the fixture gives it are kept).
pub async fn me(
    State(st): State<Arc<SimState>>,
    Extension(who): Extension<Principal>,
    Extension(params): Extension<Params>,
) -> Response {
    let mut user = match &who {
        Principal::Pat(_) => st.store.users.list.first().cloned().unwrap_or_else(|| {
            let name = "sim-user@example.com";
            json!({"schemas": [USER_SCHEMA], "id": user_id_for(name), "userName": name,
                   "displayName": "Sim User", "active": true,
                   "emails": [{"value": name, "type": "work", "primary": true}]})
            .as_object()
            .cloned()
            .unwrap_or_default()
        }),
        Principal::ServicePrincipal(client) => json!({
            "schemas": [USER_SCHEMA],
            "id": user_id_for(&format!("sp:{client}")),
            "userName": client,
            "displayName": format!("Service principal {client}"),
            "active": true,
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
        // Validated at start: the user is a fixture user.
        Principal::User(name) => st
            .store
            .users
            .list
            .iter()
            .find(|u| {
                u.get("userName")
                    .and_then(Value::as_str)
                    .is_some_and(|n| dbx_api::UserKey::of(n) == dbx_api::UserKey::of(name))
            })
            .cloned()
            .unwrap_or_default(),
    };
    set_admin(&mut user, who.restricted_user().is_none());
    listing_response(Value::Object(project(&user, &params)).to_string(), 1)
}

/// The SCIM id of the simulated `admins` group.
const ADMINS_GROUP_ID: &str = "1000000000000001";

/// Adds the `admins` group to the user's `groups` (admin) or takes it out (not admin); other
/// groups stay. A user left with no group has no `groups` attribute, as SCIM omits empty ones.
fn set_admin(user: &mut Map<String, Value>, admin: bool) {
    let mut groups: Vec<Value> = match user.remove("groups") {
        Some(Value::Array(g)) => g,
        _ => Vec::new(),
    };
    groups.retain(|g| g.get("display").and_then(Value::as_str) != Some("admins"));
    if admin {
        groups.push(json!({"display": "admins", "type": "direct", "value": ADMINS_GROUP_ID,
                           "$ref": format!("Groups/{ADMINS_GROUP_ID}")}));
    }
    if !groups.is_empty() {
        user.insert("groups".into(), Value::Array(groups));
    }
}

fn parse_num(params: &Params, key: &str, default: i64) -> Result<i64, Response> {
    match params.get(key) {
        None | Some("") => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| {
            scim_error(
                StatusCode::BAD_REQUEST,
                format!("Invalid {key}: {v}"),
                Some("invalidValue"),
            )
        }),
    }
}

/// Applies `attributes` / `excludedAttributes` (top-level names; `emails.value` keeps `emails`).
fn project(user: &Map<String, Value>, params: &Params) -> Map<String, Value> {
    let split = |s: &str| -> Vec<String> {
        s.split(',')
            .map(|a| a.trim().split('.').next().unwrap_or("").to_ascii_lowercase())
            .filter(|a| !a.is_empty())
            .collect()
    };
    if let Some(attrs) = params.get("attributes").filter(|a| !a.trim().is_empty()) {
        let keep = split(attrs);
        return user
            .iter()
            .filter(|(k, _)| k == &"id" || keep.contains(&k.to_ascii_lowercase()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
    }
    if let Some(attrs) = params.get("excludedAttributes").filter(|a| !a.trim().is_empty()) {
        let drop = split(attrs);
        return user
            .iter()
            .filter(|(k, _)| k == &"id" || !drop.contains(&k.to_ascii_lowercase()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
    }
    user.clone()
}

/// Looks up an attribute path (case-insensitive); multi-valued attributes yield every element's value.
fn values<'a>(user: &'a Map<String, Value>, path: &str) -> Vec<&'a Value> {
    let mut parts = path.split('.');
    let head = parts.next().unwrap_or("");
    let Some(v) = user.iter().find(|(k, _)| k.eq_ignore_ascii_case(head)).map(|(_, v)| v) else {
        return Vec::new();
    };
    let mut cur = vec![v];
    for part in parts {
        let mut next = Vec::new();
        for v in cur {
            let objs: Vec<&Value> = match v {
                Value::Array(a) => a.iter().collect(),
                other => vec![other],
            };
            for o in objs {
                if let Some(m) = o.as_object() {
                    if let Some((_, x)) = m.iter().find(|(k, _)| k.eq_ignore_ascii_case(part)) {
                        next.push(x);
                    }
                }
            }
        }
        cur = next;
    }
    cur.into_iter()
        .flat_map(|v| match v {
            Value::Array(a) => a.iter().collect::<Vec<_>>(),
            other => vec![other],
        })
        .collect()
}

fn first_value(user: &Map<String, Value>, path: &str) -> Option<Value> {
    values(user, path).into_iter().next().cloned()
}

fn cmp_values(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, _) => Ordering::Greater,
        (_, None) => Ordering::Less,
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .unwrap_or(0.0)
            .partial_cmp(&y.as_f64().unwrap_or(0.0))
            .unwrap_or(Ordering::Equal),
        (Some(x), Some(y)) => text(x).to_lowercase().cmp(&text(y).to_lowercase()),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A parsed SCIM filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `attr op value`.
    Cmp(String, Op, Value),
    /// `attr pr`.
    Present(String),
    /// `a and b`.
    And(Box<Filter>, Box<Filter>),
    /// `a or b`.
    Or(Box<Filter>, Box<Filter>),
    /// `not (a)`.
    Not(Box<Filter>),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Equal (strings compare case-insensitively).
    Eq,
    /// Not equal.
    Ne,
    /// Contains.
    Co,
    /// Starts with.
    Sw,
    /// Ends with.
    Ew,
    /// Greater than.
    Gt,
    /// Greater or equal.
    Ge,
    /// Less than.
    Lt,
    /// Less or equal.
    Le,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Open,
    Close,
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push(Tok::Open);
            }
            ')' => {
                chars.next();
                out.push(Tok::Close);
            }
            '"' => {
                chars.next();
                let mut v = String::new();
                loop {
                    match chars.next() {
                        None => return Err("unterminated string".into()),
                        Some('\\') => match chars.next() {
                            Some(e) => v.push(e),
                            None => return Err("unterminated string".into()),
                        },
                        Some('"') => break,
                        Some(x) => v.push(x),
                    }
                }
                out.push(Tok::Str(v));
            }
            _ => {
                let mut w = String::new();
                while let Some(&x) = chars.peek() {
                    if x.is_whitespace() || x == '(' || x == ')' || x == '"' {
                        break;
                    }
                    w.push(x);
                    chars.next();
                }
                out.push(Tok::Word(w));
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek_word(&self, w: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
    }

    fn or(&mut self) -> Result<Filter, String> {
        let mut left = self.and()?;
        while self.peek_word("or") {
            self.pos += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.factor()?;
        while self.peek_word("and") {
            self.pos += 1;
            left = Filter::And(Box::new(left), Box::new(self.factor()?));
        }
        Ok(left)
    }

    fn factor(&mut self) -> Result<Filter, String> {
        if self.peek_word("not") {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.factor()?)));
        }
        match self.toks.get(self.pos).cloned() {
            Some(Tok::Open) => {
                self.pos += 1;
                let f = self.or()?;
                if self.toks.get(self.pos) != Some(&Tok::Close) {
                    return Err("missing )".into());
                }
                self.pos += 1;
                Ok(f)
            }
            Some(Tok::Word(attr)) => {
                self.pos += 1;
                let op = match self.toks.get(self.pos) {
                    Some(Tok::Word(o)) => o.to_ascii_lowercase(),
                    _ => return Err(format!("expected an operator after {attr}")),
                };
                self.pos += 1;
                let op = match op.as_str() {
                    "pr" => return Ok(Filter::Present(attr)),
                    "eq" => Op::Eq,
                    "ne" => Op::Ne,
                    "co" => Op::Co,
                    "sw" => Op::Sw,
                    "ew" => Op::Ew,
                    "gt" => Op::Gt,
                    "ge" => Op::Ge,
                    "lt" => Op::Lt,
                    "le" => Op::Le,
                    other => return Err(format!("unknown operator {other}")),
                };
                let value = match self.toks.get(self.pos) {
                    Some(Tok::Str(s)) => Value::String(s.clone()),
                    Some(Tok::Word(w)) => match w.to_ascii_lowercase().as_str() {
                        "true" => Value::Bool(true),
                        "false" => Value::Bool(false),
                        "null" => Value::Null,
                        _ => serde_json::from_str::<serde_json::Number>(w)
                            .map(Value::Number)
                            .map_err(|_| format!("bad value {w}"))?,
                    },
                    _ => return Err(format!("expected a value after {attr}")),
                };
                self.pos += 1;
                Ok(Filter::Cmp(attr, op, value))
            }
            Some(t) => Err(format!("unexpected {t:?}")),
            None => Err("unexpected end of filter".into()),
        }
    }
}

impl Filter {
    /// Parses a SCIM filter.
    pub fn parse(s: &str) -> Result<Filter, String> {
        let mut p = Parser {
            toks: tokenize(s)?,
            pos: 0,
        };
        let f = p.or()?;
        if p.pos != p.toks.len() {
            return Err(format!("unexpected {:?}", p.toks[p.pos]));
        }
        Ok(f)
    }

    /// Whether a user matches.
    pub fn matches(&self, user: &Map<String, Value>) -> bool {
        match self {
            Filter::And(a, b) => a.matches(user) && b.matches(user),
            Filter::Or(a, b) => a.matches(user) || b.matches(user),
            Filter::Not(a) => !a.matches(user),
            Filter::Present(attr) => values(user, attr).iter().any(|v| !v.is_null()),
            Filter::Cmp(attr, op, want) => {
                let vals = values(user, attr);
                if *op == Op::Ne {
                    return !vals.iter().any(|v| compare(v, Op::Eq, want));
                }
                vals.iter().any(|v| compare(v, *op, want))
            }
        }
    }
}

fn compare(have: &Value, op: Op, want: &Value) -> bool {
    if let (Value::String(h), Value::String(w)) = (have, want) {
        let (h, w) = (h.to_lowercase(), w.to_lowercase());
        return match op {
            Op::Eq => h == w,
            Op::Ne => h != w,
            Op::Co => h.contains(&w),
            Op::Sw => h.starts_with(&w),
            Op::Ew => h.ends_with(&w),
            Op::Gt => h > w,
            Op::Ge => h >= w,
            Op::Lt => h < w,
            Op::Le => h <= w,
        };
    }
    let o = cmp_values(Some(have), Some(want));
    match op {
        Op::Eq => have == want,
        Op::Ne => have != want,
        Op::Gt => o == Ordering::Greater,
        Op::Ge => o != Ordering::Less,
        Op::Lt => o == Ordering::Less,
        Op::Le => o != Ordering::Greater,
        Op::Co | Op::Sw | Op::Ew => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, active: bool) -> Map<String, Value> {
        json!({"id": "1", "userName": name, "active": active,
               "emails": [{"value": name, "primary": true}]})
        .as_object()
        .unwrap()
        .clone()
    }

    #[test]
    fn filters_match_eq_co_sw_and_or_not() {
        let a = user("Alice@Example.com", true);
        let b = user("bob@corp.io", false);
        let f = Filter::parse(r#"userName eq "alice@example.com""#).unwrap();
        assert!(f.matches(&a) && !f.matches(&b));
        let f = Filter::parse(r#"userName co "corp" or userName sw "ali""#).unwrap();
        assert!(f.matches(&a) && f.matches(&b));
        let f = Filter::parse(r#"active eq true and (emails.value ew ".com")"#).unwrap();
        assert!(f.matches(&a) && !f.matches(&b));
        let f = Filter::parse(r#"not (userName ne "bob@corp.io")"#).unwrap();
        assert!(!f.matches(&a) && f.matches(&b));
        assert!(Filter::parse("userName pr").unwrap().matches(&a));
    }

    #[test]
    fn bad_filters_are_rejected() {
        for f in [
            r#"userName eq"#,
            r#"userName zz "x""#,
            r#"(userName eq "x""#,
            r#"userName eq "x"#,
        ] {
            assert!(Filter::parse(f).is_err(), "{f}");
        }
    }

    #[test]
    fn projection_keeps_id_and_requested_attributes() {
        let u = user("a@x.com", true);
        let mut p = Params::default();
        p.0.insert("attributes".into(), "userName,emails.value".into());
        let m = project(&u, &p);
        let mut keys: Vec<_> = m.keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["emails", "id", "userName"]);
    }
}
