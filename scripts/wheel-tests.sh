#!/usr/bin/env bash
# The pip wheel, as a user installs it (tests/wheel/): builds a debug wheel (scripts/wheel.sh
# --debug; DBX_WHEEL=PATH tests that wheel instead, e.g. a release one), installs it in a new venv
# (the CLI, the demo, `import dbx_inventory`, no Rust on PATH) and in a cached pyspark venv per
# tested pyspark (tests/wheel/requirements*.txt: the newest and 4.0), where the package's scan()
# runs on local[2] and Spark Connect against the simulator and the example scheduled job writes its
# tables to a local Hive warehouse. Loopback only. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
unset SPARK_REMOTE SPARK_HOME
WHEEL=${DBX_WHEEL:-$(scripts/wheel.sh --debug --out target/wheel-dist)}
nice -n 10 cargo build -q -p dbx-sim
# Each wheel venv, and the launcher's venv of the same pyspark: executors without the package.
PAIRS=${DBX_WHEEL_PAIRS:-"tests/wheel/requirements.txt:launcher/requirements.txt tests/wheel/requirements-pyspark-4.0.txt:launcher/requirements-pyspark-4.0.txt"}
failed=()
for pair in $PAIRS; do
  PY=$(scripts/spark-venv.sh "${pair%%:*}")
  OTHER=$(scripts/spark-venv.sh "${pair##*:}")
  "$PY" -m pip install -q --disable-pip-version-check --no-index --force-reinstall --no-deps "$WHEEL"
  echo "--> $(basename "$WHEEL") on pyspark $("$PY" -c 'import pyspark; print(pyspark.__version__)') (${pair%%:*})"
  if ! DBX_WHEEL=$(realpath "$WHEEL") DBX_SIM_BIN=$(realpath target/debug/dbx-sim) \
    DBX_SPARK_PYTHON_WITHOUT_WHEEL="$OTHER" SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON="$PY" \
    nice -n 10 "$PY" -m pytest -q -rs -p no:cacheprovider tests/wheel "$@"; then
    failed+=("${pair%%:*}")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "wheel-tests: failed on ${failed[*]}" >&2
  exit 1
fi
