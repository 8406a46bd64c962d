//! What credentials that are not a workspace admin cannot see — decided here, in one place.
//!
//! Databricks answers 404 for a Workspace folder the caller may not read, exactly as for a
//! missing one. So when the credentials are known NOT to be a workspace admin (SCIM `Me` lists
//! no `admins` group), a 404 on *another* user's Workspace home says nothing about that home:
//! [`Visibility::apply`] marks it `not_visible` and makes the row an `error` naming whose
//! credentials and why, instead of the `empty`/`no` a missing home gives. The caller's own home
//! and DBFS are untouched. When admin status is unknown nothing changes (the banner says so).
//! [`Visibility::workspace_home_hidden`] is the rule; any other place that decides a Workspace
//! home's existence (e.g. from a `/Users` listing) must ask it too.

use crate::model::{CallerIdentity, Location, Status, UserKey, UserRow};

/// The visibility rule of a run's credentials.
#[derive(Debug, Clone, Default)]
pub struct Visibility {
    /// The caller's `userName` when the credentials are known not to be a workspace admin.
    non_admin: Option<String>,
}

impl Visibility {
    /// Every home visible (an admin, or admin status unknown: behave as before).
    pub fn unrestricted() -> Visibility {
        Visibility::default()
    }

    /// The rule for these credentials.
    pub fn of(identity: &CallerIdentity) -> Visibility {
        Visibility {
            non_admin: identity
                .known_non_admin()
                .then(|| identity.user_name().unwrap_or_default().to_string()),
        }
    }

    /// True when a 404 on `user`'s Workspace home does not mean it is missing: the credentials
    /// are known not to be an admin and the home is not the caller's own.
    pub fn workspace_home_hidden(&self, user: &str) -> bool {
        self.non_admin
            .as_deref()
            .is_some_and(|me| UserKey::of(me) != UserKey::of(user))
    }

    /// `not a workspace admin (…)` when the credentials are known not to be one: an account
    /// run's per-workspace summary says so beside the workspace.
    pub fn non_admin_note(&self) -> Option<String> {
        self.non_admin
            .as_deref()
            .map(|me| format!("{me} is not a workspace admin: other users' Workspace homes are not_visible"))
    }

    /// The caveat of an `--orphans` scan under non-admin credentials: `/Users` in the Workspace
    /// shows them only their own home, so orphaned Workspace homes cannot be found and the
    /// orphan count covers DBFS only. `None` for an admin, or admin status unknown.
    pub fn orphans_note(&self) -> Option<String> {
        self.non_admin.as_deref().map(|me| {
            format!(
                "orphaned homes are incomplete: {me} is not a workspace admin, so the Workspace /Users listing shows \
                 only their own home and orphaned Workspace homes are invisible to these credentials (orphans were \
                 found in DBFS only); scan with a workspace admin's credentials for the full count"
            )
        })
    }

    /// The row's error for a home the credentials cannot see.
    pub fn not_visible_message(&self, user: &str) -> String {
        self.not_visible_message_at(Location::Workspace, user)
    }

    /// The row's error for a Workspace-API folder (`/Users/<user>`, `/Repos/<user>`) the
    /// credentials cannot see.
    pub fn not_visible_message_at(&self, l: Location, user: &str) -> String {
        format!(
            "{} {}/{user}: not visible to these credentials ({} is not a workspace admin, and \
             Databricks answers 404 for another user's folder the caller may not read, exactly as for a \
             missing one): whether this home exists is unknown; scan with a workspace admin's credentials",
            l.name(),
            l.root(),
            self.non_admin.as_deref().unwrap_or("the caller")
        )
    }

    /// Applies the rule to a finished row: a Workspace home that answered 404 and is hidden
    /// becomes `not_visible`, the row `error` (any earlier error is kept, first).
    pub fn apply(&self, row: &mut UserRow) {
        if !self.workspace_home_hidden(&row.username) {
            return;
        }
        // The Workspace API's folders: the home and `/Repos/<user>` (DBFS has no per-user ACLs).
        for l in [Location::Workspace, Location::Repos] {
            let Some(t) = row.at_mut(l).as_mut() else {
                continue;
            };
            if t.home_exists || t.not_visible || t.not_available {
                continue;
            }
            t.not_visible = true;
            let msg = self.not_visible_message_at(l, &row.username);
            row.status = Status::Error;
            row.error = Some(match row.error.take() {
                Some(e) if !e.is_empty() => format!("{e}; {msg}"),
                _ => msg,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Caller, TreeStats};

    fn identity(admin: Option<bool>) -> CallerIdentity {
        CallerIdentity::Known(Caller {
            user_name: "Me@x.com".into(),
            display_name: None,
            groups: vec![],
            admin,
        })
    }

    fn row(user: &str, ws_home: bool) -> UserRow {
        let mut r = UserRow::failed(user, String::new(), 0);
        r.status = Status::Empty;
        r.error = None;
        r.workspace = Some(TreeStats {
            home_exists: ws_home,
            requests: 1,
            ..Default::default()
        });
        r.dbfs = Some(TreeStats::default());
        r
    }

    #[test]
    fn only_other_users_missing_homes_under_non_admin_credentials_become_not_visible() {
        let v = Visibility::of(&identity(Some(false)));
        let mut other = row("bob@x.com", false);
        v.apply(&mut other);
        assert_eq!(other.status, Status::Error);
        assert!(other.workspace.as_ref().unwrap().not_visible);
        assert_eq!(UserRow::home_label(other.workspace.as_ref()), "not_visible");
        assert_eq!(UserRow::home_label(other.dbfs.as_ref()), "no");
        let e = other.error.clone().unwrap();
        assert!(
            e.starts_with(
                "workspace /Users/bob@x.com: not visible to these credentials (Me@x.com is not a workspace admin"
            ),
            "{e}"
        );
        // Applying twice changes nothing more.
        let again = other.clone();
        v.apply(&mut other);
        assert_eq!(other, again);
        // The caller's own home (any case), an existing home: untouched.
        for mut r in [row("me@X.com", false), row("bob@x.com", true)] {
            let before = r.clone();
            v.apply(&mut r);
            assert_eq!(r, before);
        }
        // An earlier error is kept first.
        let mut failed = row("bob@x.com", false);
        failed.status = Status::Error;
        failed.error = Some("dbfs /Users/bob@x.com: HTTP 500".into());
        v.apply(&mut failed);
        assert!(failed
            .error
            .unwrap()
            .starts_with("dbfs /Users/bob@x.com: HTTP 500; workspace /Users/bob@x.com: not visible"));
    }

    #[test]
    fn admins_and_unknown_status_change_nothing() {
        for v in [
            Visibility::of(&identity(Some(true))),
            Visibility::of(&identity(None)),
            Visibility::of(&CallerIdentity::Unknown("HTTP 403".into())),
        ] {
            let mut r = row("bob@x.com", false);
            v.apply(&mut r);
            assert_eq!(r, row("bob@x.com", false));
        }
    }
}
