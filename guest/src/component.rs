//! The exported scanner: glue from the WIT exports to the logic modules. It builds on every
//! target; only `export!` is wasm-only, because a native cdylib cannot carry the component's
//! export names (`dbx:inventory/scanner@0.1.0#scan-user` breaks the linker's version script).

use crate::exports::dbx::inventory::scanner::{
    Caller, Failure, Guest, ScanOptions, ServicePrincipalPage, Tree, UserPage, UserReport,
};
use crate::{homes, objects, scim, transport, walk};

/// The exported scanner.
pub struct Scanner;

impl Guest for Scanner {
    fn scan_user(username: String, options: ScanOptions) -> UserReport {
        walk::scan_user(&mut transport::Host, &mut objects::Host, &username, options)
    }

    fn list_users(start_index: u32, count: u32) -> Result<UserPage, Failure> {
        scim::list_users(&mut transport::Host, start_index, count)
    }

    fn whoami() -> Result<String, Failure> {
        scim::whoami(&mut transport::Host)
    }

    fn list_homes(which: Tree) -> Result<Vec<String>, Failure> {
        homes::list_homes(&mut transport::Host, which)
    }

    fn list_service_principals(start_index: u32, count: u32) -> Result<ServicePrincipalPage, Failure> {
        scim::list_service_principals(&mut transport::Host, start_index, count)
    }

    fn me() -> Result<Caller, Failure> {
        scim::me(&mut transport::Host)
    }
}

#[cfg(target_arch = "wasm32")]
crate::export!(Scanner with_types_in crate);
