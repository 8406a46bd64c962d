#!/usr/bin/env bash
# The test command (README "Run the tests"; CI calls it). Installs what it needs itself:
# the wasm32-wasip2 target, Chromium (Debian package, for the HTML report test), and a Python venv
# with databricks-sdk for the simulator's SDK suite, and cached venvs with each tested pyspark
# (launcher/requirements*.txt) for the Spark tests.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> house rules: no file over 550 lines of code, no import circle (scripts/house.py)"
python3 -m unittest scripts/test_house.py
python3 scripts/house.py --report

echo "==> rustup target add wasm32-wasip2"
rustup target add wasm32-wasip2

echo "==> Chromium (headless) for the HTML report test"
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null; } ||
    echo "warning: could not install chromium: the HTML report test will fail"
fi
command -v chromium >/dev/null 2>&1 && chromium --version 2>/dev/null || true

echo "==> guest unit tests (scanner logic on the host target)"
cargo test --manifest-path guest/Cargo.toml

# No separate build step: the end-to-end tests are integration tests of dbx-inventory, so
# `cargo test` builds the binary (and, through host/build.rs, the guest component) itself; the
# SDK, Python and Node steps below each build what they run.
echo "==> pyspark venvs for the Spark tests (cached under ~/.cache/dbx-inventory, reused when present)"
# DBX_SPARK_PYTHON: the newest tested pyspark (launcher/requirements.txt); DBX_SPARK_PYTHONS: the
# interpreters of every tested pyspark with Spark Connect (4.0 and the newest 4.x); the 3.5 venv
# (classic only) is for scripts/spark-tests.sh.
DBX_SPARK_PYTHON=$(scripts/spark-venv.sh launcher/requirements.txt)
DBX_SPARK_PYTHONS="$(scripts/spark-venv.sh launcher/requirements-pyspark-4.0.txt) $DBX_SPARK_PYTHON"
scripts/spark-venv.sh launcher/requirements-pyspark-3.5.txt >/dev/null
# DBX_OBJECTS_PYTHON: pyarrow, pandas and DuckDB, to read the objects file (tests/objects/python.rs).
DBX_OBJECTS_PYTHON=$(scripts/spark-venv.sh tests/python/requirements-objects.txt)
export DBX_SPARK_PYTHON DBX_SPARK_PYTHONS DBX_OBJECTS_PYTHON
echo "DBX_SPARK_PYTHON=$DBX_SPARK_PYTHON"
echo "DBX_SPARK_PYTHONS=$DBX_SPARK_PYTHONS"
echo "DBX_OBJECTS_PYTHON=$DBX_OBJECTS_PYTHON"

# The Chromium and Spark tests are #[ignore]d (they need those tools); here they run, and fail
# if a tool is missing.
echo "==> workspace tests (unit + end-to-end against the simulator; tests/spark/ uses those venvs)"
cargo test --workspace -- --include-ignored

echo "==> the Spark launcher on classic local[N] and a local Spark Connect server, on each tested pyspark (loopback only)"
scripts/spark-tests.sh

if [ -x scripts/sim-sdk-tests.sh ]; then
  echo "==> official databricks-sdk against the simulator"
  scripts/sim-sdk-tests.sh
fi

echo "==> the pip wheel: built, installed in a new venv (CLI, demo) and a pyspark venv (scan(), the scheduled job)"
scripts/wheel-tests.sh

echo "==> the scanner component in a second Wasm host (wasmtime-py)"
scripts/python-host-tests.sh

echo "==> the scanner component in a third Wasm host (Node.js via jco)"
scripts/node-host-tests.sh

echo "==> host conformance: Rust, Python and Node hosts give the same per-user reports"
scripts/conformance.sh
