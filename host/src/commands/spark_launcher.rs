//! `dbx-inventory spark-launcher`: writes the embedded Spark launcher, so a notebook or a job can
//! `import dbx_spark` with nothing but this binary at hand.

use std::io::Write as _;

use crate::cli::SparkLauncherArgs;
use crate::error::Outcome;
use crate::output::AtomicFile;
use crate::schedule::spark::LAUNCHER;

/// Runs `spark-launcher`.
pub fn run(args: SparkLauncherArgs) -> anyhow::Result<Outcome> {
    let mut file = AtomicFile::create(&args.output)?;
    file.file().write_all(LAUNCHER.as_bytes())?;
    file.commit()?;
    println!(
        "✓ Wrote the Spark launcher ({} bytes) to {}",
        LAUNCHER.len(),
        args.output.display()
    );
    Ok(Outcome::Clean)
}
