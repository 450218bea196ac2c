#!/usr/bin/env bash
# Installs the independent Parquet readers the tests compare datasync's files with (DuckDB's
# @duckdb/node-api and hyparquet, pinned in tests/oracles/package-lock.json) and checks that the xlsx
# oracle (/usr/bin/python3 with openpyxl and pandas, from scripts/deps/test-files.txt) imports.
# Usage: 20-oracles.sh start|stop. Nothing is installed when node_modules already matches the lock file.
# `npm install` rather than `npm ci`: npm 11's ci rejects this lock because it cannot list DuckDB's
# bindings for other platforms (darwin, win32, arm64), which the registry here does not serve; install
# still takes the locked versions and leaves the lock file unchanged.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
oracles=$root/tests/oracles
case "${1:-start}" in
  start)
    stamp=$oracles/node_modules/.datasync-lock-stamp
    if [ ! -f "$stamp" ] || ! cmp -s "$stamp" "$oracles/package-lock.json"; then
      command -v npm >/dev/null || { echo "20-oracles.sh: npm not found (node 20 + npm come with the machine image)" >&2; exit 1; }
      (cd "$oracles" && npm install --no-audit --no-fund --loglevel=error)
      cp "$oracles/package-lock.json" "$stamp"
    fi
    (cd "$oracles" && node -e "await import('@duckdb/node-api'); await import('hyparquet'); await import('hyparquet-compressors')" --input-type=module)
    /usr/bin/python3 -c "import openpyxl, pandas"
    echo "oracles ready: DuckDB and hyparquet (npm), openpyxl and pandas (/usr/bin/python3)"
    ;;
  stop) ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
