// The JSON of the data comparisons: `datasync reconcile --json` (app/reconcile.hpp) and `datasync verify
// --json` (app/verify.hpp), with the row differences they share (app/row_compare.hpp).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "app/reconcile.hpp"
#include "app/row_compare.hpp"

namespace datasync::app::views {

// {"left_rows", "right_rows", "same", "changed", "only_left", "only_right", "duplicates",
//  "changed_by_field": {field: rows}, "examples": [{"kind": "changed"|"only_left"|"only_right", "key",
//  "field", "left", "right"}]}; `left`/`right` name the two sides ("vendor", "stored" for verify).
nlohmann::ordered_json ToJson(const RowDiff& diff, const char* left = "left", const char* right = "right");
// Days as YYYY-MM-DD; every partition with its counts, the days that differ with their row differences.
nlohmann::ordered_json ToJson(const ReconcileReport& report);

}  // namespace datasync::app::views
