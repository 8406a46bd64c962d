//! A simulated Databricks account: several workspaces and the Accounts API on one port.
//!
//! `config` reads the account file, `state` holds the Accounts API's state, `routes` serves the
//! Accounts API, `hosts` routes each request by its `Host` header. [`start_account`] starts it all.

pub mod config;
pub mod hosts;
pub mod routes;
pub mod state;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::fixture::Fault;
use crate::stats::Stats;
use crate::token_log::TokenRequest;
use crate::{app, spawn_server, stop_server};

use self::config::AccountConfig;
use self::hosts::{Hosts, ACCOUNTS_HOST};
use self::state::{AccountState, Served};

/// A simulated account serving on a loopback port. Dropping it stops the server too.
///
/// Methods taking a deployment name panic when the account has no such workspace (a test's typo).
pub struct RunningAccount {
    addr: SocketAddr,
    state: Arc<AccountState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// Starts an account on `127.0.0.1:0` (an ephemeral port).
pub async fn start_account(config: AccountConfig) -> anyhow::Result<RunningAccount> {
    start_account_on(config, "127.0.0.1:0".parse().expect("valid address")).await
}

/// Starts an account on the given address: one listener, requests routed by their `Host`.
pub async fn start_account_on(config: AccountConfig, addr: SocketAddr) -> anyhow::Result<RunningAccount> {
    config.validate()?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let addr = listener.local_addr()?;
    let state = Arc::new(AccountState::new(&config, addr));
    let hosts = Hosts::new(
        routes::router(state.clone()),
        state
            .workspaces
            .iter()
            .map(|w| (w.deployment_name.clone(), app::router(w.state.clone()))),
    );
    let (stop, task) = spawn_server(listener, hosts::router(Arc::new(hosts)));
    Ok(RunningAccount {
        addr,
        state,
        stop: Some(stop),
        task: Some(task),
    })
}

impl RunningAccount {
    /// The bound port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The Accounts API: `http://accounts.localhost:PORT`.
    pub fn url(&self) -> String {
        format!("http://{ACCOUNTS_HOST}:{}", self.port())
    }

    /// A workspace: `http://<deployment>.localhost:PORT` (whether or not the account has it).
    pub fn workspace_url(&self, deployment: &str) -> String {
        format!("http://{deployment}.localhost:{}", self.port())
    }

    /// The deployment names, in the account file's order.
    pub fn deployments(&self) -> Vec<String> {
        self.state
            .workspaces
            .iter()
            .map(|w| w.deployment_name.clone())
            .collect()
    }

    fn workspace(&self, deployment: &str) -> &Served {
        self.state
            .workspace(deployment)
            .unwrap_or_else(|| panic!("dbx-sim account: no workspace {deployment:?}"))
    }

    /// A workspace's statistics (as `GET /__sim/stats` on its host). Panics on an unknown name.
    pub fn stats(&self, deployment: &str) -> Stats {
        self.workspace(deployment).state.stats.snapshot()
    }

    /// Accounts API requests answered (any status; `/__sim/*` not counted).
    pub fn account_requests(&self) -> u64 {
        self.state.requests()
    }

    /// The account statistics as `GET /__sim/stats` on the accounts host serves them:
    /// `{"account": {<endpoint>: {<status>: n}}, "workspaces": {<deployment>: <stats>}}`.
    pub fn account_stats(&self) -> serde_json::Value {
        self.state.stats_json()
    }

    /// A workspace's token requests (`POST /oidc/v1/token` on its host), oldest first, as sent.
    /// Panics on an unknown name.
    pub fn token_requests(&self, deployment: &str) -> Vec<TokenRequest> {
        self.workspace(deployment).state.token_log.list()
    }

    /// The account token requests (`POST /oidc/accounts/{id}/v1/token`), oldest first, as sent.
    pub fn account_token_requests(&self) -> Vec<TokenRequest> {
        self.state.token_log.list()
    }

    /// Adds fault rules to one workspace. Panics on an unknown name.
    pub fn add_faults(&self, deployment: &str, faults: impl IntoIterator<Item = Fault>) {
        self.workspace(deployment).state.faults.add(faults)
    }

    /// Resets the account's counters and every workspace's statistics.
    pub fn reset_stats(&self) {
        self.state.reset_stats()
    }

    /// Stops accepting, ends pending sleeps and slow faults of every workspace, and waits (at most
    /// 2 s) for open connections to finish.
    pub async fn shutdown(mut self) {
        self.signal_stop();
        stop_server(self.task.take()).await;
    }

    fn signal_stop(&mut self) {
        for w in &self.state.workspaces {
            w.state.shutdown.cancel();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for RunningAccount {
    fn drop(&mut self) {
        self.signal_stop();
    }
}
