#!/usr/bin/env bash
# The pip wheel, as a user installs it (tests/wheel/): builds a debug wheel (scripts/wheel.sh
# --debug), installs it in a new venv (the CLI, the demo, `import dbx_inventory`, no Rust on
# PATH) and in a cached pyspark venv (tests/wheel/requirements.txt), where the package's scan()
# runs on local[2] against the simulator and the example scheduled job writes its tables to a
# local Hive warehouse. Loopback only. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
unset SPARK_REMOTE SPARK_HOME
WHEEL=$(scripts/wheel.sh --debug --out target/wheel-dist)
nice -n 10 cargo build -q -p dbx-sim
PY=$(scripts/spark-venv.sh tests/wheel/requirements.txt)
"$PY" -m pip install -q --disable-pip-version-check --no-index --force-reinstall --no-deps "$WHEEL"
# Executors without the package: the launcher's pyspark venv (the wheel is never installed there).
OTHER=$(scripts/spark-venv.sh launcher/requirements.txt)
DBX_WHEEL=$(realpath "$WHEEL") DBX_SIM_BIN=$(realpath target/debug/dbx-sim) \
  DBX_SPARK_PYTHON_WITHOUT_WHEEL="$OTHER" SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON="$PY" \
  nice -n 10 "$PY" -m pytest -q -rs -p no:cacheprovider tests/wheel "$@"
