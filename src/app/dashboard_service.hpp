// The web app's read models (docs/web.md): what the overview, the plans and the run pages show, built from
// the system database through App's use cases, in pages where a listing can be long. Shared by the REST API
// and any CLI listing that wants the same shape; the JSON of each is in app/views/dashboard_views.hpp.
//
// Thread-safety: the functions only read through App (thread-safe); call them from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/app.hpp"
#include "sync/run_store.hpp"

namespace datasync::app {

template <class T>
struct Page {
  std::vector<T> items;
  int64_t total = 0;
  int64_t limit = 0;
  int64_t offset = 0;
};

// A plan as the overview lists it.
struct PlanSummary {
  sync::SyncPlan plan;
  std::string state;  // "running", "paused", "deferred", "failed", "ok", "never run"
  std::optional<sync::SyncRun> last_run;
  std::optional<FireTimeView> next_fire;
  std::vector<int64_t> rows_per_run;  // rows of its last finished runs, oldest first
};

struct QuotaSummary {
  std::string label;  // "tushare/daily"
  std::vector<sync::QuotaWindowUse> windows;
};

struct Overview {
  int64_t now_us = 0;
  std::vector<PlanSummary> plans;
  std::vector<ActiveRun> active;
  std::vector<QuotaSummary> quotas;
};

// A run's timeline: how many tasks entered each state (started = running, done, cooling, deferred, split,
// failed, ...) in equal buckets from the run's creation to its end (or now).
struct RunTimeline {
  int64_t run_id = 0;
  int64_t from_us = 0, to_us = 0, width_us = 0;
  size_t buckets = 0;
  std::map<std::string, std::vector<int64_t>> tasks_by_state;  // state name -> count per bucket
};

// How many finished runs a plan's sparkline shows.
inline constexpr size_t kSparklineRuns = 20;

core::Result<std::vector<PlanSummary>> PlanSummaries(App& app);
core::Result<Overview> BuildOverview(App& app);
core::Result<Page<sync::SyncRun>> RunPage(App& app, const sync::RunQuery& query);
// kNotFound for an unknown run.
core::Result<Page<sync::SyncTask>> TaskPage(App& app, const sync::TaskQuery& query);
// `buckets` from 1 to 1,000; each at least a second wide. kNotFound for an unknown run.
core::Result<RunTimeline> BuildRunTimeline(App& app, int64_t run_id, size_t buckets);

}  // namespace datasync::app
