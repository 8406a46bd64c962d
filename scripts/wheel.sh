#!/usr/bin/env bash
# Usage: scripts/wheel.sh [--debug] [--out DIR]
# Builds dist/dbx_inventory-<version>-py3-none-<platform>.whl with maturin (pyproject.toml): the
# dbx-inventory binary (scanner component embedded) installed on PATH by pip, plus the Python
# packages dbx_inventory (notebook API) and dbx_spark (the Spark launcher). The tools come from
# PyPI (scripts/requirements-wheel.txt, a cached venv); nothing else is downloaded.
#
# Release (default): linked by zig against glibc 2.17, tagged manylinux_2_17_x86_64 and checked
# with auditwheel; prints the wheel's size. --debug: the dev profile (fast; reuses target/debug),
# tagged linux_x86_64, for tests only. Prints the wheel's path last on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=release
OUT=dist
while [ $# -gt 0 ]; do
  case "$1" in
    --debug) PROFILE=dev ;;
    --out) OUT=${2:?--out needs a folder}; shift ;;
    -h|--help) sed -n 2,10p "$0"; exit 0 ;;
    *) echo "wheel.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
rustup target add wasm32-wasip2 >&2
PY=$(scripts/spark-venv.sh scripts/requirements-wheel.txt)
BIN=$(dirname "$PY")
# maturin finds zig as `python -m ziglang` of the venv on PATH.
export PATH="$BIN:$PATH" VIRTUAL_ENV=$(dirname "$BIN")
mkdir -p "$OUT"
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
rm -f "$OUT"/dbx_inventory-"$VERSION"-*.whl
if [ "$PROFILE" = release ]; then
  nice -n 10 maturin build --release --locked --strip --zig --compatibility manylinux2014 -o "$OUT" >&2
else
  nice -n 10 maturin build --profile dev --locked --auditwheel skip --compatibility linux -o "$OUT" >&2
fi
WHEEL=$(ls "$OUT"/dbx_inventory-"$VERSION"-*.whl)
if [ "$PROFILE" = release ]; then
  echo "==> auditwheel show (the platform tag the binary's symbols allow)" >&2
  auditwheel show "$WHEEL" >&2
fi
BYTES=$(stat -c %s "$WHEEL")
echo "wheel: $WHEEL ($((BYTES / 1024 / 1024)) MiB, $BYTES bytes; binary $(python3 -c "
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print('%.1f MiB unpacked' % (sum(i.file_size for i in z.infolist() if i.filename.endswith('/scripts/dbx-inventory')) / 2**20))
" "$WHEEL"))" >&2
echo "$WHEEL"
