// VerifyJob: the scheduled `datasync verify` of `serve`. A plan with `verify: {cron, timezone, sample}` has a
// sample of its completed tasks re-fetched at those times (app/verify.hpp), on a worker of the daemon under
// the plan's name (so never while the plan itself runs); what it found is published as events::VerifyEnded,
// which the metrics count and which raises the `revisions` alert when the vendor revised, added or dropped
// rows. A schedule slot row ("@verify:<plan>") in the system database makes each time go once, whichever
// daemon takes it and however many restarts. A time that comes while the plan runs, or every worker is busy,
// waits for the next tick.
//
// Lifecycle: construct; Reset() after the configuration changed; Tick(now, plans) every loop.
// Thread-safety: Tick and Reset on one thread (the daemon's loop); the verify itself runs on a worker.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "app/app.hpp"
#include "core/clock.hpp"
#include "sync/sync_plan.hpp"

namespace datasync::app {

class VerifyJob {
 public:
  struct Deps {
    App* app = nullptr;
    std::string owner;  // this daemon, for the slot rows
    std::function<bool()> has_capacity;
    std::function<bool(const std::string& plan)> busy;
    std::function<void(const std::string& plan, std::function<void()> work)> start_job;
    std::function<RunOptions()> run_options;
    events::EventBus* events = nullptr;
  };
  explicit VerifyJob(Deps deps) : deps_(std::move(deps)) {}

  void Reset() { next_.clear(); }
  void Tick(core::TimePoint now, const std::vector<sync::SyncPlan>& plans);

  // The slot name of a plan's scheduled verify (never a plan's own: '@' is not allowed in plan names).
  static std::string SlotName(const std::string& plan) { return "@verify:" + plan; }

 private:
  void Start(const sync::SyncPlan& plan, core::TimePoint at);

  Deps deps_;
  std::map<std::string, core::TimePoint> next_;  // by plan: its next verify time
};

}  // namespace datasync::app
