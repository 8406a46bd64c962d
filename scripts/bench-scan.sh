#!/usr/bin/env bash
# Builds release binaries and runs the scan benchmark (see scripts/bench_scan.py for flags).
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add wasm32-wasip2 >/dev/null
cargo build --release -p dbx-inventory -p dbx-sim
exec python3 scripts/bench_scan.py --bin target/release "$@"
