//! The Wasm sandbox the scanner runs in: one engine and `InstancePre` per run, a fresh store per
//! call with a memory cap, a compute limit and a deadline; the only WASI interfaces linked are
//! those the scanner imports (never a clock, a socket or a filesystem), and its one way out is the
//! `http` capability, which goes through [`crate::policy`].

pub mod bindings;
mod capability;
mod imports;
mod objects_sink;
pub mod runtime;
mod state;

pub use runtime::{GuestLimits, Runtime, EMBEDDED_COMPONENT};
