//! The generator: deterministic, fast, and realistic in the ways the issue asks for.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use dbx_sim::{generate, Fixture, SimConfig};

use crate::util::{get, start};

#[test]
fn same_seed_gives_byte_identical_fixtures() {
    let a = generate(300, 11).to_json();
    let b = generate(300, 11).to_json();
    assert_eq!(a, b);
    assert_ne!(a, generate(300, 12).to_json());
    // What `generate` prints parses back to the same fixture.
    assert_eq!(Fixture::from_json(&a).unwrap(), generate(300, 11));
}

#[test]
fn thousand_users_generate_quickly() {
    let t0 = Instant::now();
    let f = generate(1000, 1);
    let took = t0.elapsed();
    let limit = if cfg!(debug_assertions) {
        Duration::from_secs(10)
    } else {
        Duration::from_secs(1)
    };
    assert!(took < limit, "{took:?}");
    assert_eq!(f.users.len(), 1000);
}

fn home_of(path: &str) -> Option<&str> {
    path.strip_prefix("/Users/")?.split('/').next()
}

#[test]
fn generated_workspace_is_realistic() {
    let f = generate(1000, 3);
    let users: BTreeSet<&str> = f.users.iter().map(|u| u.user_name.as_str()).collect();
    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &f.workspace {
        if let Some(h) = home_of(&e.path) {
            let n = sizes.entry(h).or_default();
            if e.path.matches('/').count() > 2 {
                *n += 1;
            }
        }
    }
    let homes: BTreeSet<&str> = sizes.keys().copied().collect();
    let mut counts: Vec<usize> = sizes.values().copied().collect();
    counts.sort();
    let median = counts[counts.len() / 2];
    let max = *counts.last().unwrap();
    assert!(median <= 20, "most users are small: median {median}");
    assert!(max >= 1000, "a few users have thousands: max {max}");
    assert!(counts.iter().filter(|&&n| n == 0).count() > 10, "some homes are empty");
    assert!(users.difference(&homes).count() > 10, "SCIM users without a home");
    assert!(homes.difference(&users).count() > 10, "homes without a SCIM user");
    let dbfs_homes: BTreeSet<&str> = f.dbfs.iter().filter_map(|e| home_of(&e.path)).collect();
    let without = users.iter().filter(|u| !dbfs_homes.contains(*u)).count() as f64 / users.len() as f64;
    assert!(
        (0.30..=0.55).contains(&without),
        "about 40 % without a DBFS home: {without}"
    );
    let depth = f
        .workspace
        .iter()
        .filter(|e| e.path.starts_with("/Users/"))
        .map(|e| e.path.matches('/').count() - 2)
        .max()
        .unwrap();
    assert!((10..=13).contains(&depth), "depth up to ~12: {depth}");
    let types: BTreeSet<Option<&str>> = f.workspace.iter().map(|e| e.object_type.as_deref()).collect();
    for t in [
        None,
        Some("NOTEBOOK"),
        Some("FILE"),
        Some("DIRECTORY"),
        Some("REPO"),
        Some("DASHBOARD"),
        Some("LIBRARY"),
    ] {
        assert!(types.contains(&t), "{t:?}");
    }
    assert!(f
        .workspace
        .iter()
        .all(|e| e.object_type.as_deref() != Some("NOTEBOOK") || e.size.is_none()));
    assert!(f
        .workspace
        .iter()
        .any(|e| e.object_type.as_deref() == Some("FILE") && e.size.is_some()));
    // Git folders have content inside.
    let repo = f
        .workspace
        .iter()
        .find(|e| e.object_type.as_deref() == Some("REPO"))
        .unwrap();
    let inside = f
        .workspace
        .iter()
        .filter(|e| e.path.starts_with(&format!("{}/", repo.path)))
        .count();
    assert!(inside >= 3, "{inside}");
    // Odd names exist.
    assert!(f.workspace.iter().any(|e| e.path.contains(' ')));
    assert!(f.workspace.iter().any(|e| !e.path.is_ascii()));
    // A volume directory larger than one listing page.
    let mut per_dir: BTreeMap<&str, usize> = BTreeMap::new();
    for v in &f.volumes {
        *per_dir.entry(v.path.rsplit_once('/').unwrap().0).or_default() += 1;
    }
    assert!(per_dir.values().any(|&n| n > 1000));
}

