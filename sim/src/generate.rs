//! A deterministic generator of realistic workspaces (`--generate users=N,seed=S`).
//!
//! The same `(users, seed)` always gives the same fixture, byte for byte: seeded ChaCha8 streams
//! drive every choice and nothing iterates a hash map. The main stream draws every path, size, id
//! and kind; file times come from a second stream (`seed ^ TIMES_SALT`) and UI-upload folders
//! from a third (`seed ^ UPLOADS_SALT`, after everything else), so adding them left every earlier
//! entry of a seed as it was (only its times changed; the main stream still makes the draws its
//! old times took). What it models, from what real workspaces look like:
//! * heavy-tailed home sizes (Pareto): most users keep a handful of objects, a few thousands;
//!   about 10 % of homes are empty; folders nest up to 12 levels below the home;
//! * notebooks (language, no size), files (size, occasionally missing), dashboards, libraries,
//!   objects with no `object_type` (MLflow experiments), Git folders (`REPO`) with content inside,
//!   legacy `/Repos/<user>/<repo>` folders (and `/Repos` itself, empty when no user has one, as
//!   in every real workspace) and a `/Shared` tree;
//! * about 8 % of SCIM users with no home, some homes with no SCIM user (departed users and
//!   deleted service principals), about 40 % of users without a DBFS home;
//! * SCIM service principals (one per ~25 users, some inactive) with homes named by their
//!   application id in both trees;
//! * DBFS homes with Delta tables (`_delta_log`, `part-*.parquet`) and loose files;
//! * a few Unity Catalog volumes, one of them with a directory larger than a listing page;
//! * odd names: spaces, parentheses, accents, `&`, `+`, `#`, `%`, "Untitled Notebook" stamps;
//! * file times (`modified_at`, with `created_at`, on Workspace notebooks and files, Git-folder
//!   files included; `modification_time` on DBFS files), measured back from a fixed instant,
//!   [`REFERENCE_MS`] = 2026-12-01T00:00:00Z, never the clock: 40 % under 90 days old, 25 % 90
//!   days to a year, 20 % one to three years, 15 % three to six years (uniform within a band); a
//!   departed user's (`former.…`) files are a further 180 days to ~3 years older. Undated (the
//!   field absent): 10 % of notebooks, 3 % of Workspace files, 1 % of DBFS files, 2 % of uploads;
//!   invalid (`-1`, another negative, or 1 to 10 years after the reference): 0.4 % of each (no
//!   strings: the official SDKs fail on them, see `sim/README.md`). Directories keep what they had (DBFS
//!   directories `modification_time: 0`, Workspace directories none); volume times are unchanged;
//! * UI uploads, `/FileStore/shared_uploads/<user>/…` (where "upload data to DBFS" puts them),
//!   for about 20 % of SCIM users (at least one): 1–5 files (sometimes up to ~45), csv/json/
//!   parquet/xlsx, sizes log-normal (median ~60 KB), about 30 % of folders with one sub-folder,
//!   1 in 12 folders empty; plus a folder `<user>2` and, half the time, `<user>.old` (name-prefix
//!   siblings, no such users) and one of a departed user (no SCIM user).

use std::collections::HashSet;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};
use serde_json::{json, Map, Value};

use crate::fixture::{DbfsEntry, Fixture, ServicePrincipalEntry, UserEntry, VolumeEntry, WorkspaceEntry};
use crate::store::stable_hash;

/// Parses `users=N,seed=S` (either order; `seed` defaults to 0).
pub fn parse_generate_spec(spec: &str) -> anyhow::Result<(usize, u64)> {
    let mut users = None;
    let mut seed = 0u64;
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("generate spec {spec:?}: {part:?} is not KEY=VALUE"))?;
        match k.trim() {
            "users" => {
                users = Some(
                    v.trim()
                        .parse::<usize>()
                        .map_err(|_| anyhow::anyhow!("generate spec {spec:?}: users={v:?} is not a number"))?,
                )
            }
            "seed" => {
                seed = v
                    .trim()
                    .parse()
                    .map_err(|_| anyhow::anyhow!("generate spec {spec:?}: seed={v:?} is not a number"))?
            }
            other => anyhow::bail!("generate spec {spec:?}: unknown key {other:?} (expected users, seed)"),
        }
    }
    let users = users.ok_or_else(|| anyhow::anyhow!("generate spec {spec:?}: missing users=N"))?;
    if users > 1_000_000 {
        anyhow::bail!("generate spec {spec:?}: at most 1000000 users");
    }
    Ok((users, seed))
}

