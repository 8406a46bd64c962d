#!/usr/bin/env bash
# Builds release binaries and runs the scan benchmark (see scripts/bench_scan.py for flags),
# with the databricks-sdk baseline (a venv is created in target/sdk-venv if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add wasm32-wasip2 >/dev/null
VENV=target/sdk-venv
if ! "$VENV/bin/python" -c "import databricks.sdk" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check databricks-sdk pytest
fi
cargo build --release -p dbx-inventory -p dbx-sim
exec python3 scripts/bench_scan.py --bin target/release --baseline-python "$VENV/bin/python" "$@"
