//! The order of the draws: users, homes (Workspace, then DBFS), `/Shared`, volumes, service
//! principals, uploads. Each seed's output depends on it; append new draws at the end.

use serde_json::json;

use super::draw::{obj, Gen};
use super::names::{FIRST, LAST};
use crate::fixture::{Fixture, WorkspaceEntry};
use crate::store::stable_hash;

/// Generates a realistic workspace with `users` SCIM users, deterministically from `seed`.
pub fn generate(users: usize, seed: u64) -> Fixture {
    Gen::new(seed).run(users)
}

impl Gen {
    pub(super) fn run(mut self, n_users: usize) -> Fixture {
        let users = self.users(n_users);
        // Homes: SCIM users, minus ~8 % without one, plus departed users and service principals.
        let mut homes: Vec<String> = Vec::new();
        for u in &users {
            if !self.chance(0.08) {
                homes.push(u.user_name.clone());
            }
        }
        let orphans = if n_users >= 10 { (n_users / 20).max(1) } else { 0 };
        let mut departed = Vec::new();
        for i in 0..orphans {
            if i % 3 == 2 {
                homes.push(self.uuid()); // a service principal's home
            } else {
                let (f, l) = (self.pick(FIRST), self.pick(LAST));
                departed.push(format!("former.{f}.{l}{i}@example.com"));
                homes.push(format!("former.{f}.{l}{i}@example.com"));
            }
        }
        for home in &homes {
            self.workspace_home(home);
        }
        for home in &homes {
            if self.chance(0.6) {
                self.dbfs_home(home);
            }
        }
        self.shared(n_users);
        self.dbfs_shared();
        self.volumes(n_users);
        // Drawn last, so every earlier choice (and so every workspace of earlier versions for the
        // same seed) stays as it was.
        let service_principals = self.service_principals(n_users);
        // UI uploads come after that, from their own stream.
        self.uploads(&users, &departed);
        // `/Repos` exists in every workspace: listed explicitly when no user folder implies it.
        if !self.ws.iter().any(|e| e.path.starts_with("/Repos/")) {
            let id = 1_000_000_000_000_000 + stable_hash(&format!("repos:{}", self.seed)) % 8_000_000_000_000_000;
            self.ws.push(WorkspaceEntry {
                path: "/Repos".into(),
                object_type: Some("DIRECTORY".into()),
                language: None,
                size: None,
                content: None,
                extra: obj(vec![("object_id", json!(id)), ("resource_id", json!(id.to_string()))]),
            });
        }
        Fixture {
            users,
            workspace: self.ws,
            dbfs: self.dbfs,
            volumes: self.volumes,
            faults: Vec::new(),
            service_principals,
        }
    }
}
