#!/usr/bin/env bash
# Install the Debian packages datasync needs. Safe to re-run (a few seconds when all is present).
# Usage: scripts/install-deps.sh [build] [test]     (default: build)
#   build: compilers' libraries and tools to build datasync
#   test:  adds what the test suites need (servers, oracles)
set -euo pipefail
groups=${*:-build}
pkgs_build=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates
  libcurl4-openssl-dev libsimdjson-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libyaml-cpp-dev
  libcli11-dev libcpp-httplib-dev libsqlite3-dev libexpected-dev libhowardhinnant-date-dev
  libssl-dev zlib1g-dev libgtest-dev libgmock-dev libbenchmark-dev sqlite3
)
pkgs_test=(python3 python3-minimal)
want=("${pkgs_build[@]}")
for g in $groups; do
  case "$g" in
    build) ;;
    test) want+=("${pkgs_test[@]}") ;;
    *) echo "install-deps.sh: unknown group '$g' (allowed: build, test)" >&2; exit 2 ;;
  esac
done
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
