#include "sync/run_coordinator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <mutex>

#include "core/dates.hpp"
#include "sync/clock_wait.hpp"
#include "sync/planner.hpp"
#include "sync/run_transitions.hpp"

namespace datasync::sync {

namespace {

std::string Duration(std::chrono::seconds s) {
  int64_t t = s.count();
  if (t < 90) return fmt::format("{} s", t);
  if (t < 2 * 3600) return fmt::format("{} min", (t + 30) / 60);
  if (t < 2 * 86400) return fmt::format("{:.1f} h", static_cast<double>(t) / 3600);
  return fmt::format("{:.1f} days", static_cast<double>(t) / 86400);
}

// The stored report of a run that stops before executing again, if it has one.
std::optional<RunReport> StoredReport(const SyncRun& run) {
  if (run.report_json.empty()) return std::nullopt;
  auto rep = RunReportFromJson(run.report_json);
  if (!rep) return std::nullopt;
  return *rep;
}

}  // namespace

core::Result<SyncRun> RunCoordinator::Choose(RunRequest& request, RunResult& result) {
  RunStore& store = *deps_.store;
  const SyncPlan& plan = *target_.plan;
  auto event = [&](const std::string& msg) {
    if (request.on_event) request.on_event(msg);
  };
  const bool forced = request.run.has_value();
  std::optional<SyncRun> run = std::move(request.run);
  if (!run) {
    RunQuery q;
    q.plan = plan.name;
    q.limit = 1;
    auto latest = store.ListRuns(q);
    if (!latest) return core::Fail(latest.error());
    if (!latest->empty() && !IsFinal(latest->front().status)) run = latest->front();
  }
  if (run && run->status == RunStatus::kPending && run->trigger == kRepairTrigger) {
    // A repair run's argument sets are those of the data missing when it was planned, which the run does
    // not store: one interrupted while planning is cancelled (nothing was fetched yet), never planned
    // again from the plan's full argument sets.
    std::array<TaskState, 1> pending = {TaskState::kPending};
    if (auto moved = store.TransitionTasks(run->id, pending, TaskState::kCancelled); !moved) {
      return core::Fail(moved.error());
    }
    run->status = RunStatus::kCancelled;
    run->finished_at_us = core::ToEpochMicros(deps_.clock->Now());
    run->error =
        "the repair was interrupted while its tasks were planned; run `datasync repair " + plan.name + "` again";
    if (auto st = store.UpdateRun(*run); !st) return core::Fail(st.error());
    event(fmt::format("run {}: {}", run->id, run->error));
    if (forced) return core::Fail(core::ErrorKind::kConflict, fmt::format("run {}: {}", run->id, run->error));
    run.reset();
  }
  if (run && run->trigger == kVerifyTrigger) {
    std::array<TaskState, 4> open = {TaskState::kPending, TaskState::kRunning, TaskState::kCooling,
                                     TaskState::kDeferred};
    if (auto moved = store.TransitionTasks(run->id, open, TaskState::kCancelled); !moved) {
      return core::Fail(moved.error());
    }
    run->status = RunStatus::kCancelled;
    run->finished_at_us = core::ToEpochMicros(deps_.clock->Now());
    run->error = "a verify run is not resumed (its comparison ended with the command); run `datasync verify " +
                 plan.name + "` again";
    if (auto st = store.UpdateRun(*run); !st) return core::Fail(st.error());
    event(fmt::format("run {}: {}", run->id, run->error));
    if (forced) return core::Fail(core::ErrorKind::kConflict, fmt::format("run {}: {}", run->id, run->error));
    run.reset();
  }
  if (run && !forced && request.new_run_only) {
    return core::Fail(core::ErrorKind::kConflict,
                      fmt::format("plan {} has an unfinished run {} ({}): `datasync resume {}` or `datasync cancel {}` "
                                  "first",
                                  plan.name, run->id, RunStatusName(run->status), run->id, run->id));
  }
  if (run) {
    if (run->status == RunStatus::kPending) {
      // A scheduled run's parameters are those of its slot's day ("today" is the day the slot stands for,
      // also when a missed slot is caught up days later).
      auto gen = deps_.generator(run->slot_us);
      if (!gen) return core::Fail(gen.error());
      if (auto st = ResumePlanning(store, *run, **gen, *deps_.clock); !st) return core::Fail(st.error());
    }
    result.note = fmt::format("resumed run {}", run->id);
    event(fmt::format("resuming run {} ({})", run->id, RunStatusName(run->status)));
    return std::move(*run);
  }
  auto gen = deps_.generator(request.slot_us);
  if (!gen) return core::Fail(gen.error());
  auto id = PlanRun(store, plan, **gen, request.trigger, *deps_.clock, request.slot_us);
  if (!id) return core::Fail(id.error());
  auto fresh = store.GetRun(*id);
  if (!fresh) return core::Fail(fresh.error());
  SyncRun planned = **fresh;
  // Say up front how long the vendor's quota makes this take.
  Quota& quota = *target_.quota;
  auto estimate = quota.Estimate(planned.counts.tasks_total);
  event(estimate.count() > 0
            ? fmt::format("run {}: {} task(s); about {} at the quota of {}", planned.id, planned.counts.tasks_total,
                          Duration(estimate), quota.label().empty() ? target_.source->name : quota.label())
            : fmt::format("run {}: {} task(s)", planned.id, planned.counts.tasks_total));
  return planned;
}

core::Result<std::vector<SyncRun>> RunCoordinator::RecoverOrphans(const OrphanRecovery& recovery, core::TimePoint now) {
  auto orphans = RunTransitions(*recovery.store, *recovery.clock).Orphans(recovery.interrupted, now);
  if (!orphans) return core::Fail(orphans.error());
  std::vector<SyncRun> continued;
  for (auto& run : *orphans) {
    if (!recovery.can_continue(run)) continue;
    recovery.continue_run(run);
    continued.push_back(std::move(run));
  }
  return continued;
}

core::Result<RunResult> RunCoordinator::Run(RunRequest request) {
  RunStore& store = *deps_.store;
  const core::Clock& clock = *deps_.clock;
  const SyncPlan& plan = *target_.plan;
  RunTransitions transitions(store, clock);
  auto event = [&](const std::string& msg) {
    if (request.on_event) request.on_event(msg);
  };
  RunResult out;
  auto chosen = Choose(request, out);
  if (!chosen) return core::Fail(chosen.error());
  SyncRun run = std::move(*chosen);

  while (true) {
    // A run deferred by the vendor's quota waits for the reset, or stops here to be resumed later.
    if (transitions.WaitsForReset(run)) {
      if (!request.wait_deferred) {
        out.note = fmt::format(
            "run {} is deferred until {} UTC (vendor quota); `datasync resume {}` or `datasync "
            "run --wait` continues it then",
            run.id, core::FormatTimestamp(run.resume_at_us), run.id);
        out.report = StoredReport(run);
        return out;
      }
      event(
          fmt::format("deferred until {} UTC by the vendor's quota; waiting", core::FormatTimestamp(run.resume_at_us)));
      if (!WaitUntil(clock, core::FromEpochMicros(run.resume_at_us), request.interrupt)) {
        out.note = "interrupted while waiting for the vendor's quota";
        out.report = StoredReport(run);
        return out;
      }
      event(fmt::format("the vendor's quota has reset; continuing run {}", run.id));
    }

    // Bind every target storage before any request is made: a wrong storage costs no quota.
    auto bindings = deps_.sinks->Bind(run);
    if (!bindings) {
      auto rep =
          transitions.FailBeforeStart(run, target_.dataset->name, target_.source->name, bindings.error().message());
      if (!rep) return core::Fail(rep.error());
      out.report = std::move(*rep);
      return out;
    }

    ExecutorDeps deps;
    deps.store = &store;
    deps.provider = target_.provider;
    deps.source = target_.source;
    deps.dataset = target_.dataset;
    deps.plan = &plan;
    deps.quota = target_.quota;
    deps.clock = &clock;
    deps.sinks = std::move(*bindings);
    deps.gate = deps_.gate;
    ExecutorOptions eopt;
    // A fixed concurrency, or an adaptive one up to the plan's maximum; the source's limit caps both.
    int64_t cap = target_.source->limits.concurrency.value_or(256);
    if (plan.concurrency > 0) {
      eopt.fetch_workers = static_cast<size_t>(std::min(plan.concurrency, cap));
    } else {
      eopt.adaptive = AdaptiveConcurrencyOptions{
          .max = std::min(plan.max_concurrency > 0 ? plan.max_concurrency : kDefaultMaxConcurrency, cap)};
    }
    eopt.interrupt = request.interrupt;
    if (run.trigger == kVerifyTrigger) {
      eopt.versions = ExecutorOptions::Versions::kOff;
    } else if (request.refetch || run.trigger == kRepairTrigger) {
      eopt.versions = ExecutorOptions::Versions::kRecord;
    }
    std::unique_ptr<ExecutorObserver> observer;
    if (request.observer) {
      observer = request.observer();
      eopt.observer = observer.get();
    }
    eopt.on_progress = request.on_progress;
    // Responses whose fields differ from the stored schema: remembered here, handed on after the run.
    std::mutex drift_mu;
    std::set<std::string> drift_extra, drift_missing;
    eopt.on_schema_drift = [&](const std::vector<std::string>& extra, const std::vector<std::string>& missing) {
      std::lock_guard drift_lock(drift_mu);
      drift_extra.insert(extra.begin(), extra.end());
      drift_missing.insert(missing.begin(), missing.end());
    };
    Executor executor(std::move(deps), std::move(eopt));
    auto report = executor.Execute(run);
    if (!report) return core::Fail(report.error());
    out.report = std::move(*report);
    if ((!drift_extra.empty() || !drift_missing.empty()) && request.on_schema_drift) {
      request.on_schema_drift(drift_extra, drift_missing);
    }
    if (out.report->status != "deferred" || !request.wait_deferred) return out;
    auto again = store.GetRun(run.id);
    if (!again || !*again) {
      return core::Fail(again ? core::Error(core::ErrorKind::kInternal, "run vanished") : again.error());
    }
    run = **again;
  }
}

}  // namespace datasync::sync
