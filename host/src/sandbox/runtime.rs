//! The Wasm runtime: one `Engine` and `InstancePre` per run, one short-lived `Store` per call.
//!
//! Each store gets a memory cap, a compute limit, a deadline and an empty WASI context; only the
//! WASI interfaces the scanner imports are linked, and never a clock, a socket or a filesystem
//! ([`super::imports`]). Its only way out is the `http` capability, which goes through
//! [`crate::policy::Policy`].
//!
//! The compute limit uses epoch interruption: a ticker thread advances the engine's epoch every
//! [`TICK`]; a guest still executing at a tick yields to tokio (fairness) and is charged one tick.
//! Every host call resets the charge, so a long but honest scan (which keeps sending requests)
//! never runs out, while a guest that computes without asking for anything is stopped.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::error::Context as _;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, UpdateDeadline};

use super::bindings::{self, scanner, Inventory, InventoryPre};
use super::imports;
use super::state::{InstanceState, ObjectSink};
use crate::model::{Ages, Trees, UserRow};
use crate::objects::{new_attempt, ObjectStore};
use crate::policy::Policy;

/// The scanner component built from `guest/`, embedded at build time.
pub static EMBEDDED_COMPONENT: &[u8] = include_bytes!(env!("DBX_GUEST_WASM"));

/// Limits applied to every component instance.
#[derive(Debug, Clone)]
pub struct GuestLimits {
    /// Linear memory cap per instance, in bytes.
    pub memory_bytes: usize,
    /// Longest stretch of guest computation between two host calls.
    pub compute: Duration,
    /// Wall-clock deadline per call (a user scan, a page of users).
    pub deadline: Duration,
    /// Instances alive at once (sizes the pooling allocator).
    pub max_instances: u32,
}

impl Default for GuestLimits {
    fn default() -> Self {
        GuestLimits {
            memory_bytes: 256 << 20,
            compute: Duration::from_secs(60),
            deadline: Duration::from_secs(6 * 3600),
            max_instances: 64,
        }
    }
}

/// Compiled component and shared policy, built once per run.
pub struct Runtime {
    engine: Engine,
    pre: InventoryPre<InstanceState>,
    policy: Arc<Policy>,
    limits: GuestLimits,
    /// The epoch ticker, shared by the runtimes of one engine (an account run's workspaces).
    ticker: Arc<Ticker>,
    /// The files' age reference, sent with every scan.
    ages: std::sync::Mutex<Ages>,
    /// Where scans hand their objects (`--objects`); none: no objects asked for.
    objects: std::sync::OnceLock<Arc<dyn ObjectStore>>,
}

/// Epoch tick: the granularity of the compute limit.
pub const TICK: Duration = Duration::from_millis(50);

/// Stops the epoch ticker thread when the last runtime of its engine is dropped.
struct Ticker(Arc<AtomicBool>);

impl Drop for Ticker {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl Runtime {
    /// Compiles `component` (a `wasm32-wasip2` component exporting `dbx:inventory/scanner`).
    pub fn new(component: &[u8], policy: Arc<Policy>, limits: GuestLimits) -> anyhow::Result<Self> {
        Self::with_cache(component, policy, limits, None)
    }

