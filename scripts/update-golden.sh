#!/usr/bin/env bash
# Rewrites the golden files (tests/data/**/*.golden.json) from what the code produces now, by running the
# test binaries that have golden tests with --update-golden (tests/unit/harness/golden.hpp): the only way
# they change; ctest and scripts/test.sh always compare. Review the diff before committing it.
# Usage: scripts/update-golden.sh   (builds build/test first; DATASYNC_BUILD_JOBS limits compile jobs)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# binary (under build/test/tests/unit) and the GoogleTest filter of its golden tests
golden_tests=(
  "datasource/datasource_test DocPageTest.*"
)
targets=()
for t in "${golden_tests[@]}"; do targets+=("$(basename "${t%% *}")"); done
bash scripts/build.sh test "${targets[@]}"
for t in "${golden_tests[@]}"; do
  "$root/build/test/tests/unit/${t%% *}" --gtest_filter="${t#* }" --update-golden
done
git status --short -- tests/data
