//! Shared state of one running simulator, built once from a [`SimConfig`].
//!
//! The content ([`Store`]) is immutable; auth, limits, faults and statistics carry their own
//! locks or atomics, so handlers share one `Arc<SimState>` without a global lock.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};
use tokio_util::sync::CancellationToken;

use crate::auth::Auth;
use crate::config::SimConfig;
use crate::faults::{self, FaultAction, FaultSet};
use crate::limits::Limiter;
use crate::stats::StatsCollector;
use crate::store::{stable_hash, Store};
use crate::token_log::TokenLog;

/// Latency model: log-normal around a mean, plus a cost per listed entry.
#[derive(Debug)]
pub struct Latency {
    dist: LogNormal<f64>,
    mean_ms: f64,
    per_entry: Duration,
}

impl Latency {
    fn new(mean_ms: u64, per_entry_us: u64) -> Option<Latency> {
        if mean_ms == 0 {
            return None;
        }
        // sigma 0.5: the median is ~0.88 × mean and 1 % of requests take over 2.8 × mean.
        let sigma: f64 = 0.5;
        let mu = (mean_ms as f64).ln() - sigma * sigma / 2.0;
        Some(Latency {
            dist: LogNormal::new(mu, sigma).expect("valid log-normal"),
            mean_ms: mean_ms as f64,
            per_entry: Duration::from_micros(per_entry_us),
        })
    }
}

/// Everything handlers share.
#[derive(Debug)]
pub struct SimState {
    /// What is served.
    pub store: Store,
    /// Tokens and OAuth.
    pub auth: Auth,
    /// Rate and concurrency limits (`None` with `--no-limits`).
    pub limiter: Option<Limiter>,
    /// Whether 429s carry `Retry-After`.
    pub retry_after: bool,
    /// Fault rules.
    pub faults: FaultSet,
    /// Probability of a random fault per API request.
    pub fault_rate: f64,
    /// How long a `slow` fault stalls.
    pub slow_fault: Duration,
    /// Counters.
    pub stats: StatsCollector,
    /// The token requests received.
    pub token_log: TokenLog,
    /// Seeded randomness for jitter and random faults.
    rng: Mutex<ChaCha8Rng>,
    latency: Option<Latency>,
    /// Largest SCIM page served.
    pub scim_max_page: usize,
    /// Largest object `workspace/export` returns.
    pub max_export_bytes: u64,
    /// Every DBFS request answers [`crate::error::dbfs_disabled`] (`--no-dbfs`).
    pub dbfs_disabled: bool,
    /// The address the server listens on.
    pub local_addr: SocketAddr,
    /// A workspace id derived from the seed (or the account file's), for `X-Databricks-Org-Id` and host metadata.
    pub workspace_id: u64,
    /// Cancelled on shutdown: ends pending sleeps (latency, slow faults).
    pub shutdown: CancellationToken,
}

impl SimState {
    /// Builds the state; the config must have been validated.
    pub fn new(config: &SimConfig, local_addr: SocketAddr) -> SimState {
        let limiter = config.limits.clone().map(Limiter::new);
        SimState {
            store: Store::build(&config.fixture),
            auth: Auth::new(
                &config.tokens,
                &config.user_tokens,
                &config.clients,
                config.oauth_token_ttl_secs,
            )
            .with_non_admin_clients(&config.non_admin_clients),
            retry_after: config.limits.as_ref().is_none_or(|l| l.retry_after),
            limiter,
            faults: FaultSet::new(&config.fixture.faults),
            fault_rate: config.fault_rate,
            slow_fault: Duration::from_secs(config.slow_fault_secs),
            stats: StatsCollector::default(),
            token_log: TokenLog::default(),
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(config.seed)),
            latency: Latency::new(config.latency_ms, config.latency_per_entry_us),
            scim_max_page: config.scim_max_page,
            max_export_bytes: config.max_export_bytes,
            dbfs_disabled: config.dbfs_disabled,
            local_addr,
            workspace_id: 1_000_000_000_000_000 + stable_hash(&config.seed.to_string()) % 8_000_000_000_000_000,
            shutdown: CancellationToken::new(),
        }
    }

    /// The same state with the given workspace id (an account's workspaces have configured ids).
    pub fn with_workspace_id(mut self, workspace_id: u64) -> SimState {
        self.workspace_id = workspace_id;
        self
    }

    /// Draws a random fault (with `--fault-rate`).
    pub fn draw_fault(&self) -> Option<FaultAction> {
        if self.fault_rate <= 0.0 {
            return None;
        }
        faults::draw(&mut *self.rng.lock().expect("rng lock"), self.fault_rate)
    }

    /// Draws the base latency of one request (zero without `--latency-ms`).
    pub fn draw_latency(&self) -> Duration {
        match &self.latency {
            None => Duration::ZERO,
            Some(l) => {
                let ms = l.dist.sample(&mut *self.rng.lock().expect("rng lock"));
                Duration::from_secs_f64(ms.min(l.mean_ms * 20.0) / 1000.0)
            }
        }
    }

    /// The extra latency for a response listing `entries` entries.
    pub fn entry_latency(&self, entries: usize) -> Duration {
        match &self.latency {
            None => Duration::ZERO,
            Some(l) => l.per_entry * entries as u32,
        }
    }

    /// Sleeps unless the simulator shuts down first; returns false if it did.
    pub async fn sleep(&self, d: Duration) -> bool {
        if d.is_zero() {
            return true;
        }
        tokio::select! {
            _ = tokio::time::sleep(d) => true,
            _ = self.shutdown.cancelled() => false,
        }
    }
}
