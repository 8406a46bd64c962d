#!/usr/bin/env bash
# Host conformance (scripts/conformance.py): the Rust binary, the Python host (wasmtime-py) and the
# Node host (jco) scan the same users of the same simulators and must give the same per-user reports.
# Builds what it runs; binaries are taken from $CARGO_TARGET_DIR/debug (a relative CARGO_TARGET_DIR
# is taken from the repository root, as cargo does here), else target/debug.
# Extra arguments go to conformance.py (e.g. --host-cmd 'CMD' for your own host).
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$PWD/$TARGET_DIR" ;; esac
export DBX_BIN_DIR="${DBX_BIN_DIR:-$TARGET_DIR/debug}"
cargo build -q -p dbx-inventory -p dbx-sim   # dbx-inventory's build script builds the component
VENV=hosts/python/.venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check wasmtime pytest
(
  cd hosts/node
  npm install --no-audit --no-fund --loglevel=error
  npx jco transpile ../../guest/target/wasm32-wasip2/release/dbx_inventory_guest.wasm -o gen --name scanner \
    --map 'dbx:inventory/http@0.1.0=../http.js' \
    --map 'dbx:inventory/objects@0.1.0=../objects.js' --quiet
)
"$VENV/bin/python" scripts/conformance.py --python "$VENV/bin/python" "$@"
