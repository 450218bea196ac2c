// RunTransitions: every change of a SyncRun's status (ARCHITECTURE §4), in one place, over the RunStore.
// Whoever moves a run — the executing process (start, conclude), a control command from another process
// (pause, cancel, retry, resume), the coordinator (fail before start, defer) or the daemon (orphans) —
// calls these, so a rule such as "a failed or cancelled run cancels its open tasks" is written once.
//
//   pending ──Start──▶ running ──Conclude──▶ succeeded | failed | cancelled | deferred | paused
//   deferred ──Undefer──▶ (continues now)     paused/deferred/pending/running(orphan) ──Start──▶ running
//   any non-final ──Pause/Cancel──▶ request recorded; applied here when no process executes the run
//   failed/cancelled tasks ──Retry──▶ pending, run ──▶ running (trigger "retry")
//   before any call ──FailBeforeStart──▶ failed
//
// Lifecycle: a value over a RunStore and a Clock that outlive it; holds no state of its own.
// Thread-safety: as safe as the RunStore (every RunStore is safe to call from several threads). A SyncRun
// passed by reference belongs to the caller's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "sync/run_report.hpp"
#include "sync/run_store.hpp"
#include "sync/sync_run.hpp"
#include "sync/worker_identity.hpp"

namespace datasync::sync {

// A process that heartbeat within this long still executes the run (ten missed heartbeats: it is gone).
inline constexpr int64_t kOwnerAliveWithinUs = 5'000'000;

// Whether a process executes `run` now: it has an owner that heartbeat recently.
bool IsExecuted(const SyncRun& run, int64_t now_us);

// The owner-alive rule of leases (a running task's, run_store.hpp; a plan's, plan_lease_store.hpp). The holder
// of a lease that runs until `expires_us` is gone at `now_us`, as `self` sees it, and what it held may be
// taken, when:
//   1. the lease expired (expires_us <= now_us): the holder stopped renewing, on whatever host it runs;
//   2. the holder is a process of self's host that no longer exists (`alive` says no): killed or crashed,
//      so nobody waits out the lease after a kill -9 (as the kernel dropped a killed process's flock at once);
//   3. the holder is `self` by name: an earlier process with this pid on this host (a restarted container)
//      left it. A caller that may itself hold the lease right now (another thread of this process) must
//      rule that out first.
// A holder whose name is not "pid@host" is judged by its expiry alone.
bool LeaseLapsed(std::string_view holder, int64_t expires_us, int64_t now_us, const WorkerIdentity& self,
                 const PidAlive& alive);

// Who judges leases: this process and the kernel, unless a test says otherwise.
struct LeaseJudge {
  WorkerIdentity self = WorkerIdentity::ThisProcess();
  PidAlive alive = ProcessAlive;
  bool Lapsed(std::string_view holder, int64_t expires_us, int64_t now_us) const {
    return LeaseLapsed(holder, expires_us, now_us, self, alive);
  }
};

// How one execution of a run ended, as the executor decided it.
struct RunEnd {
  RunStatus status = RunStatus::kSucceeded;
  std::string error;
  core::TimePoint resume_at{};  // kDeferred: the vendor's reset
  int64_t requests = 0;         // vendor calls made by this execution
  int64_t retries = 0;
};

// What a pause or cancel request did.
struct ControlResult {
  bool applied = false;  // false: recorded for the executing process, which obeys at its next heartbeat
  int64_t tasks = 0;     // applied cancel: tasks cancelled
};

class RunTransitions {
 public:
  RunTransitions(RunStore& store, const core::Clock& clock, LeaseJudge judge = {})
      : store_(store), clock_(clock), judge_(std::move(judge)) {}

  // The one rule: every open task (pending, cooling, deferred, running) of the run is cancelled.
  core::Result<int64_t> CancelOpenTasks(int64_t run_id);

  // Running tasks whose holder is gone (LeaseLapsed at the clock's now) go back to pending; those of a holder
  // still working on them stay. Returns how many went back.
  core::Result<int64_t> RequeueLapsed(int64_t run_id);

  // An execution begins: tasks left running by a crashed or stopped worker are requeued (RequeueLapsed), the
  // run is running (error and resume time cleared), an earlier pause or cancel request is answered, and
  // `owner` holds the run. Returns the ledger's counts before this execution.
  core::Result<TaskCounts> Start(SyncRun& run, const std::string& owner, core::TimePoint started);

  // The run fails before any vendor call (a storage cannot be bound): open tasks are cancelled and the
  // run is persisted with a report saying why.
  core::Result<RunReport> FailBeforeStart(SyncRun& run, const std::string& dataset, const std::string& source,
                                          const std::string& error);

  // The ledger as a run ending in `status` leaves it: a failed or cancelled run cancels its open tasks.
  // `counts` are the ledger's counts before; returns them after.
  core::Result<TaskCounts> SettleTasks(int64_t run_id, RunStatus status, const TaskCounts& counts);

  // An execution ends: the run takes `end`'s status, error and resume time (deferred runs only), the
  // ledger's `counts` plus this execution's requests and retries; `report` renders its report JSON from the
  // run so updated; then the run is persisted and released by its owner.
  core::Status Conclude(SyncRun& run, const RunEnd& end, const TaskCounts& counts,
                        const std::function<std::string(const SyncRun&)>& report);

  // The system database failed mid-execution: the run and the tasks `owner` still leases are released and the
  // run is marked failed, as far as the store still allows; its tasks stay otherwise as they are, so it can
  // be resumed.
  void Abandon(SyncRun& run, const std::string& owner, const std::string& error);

  // `datasync pause`: records the request; a run no process executes is paused here (tasks of gone workers
  // requeued).
  core::Result<ControlResult> Pause(SyncRun& run);

  // `datasync cancel`: records the request; a run no process executes is cancelled here (open tasks
  // cancelled, the request cleared).
  core::Result<ControlResult> Cancel(SyncRun& run);

  // `datasync retry`: failed and cancelled tasks go back to pending and the run will run again as a retry.
  // Returns how many tasks; with none the run is left as it was.
  core::Result<int64_t> Retry(SyncRun& run);

  // A deferred run resumed by hand continues now; the vendor answers for itself whether its quota reset.
  static void Undefer(SyncRun& run) { run.resume_at_us = 0; }

  // Whether a deferred run still waits for the vendor's reset.
  bool WaitsForReset(const SyncRun& run) const;

  // Runs left by earlier processes that a daemon should continue at `now`: runs deferred by the vendor's quota
  // whose reset is due, and with `interrupted` also paused (not by request), running and pending runs. Runs
  // of a schedule slot (the scheduler continues those) and runs another process executes are left out.
  // Oldest status group first: deferred, paused, running, pending.
  core::Result<std::vector<SyncRun>> Orphans(bool interrupted, core::TimePoint now);

 private:
  RunStore& store_;
  const core::Clock& clock_;
  LeaseJudge judge_;
};

}  // namespace datasync::sync
