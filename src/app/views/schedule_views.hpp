// Schedule views: the JSON of fire times, schedule slots and the daily summary, as the CLI's `--json`
// prints them and the REST API will answer them. The DTOs are the app's FireTimeView and DailySummary and
// the engine's plain ScheduleSlot.
//
// Lifecycle: pure functions. Thread-safety: safe from any thread (no shared state).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "app/app.hpp"

namespace datasync::app::views {

// {"at_us", "utc", "local", "assumed_open"} (`datasync schedule next`).
nlohmann::ordered_json ToJson(const FireTimeView& fire);
// One slot of a schedule (`datasync schedule slots`).
nlohmann::ordered_json ToJson(const sync::ScheduleSlot& slot);
// The day's runs with the problem runs (errors redacted) and problem slots (`datasync summary`).
nlohmann::ordered_json ToJson(const DailySummary& summary);

}  // namespace datasync::app::views
