#!/usr/bin/env bash
# README "Run the demo": installs the wasm target, builds, and scans a simulated workspace
# (200 generated users, realistic latency, the published rate limits) into demo-results.csv.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add wasm32-wasip2
cargo run -p dbx-inventory -- demo "$@"
