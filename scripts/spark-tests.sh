#!/usr/bin/env bash
# The Spark launcher's tests (launcher/test_launcher.py): classic local[N] and a local Spark
# Connect server, loopback only, with a stand-in worker. Uses the cached venv of
# scripts/spark-venv.sh (created on first use) and Java 17+. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=$(scripts/spark-venv.sh)
export SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON="$PY"
unset SPARK_REMOTE SPARK_HOME
exec nice -n 10 "$PY" -m pytest -q -p no:cacheprovider launcher/test_launcher.py "$@"
