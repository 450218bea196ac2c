// Daemon: the `datasync serve` process (ARCHITECTURE §10, §12; docs/serve.md). One loop ticks the
// sync::Scheduler (slots, misfire, dependencies, deadlines) every 100 ms of real time on the project's
// clock; scheduled runs execute on worker threads (at most serve.max_parallel_runs) through App::RunSlot;
// every run's end feeds the metrics registry and the alert rules; alerts go out on their own thread so a
// slow mail server never delays a schedule. datasync.yaml is re-read when it changes (an invalid edit is
// reported and the last valid configuration kept).
//
// At start it also continues what an earlier process left: runs deferred by the vendor's quota (when their
// reset comes), and interrupted runs (a daemon or `datasync run` that was stopped or killed).
//
// Its parts, one file each: DaemonLauncher (worker threads), ConfigWatcher (datasync.yaml changed?),
// AlertDispatcher (the notifier and its thread), DailySummaryJob; runs' and the scheduler's events go
// through one events::EventBus to RunMetrics (metrics) and AlertRouter (alerts).
// Graceful shutdown: once `stop` is set nothing new starts, runs in flight checkpoint (tasks in flight
// finish, the rest stay pending), the daemon's open slots are released for the next daemon, and pending
// alerts are flushed; Run returns false if runs were still in flight after serve.shutdown_timeout_secs.
//
// Lifecycle: Start (the configuration must be valid) -> Run (blocks until stop) -> destroy.
// Thread-safety: MetricsText and HealthJson may be called from any thread (the HTTP server's) while Run runs.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "app/app.hpp"
#include "app/config.hpp"
#include "app/job_queue.hpp"

namespace datasync::app {

namespace events {
class EventBus;
}

struct DaemonOptions {
  std::chrono::milliseconds tick{100};
  // false (`datasync web`): no schedules, no continuing of other processes' runs and no daily summary; only
  // the runs started through the API execute here.
  bool schedule = true;
};

class Daemon {
 public:
  static core::Result<std::unique_ptr<Daemon>> Start(App& app, DaemonOptions options = {});
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Blocks until `stop` is set, then shuts down. True when every run in flight checkpointed in time.
  core::Result<bool> Run(const std::atomic<bool>& stop);

  // Prometheus text exposition of every metric (docs/serve.md lists them).
  std::string MetricsText();
  // {"status": "ok"|"stalled", ...}; `healthy` is false when the scheduler loop has not ticked recently.
  std::string HealthJson(bool* healthy);

  const ServeSettings& settings() const;
  const std::string& owner() const;
  // The bus every run of this daemon publishes to (the SSE stream subscribes).
  events::EventBus& events();
  // Storage work the web app asks for (app/job_queue.hpp), one job at a time.
  JobQueue& jobs();

  // Runs started from the web app (docs/web.md), executed on the daemon's workers: the plan's next run (or
  // its unfinished one), a paused, deferred or interrupted run resumed, a finished run's failed and
  // cancelled tasks retried. They return once the run is started. kNotFound: no such plan or run;
  // kConflict: the plan executes in this daemon now, or the run cannot be resumed or retried;
  // kTransient: every worker is busy (serve.max_parallel_runs) or the daemon is stopping.
  core::Status StartPlan(const std::string& plan);
  core::Status ResumeRun(int64_t run_id);
  core::Status RetryRun(int64_t run_id);

 private:
  struct Impl;
  explicit Daemon(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace datasync::app
