#!/usr/bin/env bash
# README command 2: install what the tests need, build (Debug + sanitizers), run every test.
# Unit tests (GoogleTest) and end-to-end tests (the real datasync binary against the project's own
# Tushare-protocol simulator) all run under CTest. Extra arguments go to ctest (e.g. -L unit, -R e2e).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
t0=$(date +%s)
bash scripts/install-deps.sh build test
bash scripts/build.sh test
build_dir=$root/build/test
echo "build done in $(( $(date +%s) - t0 )) s"
# Set-up hooks (npm oracles, database servers): start now, stop on exit whatever happens.
export DATASYNC_TEST_ENV=$build_dir/test-env.sh
: >"$DATASYNC_TEST_ENV"
hooks=(scripts/test-setup.d/*.sh)
stop_hooks() {
  for ((i = ${#hooks[@]} - 1; i >= 0; i--)); do
    [ -f "${hooks[$i]}" ] && bash "${hooks[$i]}" stop || true
  done
}
trap stop_hooks EXIT
for h in "${hooks[@]}"; do
  [ -f "$h" ] || continue
  echo "test set-up: $h"
  bash "$h" start
done
set -a
# shellcheck disable=SC1090
. "$DATASYNC_TEST_ENV"
set +a
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# No DATASYNC_* variable of the caller's shell reaches the tests (DATASYNC_CLOCK_FILE would move their
# clocks) but the DATASYNC_TEST_* ones the hooks write; the hooks' stop still sees them all. The unit binaries
# drop them by themselves too (tests/unit/harness/unit_main.cpp).
scrub=()
for name in $(compgen -e); do
  case $name in DATASYNC_TEST_*) ;; DATASYNC_*) scrub+=(-u "$name") ;; esac
done
env "${scrub[@]}" ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" --timeout 900 "$@"
echo "all tests passed in $(( $(date +%s) - t0 )) s"
