//! DBFS homes (folders, Delta tables, loose files), `/FileStore` and `/tmp`, UI uploads under
//! `/FileStore/shared_uploads/<user>` (from their own stream), and Unity Catalog volumes.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::Distribution;
use serde_json::{json, Map};

use super::draw::{departed_era, obj, Gen, Stamp, UNDATED_DBFS, UNDATED_UPLOAD, UPLOADS_SALT, UPLOAD_SHARE};
use super::names::{FIRST, LAST};
use crate::fixture::{DbfsEntry, UserEntry, VolumeEntry};

impl Gen {
    pub(super) fn dbfs_file(&mut self, path: String, size: u64) {
        let _ = self.time(); // the main stream's old draw, kept (see `leaf`)
        self.dbfs_file_stamped(path, size, UNDATED_DBFS);
    }

    pub(super) fn dbfs_file_stamped(&mut self, path: String, size: u64, undated: f64) {
        let extra = match self.stamp(undated) {
            Stamp::Undated => Map::new(),
            Stamp::Valid(t) => obj(vec![("modification_time", json!(t))]),
            Stamp::Invalid(v) => obj(vec![("modification_time", v)]),
        };
        self.dbfs.push(DbfsEntry {
            path,
            is_dir: false,
            file_size: Some(size),
            extra,
        });
    }

    /// UI uploads (`/FileStore/shared_uploads/<user>/…`, where "upload data to DBFS" puts files):
    /// for about [`UPLOAD_SHARE`] of SCIM users (at least one), a few files each, some in one
    /// sub-folder, about 1 in 12 folders empty; one folder named `<user>2` and, half the time,
    /// one named `<other user>.old` (name-prefix siblings, not users); one of a departed user.
    /// Drawn from their own stream after everything else, so nothing else changes.
    pub(super) fn uploads(&mut self, users: &[UserEntry], departed: &[String]) {
        if users.is_empty() {
            return;
        }
        let main = std::mem::replace(&mut self.rng, ChaCha8Rng::seed_from_u64(self.seed ^ UPLOADS_SALT));
        let mut owners: Vec<&str> = users
            .iter()
            .filter(|_| self.rng.random_bool(UPLOAD_SHARE))
            .map(|u| u.user_name.as_str())
            .collect();
        if owners.is_empty() {
            owners.push(&users[0].user_name);
        }
        for u in &owners {
            self.upload_folder(u, false);
        }
        let a = owners[self.rng.random_range(0..owners.len())];
        self.upload_folder(&format!("{a}2"), true);
        if self.chance(0.5) {
            let b = &users[self.rng.random_range(0..users.len())].user_name;
            self.upload_folder(&format!("{b}.old"), true);
        }
        let gone = match departed.first() {
            Some(d) => d.clone(),
            None => format!("former.{}.{}@example.com", self.pick(FIRST), self.pick(LAST)),
        };
        self.era_ms = departed_era(&gone);
        self.upload_folder(&gone, true);
        self.era_ms = 0;
        self.rng = main;
    }

    pub(super) fn upload_folder(&mut self, owner: &str, non_empty: bool) {
        let root = format!("/FileStore/shared_uploads/{owner}");
        if !non_empty && self.chance(1.0 / 12.0) {
            self.dbfs_dir(root);
            return;
        }
        let mut n = self.rng.random_range(1..=5);
        if self.chance(0.1) {
            n += self.rng.random_range(5..40);
        }
        let sub = if self.chance(0.3) {
            let base = match self.rng.random_range(0..3) {
                0 => "tables".to_string(),
                1 => "data".to_string(),
                _ => self.base_name().replace(' ', "_"),
            };
            Some(self.unique(&root, base, None))
        } else {
            None
        };
        for _ in 0..n {
            let dir = match &sub {
                Some(s) if self.chance(0.5) => s.clone(),
                _ => root.clone(),
            };
            let ext = self.pick(&["csv", "csv", "csv", "json", "parquet", "xlsx"]);
            let base = self.base_name().replace(' ', "_");
            let path = self.unique(&dir, base, Some(ext));
            let size = (self.upload_size.sample(&mut self.rng) as u64).min(2 << 30);
            self.dbfs_file_stamped(path, size, UNDATED_UPLOAD);
        }
    }

