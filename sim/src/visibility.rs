//! What a non-admin user's token (`--user-token`) may read in the Workspace, as Databricks
//! enforces it: under `/Users` only its own home, and under `/Repos` only its own folder (a
//! user's `/Repos/<user>` folder is theirs as their home is: others have no permission on it).
//! Another user's folder in either root, or anything under it, answers 404 exactly like a missing
//! path, and listing `/Users` or `/Repos` shows only the caller's own folder. DBFS (including
//! `/FileStore/shared_uploads/<user>`) has no per-user access control, and SCIM is not
//! restricted: both answer as for an admin.

use dbx_api::UserKey;

use crate::auth::Principal;

/// The Workspace roots with one folder per user, named by the user's name (with the slash).
const PER_USER_ROOTS: [&str; 2] = ["/Users/", "/Repos/"];

/// True when `path` is a root [`hidden`] filters a non-admin's listing of.
pub fn is_per_user_root(path: &str) -> bool {
    PER_USER_ROOTS.iter().any(|r| r.strip_suffix('/') == Some(path))
}

/// True when the normalized Workspace `path` lies in a home `who` may not read.
pub fn hidden(who: &Principal, path: &str) -> bool {
    let Some(user) = who.restricted_user() else {
        return false;
    };
    let Some(rest) = PER_USER_ROOTS.iter().find_map(|root| path.strip_prefix(root)) else {
        return false;
    };
    let home = rest.split('/').next().unwrap_or("");
    !home.is_empty() && UserKey::of(home) != UserKey::of(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_other_users_homes_are_hidden_and_only_from_users() {
        let bob = Principal::User("bob@x.com".into());
        assert!(hidden(&bob, "/Users/a@x.com"));
        assert!(hidden(&bob, "/Users/a@x.com/deep/nb"));
        assert!(!hidden(&bob, "/Users/bob@x.com/nb"));
        assert!(!hidden(&bob, "/Users/BOB@x.com"));
        let arne = Principal::User("Ärne@x.com".into());
        assert!(!hidden(&arne, "/Users/ärne@x.com") && hidden(&arne, "/Users/arne@x.com"));
        assert!(!hidden(&bob, "/Users"));
        assert!(!hidden(&bob, "/Shared/x"));
        assert!(hidden(&bob, "/Repos/a@x.com"));
        assert!(hidden(&bob, "/Repos/a@x.com/analytics/nb"));
        assert!(hidden(&bob, "/Repos/bob@x.com.old"));
        assert!(hidden(&bob, "/Users/bob@x.com2/nb"));
        assert!(!hidden(&bob, "/Repos/bob@x.com/analytics"));
        assert!(!hidden(&bob, "/Repos"));
        assert!(!hidden(&Principal::Pat(0), "/Repos/a@x.com"));
        assert!(is_per_user_root("/Users") && is_per_user_root("/Repos"));
        assert!(!is_per_user_root("/Shared") && !is_per_user_root("/Repos/a@x.com"));
        assert!(!hidden(&Principal::Pat(0), "/Users/a@x.com"));
        assert!(!hidden(&Principal::ServicePrincipal("c".into()), "/Users/a@x.com"));
    }
}
