//! What a non-admin user's token (`--user-token`) may read in the Workspace, as Databricks
//! enforces it: under `/Users` only its own home. Another user's home, or anything under it,
//! answers 404 exactly like a missing path, and listing `/Users` shows only the caller's home.
//! DBFS and SCIM are not restricted (they answer as for an admin).

use crate::auth::Principal;

/// True when the normalized Workspace `path` lies in a home `who` may not read.
pub fn hidden(who: &Principal, path: &str) -> bool {
    let Some(user) = who.restricted_user() else {
        return false;
    };
    let Some(rest) = path.strip_prefix("/Users/") else {
        return false;
    };
    let home = rest.split('/').next().unwrap_or("");
    !home.is_empty() && !home.eq_ignore_ascii_case(user)
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
        assert!(!hidden(&bob, "/Users"));
        assert!(!hidden(&bob, "/Shared/x"));
        assert!(!hidden(&Principal::Pat(0), "/Users/a@x.com"));
        assert!(!hidden(&Principal::ServicePrincipal("c".into()), "/Users/a@x.com"));
    }
}
