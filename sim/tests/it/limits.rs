//! Limits hold: the concurrency cap, the per-family token buckets, Retry-After.

use std::time::{Duration, Instant};

use dbx_sim::{Fault, Limits, SimConfig};

use crate::util::{client, config, get, get_with, start};

fn slow_root_fault() -> Fault {
    let mut f = Fault::new("workspace", "/", 500);
    f.kind = Some("slow".into());
    f
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn burst_beyond_the_concurrency_cap_gets_429s() {
    // Every call to "/" stalls 1 s once admitted, so 40 concurrent calls overlap.
    let sim = start(SimConfig {
        limits: Some(Limits::default()),
        slow_fault_secs: 1,
        ..config()
    })
    .await;
    sim.add_faults([slow_root_fault()]);
    let c = client();
    let calls = (0..40).map(|_| {
        let c = c.clone();
        let sim = &sim;
        async move {
            get_with(&c, sim, "/api/2.0/workspace/list?path=/", Some("dapi-sim"))
                .await
                .unwrap()
        }
    });
    let resps = futures_util::future::join_all(calls).await;
    let ok = resps.iter().filter(|r| r.status == 200).count();
    let throttled: Vec<_> = resps.iter().filter(|r| r.status == 429).collect();
    assert_eq!((ok, throttled.len()), (20, 20));
    let body = throttled[0].json();
    assert_eq!(body["error_code"], "REQUEST_LIMIT_EXCEEDED");
    let msg = body["message"].as_str().unwrap();
    assert!(
        msg.starts_with("Workspace ") && msg.ends_with(" exceeded the concurrent limit of 20 requests."),
        "{msg}"
    );
    assert_eq!(throttled[0].headers["retry-after"], "1");
    let stats = sim.stats();
    assert_eq!(stats.status_429, 20);
    assert!(stats.peak_concurrency >= 21, "{stats:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn rate_limit_429_has_retry_after_unless_disabled() {
    let limits = Limits {
        dbfs_per_sec: 2.0,
        ..Limits::default()
    };
    let sim = start(SimConfig {
        limits: Some(limits.clone()),
        ..config()
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(get(&sim, "/api/2.0/dbfs/list?path=/").await);
    }
    assert_eq!(
        statuses.iter().map(|r| r.status).collect::<Vec<_>>(),
        [200, 200, 429, 429]
    );
    assert_eq!(statuses[2].json()["error_code"], "REQUEST_LIMIT_EXCEEDED");
    assert_eq!(statuses[2].headers["retry-after"], "1");
    // Other families have their own buckets.
    assert_eq!(get(&sim, "/api/2.0/workspace/list?path=/").await.status, 200);
    sim.shutdown().await;

    let sim = start(SimConfig {
        limits: Some(Limits {
            retry_after: false,
            ..limits
        }),
        ..config()
    })
    .await;
    let mut last = None;
    for _ in 0..3 {
        last = Some(get(&sim, "/api/2.0/dbfs/list?path=/").await);
    }
    let last = last.unwrap();
    assert_eq!(last.status, 429);
    assert!(!last.headers.contains_key("retry-after"));
    sim.shutdown().await;
}

#[tokio::test]
async fn client_pacing_itself_at_the_published_rate_is_never_throttled() {
    let sim = start(SimConfig {
        limits: Some(Limits::default()),
        ..config()
    })
    .await;
    let c = client();
    let mut tick = tokio::time::interval(Duration::from_millis(20)); // 50/s
    for _ in 0..100 {
        tick.tick().await;
        let r = get_with(&c, &sim, "/api/2.0/workspace/list?path=/", Some("dapi-sim"))
            .await
            .unwrap();
        assert_eq!(r.status, 200);
    }
    assert_eq!(sim.stats().status_429, 0);
    sim.shutdown().await;
}

/// Hammers one endpoint with `workers` loops for `run`; returns the times successes arrived.
async fn hammer(url: String, workers: usize, run: Duration, t0: Instant) -> Vec<Duration> {
    let c = client();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (c, url) = (c.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let mut ok = Vec::new();
            while t0.elapsed() < run {
                let r = c.get(&url).bearer_auth("dapi-sim").send().await.unwrap();
                let status = r.status().as_u16();
                let _ = r.bytes().await;
                if status == 200 {
                    ok.push(t0.elapsed());
                } else {
                    assert_eq!(status, 429);
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            }
            ok
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_rate_of_each_family_stays_within_5_percent_over_10_s() {
    let sim = start(SimConfig {
        limits: Some(Limits::default()),
        ..config()
    })
    .await;
    let url = sim.url();
    let t0 = Instant::now();
    // The first second spends the bucket's initial burst; the next ten are measured.
    let run = Duration::from_secs(11);
    let (ws, dbfs, scim) = tokio::join!(
        hammer(format!("{url}/api/2.0/workspace/list?path=/Users"), 4, run, t0),
        hammer(format!("{url}/api/2.0/dbfs/list?path=/Users"), 4, run, t0),
        hammer(format!("{url}/api/2.0/preview/scim/v2/Users?count=1"), 4, run, t0),
    );
    let window =
        |xs: &[Duration]| xs.iter().filter(|t| **t >= Duration::from_secs(1) && **t < run).count() as f64 / 10.0;
    for (name, served, rate) in [
        ("workspace", window(&ws), 50.0),
        ("dbfs", window(&dbfs), 30.0),
        ("scim", window(&scim), 255.0 / 60.0),
    ] {
        let err = (served - rate).abs() / rate;
        eprintln!(
            "{name}: served {served:.2}/s, configured {rate:.2}/s ({:.1} %)",
            err * 100.0
        );
        assert!(err <= 0.05, "{name}: served {served}/s vs {rate}/s");
    }
    assert!(sim.stats().status_429 > 0);
    assert!(sim.stats().peak_concurrency <= 12);
    sim.shutdown().await;
}

/// Export has its own bucket (60/s by default), apart from `list`, and its own statistics.
#[tokio::test]
async fn export_is_its_own_family_with_its_own_limit_and_stats() {
    let sim = start(SimConfig {
        limits: Some(Limits {
            export_per_sec: 2.0,
            workspace_per_sec: 2.0,
            ..Limits::default()
        }),
        ..config()
    })
    .await;
    let nb = "/api/2.0/workspace/export?path=/Users/a@x.com/nb&format=SOURCE";
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(get(&sim, nb).await.status);
    }
    assert_eq!(statuses, [200, 200, 429]);
    // The list bucket was not touched by the exports.
    assert_eq!(get(&sim, "/api/2.0/workspace/list?path=/").await.status, 200);
    assert_eq!(get(&sim, "/api/2.0/workspace/list?path=/").await.status, 200);
    assert_eq!(get(&sim, "/api/2.0/workspace/list?path=/").await.status, 429);
    let s = sim.stats();
    let e = &s.families["export"];
    assert_eq!((e.admitted, e.throttled, e.peak_per_second), (2, 1, 2));
    assert_eq!(
        (s.families["workspace"].admitted, s.families["workspace"].throttled),
        (2, 1)
    );
    assert_eq!(s.by_endpoint["workspace/export"][&429], 1);
    assert_eq!(Limits::default().export_per_sec, 60.0);
    sim.shutdown().await;
}
