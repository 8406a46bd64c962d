//! Fault rules (fixture and run time) and seeded random faults.

use std::time::{Duration, Instant};

use dbx_sim::{Fault, SimConfig};
use serde_json::json;

use crate::util::{client, config, get, get_json, get_with, start};

#[tokio::test]
async fn fixture_fault_fails_that_path_on_every_call() {
    let sim = start(config()).await;
    for _ in 0..3 {
        let r = get(&sim, "/api/2.0/workspace/list?path=/Users/b@x.com/broken").await;
        assert_eq!(r.status, 500);
        assert_eq!(r.json()["error_code"], "INTERNAL_ERROR");
    }
    // Children, parents and other APIs are not affected.
    assert_eq!(
        get(&sim, "/api/2.0/workspace/list?path=/Users/b@x.com/broken/x")
            .await
            .status,
        200
    );
    assert_eq!(
        get(&sim, "/api/2.0/workspace/list?path=/Users/b@x.com").await.status,
        200
    );
    // The same path given in a JSON body fails too.
    let r = client()
        .get(format!("{}/api/2.0/workspace/get-status", sim.url()))
        .bearer_auth("dapi-sim")
        .body(r#"{"path":"/Users/b@x.com/broken/"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    sim.shutdown().await;
}

#[tokio::test]
async fn runtime_faults_with_times_then_recover() {
    let sim = start(config()).await;
    let r = client()
        .post(format!("{}/__sim/faults", sim.url()))
        .body(r#"[{"api":"dbfs","path":"/tmp","status":503,"times":2},{"api":"scim","path":"/Me","status":403}]"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let statuses: Vec<u16> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            v.push(get(&sim, "/api/2.0/dbfs/list?path=/tmp").await.status);
        }
        v
    };
    assert_eq!(statuses, [503, 503, 200]);
    let r = get(&sim, "/api/2.0/preview/scim/v2/Me").await;
    assert_eq!(
        (r.status, r.json()["error_code"].as_str()),
        (403, Some("PERMISSION_DENIED"))
    );
    let listed: serde_json::Value = get_json(format!("{}/__sim/faults", sim.url())).await;
    assert_eq!(
        listed.as_array().unwrap().len(),
        2,
        "the fixture rule and the /Me rule remain"
    );
    let r = client()
        .post(format!("{}/__sim/faults", sim.url()))
        .body(r#"[{"api":"jobs","path":"/"}]"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    client()
        .delete(format!("{}/__sim/faults", sim.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(get(&sim, "/api/2.0/preview/scim/v2/Me").await.status, 200);
    sim.shutdown().await;
}

fn kind(api: &str, path: &str, kind: &str) -> Fault {
    let mut f = Fault::new(api, path, 500);
    f.kind = Some(kind.into());
    f
}

#[tokio::test]
async fn reset_truncate_html_and_slow_faults() {
    let sim = start(SimConfig {
        slow_fault_secs: 1,
        ..config()
    })
    .await;
    sim.add_faults([
        kind("workspace", "/Users/a@x.com", "reset"),
        kind("workspace", "/Users/a@x.com/d", "truncate"),
        kind("volumes", "/Volumes/c/s/v", "html"),
        kind("dbfs", "/tmp", "slow"),
    ]);
    let c = client();
    let e = get_with(
        &c,
        &sim,
        "/api/2.0/workspace/list?path=/Users/a@x.com",
        Some("dapi-sim"),
    )
    .await
    .unwrap_err();
    assert!(e.is_request() || e.is_connect(), "{e:?}");
    let e = get_with(
        &c,
        &sim,
        "/api/2.0/workspace/list?path=/Users/a@x.com/d",
        Some("dapi-sim"),
    )
    .await
    .unwrap_err();
    assert!(e.is_body() || e.is_decode() || e.is_request(), "{e:?}");
    let r = get(&sim, "/api/2.0/fs/directories/Volumes/c/s/v").await;
    assert_eq!(r.status, 502);
    assert_eq!(r.headers["content-type"], "text/html");
    assert!(r.text.contains("<title>502 Bad Gateway</title>"));
    let t0 = Instant::now();
    let r = get(&sim, "/api/2.0/dbfs/list?path=/tmp").await;
    assert_eq!(r.status, 200);
    assert!(t0.elapsed() >= Duration::from_millis(950));
    // The server survives all of it.
    assert_eq!(get(&sim, "/api/2.0/workspace/list?path=/").await.status, 200);
    sim.shutdown().await;
}

/// The outcome of one call, as a label.
async fn outcome(c: &reqwest::Client, sim: &dbx_sim::RunningSim) -> String {
    match get_with(c, sim, "/api/2.0/workspace/list?path=/Users/a@x.com", Some("dapi-sim")).await {
        Ok(r) if r.status == 200 && r.text.starts_with("{\"objects\"") => "ok".into(),
        Ok(r) => format!("{}", r.status),
        Err(_) => "error".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_faults_are_seeded() {
    let mut runs = Vec::new();
    for seed in [7, 7, 8] {
        let sim = start(SimConfig {
            fault_rate: 0.5,
            seed,
            slow_fault_secs: 1,
            ..config()
        })
        .await;
        let c = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let mut seq = Vec::new();
        for _ in 0..24 {
            seq.push(outcome(&c, &sim).await);
        }
        sim.shutdown().await;
        runs.push(seq);
    }
    assert_eq!(runs[0], runs[1], "same seed, same faults");
    assert_ne!(runs[0], runs[2], "another seed, other faults");
    let failed = runs[0].iter().filter(|o| *o != "ok").count();
    assert!((4..=20).contains(&failed), "{:?}", runs[0]);
    for label in &runs[0] {
        assert!(
            ["ok", "500", "502", "503", "504", "error"].contains(&label.as_str()),
            "{label}"
        );
    }
}

#[tokio::test]
async fn fault_rate_one_fails_every_api_call_but_not_control() {
    let sim = start(SimConfig {
        fault_rate: 1.0,
        slow_fault_secs: 0,
        ..config()
    })
    .await;
    let c = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut ok = 0;
    for _ in 0..30 {
        if outcome(&c, &sim).await == "ok" {
            ok += 1;
        }
    }
    // Only "slow" faults (stalled 0 s here) answer normally: about one in seven.
    assert!(ok < 15, "{ok}");
    let stats: serde_json::Value = get_json(format!("{}/__sim/stats", sim.url())).await;
    assert_eq!(stats["total_requests"], json!(30));
    sim.shutdown().await;
}
