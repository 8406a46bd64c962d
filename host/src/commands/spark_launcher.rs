//! `dbx-inventory spark-launcher`: writes the embedded Spark launcher (the `dbx_spark` package
//! folder), so a notebook or a job can `import dbx_spark` with nothing but this binary at hand.

use anyhow::Context as _;

use crate::cli::SparkLauncherArgs;
use crate::error::{missing_directory, Outcome};
use crate::schedule::spark::write_launcher;

/// Runs `spark-launcher`.
pub fn run(args: SparkLauncherArgs) -> anyhow::Result<Outcome> {
    let dir = &args.output;
    if dir.extension().is_some_and(|e| e == "py") {
        // The launcher was one file once: `-o dbx_spark.py` would make a folder no import finds.
        anyhow::bail!(
            "-o names the launcher's package folder (e.g. dbx_spark, imported as `import dbx_spark`), not a .py file: {}",
            dir.display()
        );
    }
    // As every output: a missing parent folder is named, not created.
    if let Some(e) = missing_directory("-o", dir) {
        return Err(e.into());
    }
    if dir.exists() && !dir.is_dir() {
        anyhow::bail!(
            "-o {}: a file, not a folder (the launcher is the dbx_spark package folder); choose another path",
            dir.display()
        );
    }
    if !dir.is_dir() {
        std::fs::create_dir(dir).with_context(|| format!("creating the launcher's folder {}", dir.display()))?;
    }
    let bytes = write_launcher(dir)?;
    println!("✓ Wrote the Spark launcher ({} bytes) to {}", bytes, dir.display());
    Ok(Outcome::Clean)
}

#[cfg(test)]
mod tests {
    use crate::schedule::spark::LAUNCHER;

    /// Every module of launcher/dbx_spark/ is embedded (a new one must be added to `LAUNCHER`).
    #[test]
    fn every_launcher_module_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../launcher/dbx_spark");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".py"))
            .collect();
        on_disk.sort();
        let embedded: Vec<&str> = LAUNCHER.iter().map(|(n, _)| *n).collect();
        assert_eq!(on_disk, embedded);
    }
}
