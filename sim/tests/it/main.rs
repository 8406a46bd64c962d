//! Integration tests of dbx-sim over real loopback HTTP: one binary, one module per area.

mod account;
mod auth_stats;
mod faults;
mod generator;
mod limits;
mod no_dbfs;
mod oauth_faults;
mod restricted;
mod shapes;
mod util;
