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
