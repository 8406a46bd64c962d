//! What the Accounts API shares: the account's id, its OAuth client and tokens, the workspace
//! listing, its request counters, and the workspaces' states (for the combined statistics).

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::auth::Auth;
use crate::state::SimState;
use crate::token_log::TokenLog;

use super::config::{AccountConfig, AccountWorkspace};

/// One workspace as the Accounts API lists it, and its simulator.
#[derive(Debug)]
pub struct Served {
    /// The listing entry (`workspace_id`, `deployment_name`, `workspace_status`, …).
    pub listing: Value,
    /// The workspace's id.
    pub workspace_id: u64,
    /// `<deployment_name>` (its host is `<deployment_name>.localhost`).
    pub deployment_name: String,
    /// The workspace's simulator.
    pub state: Arc<SimState>,
}

/// The Accounts API's state.
#[derive(Debug)]
pub struct AccountState {
    /// The account id.
    pub account_id: String,
    /// Account tokens: the account's client only, no personal access tokens.
    pub auth: Auth,
    /// The account token requests received.
    pub token_log: TokenLog,
    /// The workspaces, in listing order.
    pub workspaces: Vec<Served>,
    /// The address the server listens on.
    pub local_addr: SocketAddr,
    requests: AtomicU64,
    by_endpoint: Mutex<HashMap<(&'static str, u16), u64>>,
}

impl AccountState {
    /// Builds the account's state and one [`SimState`] per workspace.
    pub fn new(config: &AccountConfig, local_addr: SocketAddr) -> AccountState {
        let workspaces = config
            .workspaces
            .iter()
            .map(|w| Served {
                listing: listing(&config.account_id, w),
                workspace_id: w.workspace_id,
                deployment_name: w.deployment_name.clone(),
                state: Arc::new(
                    SimState::new(&config.workspace_config(w), local_addr).with_workspace_id(w.workspace_id),
                ),
            })
            .collect();
        AccountState {
            account_id: config.account_id.clone(),
            auth: Auth::new(
                &[],
                &[],
                std::slice::from_ref(&config.client),
                config.base.oauth_token_ttl_secs,
            ),
            token_log: TokenLog::default(),
            workspaces,
            local_addr,
            requests: AtomicU64::new(0),
            by_endpoint: Mutex::new(HashMap::new()),
        }
    }

    /// A workspace by deployment name.
    pub fn workspace(&self, deployment_name: &str) -> Option<&Served> {
        self.workspaces.iter().find(|w| w.deployment_name == deployment_name)
    }

    /// Counts one Accounts API request answered with `status`.
    pub fn record(&self, endpoint: &'static str, status: u16) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        *self
            .by_endpoint
            .lock()
            .expect("account stats lock")
            .entry((endpoint, status))
            .or_default() += 1;
    }

    /// Accounts API requests answered, any status.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// `{"account": {<endpoint>: {<status>: n}}, "workspaces": {<deployment>: <stats>}}`.
    pub fn stats_json(&self) -> Value {
        let mut account: BTreeMap<&str, BTreeMap<u16, u64>> = BTreeMap::new();
        for ((endpoint, status), n) in self.by_endpoint.lock().expect("account stats lock").iter() {
            account.entry(endpoint).or_default().insert(*status, *n);
        }
        let workspaces: serde_json::Map<String, Value> = self
            .workspaces
            .iter()
            .map(|w| {
                let stats = serde_json::to_value(w.state.stats.snapshot()).expect("stats serialize");
                (w.deployment_name.clone(), stats)
            })
            .collect();
        json!({"account": account, "workspaces": workspaces})
    }

    /// Resets the account's counters and every workspace's statistics.
    pub fn reset_stats(&self) {
        self.requests.store(0, Ordering::Relaxed);
        self.by_endpoint.lock().expect("account stats lock").clear();
        for w in &self.workspaces {
            w.state.stats.reset();
        }
    }
}

/// A workspace as `GET /api/2.0/accounts/{id}/workspaces` lists it (AWS shapes).
fn listing(account_id: &str, w: &AccountWorkspace) -> Value {
    // A fixed creation time per workspace (never the clock): 2024-01-01 plus the id's days.
    let creation_time = 1_704_067_200_000u64 + (w.workspace_id % 365) * 86_400_000;
    json!({
        "workspace_id": w.workspace_id,
        "workspace_name": w.workspace_name,
        "deployment_name": w.deployment_name,
        "workspace_status": w.workspace_status,
        "workspace_status_message": status_message(&w.workspace_status),
        "account_id": account_id,
        "aws_region": "us-west-2",
        "pricing_tier": "PREMIUM",
        "cloud": "aws",
        "creation_time": creation_time,
    })
}

fn status_message(status: &str) -> &'static str {
    match status {
        "RUNNING" => "Workspace is running.",
        "PROVISIONING" => "Workspace is being provisioned.",
        "NOT_PROVISIONED" => "Workspace has not been provisioned.",
        "FAILED" => "Workspace provisioning failed.",
        "BANNED" => "Workspace is banned.",
        "CANCELLING" => "Workspace is being cancelled.",
        _ => "",
    }
}
