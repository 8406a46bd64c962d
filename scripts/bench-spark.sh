#!/usr/bin/env bash
# Builds release binaries and the cached pyspark venv, then runs the Spark benchmark
# (scripts/bench_spark.py: local vs local[4], wall over the rate-limit bound, 429s, start-up).
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add wasm32-wasip2 >/dev/null
PY=$(scripts/spark-venv.sh)
cargo build --release -p dbx-inventory -p dbx-sim
exec python3 scripts/bench_spark.py --python "$PY" --bin "${CARGO_TARGET_DIR:-target}/release" "$@"
