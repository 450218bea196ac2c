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
# The web app's vendor files (Preact + htm, uPlot) come from npm, pinned by web/package-lock.json; the
# build embeds them into the binary (cmake/embed_web_assets.cmake).
web=$root/web
if [ ! -f "$web/node_modules/.package-lock.json" ] || [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; then
  command -v npm >/dev/null || { echo "build.sh: npm not found (node 20 + npm come with the machine image; apt-get install npm)" >&2; exit 1; }
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S "$root" -B "$dir" -G Ninja "${args[@]}" >/dev/null
fi
ninja -C "$dir" -j "$jobs" "$@"

