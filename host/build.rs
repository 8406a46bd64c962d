//! Builds the scanner component (`guest/`, target `wasm32-wasip2`) so the host can embed it:
//! `cargo build` alone produces a single self-contained binary.
//!
//! Set `DBX_GUEST_WASM=/path/to/component.wasm` to embed a prebuilt component instead.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=DBX_GUEST_WASM");
    if let Ok(prebuilt) = std::env::var("DBX_GUEST_WASM") {
        println!("cargo:rustc-env=DBX_GUEST_WASM={prebuilt}");
        return;
    }
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.parent().unwrap();
    let guest = root.join("guest");
    for p in ["guest/src", "guest/Cargo.toml", "guest/Cargo.lock", "wit"] {
        println!("cargo:rerun-if-changed={}", root.join(p).display());
    }
    // A separate target dir: the outer cargo holds the lock on its own.
    let target_dir = guest.join("target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--release", "--target", "wasm32-wasip2", "--manifest-path"])
        .arg(guest.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir);
    // Don't leak the host build's flags and jobserver settings into the wasm build.
    for (k, _) in std::env::vars() {
        if k.starts_with("CARGO_") && k != "CARGO_HOME"
            || k == "RUSTFLAGS"
            || k == "RUSTC_WRAPPER"
            || k.starts_with("RUSTC_")
            || k == "RUSTC"
        {
            cmd.env_remove(k);
        }
    }
    let status = cmd.status().expect("running cargo to build the guest component");
    if !status.success() {
        panic!(
            "building the scanner component failed.\n\
             If the error above says the target is missing, run: rustup target add wasm32-wasip2"
        );
    }
    let wasm = target_dir.join("wasm32-wasip2/release/dbx_inventory_guest.wasm");
    assert!(wasm.exists(), "expected the component at {}", wasm.display());
    println!("cargo:rustc-env=DBX_GUEST_WASM={}", wasm.display());
}
