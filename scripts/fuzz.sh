#!/usr/bin/env bash
# Builds and runs the libFuzzer targets (tests/fuzz; docs/development.md "Fuzzing").
# Usage: scripts/fuzz.sh [--no-build] TARGET|all [SECONDS] [libFuzzer flags...]
#        scripts/fuzz.sh build            (build every target, run none)
#   TARGET: tushare_decoder ndl_decoder doc_page config_loader cron csv_roundtrip parquet_roundtrip parquet_decoder file_decoder
#   SECONDS: fuzzing time per target (default 60); all runs each target in turn.
#   --no-build: run what build/fuzz holds (the ctest smoke runs: scripts/test.sh builds it first).
# The build is build/fuzz: clang++, every file with ASan + UBSan and libFuzzer's coverage, only the
# libraries the targets need. A run starts from the target's seeds (fixtures) and its regression corpus
# (tests/fuzz/regressions/TARGET: inputs that once crashed, replayed first, every run), and grows a working
# corpus in build/fuzz/corpus/TARGET. A crash writes its input to build/fuzz/artifacts/TARGET/ and fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/build/fuzz
targets=(tushare_decoder ndl_decoder doc_page config_loader cron csv_roundtrip parquet_roundtrip parquet_decoder file_decoder)

build=1
if [ "${1:-}" = "--no-build" ]; then
  build=0
  shift
fi
what=${1:?"usage: scripts/fuzz.sh [--no-build] TARGET|all|build [SECONDS] [libFuzzer flags...] (targets: ${targets[*]})"}
shift
secs=${1:-60}
[ $# -gt 0 ] && shift

case "$what" in
  all | build) selected=("${targets[@]}") ;;
  *)
    if [[ ! " ${targets[*]} " =~ " $what " ]]; then
      echo "fuzz.sh: unknown target '$what' (allowed: ${targets[*]}, all, build)" >&2
      exit 2
    fi
    selected=("$what")
    ;;
esac

# The seed corpora: the project's fixtures where they fit the target, else tests/fuzz/seeds/TARGET.
seeds() {
  case "$1" in
    tushare_decoder) echo "$root/tests/data/tushare" ;;
    doc_page)
      echo "$root/tests/data/tushare_docs"
      [ -d "$root/../shared/fixtures/tushare_docs" ] && echo "$root/../shared/fixtures/tushare_docs"
      ;;
    config_loader) echo "$root/tests/fuzz/seeds/config_loader $root/tests/e2e/configs" ;;
    *) echo "$root/tests/fuzz/seeds/$1" ;;
  esac
  return 0
}

# The largest input each target tries: room for a page nested 40,000 levels deep, a long config, a
# response page; a few hundred bytes for a cron expression; a few thousand cells for the round trips.
max_len() {
  case "$1" in
    doc_page) echo 262144 ;;
    tushare_decoder | config_loader) echo 65536 ;;
    cron) echo 256 ;;
    *) echo 8192 ;;
  esac
}

if [ "$build" = 1 ]; then
  if ! command -v clang++ >/dev/null; then
    echo "fuzz.sh: clang++ not found: install the packages in scripts/deps/build-fuzz.txt (scripts/install-deps.sh)" >&2
    exit 2
  fi
  export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
  export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
  if [ ! -f "$dir/build.ninja" ]; then
    # -O1 and line tables: the usual libFuzzer trade between executions per second and build time.
    # The database sinks and xlsx are left out (about 15 compiles of their sinks and clients, a long wait on
    # a loaded 2-core machine); only the config loader would see them, through their option tables.
    cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" -DDATASYNC_FUZZ=ON -DDATASYNC_BUILD_TESTS=OFF \
      -DDATASYNC_BUILD_BENCH=OFF -DDATASYNC_WITH_POSTGRES=OFF -DDATASYNC_WITH_MYSQL=OFF \
      -DDATASYNC_WITH_CLICKHOUSE=OFF -DDATASYNC_WITH_XLSX=OFF >/dev/null
  fi
  t0=$(date +%s)
  ninja -C "$dir" -j "${DATASYNC_BUILD_JOBS:-$(nproc)}" "${selected[@]/#/fuzz_}"
  echo "fuzz.sh: build took $(($(date +%s) - t0)) s"
fi
[ "$what" = build ] && exit 0

# UBSan findings abort (the build uses -fno-sanitize-recover); ASan reports leaks at exit.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
rc=0
for t in "${selected[@]}"; do
  bin=$dir/tests/fuzz/fuzz_$t
  if [ ! -x "$bin" ]; then
    echo "fuzz.sh: $bin is not built: run scripts/fuzz.sh build (needs clang, scripts/deps/build-fuzz.txt)" >&2
    exit 2
  fi
  corpus=$dir/corpus/$t
  artifacts=$dir/artifacts/$t
  regressions=$root/tests/fuzz/regressions/$t
  mkdir -p "$corpus" "$artifacts"
  dirs=("$corpus")
  [ -d "$regressions" ] && dirs+=("$regressions")
  # shellcheck disable=SC2207  # seed paths have no spaces
  dirs+=($(seeds "$t"))
  echo "== fuzz $t for $secs s (corpus ${dirs[*]#"$root"/})"
  # -timeout: an input slower than this is a finding (a hostile page must not stall a sync).
  "$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2560 -max_len="$(max_len "$t")" -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$@" "${dirs[@]}" || { rc=$?; echo "fuzz.sh: $t FAILED (exit $rc); reproducer in $artifacts/" >&2; }
done
exit "$rc"
