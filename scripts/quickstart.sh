#!/usr/bin/env bash
# README command 1: install, build Release, create a demo project and sync trade_cal, stock_basic and one
# month of daily bars into SQLite + CSV, printing the run reports.
#   Offline (default): against the project's own Tushare-protocol simulator on loopback.
#   With TUSHARE_TOKEN set: against the real vendor (https://api.tushare.pro).
# Usage: scripts/quickstart.sh [DEMO_DIR]      (default: ./demo)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
demo=${1:-$root/demo}
bash "$root/scripts/install-deps.sh" build
bash "$root/scripts/build.sh" release datasync vendor_sim
build_dir=$root/build/release
ds=$build_dir/src/cli/datasync
sim=$build_dir/tools/vendor-sim/datasync-vendor-sim

if [ -n "${TUSHARE_TOKEN:-}" ]; then
  echo "TUSHARE_TOKEN is set: syncing from the real vendor"
  "$ds" init "$demo" --force --token-env TUSHARE_TOKEN >/dev/null
else
  portfile=$(mktemp)
  "$sim" --port 0 --port-file "$portfile" --stocks 500 --tokens demo-token --per-minute 500 >/dev/null &
  sim_pid=$!
  trap 'kill $sim_pid 2>/dev/null || true; rm -f "$portfile"' EXIT
  for _ in $(seq 1 100); do [ -s "$portfile" ] && break; sleep 0.05; done
  port=$(cat "$portfile")
  echo "offline demo: Tushare-protocol simulator on http://127.0.0.1:$port (set TUSHARE_TOKEN to use the real vendor)"
  export DATASYNC_DEMO_TOKEN=demo-token
  "$ds" init "$demo" --force --endpoint "http://127.0.0.1:$port" --token-env DATASYNC_DEMO_TOKEN >/dev/null
fi

cd "$demo"
"$ds" validate
"$ds" apply
set +e
"$ds" run trade_cal stock_basic daily_2024_01
status=$?
set -e
echo
echo "stored in $demo/data:"
for t in trade_cal stock_basic daily; do
  n=$(sqlite3 data/warehouse.db "SELECT count(*) FROM \"$t\"" 2>/dev/null || echo "?")
  echo "  warehouse.db $t: $n rows"
done
echo "  csv files: $(find data/csv -name '*.csv' | wc -l) under data/csv/"
echo "next: cd $demo && $ds runs && $ds report 1"
exit $status