#[tokio::test]
async fn generated_workspace_is_served() {
    let f = generate(50, 5);
    let first_home = f
        .workspace
        .iter()
        .find(|e| e.path.starts_with("/Users/"))
        .unwrap()
        .path
        .clone();
    let sim = start(SimConfig {
        fixture: f.clone(),
        limits: None,
        ..Default::default()
    })
    .await;
    let r = get(
        &sim,
        &format!("/api/2.0/workspace/get-status?path={}", crate::util::enc(&first_home)),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = get(&sim, "/api/2.0/preview/scim/v2/Users?count=100").await.json();
    assert_eq!(v["totalResults"], 50);
    sim.shutdown().await;
}

#[test]
fn generated_service_principals_have_homes_in_both_trees() {
    let f = generate(500, 4);
    let sps = &f.service_principals;
    assert_eq!(sps.len(), 20, "one per 25 users");
    let ws_homes: BTreeSet<&str> = f.workspace.iter().filter_map(|e| home_of(&e.path)).collect();
    let dbfs_homes: BTreeSet<&str> = f.dbfs.iter().filter_map(|e| home_of(&e.path)).collect();
    let uuid = |s: &str| {
        s.len() == 36
            && s.char_indices().all(|(i, c)| {
                if [8, 13, 18, 23].contains(&i) {
                    c == '-'
                } else {
                    c.is_ascii_hexdigit()
                }
            })
    };
    assert!(
        sps.iter().all(|sp| uuid(&sp.application_id)),
        "application ids are UUIDs"
    );
    assert!(sps.iter().all(|sp| sp.display_name.is_some() && sp.active.is_some()));
    let inactive = sps.iter().filter(|sp| sp.active == Some(false)).count();
    assert!((1..sps.len() / 2).contains(&inactive), "some inactive: {inactive}");
    let both = sps
        .iter()
        .filter(|sp| ws_homes.contains(sp.application_id.as_str()) && dbfs_homes.contains(sp.application_id.as_str()))
        .count();
    let none = sps
        .iter()
        .filter(|sp| !ws_homes.contains(sp.application_id.as_str()))
        .count();
    assert!(both >= sps.len() / 3, "most have homes in both trees: {both}");
    assert!(none < sps.len() / 3, "a few have none: {none}");
    // Tiny workspaces have none.
    assert!(generate(9, 4).service_principals.is_empty());
}

/// FNV-1a over the generated entries with their times left out and the UI-upload folders
/// skipped: one line per entry, `section<TAB>compact JSON with sorted keys`.
fn digest_without_times_and_uploads(f: &Fixture) -> (usize, u64) {
    let v = serde_json::to_value(f).unwrap();
    let mut lines = Vec::new();
    for sec in ["users", "workspace", "dbfs", "volumes", "service_principals"] {
        for e in v[sec].as_array().into_iter().flatten() {
            let mut m = e.as_object().unwrap().clone();
            let path = m.get("path").and_then(|p| p.as_str()).unwrap_or("").to_owned();
            if sec == "dbfs" && path.starts_with("/FileStore/shared_uploads/") {
                continue;
            }
            if sec == "workspace" && path == "/Repos" {
                continue; // appended when no user has a /Repos folder
            }
            for k in ["created_at", "modified_at", "modification_time"] {
                m.remove(k);
            }
            lines.push(format!("{sec}\t{}", serde_json::Value::Object(m)));
        }
    }
    let mut h: u64 = 0xcbf29ce484222325;
    for b in lines.join("\n").bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    (lines.len(), h)
}

#[test]
fn times_and_uploads_leave_every_earlier_entry_as_it_was() {
    // Digests of the generator before file times and UI uploads existed (commit 353cfdf, the
    // same computation over its `dbx-sim generate` output): every entry, path, size, id and
    // order is the same; only times changed and upload folders were appended.
    for (users, seed, n, digest) in [
        (200, 7, 6742, 0xa962f2f020f2f7b5u64),
        (50, 3, 1927, 0x8481f6d192d6fe64),
        (12, 0, 386, 0x1ee8c2b0520aa10f),
    ] {
        assert_eq!(
            digest_without_times_and_uploads(&generate(users, seed)),
            (n, digest),
            "users={users} seed={seed}"
        );
    }
}

/// The served modification time of an entry: `None` when absent.
fn time_of(extra: &serde_json::Map<String, serde_json::Value>, key: &str) -> Option<serde_json::Value> {
    extra.get(key).cloned()
}

#[derive(Default, Debug)]
struct Ages {
    n: usize,
    undated: usize,
    invalid: usize,
    over_1y: usize,
    over_3y: usize,
    under_90d: usize,
}

impl Ages {
    fn add(&mut self, t: Option<serde_json::Value>) {
        const DAY: i64 = 86_400_000;
        self.n += 1;
        let Some(t) = t else {
            self.undated += 1;
            return;
        };
        match t.as_i64() {
            Some(ms) if (0..=dbx_sim::REFERENCE_MS + DAY).contains(&ms) => {
                let age = (dbx_sim::REFERENCE_MS - ms) / DAY;
                self.under_90d += (age < 90) as usize;
                self.over_1y += (age >= 365) as usize;
                self.over_3y += (age >= 3 * 365) as usize;
            }
            _ => self.invalid += 1,
        }
    }

    fn share(&self, k: usize) -> f64 {
        k as f64 / self.n as f64
    }
}

#[test]
fn file_times_spread_over_years_with_some_undated_and_a_few_invalid() {
    let f = generate(500, 4);
    let (mut notebooks, mut files, mut dbfs) = (Ages::default(), Ages::default(), Ages::default());
    for e in &f.workspace {
        match e.object_type.as_deref() {
            Some("NOTEBOOK") => notebooks.add(time_of(&e.extra, "modified_at")),
            Some("FILE") => files.add(time_of(&e.extra, "modified_at")),
            _ => {}
        }
    }
    for e in f.dbfs.iter().filter(|e| !e.is_dir) {
        dbfs.add(time_of(&e.extra, "modification_time"));
    }
    for (what, a, undated) in [
        ("notebooks", &notebooks, 0.06..0.14),
        ("files", &files, 0.01..0.06),
        ("dbfs", &dbfs, 0.002..0.03),
    ] {
        assert!(a.n > 500, "{what}: {a:?}");
        assert!(undated.contains(&a.share(a.undated)), "{what} undated: {a:?}");
        assert!(a.invalid > 0 && a.share(a.invalid) < 0.02, "{what} invalid: {a:?}");
        assert!((0.25..0.50).contains(&a.share(a.under_90d)), "{what} recent: {a:?}");
        assert!((0.25..0.50).contains(&a.share(a.over_1y)), "{what} over a year: {a:?}");
        assert!((0.08..0.25).contains(&a.share(a.over_3y)), "{what} over 3 years: {a:?}");
    }
    // Every kind of invalid value shows up somewhere.
    let all: Vec<serde_json::Value> = f
        .workspace
        .iter()
        .filter_map(|e| time_of(&e.extra, "modified_at"))
        .chain(f.dbfs.iter().filter_map(|e| time_of(&e.extra, "modification_time")))
        .collect();
    assert!(all.iter().any(|t| t.as_i64().is_some_and(|m| m < 0)));
    assert!(all.iter().all(|t| t.is_i64()), "no strings: the SDKs fail on them");
    assert!(all
        .iter()
        .any(|t| t.as_i64().is_some_and(|m| m > dbx_sim::REFERENCE_MS + 86_400_000)));
    // Notebooks are dated most of the time, with created_at no later than modified_at.
    for e in &f.workspace {
        if let (Some(c), Some(m)) = (
            e.extra.get("created_at").and_then(|v| v.as_i64()),
            e.extra.get("modified_at").and_then(|v| v.as_i64()),
        ) {
            if (0..=dbx_sim::REFERENCE_MS).contains(&m) {
                assert!(c <= m, "{}", e.path);
            }
        }
    }
    // A departed user's files are all old.
    let former: Vec<i64> = f
        .workspace
        .iter()
        .filter(|e| e.path.starts_with("/Users/former."))
        .filter_map(|e| e.extra.get("modified_at").and_then(|v| v.as_i64()))
        .filter(|&m| (0..=dbx_sim::REFERENCE_MS).contains(&m))
        .collect();
    assert!(!former.is_empty());
    assert!(former.iter().all(|&m| dbx_sim::REFERENCE_MS - m >= 180 * 86_400_000));
}

#[test]
fn some_users_have_ui_upload_folders_and_siblings_and_a_departed_one_too() {
    let f = generate(500, 4);
    let users: BTreeSet<&str> = f.users.iter().map(|u| u.user_name.as_str()).collect();
    let mut folders: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in &f.dbfs {
        if let Some(rest) = e.path.strip_prefix("/FileStore/shared_uploads/") {
            let (owner, inside) = rest.split_once('/').unwrap_or((rest, ""));
            folders.entry(owner).or_default().push(inside);
        }
    }
    let of_users = folders.keys().filter(|o| users.contains(*o)).count() as f64 / users.len() as f64;
    assert!((0.15..=0.25).contains(&of_users), "{of_users}");
    // Files with upload-like names, some one level down, an empty folder now and then.
    let files: Vec<&str> = folders.values().flatten().copied().filter(|p| !p.is_empty()).collect();
    assert!(files.iter().any(|p| p.contains('/')));
    assert!(files.iter().all(|p| p.matches('/').count() <= 1), "{files:?}");
    assert!(files
        .iter()
        .all(|p| [".csv", ".json", ".parquet", ".xlsx"].iter().any(|x| p.ends_with(x))));
    assert!(folders.values().any(|v| v == &[""]), "an empty upload folder");
    // Name-prefix siblings of users, and a departed user: none of them a SCIM user.
    let others: Vec<&str> = folders.keys().copied().filter(|o| !users.contains(o)).collect();
    assert!(
        others
            .iter()
            .any(|o| o.strip_suffix('2').is_some_and(|u| users.contains(u))),
        "{others:?}"
    );
    assert!(others.iter().any(|o| o.starts_with("former.")), "{others:?}");
    // Even a tiny workspace has one of a user.
    let tiny = generate(2, 9);
    let tiny_users: BTreeSet<&str> = tiny.users.iter().map(|u| u.user_name.as_str()).collect();
    assert!(tiny.dbfs.iter().any(|e| e
        .path
        .strip_prefix("/FileStore/shared_uploads/")
        .and_then(|r| r.split('/').next())
        .is_some_and(|o| tiny_users.contains(o))));
    assert!(generate(0, 1)
        .dbfs
        .iter()
        .all(|e| !e.path.starts_with("/FileStore/shared_uploads")));
    // `/Repos` exists even when no user has a folder there.
    for f in [&tiny, &generate(0, 1)] {
        assert!(f.workspace.iter().any(|e| e.path == "/Repos"));
    }
}