    /// [`Runtime::new`], keeping the compiled code in `cache` (wasmtime's own cache, keyed by the
    /// component's bytes, the engine's settings and wasmtime's version): a second process with
    /// the same component loads it instead of compiling. An unusable cache folder only costs
    /// the compilation.
    pub fn with_cache(
        component: &[u8],
        policy: Arc<Policy>,
        limits: GuestLimits,
        cache: Option<&std::path::Path>,
    ) -> anyhow::Result<Self> {
        let mut config = Config::new();
        config.wasm_component_model(true).epoch_interruption(true);
        if let Some(dir) = cache {
            let mut cc = wasmtime::CacheConfig::new();
            cc.with_directory(dir);
            match wasmtime::Cache::new(cc) {
                Ok(c) => {
                    config.cache(Some(c));
                }
                Err(e) => tracing::debug!("no compile cache in {}: {e:#}", dir.display()),
            }
        }
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(limits.max_instances)
            .total_core_instances(limits.max_instances * 4)
            .total_memories(limits.max_instances * 2)
            .total_tables(limits.max_instances * 4)
            .max_memory_size(limits.memory_bytes);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&config).context("creating the Wasm engine")?;
        let component = Component::new(&engine, component).context("loading the scanner component")?;
        let mut linker = Linker::<InstanceState>::new(&engine);
        imports::link_wasi(&mut linker, &engine, &component)?;
        Inventory::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s).context("linking the http capability")?;
        let pre = linker
            .instantiate_pre(&component)
            .context("the component does not fit the dbx:inventory world")?;
        let pre = InventoryPre::new(pre).context("the component does not export dbx:inventory/scanner")?;
        let ticker_stop = Arc::new(AtomicBool::new(false));
        {
            let (engine, stop) = (engine.clone(), ticker_stop.clone());
            std::thread::Builder::new().name("epoch-ticker".into()).spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(TICK);
                    engine.increment_epoch();
                }
            })?;
        }
        Ok(Runtime {
            engine,
            pre,
            policy,
            limits,
            ticker: Arc::new(Ticker(ticker_stop)),
            ages: std::sync::Mutex::new(Ages {
                as_of_ms: crate::format::now_ms(),
                stale_days: Ages::DEFAULT_STALE_DAYS,
            }),
            objects: std::sync::OnceLock::new(),
        })
    }

    /// A runtime for another workspace on this one's compiled component and engine (an account
    /// run compiles the scanner once): its own policy (credentials, limiter), ages and objects.
    /// The engine's instance pool was sized for all of them when this one was built.
    pub fn sharing(&self, policy: Arc<Policy>) -> Runtime {
        Runtime {
            engine: self.engine.clone(),
            pre: self.pre.clone(),
            policy,
            limits: self.limits.clone(),
            ticker: self.ticker.clone(),
            ages: std::sync::Mutex::new(self.ages()),
            objects: std::sync::OnceLock::new(),
        }
    }

    /// The shared policy.
    pub fn policy(&self) -> &Arc<Policy> {
        &self.policy
    }

    async fn instance(&self, objects: Option<ObjectSink>) -> anyhow::Result<(Store<InstanceState>, Inventory)> {
        let mut state = InstanceState::new(self.policy.clone(), self.limits.memory_bytes);
        state.objects = objects;
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| s.store_limits());
        let max_ticks = (self.limits.compute.as_millis() / TICK.as_millis()).max(1) as u64;
        let limit = self.limits.compute;
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |mut ctx| {
            let s = ctx.data_mut();
            s.busy_ticks += 1;
            if s.busy_ticks > max_ticks {
                wasmtime::bail!(
                    "the scanner computed for over {limit:?} without a request: runaway guest stopped after {} requests",
                    s.requests
                );
            }
            // Yield so a busy guest cannot starve the other instances.
            Ok(UpdateDeadline::Yield(1))
        });
        let bindings = self.pre.instantiate_async(&mut store).await?;
        Ok((store, bindings))
    }

    /// Runs `f` on a fresh instance with the deadline applied; traps become `Err` with a
    /// message that says what stopped the guest.
    async fn call<R>(
        &self,
        objects: Option<ObjectSink>,
        f: impl for<'a> FnOnce(
            &'a mut Store<InstanceState>,
            &'a Inventory,
        ) -> futures::future::BoxFuture<'a, wasmtime::Result<R>>,
    ) -> anyhow::Result<R> {
        let run = async {
            let (mut store, bindings) = self.instance(objects).await?;
            let r = f(&mut store, &bindings).await;
            r.map_err(|e| explain_trap(e, &store))
        };
        match tokio::time::timeout(self.limits.deadline, run).await {
            Ok(r) => r,
            Err(_) => anyhow::bail!("the scanner did not finish within {:?}", self.limits.deadline),
        }
    }

    /// The run's age reference (see [`Runtime::set_ages`]).
    pub fn ages(&self) -> Ages {
        *self.ages.lock().expect("not poisoned")
    }

    /// Sets the age reference of the scans that follow (a `--resume` takes the journal's).
    pub fn set_ages(&self, ages: Ages) {
        *self.ages.lock().expect("not poisoned") = ages;
    }

    /// True when the run sizes notebooks (`--notebook-sizes`): the export endpoint is on its
    /// allow-list, and only then does the scanner ask for it.
    pub fn notebook_sizes(&self) -> bool {
        self.policy
            .allow_list()
            .enables(crate::policy::allow_list::Optional::NotebookSizes)
    }

    /// Hands every scan's objects to `store` from now on (`--objects`; set once).
    pub fn keep_objects(&self, store: Arc<dyn ObjectStore>) {
        let _ = self.objects.set(store);
    }

    /// Where scans hand over their objects ([`Runtime::keep_objects`]), if anywhere.
    pub fn object_store(&self) -> Option<&Arc<dyn ObjectStore>> {
        self.objects.get()
    }

    /// Scans one user's `trees`. Never fails: anything that stops the guest becomes an `error` row.
    /// With [`Runtime::keep_objects`], the scan is a new attempt whose objects go to the store and
    /// the row names it (`objects`).
    pub async fn scan_user(&self, username: &str, trees: Trees, batch_size: u32) -> UserRow {
        let sink = self.objects.get().map(|store| ObjectSink {
            attempt: new_attempt(),
            store: store.clone(),
        });
        let attempt = sink.as_ref().map(|s| s.attempt);
        let options = bindings::scan_options(trees, batch_size, self.notebook_sizes(), self.ages(), sink.is_some());
        let started = Instant::now();
        let name = username.to_string();
        let result = self
            .call(sink, move |store, b| {
                Box::pin(async move { b.dbx_inventory_scanner().call_scan_user(store, &name, options).await })
            })
            .await;
        let ms = started.elapsed().as_millis() as u64;
        match result {
            Ok(report) => {
                let mut row = bindings::user_row(report, ms);
                row.objects.extend(attempt);
                row
            }
            // A stopped scan counts no file: none of the objects it handed over are its.
            Err(e) => UserRow::failed(username, format!("{e:#}"), ms),
        }
    }

    /// One page of SCIM users.
    pub async fn list_users(
        &self,
        start: u32,
        count: u32,
    ) -> anyhow::Result<Result<scanner::UserPage, scanner::Failure>> {
        self.call(None, move |store, b| {
            Box::pin(async move { b.dbx_inventory_scanner().call_list_users(store, start, count).await })
        })
        .await
    }

    /// One page of SCIM service principals.
    pub async fn list_service_principals(
        &self,
        start: u32,
        count: u32,
    ) -> anyhow::Result<Result<scanner::ServicePrincipalPage, scanner::Failure>> {
        self.call(None, move |store, b| {
            Box::pin(async move {
                b.dbx_inventory_scanner()
                    .call_list_service_principals(store, start, count)
                    .await
            })
        })
        .await
    }

    /// The user the credentials belong to.
    pub async fn whoami(&self) -> anyhow::Result<Result<String, scanner::Failure>> {
        self.call(None, |store, b| {
            Box::pin(async move { b.dbx_inventory_scanner().call_whoami(store).await })
        })
        .await
    }

    /// The caller with its groups and admin status (SCIM `Me`).
    pub async fn me(&self) -> anyhow::Result<Result<scanner::Caller, scanner::Failure>> {
        self.call(None, |store, b| {
            Box::pin(async move { b.dbx_inventory_scanner().call_me(store).await })
        })
        .await
    }

    /// Home directory names under `/Users` in one tree.
    pub async fn list_homes(&self, tree: scanner::Tree) -> anyhow::Result<Result<Vec<String>, scanner::Failure>> {
        self.call(None, move |store, b| {
            Box::pin(async move { b.dbx_inventory_scanner().call_list_homes(store, tree).await })
        })
        .await
    }
}

fn explain_trap(e: wasmtime::Error, store: &Store<InstanceState>) -> anyhow::Error {
    let requests = store.data().requests;
    if let Some(trap) = e.downcast_ref::<wasmtime::Trap>() {
        let why = match trap {
            wasmtime::Trap::Interrupt => "the scanner was interrupted".to_string(),
            wasmtime::Trap::UnreachableCodeReached => "the scanner crashed (it may have run out of memory)".to_string(),
            other => format!("the scanner crashed ({other})"),
        };
        return anyhow::anyhow!("{why} after {requests} requests");
    }
    // Host-side stops (oversized batch, runaway compute, memory cap) carry their own message as
    // the root cause; the wasm backtrace around it is noise in a CSV cell.
    let root = e.root_cause().to_string();
    if root.contains("forcing trap when growing memory") {
        return anyhow::anyhow!("the scanner exceeded its memory cap after {requests} requests ({root})");
    }
    anyhow::anyhow!("{root}")
}
