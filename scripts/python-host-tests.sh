#!/usr/bin/env bash
# The scanner component in wasmtime-py (hosts/python) against the simulator. Binaries are taken
# from $CARGO_TARGET_DIR/debug (a relative CARGO_TARGET_DIR is taken from the repository root, as
# cargo does here), else target/debug.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$PWD/$TARGET_DIR" ;; esac
export DBX_BIN_DIR="${DBX_BIN_DIR:-$TARGET_DIR/debug}"
VENV=hosts/python/.venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check wasmtime pytest
cargo build -q -p dbx-sim -p dbx-inventory   # dbx-inventory's build script builds the component
"$VENV/bin/python" -m pytest -q hosts/python
