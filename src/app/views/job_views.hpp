// Job views: the JSON of a job the web app queued (app/job_queue.hpp), with its answer once it ended.
//
// Lifecycle: pure functions. Thread-safety: safe from any thread (no shared state).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "app/job_queue.hpp"

namespace datasync::app::views {

// {"id", "kind", "subject", "actor", "state", "queued_at_us", "started_at_us", "finished_at_us", "summary",
// "error", "result"}: result is the answer the job's route gives (null until it succeeded).
nlohmann::ordered_json ToJson(const Job& job);

}  // namespace datasync::app::views
