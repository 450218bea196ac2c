// DaemonLauncher: how `datasync serve` executes runs: one worker thread per executing plan, at most
// serve.max_parallel_runs at once. It is the scheduler's sync::RunLauncher (a slot's run through
// App::RunSlot) and also starts the daemon's other runs (continued orphans). Each run publishes its events
// to the daemon's bus; a run's end goes to `on_outcome` on its worker thread.
//
// Lifecycle: construct -> Launch/StartJob while the daemon runs -> Finished() joins the workers that
// ended -> DetachAll() before destruction if some are still running (the process is exiting).
// Thread-safety: every method may be called from any thread; the scheduler and the orphan scan call from
// the daemon's loop, the metrics collector and /healthz from the HTTP server's threads.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/app.hpp"
#include "sync/scheduler.hpp"

namespace datasync::app {

class DaemonLauncher final : public sync::RunLauncher {
 public:
  struct Deps {
    App* app = nullptr;
    const std::atomic<bool>* stopping = nullptr;  // the interrupt of every run; no launch once set
    events::EventBus* events = nullptr;
    std::function<int64_t()> max_parallel_runs;  // read at each launch: the configuration may change
    // A run ended with a report (`slot_us` 0 when not scheduled); called on the run's worker thread.
    std::function<void(const PlanOutcome&, int64_t slot_us)> on_outcome;
  };
  explicit DaemonLauncher(Deps deps) : deps_(std::move(deps)) {}

  // sync::RunLauncher
  bool HasCapacity() override;
  bool Busy(const std::string& plan) override;
  std::vector<sync::LaunchResult> Finished() override;
  void Launch(const sync::ScheduleSlot& slot) override;

  // Runs `work` on a worker thread of its own, counted against the capacity under `plan`.
  void StartJob(const std::string& plan, std::function<void()> work);
  // StartJob if it may, checked and started under one lock (the API's threads and the loop race):
  // kConflict while `plan` has a job, kTransient when stopping or every worker is busy.
  core::Status TryStartJob(const std::string& plan, std::function<void()> work);
  // What every run of the daemon is executed with.
  RunOptions WorkerOptions() const;
  // Workers started and not yet joined.
  size_t Active();
  // Lets workers still running go (the process exits without waiting for them).
  void DetachAll();

 private:
  void StartLocked(const std::string& plan, std::function<void()> work);  // holding mu_
  struct Job {
    std::thread thread;
    std::atomic<bool> done{false};
  };
  Deps deps_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Job>> jobs_;  // by plan
  std::vector<sync::LaunchResult> finished_;
};

}  // namespace datasync::app
