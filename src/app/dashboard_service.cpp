#include "app/dashboard_service.hpp"

#include "metadata/system_db.hpp"

namespace datasync::app {

namespace {

std::string PlanState(const std::optional<sync::SyncRun>& last) {
  if (!last) return "never run";
  switch (last->status) {
    case sync::RunStatus::kPending:
    case sync::RunStatus::kRunning: return "running";
    case sync::RunStatus::kPaused: return "paused";
    case sync::RunStatus::kDeferred: return "deferred";
    case sync::RunStatus::kFailed: return "failed";
    case sync::RunStatus::kCancelled: return "cancelled";
    case sync::RunStatus::kSucceeded: return "ok";
  }
  return "ok";
}

bool Finished(const sync::SyncRun& r) {
  return sync::IsFinal(r.status);
}

}  // namespace

core::Result<std::vector<PlanSummary>> PlanSummaries(App& app) {
  auto plans = app.Plans();
  if (!plans) return core::Fail(plans.error());
  std::vector<PlanSummary> out;
  const auto now = app.clock().Now();
  for (auto& p : *plans) {
    PlanSummary s;
    sync::RunQuery q;
    q.plan = p.name;
    q.limit = kSparklineRuns + 1;
    auto runs = app.Runs(q);
    if (!runs) return core::Fail(runs.error());
    if (!runs->empty()) s.last_run = runs->front();
    for (auto it = runs->rbegin(); it != runs->rend(); ++it) {
      if (Finished(*it)) s.rows_per_run.push_back(it->counts.rows);
    }
    if (s.rows_per_run.size() > kSparklineRuns) {
      s.rows_per_run.erase(
          s.rows_per_run.begin(),
          s.rows_per_run.begin() + static_cast<std::ptrdiff_t>(s.rows_per_run.size() - kSparklineRuns));
    }
    s.state = p.enabled ? PlanState(s.last_run) : "disabled";
    if (p.schedule.enabled() && p.enabled) {
      // A schedule the calendar cannot place yet shows no next fire; the plan is listed all the same.
      auto fires = app.NextFires(p.name, now, 1);
      if (fires && !fires->empty()) s.next_fire = fires->front();
    }
    s.plan = std::move(p);
    out.push_back(std::move(s));
  }
  return out;
}

core::Result<Overview> BuildOverview(App& app) {
  Overview o;
  o.now_us = core::ToEpochMicros(app.clock().Now());
  auto plans = PlanSummaries(app);
  if (!plans) return core::Fail(plans.error());
  o.plans = std::move(*plans);
  auto active = app.Status();
  if (!active) return core::Fail(active.error());
  o.active = std::move(*active);
  auto quotas = app.QuotaUsage();
  if (!quotas) return core::Fail(quotas.error());
  for (auto& [label, windows] : *quotas) o.quotas.push_back({label, std::move(windows)});
  return o;
}

core::Result<Page<sync::SyncRun>> RunPage(App& app, const sync::RunQuery& query) {
  Page<sync::SyncRun> page;
  auto runs = app.Runs(query);
  if (!runs) return core::Fail(runs.error());
  auto total = app.db().runs().CountRuns(query);
  if (!total) return core::Fail(total.error());
  page.items = std::move(*runs);
  page.total = *total;
  page.limit = static_cast<int64_t>(query.limit);
  page.offset = static_cast<int64_t>(query.offset);
  return page;
}

core::Result<Page<sync::SyncTask>> TaskPage(App& app, const sync::TaskQuery& query) {
  auto run = app.Run(query.run_id);
  if (!run) return core::Fail(run.error());
  if (!*run) return core::Fail(core::ErrorKind::kNotFound, "no run " + std::to_string(query.run_id));
  Page<sync::SyncTask> page;
  auto& store = app.db().runs();
  auto tasks = store.ListTasks(query);
  if (!tasks) return core::Fail(tasks.error());
  auto total = store.CountMatchingTasks(query);
  if (!total) return core::Fail(total.error());
  page.items = std::move(*tasks);
  page.total = *total;
  page.limit = static_cast<int64_t>(query.limit);
  page.offset = static_cast<int64_t>(query.offset);
  return page;
}

}  // namespace datasync::app
