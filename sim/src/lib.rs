//! dbx-sim: a simulated Databricks workspace that the official clients cannot tell from a real one.
//!
//! It serves the Workspace, DBFS, Files (volumes) and SCIM read APIs plus OAuth M2M over plain
//! HTTP on loopback, from a [`Fixture`] (a JSON file or [`generate`]d), with the real error
//! bodies and quirks, the published rate limits, optional latency and faults, and statistics.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let sim = dbx_sim::start(dbx_sim::SimConfig {
//!     fixture: dbx_sim::generate(100, 7),
//!     ..Default::default()
//! })
//! .await?;
//! println!("{}", sim.url()); // http://127.0.0.1:PORT, token "dapi-sim"
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Module map: `app` (the router only), `pipeline` (the one middleware: auth, limits, faults,
//! latency, stats), `routes/*` (one module per REST resource), `store` (the indexed content),
//! `faults`, `limits`, `auth`, `visibility` (what a non-admin token may read), `stats`, `net` (socket wrapper), `scim_filter` (the SCIM filter language), `token_log`,
//! `generate/` (the seeded workspace generator), `fixture`, `config`, `account/` (an account of
//! several workspaces on one port: `config` the account file, `state`, `routes` the Accounts API,
//! `hosts` the routing by `Host` header; [`start_account`], [`RunningAccount`]).
#![deny(missing_docs)]

mod account;
mod app;
mod auth;
mod config;
mod endpoint;
mod error;
mod faults;
mod fixture;
mod generate;
mod limits;
mod net;
mod pipeline;
mod routes;
mod scim_filter;
mod state;
mod stats;
mod store;
mod token_log;
mod visibility;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use account::config::{AccountConfig, AccountWorkspace, WORKSPACE_STATUSES};
pub use account::{start_account, start_account_on, RunningAccount};
pub use config::{parse_user_token, Limits, SimConfig};
pub use fixture::{
    DbfsEntry, Fault, Fixture, ServicePrincipalEntry, UserEntry, VolumeEntry, WorkspaceEntry, FAULT_APIS, FAULT_KINDS,
};
pub use generate::{generate, parse_generate_spec, REFERENCE_MS};
pub use stats::{FamilyStats, Stats};
pub use token_log::TokenRequest;

use crate::net::{ConnHandle, SimListener};
use crate::state::SimState;

/// A simulator serving on a loopback port. Dropping it stops the server too.
pub struct RunningSim {
    addr: SocketAddr,
    state: Arc<SimState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// Starts a simulator on `127.0.0.1:0` (an ephemeral port).
pub async fn start(config: SimConfig) -> anyhow::Result<RunningSim> {
    start_on(config, "127.0.0.1:0".parse().expect("valid address")).await
}

/// Starts a simulator on the given address.
pub async fn start_on(config: SimConfig, addr: SocketAddr) -> anyhow::Result<RunningSim> {
    config.validate()?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let addr = listener.local_addr()?;
    let state = Arc::new(SimState::new(&config, addr));
    let (stop, task) = spawn_server(listener, app::router(state.clone()));
    Ok(RunningSim {
        addr,
        state,
        stop: Some(stop),
        task: Some(task),
    })
}

impl RunningSim {
    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The statistics (as `GET /__sim/stats`).
    pub fn stats(&self) -> Stats {
        self.state.stats.snapshot()
    }

    /// Resets the statistics (as `POST /__sim/stats`).
    pub fn reset_stats(&self) {
        self.state.stats.reset()
    }

    /// Adds fault rules at run time (as `POST /__sim/faults`).
    pub fn add_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        self.state.faults.add(faults)
    }

    /// Removes every fault rule (as `DELETE /__sim/faults`).
    pub fn clear_faults(&self) {
        self.state.faults.clear()
    }

    /// The last token requests the token endpoint answered, oldest first, as sent.
    pub fn token_requests(&self) -> Vec<TokenRequest> {
        self.state.token_log.list()
    }

    /// Stops accepting, ends pending sleeps and slow faults, and waits (at most 2 s) for open
    /// connections to finish.
    pub async fn shutdown(mut self) {
        self.signal_stop();
        stop_server(self.task.take()).await;
    }

    fn signal_stop(&mut self) {
        self.state.shutdown.cancel();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        self.signal_stop();
    }
}

/// Serves `app` on `listener` (connections can be reset: [`ConnHandle`]) until the sender fires.
fn spawn_server(listener: tokio::net::TcpListener, app: axum::Router) -> (oneshot::Sender<()>, JoinHandle<()>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let server = axum::serve(
        SimListener::new(listener),
        app.into_make_service_with_connect_info::<ConnHandle>(),
    )
    .with_graceful_shutdown(async move {
        let _ = stopped.await;
    });
    let task = tokio::spawn(async move {
        if let Err(e) = server.await {
            tracing::error!("dbx-sim server error: {e}");
        }
    });
    (stop, task)
}

/// Waits (at most 2 s) for a stopped server's task, then aborts it.
async fn stop_server(task: Option<JoinHandle<()>>) {
    if let Some(task) = task {
        let abort = task.abort_handle();
        if tokio::time::timeout(Duration::from_secs(2), task).await.is_err() {
            abort.abort();
        }
    }
}
