#!/usr/bin/env bash
# README command 2: install what the tests need, build (Debug + sanitizers), run every test.
# Unit tests (GoogleTest) and end-to-end tests (the real datasync binary against the project's own
# Tushare-protocol simulator) all run under CTest. Extra arguments go to ctest (e.g. -L unit, -R e2e).
# At the end, pass or fail, it prints how long the build, the set-up and the tests took, and the 15
# slowest tests.
# shellcheck disable=SC2317  # report, stop_hooks and on_exit run from the EXIT trap
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build_dir=$root/build/test

# The tests see only the environment this script gives them: a developer's DATASYNC_CLOCK_FILE,
# DATASYNC_PROJECT, DATASYNC_UPDATE_GOLDEN or a DATASYNC_TEST_*_URL from a hand-run session would change
# what they do. Kept: DATASYNC_BUILD_JOBS (build.sh), DATASYNC_SERVICES_BASE and the
# DATASYNC_TEST_*_PORT settings (inputs of scripts/test-setup.d/10-servers.sh). The DATASYNC_TEST_* values
# the tests read come from the set-up hooks below.
for name in $(compgen -e); do
  case "$name" in
    DATASYNC_BUILD_JOBS | DATASYNC_SERVICES_BASE | DATASYNC_TEST_*_PORT) ;;
    DATASYNC_*) unset "$name" ;;
  esac
done

t_start=$(date +%s)
t_built='' t_set_up='' t_tests=''
junit=$build_dir/Testing/junit.xml
hooks=(scripts/test-setup.d/*.sh)
hooks_started=0

# Wall times, then the slowest tests from ctest's JUnit report of this run.
report() {
  local now
  now=$(date +%s)
  echo
  echo "== timing =="
  [ -n "$t_built" ] && printf '  install + build  %5d s\n' $((t_built - t_start))
  [ -n "$t_set_up" ] && printf '  test set-up      %5d s\n' $((t_set_up - t_built))
  [ -n "$t_tests" ] && printf '  ctest            %5d s\n' $((t_tests - t_set_up))
  printf '  total            %5d s\n' $((now - t_start))
  if [ -n "$t_tests" ] && [ -f "$junit" ]; then
    echo "  slowest tests:"
    /usr/bin/python3 - "$junit" <<'PY' || true
import sys
import xml.etree.ElementTree as ET
cases = ET.parse(sys.argv[1]).getroot().iter("testcase")
rows = sorted(((float(c.get("time", 0)), c.get("name"), c.get("status", "")) for c in cases), reverse=True)
for secs, name, status in rows[:15]:
    print("  %8.1f s  %s%s" % (secs, name, "" if status == "run" else "  (%s)" % status))
PY
  fi
}

stop_hooks() {
  for ((i = hooks_started - 1; i >= 0; i--)); do
    [ -f "${hooks[$i]}" ] || continue
    bash "${hooks[$i]}" stop || echo "test.sh: ${hooks[$i]} stop failed" >&2
  done
}

on_exit() {
  local rc=$?
  stop_hooks
  report
  exit "$rc"
}
trap on_exit EXIT

bash scripts/install-deps.sh build test
bash scripts/build.sh test
# The fuzz targets (clang, build/fuzz): the ctest label `fuzz` runs each for a few seconds over its seeds
# and regression corpus (tests/fuzz/CMakeLists.txt).
bash scripts/fuzz.sh build
t_built=$(date +%s)
echo "build done in $((t_built - t_start)) s"

# Set-up hooks (npm oracles, database servers): start now, stop on exit whatever happens.
export DATASYNC_TEST_BUILD_DIR=$build_dir
export DATASYNC_TEST_ENV=$build_dir/test-env.sh
: >"$DATASYNC_TEST_ENV"
for h in "${hooks[@]}"; do
  [ -f "$h" ] || continue
  echo "test set-up: $h"
  hooks_started=$((hooks_started + 1))
  bash "$h" start
done
set -a
# shellcheck disable=SC1090
. "$DATASYNC_TEST_ENV"
set +a
t_set_up=$(date +%s)

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
rm -f "$junit"
rc=0
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" --timeout 900 --output-junit "$junit" "$@" || rc=$?
t_tests=$(date +%s)
[ "$rc" -eq 0 ] && echo "all tests passed"
exit "$rc"
