// Executor: runs one SyncRun to the end, or to a checkpoint (ARCHITECTURE §3):
//
//   RunStore.ClaimTasks ─▶ fetch queue ─▶ N fetch workers: FetchStage (Quota ─▶ Provider.Fetch ─▶ Decode)
//        ▲                                        │ ColumnBatch (shared, read-only)
//        │                                        ▼
//   ledger (batched UpdateTasks) ◀── ack ── SinkWriterPool: one writer per sink, Write… Commit (group commit)
//
// This file is the dispatcher: it claims tasks (leased to this process, the leases renewed every third of
// their length on the clock port, so a crashed worker's tasks go back to pending), decides every error through
// ErrorPolicy (retry, cool-down, deferral, split, skip, fail, stop), obeys pause/cancel requests at each heartbeat,
// flushes the task ledger, and concludes the run through RunTransitions with a report from RunReportBuilder.
//
// Every queue is bounded: a slow sink blocks the fetch workers, so memory stays flat however long the
// backfill. A task is marked done only after every sink has committed its batch (ack after durable
// write); a crash loses at most work to redo, never data.
//
// Lifecycle: construct with bound+migrated sinks; Execute() opens them, runs, finishes (kReplace
// publishes) and closes them, persists the run's final state and report, and returns the report.
// Execute is called once per Executor, from one thread; it starts and joins its own threads.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "datasource/provider.hpp"
#include "storage/sink.hpp"
#include "sync/adaptive_concurrency.hpp"
#include "sync/batch_gate.hpp"
#include "sync/executor_observer.hpp"
#include "sync/quota.hpp"
#include "sync/run_report.hpp"
#include "sync/run_store.hpp"
#include "sync/sink_factory.hpp"
#include "sync/sync_plan.hpp"

namespace datasync::sync {

struct Progress {
  int64_t run_id = 0;
  int64_t tasks_total = 0;
  int64_t tasks_done = 0;
  int64_t tasks_failed = 0;
  int64_t tasks_skipped = 0;
  int64_t in_flight = 0;
  int64_t rows = 0;
  int64_t bytes = 0;
  double elapsed_secs = 0;
  double rows_per_sec = 0;
  double eta_secs = -1;  // unknown until some tasks finished
  std::string note;      // "cooling until 17:31:05" and the like
};

struct ExecutorDeps {
  RunStore* store = nullptr;
  datasource::Provider* provider = nullptr;
  const datasource::DataSource* source = nullptr;
  const datasource::Dataset* dataset = nullptr;
  const SyncPlan* plan = nullptr;
  Quota* quota = nullptr;
  const core::Clock* clock = nullptr;
  std::vector<SinkBinding> sinks;
  BatchGate* gate = nullptr;  // checks each batch before it is written; null: none
};

struct ExecutorOptions {
  size_t fetch_workers = 4;  // threads making vendor calls: the fixed concurrency, or the adaptive maximum
  // Set: the calls in flight follow the vendor's pace (AdaptiveConcurrency), up to adaptive->max (which
  // then also sets the number of fetch workers). Unset: fetch_workers calls at once.
  std::optional<AdaptiveConcurrencyOptions> adaptive;
  size_t sink_queue_batches = 8;      // batches waiting per sink before fetchers block
  size_t commit_every_batches = 512;  // group commit: at most this many task batches per sink commit
  std::chrono::milliseconds progress_interval{500};
  std::function<void(const Progress&)> on_progress;
  const std::atomic<bool>* interrupt = nullptr;  // set by SIGINT/SIGTERM: checkpoint and stop
  // After SIGTERM, pause or cancel, how long a sink's call in progress may still take: a writer inside one
  // call for longer (a database that stopped answering) is interrupted (Sink::Interrupt), its uncommitted
  // tasks go back to pending, and the run stops instead of waiting for the store's own I/O timeout.
  std::chrono::milliseconds writer_stop_grace{5000};
  uint64_t seed = 0;                     // jitter; 0 = random
  int64_t task_lease_us = kTaskLeaseUs;  // claimed tasks' lease, renewed every third of it
  // Called for every page whose fields differ from the dataset's schema (Page::extra_fields and
  // missing_fields), on a fetch worker, outside the executor's lock; it must be quick and thread-safe.
  // app/ uses it to refresh the dataset's schema after the run.
  std::function<void(const std::vector<std::string>& extra, const std::vector<std::string>& missing)> on_schema_drift;
  ExecutorObserver* observer = nullptr;  // metrics hooks; may be null
  // The versions of the units' answers (FetchRequest::stored_version, Page::version; RunStore's UnitVersions):
  // kAsk gives each task the version its storages hold, so a provider may answer "unchanged", and records the
  // versions stored; kRecord only records (repair and `run --refetch` fetch everything again); kOff neither
  // (a verify run's scratch copy).
  enum class Versions : uint8_t { kAsk, kRecord, kOff };
  Versions versions = Versions::kAsk;
};

class Executor {
 public:
  Executor(ExecutorDeps deps, ExecutorOptions options);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Runs `run` (status running, tasks stored) until no task can make progress. Returns the report; the
  // run's final status is in report.status and persisted in the store.
  core::Result<RunReport> Execute(SyncRun run);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace datasync::sync