/// Generates a realistic workspace with `users` SCIM users, deterministically from `seed`.
pub fn generate(users: usize, seed: u64) -> Fixture {
    Gen::new(seed).run(users)
}

const MAX_DEPTH: usize = 12;
const T_START: i64 = 1_577_836_800_000; // 2020-01-01
const T_SPAN: i64 = 180_000_000_000; // ~5.7 years

/// The fixed instant file ages are measured back from: 2026-12-01T00:00:00Z (never the clock).
pub const REFERENCE_MS: i64 = 1_796_083_200_000;
const DAY_MS: i64 = 86_400_000;
/// Seeds the stream of file times (`seed ^ TIMES_SALT`).
const TIMES_SALT: u64 = 0x7469_6d65_735f_7631;
/// Seeds the stream of UI-upload folders (`seed ^ UPLOADS_SALT`).
const UPLOADS_SALT: u64 = 0x7570_6c6f_6164_7331;
/// Age bands of a dated file, in days before the reference, and their cumulative shares: 40 %
/// under 90 days, 25 % 90 days to a year, 20 % one to three years, 15 % three to six years.
const AGE_BANDS: [(f64, i64, i64); 4] = [
    (0.40, 0, 90),
    (0.65, 90, 365),
    (0.85, 365, 3 * 365),
    (1.00, 3 * 365, 6 * 365),
];
/// Shares of objects with no time at all (the field absent).
const UNDATED_NOTEBOOK: f64 = 0.10;
const UNDATED_FILE: f64 = 0.03;
const UNDATED_DBFS: f64 = 0.01;
const UNDATED_UPLOAD: f64 = 0.02;
/// Share of objects whose time is invalid: negative, a string, or years in the future.
const INVALID_TIME: f64 = 0.004;
/// Share of SCIM users with a UI-upload folder (`/FileStore/shared_uploads/<user>`).
const UPLOAD_SHARE: f64 = 0.20;

const FIRST: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj", "olivia",
    "peggy", "rupert", "sybil", "trent", "victor", "walter", "yasmin", "zoe", "ahmed", "bea", "chen", "dmitri",
    "elena", "fatima", "gustavo", "hana", "igor", "jun", "kofi", "lena", "mateo", "nadia", "oskar", "priya", "quentin",
    "rosa", "sven", "tariq", "uma", "wei",
];
const LAST: &[&str] = &[
    "smith", "jones", "garcia", "muller", "rossi", "kim", "nguyen", "silva", "kowalski", "ivanova", "tanaka", "okafor",
    "haddad", "larsen", "novak", "dubois", "jensen", "costa", "ali", "schmidt", "chen", "patel", "fischer", "moreau",
    "eriksson", "sato", "brown", "wilson", "lopez", "khan",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "example.com",
    "example.com",
    "corp.example.com",
    "contractor.example.org",
];
const WORDS: &[&str] = &[
    "etl",
    "reports",
    "analysis",
    "ml",
    "features",
    "sandbox",
    "scratch",
    "dashboards",
    "experiments",
    "pipelines",
    "utils",
    "archive",
    "old",
    "tmp",
    "data",
    "models",
    "training",
    "eval",
    "ingest",
    "bronze",
    "silver",
    "gold",
    "customer",
    "sales",
    "finance",
    "marketing",
    "churn",
    "forecast",
    "inventory",
    "orders",
    "events",
    "clickstream",
    "quality",
    "monitoring",
    "backfill",
    "exports",
    "adhoc",
    "poc",
    "demo",
    "team",
    "shared",
    "q3",
    "2023",
    "2024",
    "v2",
    "final",
    "draft",
];
const SP_KINDS: &[&str] = &["service", "job", "pipeline", "bot", "sync", "deploy"];
const FILE_EXT: &[&str] = &[
    "py", "csv", "json", "txt", "md", "yml", "sql", "parquet", "whl", "png", "xlsx", "sh",
];
const ODD_NAMES: &[&str] = &[
    "Copy of {}",
    "{} (1)",
    "résumé {}",
    "{} & more",
    "{}+extra",
    "{} #2",
    "100% {}",
    "{} – notes",
    "{} [old]",
    "données {}",
    "{}   spaced",
    "日本語 {}",
];

struct Gen {
    /// The main stream: every path, size, id and kind (unchanged since before file times).
    rng: ChaCha8Rng,
    /// A separate stream for file times, so realistic times change no path.
    trng: ChaCha8Rng,
    /// Age added to every time drawn while generating a departed user's homes.
    era_ms: i64,
    seed: u64,
    next_id: u64,
    ws: Vec<WorkspaceEntry>,
    dbfs: Vec<DbfsEntry>,
    volumes: Vec<VolumeEntry>,
    taken: HashSet<String>,
    file_size: LogNormal<f64>,
    upload_size: LogNormal<f64>,
}

