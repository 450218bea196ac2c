// Scheduler: fires plans' schedules into slots and starts their runs (ARCHITECTURE §10), one Tick at a
// time, so a test drives it through a simulated week with a ManualClock and the daemon calls it in a loop.
//
// Each Tick at `now`:
//   1. heartbeats this owner's open slots and takes over those of daemons that stopped (SlotStore);
//   2. for each enabled, scheduled plan, claims the fire times since the plan's newest slot, applying the
//      misfire policy to those older than the grace period (no daemon ran, or the plan's calendar could not
//      be read then);
//   3. walks the open slots oldest first; per plan only the oldest open slot moves (catch-up slots run in
//      order), and only once every upstream plan (depends_on) has succeeded in its newest slot at or
//      before this slot's time (an unscheduled upstream: its newest run). An upstream that failed holds
//      the slot with a note naming it; a held slot continues when that upstream later succeeds (a retry)
//      and is given up when a newer slot of its plan arrives;
//   4. notices runs that stopped and relaunches what a restart or shutdown interrupted, waits out
//      deferred runs until the vendor's reset, and leaves runs paused by `datasync pause` alone;
//   5. reports slots with a deadline and no successful run by then as late (once per slot).
//
// Runs are executed by a RunLauncher (app/ implements it with worker threads); the scheduler never blocks
// on a run. Lifecycle: construct, SetPlans (again whenever the configuration changes), Tick repeatedly,
// Release when shutting down. Not thread-safe: one thread calls it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "sync/run_store.hpp"
#include "sync/schedule.hpp"
#include "sync/slot_store.hpp"

namespace datasync::sync {

struct ScheduledPlan {
  std::string name;
  std::optional<Schedule> schedule;  // nullopt: runs only when asked, but may be another plan's upstream
  std::vector<std::string> depends_on;
  bool enabled = true;
};

struct LaunchResult {
  std::string plan;
  int64_t slot_us = 0;
  int64_t run_id = 0;  // 0 when no run could be made
  std::string error;   // why no run could be made or continued
  bool retry = false;  // a passing condition (another process runs the plan): try again later
};

class RunLauncher {
 public:
  virtual ~RunLauncher() = default;
  // Whether Launch would start now (a worker is free).
  virtual bool HasCapacity() = 0;
  // Executes the run of `slot` in the background: its existing run (resumed, or only reported when it
  // already finished) or a new one. Called only when HasCapacity() said yes.
  virtual void Launch(const ScheduleSlot& slot) = 0;
  // True while this process executes a run of `plan`.
  virtual bool Busy(const std::string& plan) = 0;
  // Launches that ended since the last call.
  virtual std::vector<LaunchResult> Finished() = 0;
};

struct SchedulerDeps {
  SlotStore* slots = nullptr;
  RunStore* runs = nullptr;
  RunLauncher* launcher = nullptr;
  TradingCalendar* calendar = nullptr;  // may be null when no schedule uses a day rule
};

struct SchedulerOptions {
  std::string owner;                      // "pid@host" of this daemon
  std::chrono::seconds grace{60};         // a fire time at most this old is on time
  std::chrono::seconds lease{30};         // an owner silent this long is gone
  std::chrono::seconds launch_retry{30};  // after a launch that may succeed later
  size_t max_catch_up = 100;              // misfire catch_up runs at most this many slots
};

struct SchedulerEvent {
  enum class Kind : uint8_t {
    kFired,         // a slot was claimed and will run
    kMissed,        // slots were not run (misfire skip, superseded while held, plan removed)
    kHeld,          // an upstream did not succeed
    kReleased,      // a held slot continues: its upstream succeeded after all
    kStarted,       // a slot's run was launched (or relaunched after a restart)
    kDone,          // a slot's run finished
    kLaunchFailed,  // no run could be made for a slot
    kLate,          // no successful run by the slot's deadline
    kTakenOver,     // open slots of a daemon that stopped were taken over
    kError,         // a plan's schedule could not be evaluated this tick (its calendar unreadable, ...)
  };
  Kind kind = Kind::kFired;
  std::string plan;
  int64_t slot_us = 0;
  int64_t run_id = 0;
  std::string message;
};
std::string_view SchedulerEventName(SchedulerEvent::Kind k);

class Scheduler {
 public:
  Scheduler(SchedulerDeps deps, SchedulerOptions options);

  void SetPlans(std::vector<ScheduledPlan> plans);
  core::Result<std::vector<SchedulerEvent>> Tick(core::TimePoint now);
  // Gives up this owner's open slots so that the next daemon continues them at once.
  core::Status Release();

 private:
  const ScheduledPlan* Find(const std::string& name) const;
  core::Status FireDue(const ScheduledPlan& plan, core::TimePoint now, std::vector<SchedulerEvent>& events);
  core::Status Claim(const std::string& plan, int64_t slot_us, SlotState state, const std::string& note,
                     std::vector<SchedulerEvent>& events);
  // What the upstreams say about a slot: empty = go; nullopt = wait; text = hold with that reason.
  core::Result<std::optional<std::string>> Upstreams(const ScheduledPlan& plan, const ScheduleSlot& slot);
  core::Status MovePending(ScheduleSlot slot, const ScheduledPlan& plan, std::vector<SchedulerEvent>& events);
  core::Status MoveStarted(ScheduleSlot slot, core::TimePoint now, std::vector<SchedulerEvent>& events);
  core::Status CheckLate(const ScheduledPlan& plan, core::TimePoint now, std::vector<SchedulerEvent>& events);
  core::Status Save(const ScheduleSlot& slot);

  SchedulerDeps deps_;
  SchedulerOptions opt_;
  std::vector<ScheduledPlan> plans_;
  std::map<std::string, core::TimePoint> first_seen_;
  using SlotKey = std::pair<std::string, int64_t>;
  std::map<SlotKey, LaunchResult> results_;
  std::map<SlotKey, core::TimePoint> retry_at_;
};

}  // namespace datasync::sync
