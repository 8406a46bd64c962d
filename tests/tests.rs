//! End-to-end tests: the real `dbx-inventory` binary against the simulator on loopback.
//! One test binary (`e2e`, an integration test of the `dbx-inventory` package: see
//! host/Cargo.toml), files named by area; `util` is the harness they share.

#[macro_use]
mod util;

mod account;
mod auth;
mod auth_methods;
mod auth_profiles;
mod auth_token;
mod check;
mod check_estimate;
mod cli;
mod component;
mod diff;
mod docs;
mod hostile;
mod list_homes;
mod lock;
mod notebook_sizes;
mod objects;
mod orphans;
mod places;
mod report;
mod rerun;
mod restricted;
mod resume;
mod resume_outputs;
mod resume_refusals;
mod sandbox;
mod scan_semantics;
mod scim_paging;
mod secrets;
mod service_principals;
mod spark;
mod throttling;
mod top;
mod trust;
mod users;
mod users_file;
mod worker;
