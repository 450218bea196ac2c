// Run views: the JSON of plan outcomes, active runs, the run history and run reports, as the CLI's
// `--json` prints them and the REST API will answer them. The DTOs are the app's own result structs
// (PlanOutcome, ActiveRun) and the engine's plain SyncRun; these functions only decide their JSON shape,
// so every presentation shows the same fields under the same names.
//
// Lifecycle: pure functions. Thread-safety: safe from any thread (no shared state).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "app/app.hpp"

namespace datasync::app::views {

// {"plan", "note", "report" (the run report, or null when the plan did not start), "schema"}.
nlohmann::ordered_json ToJson(const PlanOutcome& outcome);
// A run that is not finished, with its live counts, quota and ETA (`datasync status`).
nlohmann::ordered_json ToJson(const ActiveRun& run);
// One run of the history (`datasync runs`).
nlohmann::ordered_json ToJson(const sync::SyncRun& run);
// The run's stored report, or {"run_id", "status", "report": null} while it has none (`datasync report`).
nlohmann::ordered_json RunReportJson(const sync::SyncRun& run);
// The answer of a control command (pause, cancel): {"message"}.
nlohmann::ordered_json MessageJson(const std::string& message);

}  // namespace datasync::app::views
