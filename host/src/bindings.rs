//! Host bindings generated from `wit/inventory.wit`, with a chosen set of names re-exported.

#[allow(missing_docs)]
mod generated {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "inventory",
        imports: { default: async | trappable },
        exports: { default: async },
    });
}

pub use generated::dbx::inventory::http;
pub use generated::exports::dbx::inventory::scanner;
pub use generated::{Inventory, InventoryPre};
