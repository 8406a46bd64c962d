//! SCIM users and service principals (with the homes the principals own).

use std::collections::HashSet;

use serde_json::{json, Map};

use super::draw::{obj, Gen};
use super::names::{DOMAINS, FIRST, LAST, SP_KINDS, WORDS};
use crate::fixture::{ServicePrincipalEntry, UserEntry};

impl Gen {
    /// About one service principal per 25 users (at least one from 10 users on): automation
    /// named like `etl-service-3`, about 1 in 6 inactive, most with a home in both trees (a
    /// Workspace home always, a DBFS one 3 times in 4), 1 in 8 with no home at all.
    pub(super) fn service_principals(&mut self, n_users: usize) -> Vec<ServicePrincipalEntry> {
        let n = if n_users >= 10 { (n_users / 25).max(1) } else { 0 };
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let application_id = self.uuid();
            let display_name = format!("{}-{}-{i}", self.pick(WORDS), self.pick(SP_KINDS));
            let active = !self.chance(1.0 / 6.0);
            if !self.chance(1.0 / 8.0) {
                self.workspace_home(&application_id);
                if self.chance(0.75) {
                    self.dbfs_home(&application_id);
                }
            }
            out.push(ServicePrincipalEntry {
                application_id,
                display_name: Some(display_name),
                active: Some(active),
                extra: obj(vec![("entitlements", json!([{"value": "workspace-access"}]))]),
            });
        }
        out
    }

    pub(super) fn users(&mut self, n: usize) -> Vec<UserEntry> {
        let mut names = HashSet::new();
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let (f, l) = (self.pick(FIRST), self.pick(LAST));
            let domain = self.pick(DOMAINS);
            let mut user_name = format!("{f}.{l}@{domain}");
            if !names.insert(user_name.clone()) {
                user_name = format!("{f}.{l}{i}@{domain}");
                names.insert(user_name.clone());
            }
            let display = format!(
                "{}{} {}{}",
                f[..1].to_uppercase(),
                &f[1..],
                l[..1].to_uppercase(),
                &l[1..]
            );
            let active = !self.chance(0.07);
            out.push(UserEntry {
                user_name,
                display_name: Some(display),
                active: Some(active),
                extra: Map::new(),
            });
        }
        out
    }
}