    pub(super) fn dbfs_dir(&mut self, path: String) {
        self.dbfs.push(DbfsEntry {
            path,
            is_dir: true,
            file_size: Some(0),
            extra: obj(vec![("modification_time", json!(0))]),
        });
    }

    /// A Delta table: `_delta_log` commits and parquet parts.
    pub(super) fn delta_table(&mut self, dir: &str, parts: usize) {
        let table = self.base_name().replace(' ', "_");
        let t = self.unique(dir, table, None);
        let commits = self.rng.random_range(1..8);
        for c in 0..commits {
            let size = self.rng.random_range(800..6000);
            self.dbfs_file(format!("{t}/_delta_log/{c:020}.json"), size);
        }
        for p in 0..parts {
            let u = self.uuid();
            let size = (self.file_size.sample(&mut self.rng) as u64 * 40).min(1 << 30);
            self.dbfs_file(format!("{t}/part-{p:05}-{u}-c000.snappy.parquet"), size);
        }
    }

    pub(super) fn dbfs_home(&mut self, user: &str) {
        self.era_ms = departed_era(user);
        self.dbfs_home_tree(user);
        self.era_ms = 0;
    }

    pub(super) fn dbfs_home_tree(&mut self, user: &str) {
        let home = format!("/Users/{user}");
        if self.chance(0.12) {
            self.dbfs_dir(home);
            return;
        }
        let n = self.pareto(2.0, 1.1, 5000);
        let mut dirs = vec![home.clone()];
        let mut left = n;
        while left > 0 {
            let roll = self.rng.random_range(0..100);
            let parent = dirs[self.rng.random_range(0..dirs.len())].clone();
            if roll < 10 && parent.matches('/').count() < 8 {
                let base = self.base_name().replace(' ', "_");
                let d = self.unique(&parent, base, None);
                self.dbfs_dir(d.clone());
                dirs.push(d);
            } else if roll < 25 {
                let parts = self.rng.random_range(1..=left.min(40));
                self.delta_table(&parent, parts);
                left = left.saturating_sub(parts);
            } else {
                let ext = self.pick(&["csv", "json", "parquet", "zip", "xlsx", "txt", "pkl"]);
                let base = self.base_name().replace(' ', "_");
                let p = self.unique(&parent, base, Some(ext));
                let size = self.file_size.sample(&mut self.rng) as u64;
                self.dbfs_file(p, size);
                left -= 1;
            }
        }
    }

    pub(super) fn dbfs_shared(&mut self) {
        for i in 0..self.rng.random_range(3..20) {
            let size = self.rng.random_range(100..5_000_000);
            self.dbfs_file(format!("/FileStore/tables/upload_{i}.csv"), size);
        }
        self.dbfs_dir("/tmp".into());
    }

    pub(super) fn volumes(&mut self, n_users: usize) {
        let vols = [
            "/Volumes/main/default/landing",
            "/Volumes/main/sales/exports",
            "/Volumes/dev/scratch/files",
        ];
        let total = (n_users * 2).clamp(10, 20_000);
        let big_dir = format!("{}/events/2024", vols[0]);
        for i in 0..total {
            let t = self.time();
            let size = self.file_size.sample(&mut self.rng) as u64;
            let path = if n_users >= 500 && i % 5 < 3 {
                // One directory larger than a listing page (1000 entries).
                format!("{big_dir}/event-{i:06}.json")
            } else {
                let vol = vols[self.rng.random_range(0..vols.len())];
                let depth = self.rng.random_range(0..4);
                let mut dir = vol.to_string();
                for _ in 0..depth {
                    dir.push('/');
                    dir.push_str(self.pick(&["raw", "2023", "2024", "q1", "q2", "batch", "tmp"]));
                }
                let ext = self.pick(&["csv", "json", "parquet", "txt"]);
                let base = self.base_name().replace(' ', "_");
                self.unique(&dir, base, Some(ext))
            };
            self.volumes.push(VolumeEntry {
                path,
                is_directory: false,
                file_size: Some(size),
                extra: obj(vec![("last_modified", json!(t))]),
            });
        }
        self.volumes.push(VolumeEntry {
            path: "/Volumes/dev/scratch/empty".into(),
            is_directory: true,
            file_size: None,
            extra: Map::new(),
        });
    }
}
