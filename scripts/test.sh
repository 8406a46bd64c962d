#!/usr/bin/env bash
# The test command (README "Run the tests"; CI calls it). Installs what it needs itself:
# the wasm32-wasip2 target, Chromium (Debian package, for the HTML report test), and a Python venv
# with databricks-sdk for the simulator's SDK suite, and a cached venv with pyspark for the Spark tests.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> rustup target add wasm32-wasip2"
rustup target add wasm32-wasip2

echo "==> Chromium (headless) for the HTML report test"
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null; } ||
    echo "warning: could not install chromium: the HTML report test will be skipped (under CI it fails)"
fi
command -v chromium >/dev/null 2>&1 && chromium --version 2>/dev/null || true

echo "==> guest unit tests (scanner logic on the host target)"
cargo test --manifest-path guest/Cargo.toml

# No separate build step: the end-to-end tests are integration tests of dbx-inventory, so
# `cargo test` builds the binary (and, through host/build.rs, the guest component) itself; the
# SDK, Python and Node steps below each build what they run.
echo "==> pyspark venv for the Spark tests (cached under ~/.cache/dbx-inventory, reused when present)"
DBX_SPARK_PYTHON=$(scripts/spark-venv.sh)
export DBX_SPARK_PYTHON
echo "$DBX_SPARK_PYTHON"

echo "==> workspace tests (unit + end-to-end against the simulator; tests/spark.rs uses that venv)"
cargo test --workspace

echo "==> the Spark launcher on classic local[N] and a local Spark Connect server (loopback only)"
scripts/spark-tests.sh

if [ -x scripts/sim-sdk-tests.sh ]; then
  echo "==> official databricks-sdk against the simulator"
  scripts/sim-sdk-tests.sh
fi

echo "==> the scanner component in a second Wasm host (wasmtime-py)"
scripts/python-host-tests.sh

echo "==> the scanner component in a third Wasm host (Node.js via jco)"
scripts/node-host-tests.sh

echo "==> host conformance: Rust, Python and Node hosts give the same per-user reports"
scripts/conformance.sh
