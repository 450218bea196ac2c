// App's run-control use cases: pause, cancel, resume, retry, status. They work across processes: a
// request is recorded in the system database and the executing process obeys at its next heartbeat; a
// run nobody executes is changed directly.
#include <fmt/format.h>

#include <algorithm>

#include "app/app.hpp"
#include "app/app_impl.hpp"
#include "app/events/event_bus.hpp"
#include "core/strings.hpp"
#include "sync/run_transitions.hpp"

namespace datasync::app {

core::Result<const sync::SyncPlan*> App::PlanOfRun(const Catalog& catalog, const sync::SyncRun& run) {
  for (const auto& p : catalog.plans) {
    if (p.name == run.plan) return &p;
  }
  return Fail(ErrorKind::kNotFound,
              fmt::format("run {} belongs to plan '{}', which is no longer in the catalog", run.id, run.plan));
}

core::Result<sync::SyncRun> App::ResolveRun(const std::string& target) {
  auto& store = impl_->db->runs();
  if (auto id = core::ParseInt64(target)) {
    auto run = store.GetRun(*id);
    if (!run) return Fail(run.error());
    if (!*run) return Fail(ErrorKind::kNotFound, "no run " + target + " (see `datasync runs`)");
    return **run;
  }
  sync::RunQuery q;
  q.plan = target;
  q.limit = 1;
  auto runs = store.ListRuns(q);
  if (!runs) return Fail(runs.error());
  if (runs->empty()) {
    return Fail(ErrorKind::kNotFound,
                "'" + target + "' is neither a run id nor a plan with runs (see `datasync runs`)");
  }
  return runs->front();
}

core::Result<std::string> App::Pause(const std::string& target) {
  auto run = ResolveRun(target);
  if (!run) return Fail(run.error());
  auto& store = impl_->db->runs();
  if (sync::IsFinal(run->status)) {
    return Fail(ErrorKind::kConflict, fmt::format("run {} is already {}", run->id, sync::RunStatusName(run->status)));
  }
  if (run->status == sync::RunStatus::kPaused) return fmt::format("run {} is already paused", run->id);
  auto done = sync::RunTransitions(store, impl_->clock).Pause(*run);
  if (!done) return Fail(done.error());
  if (!done->applied) {
    return fmt::format("asked {} to pause run {} ({}); it stops after the tasks in flight", run->owner, run->id,
                       run->plan);
  }
  return fmt::format("paused run {} ({}); `datasync resume {}` continues it", run->id, run->plan, run->id);
}

core::Result<std::string> App::Cancel(const std::string& target) {
  auto run = ResolveRun(target);
  if (!run) return Fail(run.error());
  auto& store = impl_->db->runs();
  if (sync::IsFinal(run->status)) {
    return Fail(ErrorKind::kConflict, fmt::format("run {} is already {}", run->id, sync::RunStatusName(run->status)));
  }
  auto done = sync::RunTransitions(store, impl_->clock).Cancel(*run);
  if (!done) return Fail(done.error());
  if (!done->applied) {
    return fmt::format("asked {} to cancel run {} ({}); tasks in flight finish, the rest are cancelled", run->owner,
                       run->id, run->plan);
  }
  return fmt::format("cancelled run {} ({}): {} task(s) cancelled; `datasync retry {}` runs them again", run->id,
                     run->plan, done->tasks, run->id);
}

core::Result<PlanOutcome> App::Resume(const std::string& target, const RunOptions& options) {
  auto run = ResolveRun(target);
  if (!run) return Fail(run.error());
  if (sync::IsFinal(run->status)) {
    return Fail(ErrorKind::kConflict,
                fmt::format("run {} is {}: nothing to resume{}", run->id, sync::RunStatusName(run->status),
                            run->status == sync::RunStatus::kSucceeded
                                ? ""
                                : fmt::format(" (`datasync retry {}` runs its failed and "
                                              "cancelled tasks again)",
                                              run->id)));
  }
  if (sync::IsExecuted(*run, core::ToEpochMicros(impl_->clock.Now()))) {
    return Fail(ErrorKind::kConflict, fmt::format("run {} is being executed by {}", run->id, run->owner));
  }
  auto catalog = LoadCatalog();
  if (!catalog) return Fail(catalog.error());
  auto plan = PlanOfRun(*catalog, *run);
  if (!plan) return Fail(plan.error());
  // A deferred run resumed by hand continues now; the vendor answers for itself whether its quota reset.
  if (run->status == sync::RunStatus::kDeferred && !options.wait_deferred) sync::RunTransitions::Undefer(*run);
  return RunOne(**plan, *catalog, options, *run);
}

core::Result<PlanOutcome> App::Retry(const std::string& target, const RunOptions& options) {
  auto run = ResolveRun(target);
  if (!run) return Fail(run.error());
  if (sync::IsExecuted(*run, core::ToEpochMicros(impl_->clock.Now()))) {
    return Fail(ErrorKind::kConflict, fmt::format("run {} is being executed by {}", run->id, run->owner));
  }
  auto catalog = LoadCatalog();
  if (!catalog) return Fail(catalog.error());
  auto plan = PlanOfRun(*catalog, *run);
  if (!plan) return Fail(plan.error());
  auto n = sync::RunTransitions(impl_->db->runs(), impl_->clock).Retry(*run);
  if (!n) return Fail(n.error());
  if (*n == 0) {
    return Fail(ErrorKind::kConflict, fmt::format("run {} has no failed or cancelled tasks to retry", run->id));
  }
  events::PublishTo(options.events,
                    events::RunMessage{run->plan, fmt::format("retrying {} task(s) of run {}", *n, run->id)});
  return RunOne(**plan, *catalog, options, *run);
}

core::Result<std::vector<ActiveRun>> App::Status() {
  Impl& m = *impl_;
  auto catalog = LoadCatalog();
  if (!catalog) return Fail(catalog.error());
  std::vector<ActiveRun> out;
  int64_t now = core::ToEpochMicros(m.clock.Now());
  for (auto status :
       {sync::RunStatus::kRunning, sync::RunStatus::kPending, sync::RunStatus::kPaused, sync::RunStatus::kDeferred}) {
    sync::RunQuery q;
    q.status = status;
    q.limit = 0;
    auto runs = Runs(q);
    if (!runs) return Fail(runs.error());
    for (auto& r : *runs) {
      ActiveRun a;
      a.alive = sync::IsExecuted(r, now);
      a.run = std::move(r);
      auto plan =
          std::find_if(catalog->plans.begin(), catalog->plans.end(), [&](auto& p) { return p.name == a.run.plan; });
      if (plan != catalog->plans.end()) {
        a.dataset = plan->dataset;
        auto ds = std::find_if(catalog->datasets.begin(), catalog->datasets.end(),
                               [&](auto& d) { return d.name == plan->dataset; });
        if (ds != catalog->datasets.end()) {
          auto src = std::find_if(catalog->sources.begin(), catalog->sources.end(),
                                  [&](auto& s) { return s.name == ds->source; });
          if (src != catalog->sources.end()) {
            sync::Quota& quota = m.quotas->For(*src, ds->api);
            a.quota_label = quota.label();
            a.quota = quota.Usage();
            int64_t remaining = a.run.counts.tasks_total - a.run.counts.tasks_done - a.run.counts.tasks_failed -
                                a.run.counts.tasks_skipped - a.run.counts.tasks_cancelled;
            a.eta_secs = quota.Estimate(std::max<int64_t>(remaining, 0)).count();
            if (a.run.status == sync::RunStatus::kDeferred && a.run.resume_at_us > now) {
              a.eta_secs += (a.run.resume_at_us - now) / 1'000'000;
            }
          }
        }
      }
      out.push_back(std::move(a));
    }
  }
  std::sort(out.begin(), out.end(), [](const ActiveRun& a, const ActiveRun& b) { return a.run.id < b.run.id; });
  return out;
}

}  // namespace datasync::app