fn obj(pairs: Vec<(&str, Value)>) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// A drawn modification time.
enum Stamp {
    /// The field is absent.
    Undated,
    /// Epoch ms, at or before the reference.
    Valid(i64),
    /// Negative, or years in the future.
    Invalid(Value),
}

/// How long ago a departed user (`former.…`) left: 180 days to about 3 years, from the name
/// (no draw), added to the age of everything in their homes.
fn departed_era(user: &str) -> i64 {
    if user.starts_with("former.") {
        DAY_MS * (180 + (stable_hash(user) % 900) as i64)
    } else {
        0
    }
}

impl Gen {
    fn new(seed: u64) -> Gen {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let next_id = 1_000_000_000_000_000 + rng.random_range(0..1_000_000_000_000u64);
        Gen {
            rng,
            trng: ChaCha8Rng::seed_from_u64(seed ^ TIMES_SALT),
            era_ms: 0,
            seed,
            next_id,
            ws: Vec::new(),
            dbfs: Vec::new(),
            volumes: Vec::new(),
            taken: HashSet::new(),
            // Median ~8 KB, long tail into the hundreds of MB.
            file_size: LogNormal::new(9.0, 2.3).expect("valid log-normal"),
            // Median ~60 KB, a tail into the hundreds of MB.
            upload_size: LogNormal::new(11.0, 1.8).expect("valid log-normal"),
        }
    }

