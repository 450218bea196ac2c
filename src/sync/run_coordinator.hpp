// RunCoordinator: the one owner of a plan's run from choosing it to its end (ARCHITECTURE §3, §4):
//
//   choose (the run named, else the plan's unfinished run, else plan a new one; a run left pending
//   finishes its planning) ─▶ [deferred: wait for the vendor's reset on the clock, or stop here]
//   ─▶ bind the target storages through the SinkFactory (failure: fail before start)
//   ─▶ execute (Executor) ─▶ concluded ─▶ deferred and waiting: again from the wait
//
// Every status change goes through RunTransitions. app/ resolves the catalog (plan, dataset, source,
// provider, quota), implements the SinkFactory and the argument generator's context, holds the plan lock,
// and turns the result into its outcome; it makes no transition itself.
//
// RecoverOrphans (static) is the daemon's side of the same lifecycle: which runs left by earlier processes
// to continue, each then run by a coordinator of its own.
//
// Lifecycle: construct per run request with a RunTarget and deps that outlive it; call Run once.
// Thread-safety: one Run per coordinator, on the calling thread (the executor starts and joins its own
// threads). Runs of different plans may be coordinated on several threads at once when the deps allow it
// (RunStore and Quota do).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "datasource/provider.hpp"
#include "generation/argument_generator.hpp"
#include "sync/batch_gate.hpp"
#include "sync/executor.hpp"
#include "sync/executor_observer.hpp"
#include "sync/quota.hpp"
#include "sync/run_report.hpp"
#include "sync/run_store.hpp"
#include "sync/sink_factory.hpp"
#include "sync/sync_plan.hpp"

namespace datasync::sync {

// What a run is of. Every pointer outlives the coordinator.
struct RunTarget {
  const SyncPlan* plan = nullptr;
  const datasource::Dataset* dataset = nullptr;
  const datasource::DataSource* source = nullptr;
  datasource::Provider* provider = nullptr;
  Quota* quota = nullptr;  // the (source, API) quota every plan of that credential shares
};

// The plan's argument generator with "today" at `as_of_us` (a scheduled run's slot), or at the clock's now
// when 0. Called at most once per Run, only when tasks are to be planned.
using GeneratorFactory = std::function<core::Result<std::unique_ptr<generation::ArgumentGenerator>>(int64_t as_of_us)>;

struct RunCoordinatorDeps {
  RunStore* store = nullptr;
  const core::Clock* clock = nullptr;
  SinkFactory* sinks = nullptr;
  GeneratorFactory generator;
  BatchGate* gate = nullptr;  // the dataset's quality rules, checked on every batch; null: none
};

// The trigger of a run made by `datasync repair`: only the argument sets of missing data (app/repair.hpp).
inline constexpr std::string_view kRepairTrigger = "repair";
// The trigger of a run made by `datasync verify`: tasks done before, re-fetched into a scratch storage that
// lives only as long as the command (app/verify.hpp). Such a run is never resumed: an unfinished one is
// cancelled when the plan runs next (its scratch copy is gone; resuming it would write to the plan's
// storages instead).
inline constexpr std::string_view kVerifyTrigger = "verify";

struct RunRequest {
  std::optional<SyncRun> run;      // execute this run; otherwise the plan's unfinished run, or a new one
  std::string trigger = "manual";  // recorded with a new run
  // Only a new run: an unfinished run of the plan is not resumed but refused (kConflict), for runs whose
  // argument sets or storages differ from the plan's (`datasync repair`, `datasync verify`).
  bool new_run_only = false;
  int64_t slot_us = 0;         // a scheduled new run: its slot's fire time
  bool wait_deferred = false;  // a run deferred by the vendor's quota waits for the reset and continues
  // Every unit is fetched and written again, even one whose stored version the vendor still serves
  // (`run --refetch`: the storage lost rows behind datasync's back).
  bool refetch = false;
  const std::atomic<bool>* interrupt = nullptr;
  std::function<void(const std::string& message)> on_event;  // "resuming run 7 (running)"
  std::function<void(const Progress&)> on_progress;
  std::function<std::unique_ptr<ExecutorObserver>()> observer;  // one per execution; may be unset
  // After an execution whose responses differed from the dataset's schema: the fields seen that the
  // dataset lacks, and the dataset's fields the vendor did not return.
  std::function<void(const std::set<std::string>& extra, const std::set<std::string>& missing)> on_schema_drift;
};

// What RecoverOrphans needs from the daemon. Every pointer outlives the call.
struct OrphanRecovery {
  RunStore* store = nullptr;
  const core::Clock* clock = nullptr;
  bool interrupted = false;  // the daemon's first scan: interrupted runs too, not only due deferred ones
  // Whether the daemon can take the run now: its plan is configured here, no run of it is busy, a worker is
  // free. Asked in order, so a run it declines leaves room for the next.
  std::function<bool(const SyncRun&)> can_continue;
  // Continues the run (App::Resume on a worker thread: a RunCoordinator executes it).
  std::function<void(const SyncRun&)> continue_run;
};

struct RunResult {
  std::optional<RunReport> report;  // the last execution's, or the stored one of a run left waiting
  std::string note;                 // "resumed run 7", why the run waits
};

class RunCoordinator {
 public:
  RunCoordinator(RunTarget target, RunCoordinatorDeps deps) : target_(target), deps_(std::move(deps)) {}

  core::Result<RunResult> Run(RunRequest request);

  // The daemon's recovery of runs left by earlier processes: the orphans RunTransitions::Orphans chooses at
  // `now` (due deferred runs; with `interrupted` also paused-not-by-request, running and pending runs; never a
  // schedule slot's run or one another process executes), oldest status group first, each handed to
  // continue_run when can_continue says the daemon can take it. Returns the runs handed over.
  static core::Result<std::vector<SyncRun>> RecoverOrphans(const OrphanRecovery& recovery, core::TimePoint now);

 private:
  core::Result<SyncRun> Choose(RunRequest& request, RunResult& result);
  RunTarget target_;
  RunCoordinatorDeps deps_;
};

}  // namespace datasync::sync
