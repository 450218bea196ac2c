#!/usr/bin/env bash
# Install the Debian packages datasync needs. Safe to re-run (a few seconds when all is present).
# Usage: scripts/install-deps.sh [build] [test] [bench]     (default: build)
#   build: scripts/deps/build*.txt      test: also scripts/deps/test*.txt (servers, oracles, browsers)
#   bench: also scripts/deps/bench*.txt (what the benchmarks in bench/ run besides datasync)
# Each feature keeps its own list file (deps/test-servers.txt, ...), one package per line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
groups=${*:-build}
lists=()
for g in $groups; do
  case "$g" in
    build) lists+=("$here"/deps/build*.txt) ;;
    test) lists+=("$here"/deps/build*.txt "$here"/deps/test*.txt) ;;
    bench) lists+=("$here"/deps/build*.txt "$here"/deps/bench*.txt) ;;
    *) echo "install-deps.sh: unknown group '$g' (allowed: build, test, bench)" >&2; exit 2 ;;
  esac
done
mapfile -t want < <(cat "${lists[@]}" | sed 's/#.*//' | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "install-deps: all ${#want[@]} packages present"; exit 0; fi
echo "install-deps: installing ${missing[*]}"
SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
