//! The `resolve` function: the steps in order, each a named function (the first three in
//! `attrs` and `profile`, the method in `method`).

use url::Url;

use super::attrs::{describe_origin, from_flags_and_env, Attr, Attrs};
use super::method::{choose_method, MethodContext};
use super::profile::{note_text, read_config_file, FileNote, FileOutcome};
use super::types::{AuthFlags, Method, Origin, ProfileRef, ResolvedAuth, Source};
use crate::env::Env;
use crate::error::AuthError;
use crate::host_url::{host_display, normalize_host};

/// Resolves host and credentials from flags, environment and config file (see the module docs).
pub fn resolve(flags: &AuthFlags, env: &Env) -> Result<ResolvedAuth, AuthError> {
    // 1–2. Flags, then the environment for what they left unset.
    let (mut a, runtime_version) = from_flags_and_env(flags, env)?;
    // 3. The config file.
    let file = read_config_file(&mut a, env)?;
    let profile_ref = file.profile_ref();
    let origin_desc = |o: Origin| describe_origin(o, profile_ref.as_ref());
    // 4. Host.
    let (host_attr, host) = host(&a, &file.note, &origin_desc)?;
    warn_foreign_host(&a, &file, profile_ref.as_ref(), &host_attr, &host, &origin_desc);
    let host_s = host_display(&host);
    // 5. Method.
    let method = choose_method(
        &a,
        &MethodContext {
            host: &host_s,
            note: &file.note,
            other_methods: &file.other_methods,
            origin_desc: &origin_desc,
        },
    )?;
    // 6. Other settings.
    let rate_limit = rate_limit(&a, &origin_desc)?;
    account_id(&a, &origin_desc)?;
    // 7. Source: who supplied host and the credentials in use.
    let source = source(&a, host_attr.origin, &method, profile_ref);
    Ok(ResolvedAuth {
        host,
        method,
        source,
        cluster_id: a.cluster_id.map(|c| c.value),
        account_id: a.account_id.map(|c| c.value),
        rate_limit,
        in_databricks_runtime: runtime_version.is_some(),
        runtime_version,
    })
}

/// The host attribute and its normalised URL; an error says where a host was looked for.
fn host(a: &Attrs, note: &FileNote, origin_desc: &dyn Fn(Origin) -> String) -> Result<(Attr, Url), AuthError> {
    let Some(host_attr) = a.host.clone() else {
        let mut looked = vec![
            "--host (not given)".to_string(),
            "DATABRICKS_HOST and DATABRICKS_WORKSPACE_URL (not set)".to_string(),
        ];
        looked.push(note_text(note, "has no host"));
        return Err(AuthError::NoHost {
            looked: looked.join("; "),
        });
    };
    let host = normalize_host(&host_attr.value).map_err(|reason| AuthError::InvalidHost {
        origin: origin_desc(host_attr.origin),
        reason,
    })?;
    Ok((host_attr, host))
}

/// Warns when the profile's credentials go to a host given elsewhere that is not the profile's.
fn warn_foreign_host(
    a: &Attrs,
    file: &FileOutcome,
    profile_ref: Option<&ProfileRef>,
    host_attr: &Attr,
    host: &Url,
    origin_desc: &dyn Fn(Origin) -> String,
) {
    let (Some(p), Some(ph)) = (profile_ref, &file.profile_host) else {
        return;
    };
    let creds_from_profile = [&a.token, &a.client_id, &a.client_secret]
        .into_iter()
        .flatten()
        .any(|x| x.origin == Origin::Profile);
    let same = normalize_host(ph).map(|u| &u == host).unwrap_or(false);
    if host_attr.origin != Origin::Profile && creds_from_profile && !same {
        tracing::warn!(
            host = %host_display(host),
            host_source = %origin_desc(host_attr.origin),
            profile = %p.name,
            profile_host = %ph,
            "credentials from the profile are sent to a host other than the profile's own"
        );
    }
}

/// `rate_limit`, when given: a positive number of requests per second.
fn rate_limit(a: &Attrs, origin_desc: &dyn Fn(Origin) -> String) -> Result<Option<f64>, AuthError> {
    let Some(r) = &a.rate_limit else {
        return Ok(None);
    };
    match r.value.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(Some(v)),
        _ => Err(AuthError::InvalidValue {
            key: "rate_limit".into(),
            origin: origin_desc(r.origin),
            reason: format!("'{}' is not a positive number of requests per second", r.value),
        }),
    }
}

/// `account_id`, when given: a path segment of the account's URLs (a UUID in Databricks), so
/// letters, digits and `-` only.
fn account_id(a: &Attrs, origin_desc: &dyn Fn(Origin) -> String) -> Result<(), AuthError> {
    match &a.account_id {
        Some(id) if !id.value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => Err(AuthError::InvalidValue {
            key: "account_id".into(),
            origin: origin_desc(id.origin),
            reason: format!(
                "'{}' is not an account id (letters, digits and '-', e.g. the UUID the account console shows)",
                id.value
            ),
        }),
        _ => Ok(()),
    }
}

/// Who supplied the host and the credentials in use (and `auth_type`).
fn source(a: &Attrs, host_origin: Origin, method: &Method, profile_ref: Option<ProfileRef>) -> Source {
    let mut used: Vec<Origin> = vec![host_origin];
    match method {
        Method::Pat { .. } => used.extend(a.token.as_ref().map(|x| x.origin)),
        Method::OAuthM2m { .. } => {
            used.extend(a.client_id.as_ref().map(|x| x.origin));
            used.extend(a.client_secret.as_ref().map(|x| x.origin));
        }
    }
    used.extend(a.auth_type.as_ref().map(|x| x.origin));
    let mut source = Source::default();
    for o in used {
        match o {
            Origin::Flag(f) if !source.flags.contains(&f) => source.flags.push(f),
            Origin::Env(v) if !source.env_vars.contains(&v) => source.env_vars.push(v),
            Origin::Profile => source.profile = profile_ref.clone(),
            _ => {}
        }
    }
    source
}
