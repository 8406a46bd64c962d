#!/usr/bin/env bash
# The Spark launcher's tests (launcher/tests/): classic local[N] and a local Spark
# Connect server, loopback only, with a stand-in worker, on every tested pyspark: one cached venv
# of scripts/spark-venv.sh per requirements file (created on first use), Java 17+. On pyspark 3.5
# the Connect tests are skipped, with the reason in pytest's output (3.5's pip package has no
# Connect server, and the launcher supports Connect on 4.x only).
# DBX_SPARK_REQUIREMENTS="FILE ..." picks the requirements files (default: all tested versions).
# DBX_INVENTORY_BIN / DBX_SIM_BIN: the dbx-inventory and dbx-sim binaries (default: built here).
# Extra arguments go to pytest. Runs every version, then fails if any failed.
set -euo pipefail
cd "$(dirname "$0")/.."
REQS=${DBX_SPARK_REQUIREMENTS:-"launcher/requirements.txt launcher/requirements-pyspark-4.0.txt launcher/requirements-pyspark-3.5.txt"}
unset SPARK_REMOTE SPARK_HOME
# tests/test_real_worker.py runs the real worker against the simulator: the debug builds (a no-op
# when up to date), unless DBX_INVENTORY_BIN and DBX_SIM_BIN name them.
if [ -z "${DBX_INVENTORY_BIN:-}" ] || [ -z "${DBX_SIM_BIN:-}" ]; then
  nice -n 10 cargo build -q -p dbx-inventory -p dbx-sim
fi
failed=()
for req in $REQS; do
  PY=$(scripts/spark-venv.sh "$req")
  echo "--> pyspark $("$PY" -c 'import pyspark; print(pyspark.__version__)') ($req, $PY)"
  if ! SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON="$PY" \
    nice -n 10 "$PY" -m pytest -q -rs -p no:cacheprovider launcher/tests "$@"; then
    failed+=("$req")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "spark-tests: failed on ${failed[*]}" >&2
  exit 1
fi
