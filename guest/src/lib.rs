//! The dbx-inventory scanner component (see README.md for what lives where).
//!
//! The WIT types are generated here on every target; the logic modules use them directly (with
//! the helpers in [`types`]) and are tested natively through a fake transport. On a native
//! target the generated imports are stubs that panic: nothing but the component calls them.
//!
//! The files in dependency order, leaves first (each uses only files above it):
//! * `lib.rs` (`generate!`) — the WIT types; uses nothing of the crate
//! * `lenient.rs` — tolerant field deserializers; nothing
//! * `json.rs` — bodies read as JSON objects only, `Present`; nothing
//! * `username.rs` — which usernames may name a home; nothing
//! * `types.rs` — the WIT types' helpers, `Api` and its list endpoints; the generated types
//! * `transport.rs` — `Transport`, `send_one`, `send_batch`, the batch cap; types, the `http` import
//! * `errors.rs` — one-line causes, `is_not_found`, `Failures`; types, json, lenient
//! * `listing.rs` — `Entry`, `Kind`, `BadListing`; types, errors
//! * `dbfs.rs`, `workspace.rs` — the two listing parsers; listing, json, lenient, types
//! * `export.rs` — notebook sizes from exports; json, transport, types
//! * `objects.rs` — `Objects`, `Outbox`, the objects of counted files; listing, types, the `objects` import
//! * `scim.rs` — users, service principals, `Me`; errors, json, lenient, transport, types, username
//! * `homes.rs` — `list-homes`; errors, listing, dbfs, workspace, transport, types
//! * `walk.rs` — `scan-user`; errors, listing, dbfs, workspace, export, objects, transport, types,
//!   username
//! * `component.rs` — the exported `Scanner`; walk, scim, homes, objects, transport, the generated types
//! * `tests/` (tests only) — scenarios against `tests/fake.rs`; any of the above

wit_bindgen::generate!({
    path: "../wit",
    world: "inventory",
    additional_derives: [Clone, PartialEq, Eq, Hash],
    additional_type_attributes: {
        "dbx:inventory/scanner@0.1.0/tree-stats": [#[derive(Default)]],
        "dbx:inventory/scanner@0.1.0/scan-options": [#[derive(Default)]],
        "dbx:inventory/scanner@0.1.0/age-bytes": [#[derive(Default)]],
    },
});

pub mod component;
pub mod dbfs;
pub mod errors;
pub mod export;
pub mod homes;
pub mod json;
pub mod lenient;
pub mod listing;
pub mod objects;
pub mod scim;
pub mod transport;
pub mod types;
pub mod username;
pub mod walk;
pub mod workspace;

#[cfg(test)]
mod tests;
