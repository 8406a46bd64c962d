#!/usr/bin/env bash
# The official Python databricks-sdk against dbx-sim (tests/python). Creates a venv with
# databricks-sdk and pytest, builds dbx-sim (into $CARGO_TARGET_DIR if set, else target/), runs pytest.
# Extra arguments go to pytest, e.g. `scripts/sim-sdk-tests.sh -k oauth -x`.
set -euo pipefail
cd "$(dirname "$0")/.."

# A relative CARGO_TARGET_DIR is taken from the repository root, as cargo does here.
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$PWD/$TARGET_DIR" ;; esac
VENV="${DBX_SIM_VENV:-$TARGET_DIR/sdk-venv}"
if [ ! -x "$VENV/bin/pytest" ] || ! "$VENV/bin/python" -c "import databricks.sdk" 2>/dev/null; then
  echo "==> creating $VENV (databricks-sdk, pytest)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check databricks-sdk pytest
fi
"$VENV/bin/python" -c "import databricks.sdk.version as v; print('databricks-sdk', v.__version__)"

echo "==> cargo build -p dbx-sim"
cargo build -p dbx-sim
export DBX_SIM_BIN="$TARGET_DIR/debug/dbx-sim"

echo "==> pytest tests/python"
exec "$VENV/bin/pytest" tests/python -q -p no:cacheprovider "$@"
