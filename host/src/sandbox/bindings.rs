//! Host bindings generated from `wit/inventory.wit`, with a chosen set of names re-exported,
//! and the one place where the guest's report becomes the host's [`UserRow`].

use crate::model::{AgeBytes, Ages, FileInfo, Orphan, Principal, Status, TreeStats, Trees, UserRow};

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
pub use generated::dbx::inventory::objects;
pub use generated::exports::dbx::inventory::scanner;
pub use generated::{Inventory, InventoryPre};

/// The guest's name of a location.
pub fn tree_of(l: crate::model::Location) -> scanner::Tree {
    use crate::model::Location;
    match l {
        Location::Dbfs => scanner::Tree::Dbfs,
        Location::Uploads => scanner::Tree::Uploads,
        Location::Workspace => scanner::Tree::Workspace,
        Location::Repos => scanner::Tree::Repos,
    }
}

/// The guest's options for one scan.
pub fn scan_options(
    trees: Trees,
    batch_size: u32,
    notebook_sizes: bool,
    ages: Ages,
    objects: bool,
) -> scanner::ScanOptions {
    scanner::ScanOptions {
        dbfs: trees.dbfs,
        workspace: trees.workspace,
        batch_size,
        notebook_sizes,
        uploads: trees.uploads,
        repos: trees.repos,
        as_of_ms: ages.as_of_ms,
        stale_days: ages.stale_days,
        objects,
    }
}

impl From<scanner::TreeStats> for TreeStats {
    fn from(t: scanner::TreeStats) -> Self {
        TreeStats {
            home_exists: t.home_exists,
            files: t.files,
            bytes: t.bytes,
            directories: t.directories,
            unsized_objects: t.unsized_objects,
            notebooks: t.notebooks,
            repos: t.repos,
            vanished_dirs: t.vanished_dirs,
            max_depth: t.max_depth,
            requests: t.requests,
            not_visible: false,
            notebook_bytes: t.notebook_bytes,
            notebooks_unsized: t.notebooks_unsized,
            not_available: false,
            last_modified_ms: t.last_modified_ms,
            stale_files: t.stale_files,
            stale_bytes: t.stale_bytes,
            undated_files: t.undated_files,
            age: AgeBytes {
                under_30_days: t.age.under_30_days,
                under_90_days: t.age.under_90_days,
                under_1_year: t.age.under_1_year,
                under_3_years: t.age.under_3_years,
                older: t.age.older,
                undated: t.age.undated,
            },
            largest: t
                .largest
                .into_iter()
                .map(|f| FileInfo {
                    path: f.path,
                    bytes: f.bytes,
                    modified_ms: f.modified_ms,
                })
                .collect(),
        }
    }
}

/// The row of a finished scan.
pub fn user_row(r: scanner::UserReport, duration_ms: u64) -> UserRow {
    let status = match r.status {
        scanner::ScanStatus::Success => Status::Success,
        scanner::ScanStatus::Empty => Status::Empty,
        scanner::ScanStatus::Error => Status::Error,
    };
    UserRow {
        username: r.username,
        status,
        error: r.error,
        dbfs: r.dbfs.map(Into::into),
        workspace: r.workspace.map(Into::into),
        uploads: r.uploads.map(Into::into),
        repos: r.repos.map(Into::into),
        requests: r.requests as u64,
        duration_ms,
        orphan: Orphan::No,
        principal: Principal::User,
        display_name: None,
        objects: Vec::new(),
    }
}
