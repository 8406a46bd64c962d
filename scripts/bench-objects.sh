#!/usr/bin/env bash
# Builds release binaries and runs the objects benchmark (see scripts/bench_objects.py for flags).
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add wasm32-wasip2 >/dev/null
cargo build --release -p dbx-inventory -p dbx-sim
exec python3 scripts/bench_objects.py --bin target/release "$@"