    fn id(&mut self) -> u64 {
        self.next_id += self.rng.random_range(1..5000);
        self.next_id
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.rng.random_range(0..xs.len())]
    }

    /// A time from the main stream. Only names ("Untitled Notebook …") and volume times use it
    /// now; the other calls are kept so the main stream, and so every path, stays as it was.
    fn time(&mut self) -> i64 {
        T_START + self.rng.random_range(0..T_SPAN)
    }

    /// How long before the reference a dated file was last modified, from the time stream.
    fn age_ms(&mut self) -> i64 {
        let u: f64 = self.trng.random();
        let &(_, lo, hi) = AGE_BANDS
            .iter()
            .find(|(share, _, _)| u < *share)
            .unwrap_or(&AGE_BANDS[3]);
        self.trng.random_range(lo * DAY_MS..hi * DAY_MS) + self.era_ms
    }

    /// A file's modification time: absent with probability `undated`, invalid now and then,
    /// else `REFERENCE_MS - age`.
    fn stamp(&mut self, undated: f64) -> Stamp {
        let u: f64 = self.trng.random();
        if u < undated {
            return Stamp::Undated;
        }
        if u < undated + INVALID_TIME {
            // Never a string: the official SDKs read a quoted number as the number (proto3 JSON
            // int64) and fail on any other string, so a generated workspace keeps to integers;
            // strings belong in hand-written fixtures.
            let v = match self.trng.random_range(0..3) {
                0 => json!(-1),
                1 => json!(-self.trng.random_range(DAY_MS..T_SPAN)),
                _ => json!(REFERENCE_MS + self.trng.random_range(400 * DAY_MS..3650 * DAY_MS)),
            };
            return Stamp::Invalid(v);
        }
        Stamp::Valid(REFERENCE_MS - self.age_ms())
    }

    /// `created_at`/`modified_at` of a Workspace object (none when undated; a valid
    /// `created_at` with an invalid `modified_at`).
    fn ws_times(&mut self, undated: f64) -> Vec<(&'static str, Value)> {
        match self.stamp(undated) {
            Stamp::Undated => Vec::new(),
            Stamp::Valid(m) => {
                let created = m - self.trng.random_range(0..=365 * DAY_MS);
                vec![("created_at", json!(created)), ("modified_at", json!(m))]
            }
            Stamp::Invalid(v) => {
                let created = REFERENCE_MS - self.age_ms();
                vec![("created_at", json!(created)), ("modified_at", v)]
            }
        }
    }

    /// Heavy-tailed count: Pareto(x_min, alpha), capped.
    fn pareto(&mut self, x_min: f64, alpha: f64, cap: usize) -> usize {
        let u: f64 = 1.0 - self.rng.random::<f64>();
        ((x_min / u.powf(1.0 / alpha)) as usize).min(cap)
    }

    /// A name not yet used under `dir` (`ext` appended with a dot when given).
    fn unique(&mut self, dir: &str, base: String, ext: Option<&str>) -> String {
        let mut name = match ext {
            Some(e) => format!("{base}.{e}"),
            None => base.clone(),
        };
        let mut k = 1;
        loop {
            let path = format!("{dir}/{name}");
            if self.taken.insert(path.clone()) {
                return path;
            }
            k += 1;
            name = match ext {
                Some(e) => format!("{base}_{k}.{e}"),
                None => format!("{base}_{k}"),
            };
        }
    }

    fn base_name(&mut self) -> String {
        let a = self.pick(WORDS);
        let name = match self.rng.random_range(0..10) {
            0..=3 => a.to_string(),
            4..=7 => format!("{a}_{}", self.pick(WORDS)),
            _ => format!("{a}-{}-{}", self.pick(WORDS), self.rng.random_range(1..40)),
        };
        if self.chance(0.03) {
            let pattern = self.pick(ODD_NAMES);
            return pattern.replace("{}", &name);
        }
        name
    }

    fn run(mut self, n_users: usize) -> Fixture {
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

    /// About one service principal per 25 users (at least one from 10 users on): automation
    /// named like `etl-service-3`, about 1 in 6 inactive, most with a home in both trees (a
    /// Workspace home always, a DBFS one 3 times in 4), 1 in 8 with no home at all.
    fn service_principals(&mut self, n_users: usize) -> Vec<ServicePrincipalEntry> {
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

    fn uuid(&mut self) -> String {
        let a: u128 = self.rng.random();
        let h = format!("{a:032x}");
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    }

    fn users(&mut self, n: usize) -> Vec<UserEntry> {
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

    fn dir_entry(&mut self, path: &str, object_type: &str) {
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

    fn leaf(&mut self, dir: &str) {
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
    fn tree(&mut self, root: &str, n: usize, max_depth: usize) {
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
    fn repo(&mut self, dir: &str) {
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

    fn workspace_home(&mut self, user: &str) {
        self.era_ms = departed_era(user);
        self.workspace_home_tree(user);
        self.era_ms = 0;
    }

    fn workspace_home_tree(&mut self, user: &str) {
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

    fn shared(&mut self, n_users: usize) {
        self.taken.insert("/Shared".into());
        self.dir_entry("/Shared", "DIRECTORY");
        let n = (n_users * 2).clamp(5, 3000);
        self.tree("/Shared", n, 8);
    }

    fn dbfs_file(&mut self, path: String, size: u64) {
        let _ = self.time(); // the main stream's old draw, kept (see `leaf`)
        self.dbfs_file_stamped(path, size, UNDATED_DBFS);
    }

    fn dbfs_file_stamped(&mut self, path: String, size: u64, undated: f64) {
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
    fn uploads(&mut self, users: &[UserEntry], departed: &[String]) {
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

    fn upload_folder(&mut self, owner: &str, non_empty: bool) {
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

    fn dbfs_dir(&mut self, path: String) {
        self.dbfs.push(DbfsEntry {
            path,
            is_dir: true,
            file_size: Some(0),
            extra: obj(vec![("modification_time", json!(0))]),
        });
    }

    /// A Delta table: `_delta_log` commits and parquet parts.
    fn delta_table(&mut self, dir: &str, parts: usize) {
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

    fn dbfs_home(&mut self, user: &str) {
        self.era_ms = departed_era(user);
        self.dbfs_home_tree(user);
        self.era_ms = 0;
    }

    fn dbfs_home_tree(&mut self, user: &str) {
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

    fn dbfs_shared(&mut self) {
        for i in 0..self.rng.random_range(3..20) {
            let size = self.rng.random_range(100..5_000_000);
            self.dbfs_file(format!("/FileStore/tables/upload_{i}.csv"), size);
        }
        self.dbfs_dir("/tmp".into());
    }

    fn volumes(&mut self, n_users: usize) {
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

/// `YYYY-MM-DD HH:MM:SS` for a time in ms (UTC), as in "Untitled Notebook" names.
fn chrono_like(ms: i64) -> String {
    let secs = ms / 1000;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_parses_and_rejects_garbage() {
        assert_eq!(parse_generate_spec("users=10,seed=3").unwrap(), (10, 3));
        assert_eq!(parse_generate_spec("seed=3, users=7").unwrap(), (7, 3));
        assert_eq!(parse_generate_spec("users=5").unwrap(), (5, 0));
        assert!(parse_generate_spec("seed=1").is_err());
        assert!(parse_generate_spec("users=x").is_err());
        assert!(parse_generate_spec("users=1,color=red").is_err());
    }

    #[test]
    fn dates_format_like_the_ui() {
        assert_eq!(chrono_like(0), "1970-01-01 00:00:00");
        assert_eq!(chrono_like(1_709_650_951_000), "2024-03-05 15:02:31");
    }
}
