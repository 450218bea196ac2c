#include "app/dashboard_service.hpp"

#include <algorithm>

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

core::Result<RunTimeline> BuildRunTimeline(App& app, int64_t run_id, size_t buckets) {
  auto run = app.Run(run_id);
  if (!run) return core::Fail(run.error());
  if (!*run) return core::Fail(core::ErrorKind::kNotFound, "no run " + std::to_string(run_id));
  RunTimeline t;
  t.run_id = run_id;
  t.buckets = std::clamp<size_t>(buckets, 1, 1000);
  t.from_us = (*run)->created_at_us;
  t.to_us = sync::IsFinal((*run)->status) && (*run)->finished_at_us > 0 ? (*run)->finished_at_us
                                                                        : core::ToEpochMicros(app.clock().Now());
  t.to_us = std::max(t.to_us, t.from_us + 1);
  const int64_t span = t.to_us - t.from_us;
  const auto n = static_cast<int64_t>(t.buckets);
  t.width_us = std::max<int64_t>((span + n - 1) / n, 1'000'000);
  t.buckets = static_cast<size_t>(std::min<int64_t>(n, (span + t.width_us - 1) / t.width_us));
  auto rows = app.db().runs().TaskTimeline(run_id, t.from_us, t.width_us);
  if (!rows) return core::Fail(rows.error());
  const auto last = static_cast<int64_t>(t.buckets) - 1;
  for (const auto& b : *rows) {
    // Tasks changed after `to` (a run still moving) count in the last bucket.
    auto i = static_cast<size_t>(std::min<int64_t>((b.start_us - t.from_us) / t.width_us, last));
    auto& series = t.tasks_by_state[std::string(sync::TaskStateName(b.state))];
    series.resize(t.buckets, 0);
    series[i] += b.tasks;
  }
  return t;
}

}  // namespace datasync::app
