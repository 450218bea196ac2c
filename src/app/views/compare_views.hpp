// The JSON of the data comparisons: `datasync reconcile --json` (app/reconcile.hpp) and `datasync verify
// --json` (app/verify.hpp), with the row differences they share (app/row_compare.hpp).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "app/reconcile.hpp"
#include "app/row_compare.hpp"
#include "app/verify.hpp"

namespace datasync::app::views {

// {"left_rows", "right_rows", "same", "changed", "only_left", "only_right", "duplicates",
//  "changed_by_field": {field: rows}, "examples": [{"kind": "changed"|"only_left"|"only_right", "key",
//  "field", "left", "right"}]}; `left`/`right` name the two sides. Named "stored" and "vendor" (verify), the
//  kinds are "revised", "vanished" (only stored) and "added" (only the vendor's), and so are the counts.
nlohmann::ordered_json ToJson(const RowDiff& diff, const char* left = "left", const char* right = "right");
// Days as YYYY-MM-DD; every partition with its counts, the days that differ with their row differences.
nlohmann::ordered_json ToJson(const ReconcileReport& report);
// {"plan", "dataset", "storage", "candidates", "chosen", "seed", "run_id", "run_status", "note", "checked",
//  "unchanged", "revised", "added", "vanished", "revised_by_field", "clean", "differing": [{"params",
//  "diff"}]}; the seed as text (it is 64 bits).
nlohmann::ordered_json ToJson(const VerifyReport& report);

}  // namespace datasync::app::views
