#!/usr/bin/env bash
# The scanner component in Node.js (hosts/node: jco transpile + preview2-shim) against the simulator.
# Binaries are taken from $CARGO_TARGET_DIR/debug (a relative CARGO_TARGET_DIR is taken from the
# repository root, as cargo does here), else target/debug.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$PWD/$TARGET_DIR" ;; esac
export DBX_BIN_DIR="${DBX_BIN_DIR:-$TARGET_DIR/debug}"
cargo build -q -p dbx-sim -p dbx-inventory   # dbx-inventory's build script builds the component
cd hosts/node
npm install --no-audit --no-fund --loglevel=error
npx jco transpile ../../guest/target/wasm32-wasip2/release/dbx_inventory_guest.wasm -o gen --name scanner \
  --map 'dbx:inventory/http@0.1.0=../http.js' \
  --map 'dbx:inventory/objects@0.1.0=../objects.js' --quiet
node --test
