#!/usr/bin/env bash
# Configure and build datasync with CMake + Ninja (+ ccache when present).
# Usage: scripts/build.sh [release|debug|test] [extra ninja targets...]
#   release: build/release, -O3, what quickstart and benchmarks use
#   debug:   build/debug
#   test:    build/test, Debug with AddressSanitizer + UBSan, what scripts/test.sh uses
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kind=${1:-release}; shift || true
case "$kind" in
  release) dir=$root/build/release; args=(-DCMAKE_BUILD_TYPE=Release) ;;
  debug)   dir=$root/build/debug;   args=(-DCMAKE_BUILD_TYPE=Debug) ;;
  test)    dir=$root/build/test;    args=(-DCMAKE_BUILD_TYPE=Debug -DDATASYNC_SANITIZE=ON -DDATASYNC_TEST_HOOKS=ON) ;;
  *) echo "build.sh: unknown build kind '$kind' (allowed: release, debug, test)" >&2; exit 2 ;;
esac
jobs=${DATASYNC_BUILD_JOBS:-$(nproc)}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
# Paths relative to the checkout in ccache's hash, so that clones and git worktrees share one cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S "$root" -B "$dir" -G Ninja "${args[@]}" >/dev/null
fi
ninja -C "$dir" -j "$jobs" "$@"

