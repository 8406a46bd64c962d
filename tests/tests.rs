//! End-to-end tests: the real `dbx-inventory` binary against the simulator on loopback.
//! One test binary; files named by area.

mod auth;
mod cli;
mod orphans;
mod report;
mod resume;
mod sandbox;
mod scan_semantics;
mod throttling;
mod users;
