#!/usr/bin/env bash
# The official Python databricks-sdk against dbx-sim (tests/python). Creates a venv with
# databricks-sdk and pytest, builds dbx-sim (into $CARGO_TARGET_DIR if set, else target/), runs pytest.
# Extra arguments go to pytest, e.g. `scripts/sim-sdk-tests.sh -k oauth -x`.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${DBX_SIM_VENV:-${CARGO_TARGET_DIR:-target}/sdk-venv}"
if [ ! -x "$VENV/bin/pytest" ] || ! "$VENV/bin/python" -c "import databricks.sdk" 2>/dev/null; then
  echo "==> creating $VENV (databricks-sdk, pytest)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check databricks-sdk pytest
fi
"$VENV/bin/python" -c "import databricks.sdk.version as v; print('databricks-sdk', v.__version__)"

echo "==> cargo build -p dbx-sim"
cargo build -p dbx-sim
export DBX_SIM_BIN="${CARGO_TARGET_DIR:-target}/debug/dbx-sim"

echo "==> pytest tests/python"
exec "$VENV/bin/pytest" tests/python -q -p no:cacheprovider "$@"
