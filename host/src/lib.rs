//! dbx-inventory: inventory the files every user keeps in a Databricks workspace.
//!
//! The scanning logic lives in a WASI component (`guest/`); this crate is the native host. Its
//! folders follow the data (docs/architecture.md), and each depends only on those listed before
//! it, so there is no import cycle (`scripts/house.py` checks it, file by file):
//!
//! * [`error`], [`format`], [`model`] — run outcomes, number/size/time formatting and CSV cells,
//!   and the records every stage shares (user key, trees, the job, the user row);
//! * [`cli`] — the command line (clap), parsing only;
//! * [`policy`] — the one seam every guest request goes through (allow-list → credentials →
//!   limiter → retries);
//! * [`objects`] — the object-level inventory: every counted file, spooled and written as Parquet;
//! * [`sandbox`] — the Wasm runtime: engine, instance limits, the `http` capability;
//! * [`journal`] — the crash-safe record of a scan;
//! * [`compare`] — two scans read back (CSV or journal) and what changed between them (`diff`);
//! * [`output`] — CSV, JSON Lines, HTML, console lines and progress;
//! * [`connect`] — from flags to a ready runtime (credentials, client, policy, component);
//! * the scan's pipeline, in the order data flows: [`feed`] (users in: given, SCIM, service
//!   principals, the roots' listings, orphans) → [`schedule`] (local, or Spark waves and the
//!   worker) → [`record`] (the one writer, visibility) → [`run`] (a scan's run from flags to exit
//!   code: open the journal, start, collect, finish);
//! * [`check`] — what a full scan under these credentials would see (the `check` report);
//! * [`account`] — every workspace of an account in one run (`scan`/`check --account-id`);
//! * [`commands`] — one file per subcommand.
#![warn(missing_docs)]

pub mod account;
pub mod check;
pub mod cli;
pub mod commands;
pub mod compare;
pub mod connect;
pub mod error;
pub mod feed;
pub mod format;
pub mod journal;
pub mod model;
pub mod objects;
pub mod output;
pub mod policy;
pub mod record;
pub mod run;
pub mod sandbox;
pub mod schedule;

pub use error::{FatalError, Interrupted, Outcome, UsageError};
