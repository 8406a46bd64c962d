#!/usr/bin/env bash
# The scanner component in wasmtime-py (hosts/python) against the simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=hosts/python/.venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check wasmtime pytest
cargo build -q -p dbx-sim -p dbx-inventory   # dbx-inventory's build script builds the component
"$VENV/bin/python" -m pytest -q hosts/python
