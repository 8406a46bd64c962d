//! `dbx-inventory worker` (hidden): the executor side of a Spark scan; its core is
//! [`crate::schedule::spark::worker`].

use crate::cli::WorkerArgs;
use crate::error::Outcome;

/// `dbx-inventory worker`.
pub async fn run(args: WorkerArgs) -> anyhow::Result<Outcome> {
    crate::schedule::spark::worker::run(args).await
}
