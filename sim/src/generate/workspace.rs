//! Workspace trees: folders nested below a home, notebooks, files, dashboards, libraries,
//! experiments, Git folders (`/Users/…` and legacy `/Repos/<user>`), and `/Shared`.

use rand::Rng;
use rand_distr::Distribution;
use serde_json::json;

use super::draw::{departed_era, obj, Gen, MAX_DEPTH, T_SPAN, UNDATED_FILE, UNDATED_NOTEBOOK};
use super::names::{chrono_like, FILE_EXT};
use crate::fixture::WorkspaceEntry;

impl Gen {
    pub(super) fn dir_entry(&mut self, path: &str, object_type: &str) {
        let id = self.id();
        self.ws.push(WorkspaceEntry {
            path: path.to_string(),
            object_type: Some(object_type.to_string()),
            language: None,
            size: None,
            content: None,
            extra: obj(vec![("object_id", json!(id)), ("resource_id", json!(id.to_string()))]),
        });
    }

    pub(super) fn leaf(&mut self, dir: &str) {
        let id = self.id();
        // The times these two draws once gave are no longer served (`ws_times` draws them from
        // the time stream), but the draws stay so every later choice is what it was.
        let _ = self.time();
        let _ = self.rng.random_range(0..T_SPAN / 4);
        let roll = self.rng.random_range(0..100);
        let entry = if roll < 55 {
            let lang = match self.rng.random_range(0..20) {
                0..=12 => "PYTHON",
                13..=16 => "SQL",
                17..=18 => "SCALA",
                _ => "R",
            };
            let base = if self.chance(0.04) {
                let t = chrono_like(self.time());
                format!("Untitled Notebook {t}")
            } else {
                self.base_name()
            };
            let path = self.unique(dir, base, None);
            let mut extra = vec![("object_id", json!(id)), ("resource_id", json!(id.to_string()))];
            extra.extend(self.ws_times(UNDATED_NOTEBOOK));
            WorkspaceEntry {
                path,
                object_type: Some("NOTEBOOK".into()),
                language: Some(lang.into()),
                size: None,
                content: None,
                extra: obj(extra),
            }
        } else if roll < 90 {
            let ext = self.pick(FILE_EXT);
            let base = self.base_name();
            let size = (self.file_size.sample(&mut self.rng) as u64).min(2 << 30);
            let path = self.unique(dir, base, Some(ext));
            // The API omits the size now and then.
            let size = if self.chance(0.05) { None } else { Some(size) };
            let mut extra = vec![("object_id", json!(id)), ("resource_id", json!(id.to_string()))];
            extra.extend(self.ws_times(UNDATED_FILE));
            WorkspaceEntry {
                path,
                object_type: Some("FILE".into()),
                language: None,
                size,
                content: None,
                extra: obj(extra),
            }
        } else if roll < 93 {
            let base = self.base_name();
            WorkspaceEntry {
                path: self.unique(dir, base, Some("lvdash.json")),
                object_type: Some("DASHBOARD".into()),
                language: None,
                size: None,
                content: None,
                extra: obj(vec![
                    ("object_id", json!(id)),
                    ("resource_id", json!(format!("{id:x}"))),
                ]),
            }
        } else if roll < 95 {
            let base = format!("{}-lib", self.base_name());
            WorkspaceEntry {
                path: self.unique(dir, base, None),
                object_type: Some("LIBRARY".into()),
                language: None,
                size: None,
                content: None,
                extra: obj(vec![("object_id", json!(id))]),
            }
        } else {
            // An MLflow experiment: listed with no object_type at all.
            let base = format!("{}_experiment", self.base_name());
            WorkspaceEntry {
                path: self.unique(dir, base, None),
                object_type: None,
                language: None,
                size: None,
                content: None,
                extra: obj(vec![("object_id", json!(id)), ("resource_id", json!(id.to_string()))]),
            }
        };
        self.ws.push(entry);
    }

    /// Fills `root` (already created) with `n` objects in nested folders.
    pub(super) fn tree(&mut self, root: &str, n: usize, max_depth: usize) {
        let mut dirs: Vec<(String, usize)> = vec![(root.to_string(), 0)];
        for _ in 0..n {
            let pick = self.rng.random_range(0..100);
            let parent = if pick < 45 {
                dirs.len() - 1
            } else if pick < 80 {
                self.rng.random_range(0..dirs.len())
            } else {
                0
            };
            let (pdir, depth) = dirs[parent].clone();
            if self.chance(0.16) && depth < max_depth {
                let base = self.base_name();
                let path = self.unique(&pdir, base, None);
                self.dir_entry(&path, "DIRECTORY");
                dirs.push((path, depth + 1));
            } else {
                self.leaf(&pdir);
            }
        }
    }

    /// A Git folder with source inside.
    pub(super) fn repo(&mut self, dir: &str) {
        let names = [
            "analytics",
            "platform",
            "data-pipelines",
            "ml-models",
            "dbt-project",
            "infra",
            "notebooks",
        ];
        let base = self.pick(&names).to_string();
        let path = self.unique(dir, base, None);
        self.dir_entry(&path, "REPO");
        for f in ["README.md", ".gitignore", "requirements.txt"] {
            let id = self.id();
            let size = self.rng.random_range(20..4000);
            self.taken.insert(format!("{path}/{f}"));
            let mut extra = vec![("object_id", json!(id))];
            extra.extend(self.ws_times(UNDATED_FILE));
            self.ws.push(WorkspaceEntry {
                path: format!("{path}/{f}"),
                object_type: Some("FILE".into()),
                language: None,
                size: Some(size),
                content: None,
                extra: obj(extra),
            });
        }
        let n = self.rng.random_range(3..60);
        self.tree(&path, n, 5);
    }

    pub(super) fn workspace_home(&mut self, user: &str) {
        self.era_ms = departed_era(user);
        self.workspace_home_tree(user);
        self.era_ms = 0;
    }

    pub(super) fn workspace_home_tree(&mut self, user: &str) {
        let home = format!("/Users/{user}");
        self.taken.insert(home.clone());
        self.dir_entry(&home, "DIRECTORY");
        let n = if self.chance(0.10) {
            0
        } else {
            self.pareto(3.0, 1.0, 12_000)
        };
        self.tree(&home, n, MAX_DEPTH);
        if n > 0 && self.chance(0.12 + (n as f64 / 2000.0).min(0.5)) {
            for _ in 0..self.rng.random_range(1..=3) {
                self.repo(&home);
            }
        }
        if self.chance(0.05) {
            let dir = format!("/Repos/{user}");
            if self.taken.insert(dir.clone()) {
                self.dir_entry(&dir, "DIRECTORY");
            }
            self.repo(&dir);
        }
    }

    pub(super) fn shared(&mut self, n_users: usize) {
        self.taken.insert("/Shared".into());
        self.dir_entry("/Shared", "DIRECTORY");
        let n = (n_users * 2).clamp(5, 3000);
        self.tree("/Shared", n, 8);
    }
}
