//! Who the credentials belong to, as SCIM `Me` says (the guest's `me`), and whether they are a
//! workspace admin — which decides what a scan under them can see.

/// What is known about the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallerIdentity {
    /// SCIM `Me` answered.
    Known(Caller),
    /// SCIM `Me` could not be asked or read (e.g. 403): the reason.
    Unknown(String),
}

/// The caller as SCIM `Me` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// `userName` (an application id for a service principal).
    pub user_name: String,
    /// `displayName`, when given.
    pub display_name: Option<String>,
    /// Group display names SCIM lists for the caller.
    pub groups: Vec<String>,
    /// Member of `admins`; `None` when the answer's groups could not be read.
    pub admin: Option<bool>,
}

impl CallerIdentity {
    /// True only when the credentials are known NOT to be a workspace admin.
    pub fn known_non_admin(&self) -> bool {
        matches!(self, CallerIdentity::Known(Caller { admin: Some(false), .. }))
    }

    /// The caller's `userName`, when known.
    pub fn user_name(&self) -> Option<&str> {
        match self {
            CallerIdentity::Known(c) => Some(&c.user_name),
            CallerIdentity::Unknown(_) => None,
        }
    }

    /// `Some(true|false)` when admin status is known.
    pub fn admin(&self) -> Option<bool> {
        match self {
            CallerIdentity::Known(c) => c.admin,
            CallerIdentity::Unknown(_) => None,
        }
    }

    /// The banner's `Credentials:` line: who, and what that means for the results.
    pub fn banner_line(&self) -> String {
        match self {
            CallerIdentity::Known(c) => match c.admin {
                Some(true) => format!("Credentials: {} (workspace admin: every home is visible)", c.user_name),
                Some(false) => format!(
                    "Credentials: {} (NOT a workspace admin): other users' Workspace homes are not visible to them; \
                     a 404 on one is reported as workspace_home=not_visible (status error), never as no home",
                    c.user_name
                ),
                None => format!(
                    "Credentials: {} (admin status unknown: SCIM Me's groups could not be read): a Workspace home \
                     answering 404 is reported as no home, which for non-admin credentials may mean not visible",
                    c.user_name
                ),
            },
            CallerIdentity::Unknown(why) => format!(
                "Credentials: unknown caller, admin status unknown ({why}): a Workspace home answering 404 is \
                 reported as no home, which for non-admin credentials may mean not visible"
            ),
        }
    }
}
