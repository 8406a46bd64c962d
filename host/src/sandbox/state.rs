//! The state of one component instance ([`InstanceState`]): the shared policy its requests go
//! through, an empty WASI context, its memory cap, and what it has done (requests, compute).

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime::{StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::objects::ObjectStore;
use crate::policy::Policy;

/// Where one scan's objects go: its attempt id and the store (`--objects`).
#[derive(Clone)]
pub struct ObjectSink {
    /// The scan's attempt.
    pub attempt: u64,
    /// The run's store.
    pub store: Arc<dyn ObjectStore>,
}

/// Per-instance state: the policy view plus an empty WASI context.
pub struct InstanceState {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: StoreLimits,
    /// The shared policy every request goes through.
    pub policy: Arc<Policy>,
    /// Requests the guest asked for.
    pub requests: u64,
    /// Epoch ticks the guest has been computing since its last host call.
    pub busy_ticks: u64,
    /// Where the scan's objects go; `None` when the run keeps none.
    pub objects: Option<ObjectSink>,
}

impl InstanceState {
    /// A fresh instance's state: no WASI resources, memory capped at `memory_bytes`.
    pub fn new(policy: Arc<Policy>, memory_bytes: usize) -> InstanceState {
        InstanceState {
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
            limits: StoreLimitsBuilder::new()
                .memory_size(memory_bytes)
                .instances(16)
                .trap_on_grow_failure(true)
                .build(),
            policy,
            requests: 0,
            busy_ticks: 0,
            objects: None,
        }
    }

    /// The store's resource limiter (`Store::limiter`).
    pub fn store_limits(&mut self) -> &mut StoreLimits {
        &mut self.limits
    }
}

impl WasiView for InstanceState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
