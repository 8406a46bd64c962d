#!/usr/bin/env bash
# Usage: scripts/spark-venv.sh [REQUIREMENTS_FILE]   (default launcher/requirements.txt, the
# newest tested pyspark; launcher/requirements-pyspark-*.txt are the other tested versions)
# Prints the path of a Python interpreter that has pyspark (and the Spark Connect client
# dependencies) from that file. The venv is cached, keyed by the requirements file's hash, at
# ${XDG_CACHE_HOME:-~/.cache}/dbx-inventory/spark-venv-<sha256[:12]>, and reused when present
# (the first install downloads pyspark, ~400 MB, and takes minutes).
# Progress goes to stderr; only the interpreter path goes to stdout.
set -euo pipefail
REQ=${1:-launcher/requirements.txt}
# A relative path is relative to the caller's directory (or, failing that, the repository).
[ -f "$REQ" ] || REQ="$(dirname "$0")/../$REQ"
[ -f "$REQ" ] || { echo "spark-venv: no requirements file ${1:-launcher/requirements.txt}" >&2; exit 2; }
REQ=$(realpath "$REQ")
HASH=$(sha256sum "$REQ" | cut -c1-12)
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/dbx-inventory"
VENV="$CACHE/spark-venv-$HASH"
if [ ! -f "$VENV/.complete" ]; then
  mkdir -p "$CACHE"
  # One installer at a time; a venv without .complete (an interrupted install) is rebuilt.
  exec 9>"$VENV.lock"
  flock 9
  if [ ! -f "$VENV/.complete" ]; then
    echo "spark-venv: creating $VENV from $REQ (first run: downloads pyspark, takes minutes)" >&2
    rm -rf "$VENV"
    python3 -m venv "$VENV" >&2
    nice -n 10 "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQ" >&2
    touch "$VENV/.complete"
  fi
  exec 9>&-
fi
echo "$VENV/bin/python"
