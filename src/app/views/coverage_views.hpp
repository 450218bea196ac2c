// The JSON of a coverage report (app/coverage.hpp), as `datasync coverage --json` prints it and
// GET /api/v1/datasets/{name}/coverage serves it (with the day marks of the web app's heat strip).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "app/coverage.hpp"
#include "app/repair.hpp"

namespace datasync::app::views {

// Days as YYYY-MM-DD; `with_marks` adds "day_marks", one character per day from `from` to `to`.
nlohmann::ordered_json ToJson(const CoverageReport& report, bool with_marks = false);
// What `datasync repair --json` found: {"plan", "dataset", "storage", "by_key", "arguments", "selected",
// "first": [{param: value}], "estimate_secs", "quota", "coverage": report}.
nlohmann::ordered_json ToJson(const RepairPlan& plan);

}  // namespace datasync::app::views
