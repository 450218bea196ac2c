#!/usr/bin/env bash
# Installs the independent Parquet readers the tests compare datasync's files with (DuckDB's
# @duckdb/node-api and hyparquet, pinned in tests/oracles/package-lock.json) and checks that the xlsx
# oracle (/usr/bin/python3 with openpyxl and pandas, from scripts/deps/test-files.txt) imports.
# Usage: 20-oracles.sh start|stop. Nothing is installed when node_modules already matches the lock file.
# `npm ci`: it installs exactly the locked versions (checked against the lock's integrity hashes), fails
# if package.json and the lock disagree, and never writes package-lock.json, so a test run leaves the tree
# clean. The lock lists DuckDB's optional bindings for every platform (darwin, win32, linux arm64/musl), as
# npm 11 writes it: with only the linux-x64 entries npm ci refuses the lock as out of sync and npm install
# rewrites it. Only the bindings for this platform are downloaded.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
oracles=$root/tests/oracles
case "${1:-start}" in
  start)
    stamp=$oracles/node_modules/.datasync-lock-stamp
    if [ ! -f "$stamp" ] || ! cmp -s "$stamp" "$oracles/package-lock.json"; then
      command -v npm >/dev/null || { echo "20-oracles.sh: npm not found (node 20 + npm come with the machine image)" >&2; exit 1; }
      (cd "$oracles" && npm ci --no-audit --no-fund --loglevel=error)
      cp "$oracles/package-lock.json" "$stamp"
    fi
    (cd "$oracles" && node -e "await import('@duckdb/node-api'); await import('hyparquet'); await import('hyparquet-compressors')" --input-type=module)
    /usr/bin/python3 -c "import openpyxl, pandas"
    echo "oracles ready: DuckDB and hyparquet (npm), openpyxl and pandas (/usr/bin/python3)"
    ;;
  stop) ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
