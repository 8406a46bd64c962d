//! SCIM users and service principals: `GET /api/2.0/preview/scim/v2/Users[/{id}]`,
//! `GET …/ServicePrincipals[/{id}]` and `GET …/Me`.
//!
//! Both listings page alike (one [`list`]): `Users` and `ServicePrincipals` page with `startIndex` (1-based) and `count`; the server returns at most
//! `scim_max_page` resources whatever `count` asks, so clients must page by the number of
//! resources actually returned. `filter` is parsed by [`crate::scim_filter`]; `attributes`/`excludedAttributes` project; `sortBy`/`sortOrder` sort.

use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::listing_response;
use crate::auth::Principal;
use crate::error::scim_error;
use crate::pipeline::Params;
use crate::scim_filter::{cmp_values, first_value, Filter};
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
        Principal::ServicePrincipal(client) | Principal::NonAdminServicePrincipal(client) => json!({
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim_filter::tests::user;

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
