//! The simulator's own throughput, so it is never the bottleneck of our measurements.
//!
//! Serves 200 directories of 20 entries with no limits and no latency, and drives it with many
//! concurrent keep-alive HTTP/1.1 connections (hyper's low-level client: one connection per
//! task, requests in sequence), each `GET /api/2.0/workspace/list?path=<dir>`. Client and server
//! share the machine, so the figure is a lower bound of what the server alone could do.
//!
//! `cargo bench -p dbx-sim --bench throughput` (release). Environment: `BENCH_SECS` (default 5),
//! `BENCH_CONNS` (default 64).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use dbx_sim::{Fixture, SimConfig, WorkspaceEntry};
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper_util::rt::TokioIo;

const DIRS: usize = 200;
const ENTRIES: usize = 20;

fn fixture() -> Fixture {
    let mut f = Fixture::default();
    for d in 0..DIRS {
        for e in 0..ENTRIES {
            let (object_type, language, size) = if e % 2 == 0 {
                ("NOTEBOOK", Some("PYTHON".to_string()), None)
            } else {
                ("FILE", None, Some(1000 + e as u64))
            };
            f.workspace.push(WorkspaceEntry {
                path: format!("/Users/bench{d}@example.com/item_{e:02}"),
                object_type: Some(object_type.into()),
                language,
                size,
                content: None,
                extra: serde_json::json!({"object_id": d * 100 + e, "modified_at": 1_700_000_000_000u64})
                    .as_object()
                    .unwrap()
                    .clone(),
            });
        }
    }
    f
}

#[derive(Default)]
struct Totals {
    requests: AtomicU64,
    bytes: AtomicU64,
    errors: AtomicU64,
}

async fn client_loop(
    addr: std::net::SocketAddr,
    id: usize,
    stop: Arc<AtomicBool>,
    totals: Arc<Totals>,
    lat: Arc<std::sync::Mutex<Vec<u32>>>,
) {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let host = addr.to_string();
    let mut i = id;
    let mut local = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let uri = format!("/api/2.0/workspace/list?path=/Users/bench{}@example.com", i % DIRS);
        i += 7;
        let req = Request::get(uri)
            .header("host", &host)
            .header("authorization", "Bearer dapi-sim")
            .body(Empty::<Bytes>::new())
            .unwrap();
        if sender.ready().await.is_err() {
            totals.errors.fetch_add(1, Ordering::Relaxed);
            break;
        }
        let t = Instant::now();
        match sender.send_request(req).await {
            Ok(resp) => {
                let ok = resp.status() == 200;
                let body = resp.into_body().collect().await.map(|b| b.to_bytes());
                match (ok, body) {
                    (true, Ok(b)) => {
                        totals.requests.fetch_add(1, Ordering::Relaxed);
                        totals.bytes.fetch_add(b.len() as u64, Ordering::Relaxed);
                        local.push(t.elapsed().as_micros() as u32);
                    }
                    _ => {
                        totals.errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            Err(_) => {
                totals.errors.fetch_add(1, Ordering::Relaxed);
                break;
            }
        }
    }
    lat.lock().unwrap().extend(local);
}

fn main() {
    let secs: u64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let conns: usize = std::env::var("BENCH_CONNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64);
    // Server and client on separate runtimes, one worker thread each, on a 2-core machine.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sim = server_rt
        .block_on(dbx_sim::start(SimConfig {
            fixture: fixture(),
            limits: None,
            ..Default::default()
        }))
        .expect("simulator starts");
    let addr = sim.addr();

    // Sanity: a listing holds 20 entries.
    let check = client_rt.block_on(async {
        let totals = Arc::new(Totals::default());
        let stop = Arc::new(AtomicBool::new(false));
        let lat = Arc::new(std::sync::Mutex::new(Vec::new()));
        let s2 = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            s2.store(true, Ordering::Relaxed);
        });
        client_loop(addr, 0, stop, totals.clone(), lat).await;
        totals.requests.load(Ordering::Relaxed)
    });
    assert!(check > 0, "warm-up made no successful request");
    sim.reset_stats();

    let totals = Arc::new(Totals::default());
    let stop = Arc::new(AtomicBool::new(false));
    let lat = Arc::new(std::sync::Mutex::new(Vec::new()));
    let t0 = Instant::now();
    client_rt.block_on(async {
        let mut tasks = Vec::new();
        for id in 0..conns {
            tasks.push(tokio::spawn(client_loop(
                addr,
                id,
                stop.clone(),
                totals.clone(),
                lat.clone(),
            )));
        }
        tokio::time::sleep(Duration::from_secs(secs)).await;
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            let _ = t.await;
        }
    });
    let elapsed = t0.elapsed().as_secs_f64();
    let n = totals.requests.load(Ordering::Relaxed);
    let mut lat = lat.lock().unwrap().clone();
    lat.sort_unstable();
    let pct = |p: f64| lat.get(((lat.len() as f64 - 1.0) * p) as usize).copied().unwrap_or(0) as f64 / 1000.0;
    let stats = sim.stats();
    println!("dbx-sim throughput: workspace/list of {ENTRIES}-entry directories, no limits, no latency");
    println!("  connections       {conns} keep-alive HTTP/1.1 (client and server share the machine)");
    println!("  duration          {elapsed:.1} s");
    println!(
        "  requests          {n} ok, {} errors",
        totals.errors.load(Ordering::Relaxed)
    );
    println!("  throughput        {:.0} requests/s", n as f64 / elapsed);
    println!(
        "  body bytes        {:.1} MB/s",
        totals.bytes.load(Ordering::Relaxed) as f64 / elapsed / 1e6
    );
    println!("  latency           p50 {:.2} ms, p99 {:.2} ms", pct(0.5), pct(0.99));
    println!(
        "  server counted    {} requests, peak concurrency {}",
        stats.total_requests, stats.peak_concurrency
    );
    server_rt.block_on(sim.shutdown());
}
