//! `dbx-inventory component -o FILE [--wit DIR]`: the scanner component this binary embeds, byte
//! for byte, for other Wasm hosts (and `scan --component FILE` accepts it back), with the WIT
//! package and the allow-list a host owes it.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use sha2::{Digest as _, Sha256};

use crate::cli::ComponentArgs;
use crate::error::Outcome;
use crate::output::AtomicFile;
use crate::sandbox::EMBEDDED_COMPONENT;

/// The WIT package the embedded component implements.
pub const WIT: &str = include_str!("../../../wit/inventory.wit");
/// The allow-list every host enforces (the Rust host's own copy).
pub const ALLOW_LIST: &str = include_str!("../../../wit/allow-list.json");

/// `dbx:inventory@0.1.0`, read from the WIT's `package` line.
pub fn wit_package() -> &'static str {
    WIT.lines()
        .find_map(|l| l.trim().strip_prefix("package "))
        .map_or("(unknown)", |p| p.trim_end_matches(';').trim())
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.file().write_all(bytes)?;
    file.commit()
}

/// Runs `component`.
pub fn run(args: ComponentArgs) -> anyhow::Result<Outcome> {
    write(&args.output, EMBEDDED_COMPONENT)?;
    let digest: String = Sha256::digest(EMBEDDED_COMPONENT)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    println!("✓ Wrote the scanner component to {}", args.output.display());
    println!("  size:    {} bytes", EMBEDDED_COMPONENT.len());
    println!("  sha256:  {digest}");
    println!(
        "  package: {} (world inventory: imports http, exports scanner)",
        wit_package()
    );
    if let Some(dir) = &args.wit {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        write(&dir.join("inventory.wit"), WIT.as_bytes())?;
        write(&dir.join("allow-list.json"), ALLOW_LIST.as_bytes())?;
        println!("  WIT:     {} (inventory.wit, allow-list.json)", dir.display());
    }
    Ok(Outcome::Clean)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_wit_package_is_read_from_the_wit() {
        assert_eq!(super::wit_package(), "dbx:inventory@0.1.0");
    }
}
