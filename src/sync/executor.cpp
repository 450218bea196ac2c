#include "sync/executor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>

#include "core/crash_point.hpp"
#include "core/dates.hpp"
#include "core/log.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"
#include "core/wait_board.hpp"
#include "sync/bounded_queue.hpp"
#include "sync/clock_wait.hpp"
#include "sync/error_policy.hpp"
#include "sync/fetch_stage.hpp"
#include "sync/run_report_builder.hpp"
#include "sync/run_transitions.hpp"
#include "sync/sink_writer_pool.hpp"

namespace datasync::sync {

using core::Error;
using core::ErrorKind;
using namespace std::chrono_literals;

namespace {

// A task between fetch and its last sink ack.
struct Flight {
  SyncTask task;
  int64_t attempts = 0;
  int64_t rows = 0;
  int64_t bytes = 0;
  std::optional<NewTask> next_page;  // offset paging: the page after this one, added once this one is done
  std::string version;               // the answer's version (Page::version), recorded with the ack
};

constexpr auto kHeartbeatEvery = std::chrono::milliseconds(500);
constexpr auto kPersistQuotaEvery = std::chrono::seconds(1);

constexpr size_t kLedgerFlushAt = 512;
// Task-state writes are batched: the ledger is written at kLedgerFlushAt updates, when a task added pages
// (children must be claimable), when nothing is in flight, or after this long; tasks are claimed kClaimAhead
// at a time (at least twice the fetch workers), refilled when half are gone. A fast vendor's tasks then cost
// the system database a share of one transaction each, not two of their own (issue 19).
constexpr auto kLedgerFlushEvery = std::chrono::milliseconds(50);
constexpr size_t kClaimAhead = 64;

// The scope of a run's unit versions (RunStore::LoadUnitVersions): the dataset, its schema version and its
// storages, so that a storage added to the plan, or a schema that gained a field, finds no versions and
// fetches every unit again.
std::string UnitVersionScope(const datasource::Dataset& dataset, std::vector<std::string> storages) {
  std::sort(storages.begin(), storages.end());
  std::string scope = dataset.name + "@" + std::to_string(dataset.schema_version) + ":";
  for (size_t i = 0; i < storages.size(); ++i) scope += (i ? "," : "") + storages[i];
  return scope;
}

}  // namespace

struct Executor::Impl {
  ExecutorDeps deps;
  ExecutorOptions opt;
  SyncRun run;

  BoundedQueue<SyncTask> fetch_queue;
  RunReportBuilder report;

  std::mutex mu;  // guards everything below
  std::condition_variable cv;
  std::unordered_map<int64_t, Flight> flights;
  std::vector<TaskUpdate> ledger;
  std::vector<NewTask> children;
  std::vector<UnitVersion> ledger_versions;  // of the done tasks in `ledger` whose answers carry one
  int64_t in_flight = 0;              // claimed, not finished (fetching, or written and waiting for a commit)
  int64_t committing = 0;             // of those, handed to the sink writers: they no longer hold a fetch slot
  bool dispatcher_drained = false;    // the dispatcher's last claim got less than it asked for
  std::atomic<bool> stopping{false};  // written with mu held; read without it by the fetch stage
  std::optional<RunStatus> stop_status;
  std::string stop_error;
  core::TimePoint deferred_until{};
  std::mt19937_64 rng;

  std::atomic<int64_t> requests{0}, retries{0}, done{0}, failed{0}, skipped{0}, rows{0}, bytes{0}, unchanged{0};

  // The scope of the versions this run records (UnitVersionScope; empty: none, a verify run's scratch copy),
  // and the versions the storages held when it started (empty when it fetches everything again).
  std::string version_scope;
  std::unordered_map<std::string, std::string> stored_versions;

  std::unique_ptr<AdaptiveConcurrency> limiter;  // null: fixed concurrency
  FetchStage fetch;
  SinkWriterPool writers;

  Impl(ExecutorDeps d, ExecutorOptions o)
      : deps(std::move(d)),
        opt(Normalized(std::move(o))),
        fetch_queue(ClaimCapacity(opt)),
        limiter(opt.adaptive ? std::make_unique<AdaptiveConcurrency>(*opt.adaptive) : nullptr),
        fetch(FetchStageDeps{deps.provider, deps.source, deps.dataset, deps.quota, deps.clock, deps.plan->max_wait_secs,
                             opt.observer, limiter.get(), &stored_versions},
              [this] { return stopping.load() || (opt.interrupt && opt.interrupt->load()); }),
        writers(Writers(deps.sinks), SinkWriterPool::Options{opt.sink_queue_batches, opt.commit_every_batches},
                [this](SinkWriterPool::AckToken token, const std::optional<Error>& error) { Durable(token, error); }) {
    rng.seed(opt.seed ? opt.seed : std::random_device{}());
  }

  // Tasks claimed and not yet handed to the sink writers, at most.
  static size_t ClaimCapacity(const ExecutorOptions& o) {
    return std::max(std::max<size_t>(o.fetch_workers, 1) * 2, kClaimAhead);
  }

  // An adaptive limit needs a worker for each call it may allow.
  static ExecutorOptions Normalized(ExecutorOptions o) {
    if (o.adaptive) o.fetch_workers = static_cast<size_t>(std::max<int64_t>(o.adaptive->max, 1));
    return o;
  }

  static std::vector<SinkWriterPool::Writer> Writers(const std::vector<SinkBinding>& sinks) {
    std::vector<SinkWriterPool::Writer> out;
    for (const auto& b : sinks) out.push_back({b.storage, b.sink.get()});
    return out;
  }

  core::TimePoint Now() const { return deps.clock->Now(); }

  // --- bookkeeping (callers hold mu) -------------------------------------------------------------

  void Record(TaskUpdate u) {
    ledger.push_back(std::move(u));
    WakeDispatcherLocked();
  }

  // Whether the dispatcher, waiting between rounds, has work now: the condition of its wait. Every change
  // of these fields wakes it only when this holds, so a fast vendor's tasks cost no futex wake and no
  // context switch of the dispatcher each, only one per refill (issue 19's per-task overhead).
  bool DispatcherDueLocked() const {
    if (stopping || ledger.size() >= kLedgerFlushAt || !children.empty() || in_flight == 0) return true;
    return !dispatcher_drained && in_flight - committing <= static_cast<int64_t>(ClaimCapacity(opt) / 2);
  }

  void WakeDispatcherLocked() {
    if (DispatcherDueLocked()) cv.notify_all();
  }

  void NoteError(const SyncTask& task, const Error& e) {
    if (opt.observer) opt.observer->OnError(e.kind());
    report.NoteError(task.params, e);
  }

  void Stop(RunStatus status, std::string why) {
    if (!stopping) {
      stopping = true;
      stop_status = status;
      stop_error = std::move(why);
    }
    cv.notify_all();
    fetch.Wake();
  }

  // A task finished its attempt with an error (fetch, decode or a sink). Decides what happens next.
  void HandleErrorLocked(const SyncTask& task, int64_t attempts, const Error& e) {
    NoteError(task, e);
    if (e.learned_limit) deps.quota->Learn(*e.learned_limit);
    std::uniform_real_distribution<double> u01(0.0, 1.0);
    Decision d = Decide(e, attempts, deps.plan->retry, Now(), u01(rng));
    TaskUpdate up{task.id,
                  TaskState::kPending,
                  attempts,
                  0,
                  0,
                  std::string(core::ErrorKindName(e.kind())),
                  core::Redact(e.message()),
                  0};
    switch (d.action) {
      case Action::kRetry:
        retries++;
        up.not_before_us = core::ToEpochMicros(d.not_before);
        core::LogInfo(fmt::format("task {} ({}): {}; retry {} of {}", task.id, ParamsText(task.params),
                                  core::Redact(e.ToString()), attempts, deps.plan->retry.max_attempts - 1));
        break;
      case Action::kCool:
        up.state = TaskState::kCooling;
        up.attempts = task.attempts;  // waiting for the vendor's window is not a failed attempt
        up.not_before_us = core::ToEpochMicros(d.not_before);
        break;
      case Action::kDefer:
        up.state = TaskState::kDeferred;
        up.attempts = task.attempts;
        up.not_before_us = core::ToEpochMicros(d.not_before);
        deferred_until = std::max(deferred_until, d.not_before);
        Stop(RunStatus::kDeferred, core::Redact(e.message()));
        break;
      case Action::kSkip:
        up.state = TaskState::kSkipped;
        skipped++;
        core::LogWarn(
            fmt::format("task {} ({}) dropped: {}", task.id, ParamsText(task.params), core::Redact(e.ToString())));
        break;
      case Action::kSplit: {
        auto parts = deps.provider->Split({deps.source, deps.dataset, task.params});
        if (!parts) {
          up.state = TaskState::kFailed;
          up.error = core::Redact(e.message()) + "; the request cannot be narrowed further";
          failed++;
          break;
        }
        up.state = TaskState::kSplit;
        for (auto& p : *parts) children.push_back({task.id, TaskKey(p), std::move(p)});
        break;
      }
      case Action::kFail:
        up.state = TaskState::kFailed;
        failed++;
        core::LogWarn(fmt::format("task {} ({}) failed after {} attempt(s): {}", task.id, ParamsText(task.params),
                                  attempts, core::Redact(e.ToString())));
        break;
      case Action::kStopRun:
        up.state = TaskState::kFailed;
        failed++;
        Stop(RunStatus::kFailed, core::Redact(e.message()));
        break;
    }
    Record(std::move(up));
  }

  void FinishFlightLocked() {
    --in_flight;
    WakeDispatcherLocked();
  }

  // --- fetch workers ----------------------------------------------------------------------------

  // Puts a claimed task back untouched (the run is stopping before it was attempted).
  void Release(const SyncTask& task) {
    std::lock_guard lock(mu);
    Record({task.id, task.state == TaskState::kRunning ? TaskState::kPending : task.state, task.attempts, 0, 0,
            task.error_kind, task.error, task.not_before_us});
    FinishFlightLocked();
  }

  void FetchLoop() {
    core::WaitBoard::Worker me(core::WaitBoard::Process());
    while (true) {
      // The slot first, then the task: a worker held back by the adaptive limit holds no task, and one whose
      // call just ended takes its slot again and the next task without waking another worker.
      std::optional<AdaptiveConcurrency::Ticket> slot = fetch.TakeSlot(me);
      std::optional<SyncTask> claimed;
      {
        core::WaitBoard::Parked parked(me);
        claimed = fetch_queue.Pop();
      }
      if (!claimed) {
        if (slot) fetch.ReturnSlot();
        break;
      }
      SyncTask task = std::move(*claimed);
      FetchResult fetched = fetch.Fetch(task, me, slot);
      if (fetched.kind == FetchResult::Kind::kStopping) {
        Release(task);
        continue;
      }
      if (fetched.kind == FetchResult::Kind::kDeferred) {
        core::TimePoint until = fetched.defer_until;
        std::lock_guard lock(mu);
        Record({task.id, TaskState::kDeferred, task.attempts, 0, 0, task.error_kind, task.error,
                core::ToEpochMicros(until)});
        deferred_until = std::max(deferred_until, until);
        Stop(RunStatus::kDeferred, fmt::format("the quota of {} allows no more calls until {} UTC",
                                               deps.quota->label().empty() ? deps.source->name : deps.quota->label(),
                                               core::FormatTimestamp(core::ToEpochMicros(until))));
        FinishFlightLocked();
        continue;
      }
      int64_t attempts = task.attempts + 1;
      requests++;
      if (fetched.kind == FetchResult::Kind::kFailed) {
        std::lock_guard lock(mu);
        HandleErrorLocked(task, attempts, *fetched.error);
        FinishFlightLocked();
        continue;
      }
      if (fetched.kind == FetchResult::Kind::kUnchanged) {
        // The storages hold this very answer: done, with nothing written and the recorded version kept.
        std::lock_guard lock(mu);
        unchanged++;
        CompleteLocked(task, attempts, 0, fetched.bytes, std::nullopt, "");
        continue;
      }
      NoteDrift(*fetched.page);
      if (deps.gate) {
        auto kept = deps.gate->Check(std::move(fetched.page->batch), task);
        if (!kept) {
          std::lock_guard lock(mu);
          HandleErrorLocked(task, attempts, kept.error());
          FinishFlightLocked();
          continue;
        }
        fetched.page->batch = std::move(*kept);
      }
      auto batch = std::make_shared<const core::ColumnBatch>(std::move(fetched.page->batch));
      int64_t nrows = static_cast<int64_t>(batch->num_rows());
      int64_t nbytes = fetched.bytes;
      if (writers.sinks() == 0) {
        std::lock_guard lock(mu);
        CompleteLocked(task, attempts, nrows, nbytes, std::move(fetched.next_page), "");
        continue;
      }
      {
        std::lock_guard lock(mu);
        flights[task.id] =
            Flight{task, attempts, nrows, nbytes, std::move(fetched.next_page), std::move(fetched.page->version)};
        ++committing;
        WakeDispatcherLocked();  // a claim slot is free: a lingering group commit must not starve fetching
      }
      writers.Submit(task.id, task.key, batch);
    }
  }

  void NoteDrift(const datasource::Page& page) {
    for (const auto& w : page.warnings) {
      if (report.NoteWarning(w)) core::LogWarn(w);
    }
    if (page.extra_fields.empty() && page.missing_fields.empty()) return;
    if (opt.on_schema_drift) opt.on_schema_drift(page.extra_fields, page.missing_fields);
    auto add = [&](const std::string& w) {
      if (report.NoteWarning(w)) core::LogWarn(w);
    };
    for (const auto& f : page.extra_fields) {
      add(fmt::format("schema drift: the vendor returned field '{}' that dataset '{}' does not have (ignored)", f,
                      deps.dataset->name));
    }
    for (const auto& f : page.missing_fields) {
      add(fmt::format("schema drift: the vendor did not return field '{}' of dataset '{}' (stored as NULL)", f,
                      deps.dataset->name));
    }
  }

  void CompleteLocked(const SyncTask& task, int64_t attempts, int64_t nrows, int64_t nbytes,
                      std::optional<NewTask> next_page, std::string version) {
    if (next_page) children.push_back(std::move(*next_page));
    if (!version.empty() && !version_scope.empty()) ledger_versions.push_back({task.key, std::move(version)});
    done++;
    rows += nrows;
    bytes += nbytes;
    if (opt.observer) opt.observer->OnTaskDone(nrows, nbytes);
    Record({task.id, TaskState::kDone, attempts, nrows, nbytes, "", "", 0});
    FinishFlightLocked();
  }

  // --- sink writers: every sink made the task's batch durable, or one failed it ---------------------

  void Durable(int64_t task_id, const std::optional<Error>& error) {
    std::lock_guard lock(mu);
    auto it = flights.find(task_id);
    if (it == flights.end()) return;
    Flight done_flight = std::move(it->second);
    flights.erase(it);
    --committing;
    if (error) {
      HandleErrorLocked(done_flight.task, done_flight.attempts, *error);
      FinishFlightLocked();
    } else {
      CompleteLocked(done_flight.task, done_flight.attempts, done_flight.rows, done_flight.bytes,
                     std::move(done_flight.next_page), std::move(done_flight.version));
    }
  }

  // --- dispatcher -------------------------------------------------------------------------------

  core::Status FlushLedger() {
    std::vector<TaskUpdate> updates;
    std::vector<NewTask> kids;
    UnitVersions versions{version_scope, {}};
    {
      std::lock_guard lock(mu);
      updates.swap(ledger);
      kids.swap(children);
      versions.entries.swap(ledger_versions);
    }
    if (kids.empty() && updates.empty()) return core::Ok();
    if (std::any_of(updates.begin(), updates.end(), [](const TaskUpdate& u) { return u.state == TaskState::kDone; })) {
      core::CrashPoint("ack");
    }
    // One transaction: a page's successor is added exactly when the page is marked done, and an answer's
    // version recorded exactly when its task is.
    if (auto st = deps.store->CommitLedger(run.id, kids, updates, versions); !st) return st;
    run.counts.tasks_total += static_cast<int64_t>(kids.size());
    for (const auto& u : updates) {
      if (u.state == TaskState::kSplit) run.counts.tasks_total--;  // replaced by its children
    }
    return core::Ok();
  }

  Progress Snapshot() {
    Progress p;
    p.run_id = run.id;
    p.tasks_total = run.counts.tasks_total;
    p.tasks_done = base_done + done.load();
    p.tasks_failed = failed.load();
    p.tasks_skipped = skipped.load();
    p.rows = rows.load();
    p.bytes = bytes.load();
    {
      std::lock_guard lock(mu);
      p.in_flight = in_flight;
    }
    p.elapsed_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - steady_start).count();
    if (p.elapsed_secs > 0) p.rows_per_sec = static_cast<double>(p.rows) / p.elapsed_secs;
    int64_t finished_now = done.load() + failed.load() + skipped.load();
    int64_t remaining =
        std::max<int64_t>(0, p.tasks_total - p.tasks_done - p.tasks_failed - p.tasks_skipped - base_other);
    // The ETA is the slower of the pace seen so far and the pace the vendor's quota allows.
    double quota_eta = static_cast<double>(deps.quota->Estimate(remaining).count());
    if (finished_now > 0 && p.elapsed_secs > 0) {
      p.eta_secs =
          std::max(quota_eta, static_cast<double>(remaining) * p.elapsed_secs / static_cast<double>(finished_now));
    } else if (quota_eta > 0) {
      p.eta_secs = quota_eta;
    }
    p.note = note;
    return p;
  }

  std::string owner = WorkerIdentity::ThisProcess().Name();
  RunTransitions transitions{*deps.store, *deps.clock};
  int64_t base_done = 0;   // tasks already done before this execution (resumed runs)
  int64_t base_other = 0;  // failed/skipped/split/cancelled before this execution
  std::chrono::steady_clock::time_point steady_start;
  std::string note;

  core::Result<RunReport> Execute(SyncRun r) {
    run = std::move(r);
    steady_start = std::chrono::steady_clock::now();
    core::TimePoint started = Now();
    auto before = transitions.Start(run, owner, started);
    if (!before) return core::Fail(before.error());
    base_done = before->done;
    base_other = before->failed + before->skipped + before->split + before->cancelled;

    storage::RunContext rc{.run_id = run.id, .has_done_units = base_done > 0};
    for (auto& b : deps.sinks) {
      if (auto st = b.sink->Open(rc); !st) {
        transitions.Abandon(run, owner, st.error().message());
        return core::Fail(st.error());
      }
    }

    if (auto st = LoadVersions(); !st) {
      transitions.Abandon(run, owner, st.error().message());
      return core::Fail(st.error());
    }
    writers.Start();
    size_t workers = std::max<size_t>(opt.fetch_workers, 1);
    std::vector<std::thread> fetchers;
    for (size_t i = 0; i < workers; ++i) fetchers.emplace_back([this] { FetchLoop(); });

    core::Status loop_status = DispatchLoop();

    {
      std::lock_guard lock(mu);
      stopping = true;
      cv.notify_all();
    }
    StopGuard guard(*this);
    fetch.Wake();
    fetch_queue.Close();
    for (auto& t : fetchers) t.join();
    writers.Close();
    guard.Done();
    core::Status flushed = FlushLedger();
    if (!loop_status) return Abandon(loop_status.error());
    if (!flushed) return Abandon(flushed.error());
    return Conclude(started);
  }

  // The versions the storages hold, for providers that can tell an unchanged answer (issue 16's files), as
  // ExecutorOptions::versions says.
  core::Status LoadVersions() {
    if (opt.versions == ExecutorOptions::Versions::kOff) return core::Ok();
    std::vector<std::string> storages;
    for (const auto& b : deps.sinks) storages.push_back(b.storage);
    version_scope = UnitVersionScope(*deps.dataset, std::move(storages));
    if (opt.versions == ExecutorOptions::Versions::kRecord) return core::Ok();
    auto loaded = deps.store->LoadUnitVersions(version_scope);
    if (!loaded) return core::Fail(loaded.error());
    for (auto& v : *loaded) stored_versions.emplace(std::move(v.key), std::move(v.version));
    return core::Ok();
  }

  // Watches the writers while the execution winds down. Once the user asked to stop (SIGTERM, pause,
  // cancel), a sink call that runs longer than writer_stop_grace is interrupted: a store that stopped
  // answering must not keep the process (`datasync run`, or `serve` shutting down) for its I/O timeout.
  class StopGuard {
   public:
    explicit StopGuard(Impl& ex) : ex_(ex), thread_([this] { Watch(); }) {}
    ~StopGuard() { Done(); }
    StopGuard(const StopGuard&) = delete;
    StopGuard& operator=(const StopGuard&) = delete;

    void Done() {
      {
        std::lock_guard lock(mu_);
        done_ = true;
      }
      cv_.notify_all();
      if (thread_.joinable()) thread_.join();
    }

   private:
    bool StopRequested() {
      if (ex_.opt.interrupt && ex_.opt.interrupt->load()) return true;
      std::lock_guard lock(ex_.mu);
      return ex_.stop_status == RunStatus::kPaused || ex_.stop_status == RunStatus::kCancelled;
    }

    void Watch() {
      std::optional<std::chrono::steady_clock::time_point> requested;
      bool warned = false;
      std::unique_lock lock(mu_);
      while (!cv_.wait_for(lock, std::chrono::milliseconds(100), [&] { return done_; })) {
        if (!requested && StopRequested()) requested = std::chrono::steady_clock::now();
        if (!requested || std::chrono::steady_clock::now() - *requested < ex_.opt.writer_stop_grace) continue;
        if (size_t n = ex_.writers.InterruptStalled(ex_.opt.writer_stop_grace); n > 0 && !warned) {
          warned = true;
          core::LogWarn(
              fmt::format("run {}: {} storage(s) did not finish a write within {} ms of the stop request; "
                          "interrupted (their uncommitted tasks run again when the run resumes)",
                          ex_.run.id, n, ex_.opt.writer_stop_grace.count()));
        }
      }
    }

    Impl& ex_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool done_ = false;
    std::thread thread_;
  };

  // Says the run is alive and obeys `datasync pause|cancel` from other processes.
  core::Status BeatAndObey() {
    auto control = deps.store->Heartbeat(run.id, owner, core::ToEpochMicros(Now()));
    if (!control) return core::Fail(control.error());
    std::lock_guard lock(mu);
    if (stopping || *control == RunControl::kNone) return core::Ok();
    if (*control == RunControl::kPause) {
      Stop(RunStatus::kPaused,
           "paused by `datasync pause`; `datasync resume " + std::to_string(run.id) + "` continues it");
    } else if (*control == RunControl::kCancel) {
      Stop(RunStatus::kCancelled, "cancelled by `datasync cancel`");
    }
    core::LogInfo(fmt::format("run {}: {} requested; no new call starts, {} task(s) in flight finish first", run.id,
                              RunControlName(*control), in_flight));
    return core::Ok();
  }

  void ReportQueues() {
    size_t sink_depth = writers.queued();
    int64_t flying;
    {
      std::lock_guard lock(mu);
      flying = in_flight;
    }
    opt.observer->OnQueues(fetch_queue.size(), sink_depth, flying,
                           limiter ? limiter->limit() : static_cast<int64_t>(opt.fetch_workers));
  }

  core::Status DispatchLoop() {
    // The dispatcher starts no vendor call itself, so it never holds a virtual clock back: it is always
    // parked on the wait board, and says when it waits for a cool-down or a retry to come due.
    core::WaitBoard::Worker me(core::WaitBoard::Process());
    me.Park();
    auto last_progress = std::chrono::steady_clock::now() - opt.progress_interval;
    auto last_beat = std::chrono::steady_clock::now();
    auto last_persist = std::chrono::steady_clock::now();
    // Task leases are renewed on the clock port, the clock they expire on (a virtual clock in tests).
    const int64_t lease_us = opt.task_lease_us;
    int64_t last_renew_us = core::ToEpochMicros(Now());
    const size_t capacity = ClaimCapacity(opt);
    auto last_flush = std::chrono::steady_clock::now();
    while (true) {
      if (opt.interrupt && opt.interrupt->load()) {
        std::lock_guard lock(mu);
        Stop(RunStatus::kPaused, "interrupted; `datasync run " + run.plan + "` resumes it");
      }
      if (auto now_steady = std::chrono::steady_clock::now(); now_steady - last_beat >= kHeartbeatEvery) {
        last_beat = now_steady;
        if (auto st = BeatAndObey(); !st) return st;
        if (opt.observer) ReportQueues();
      }
      if (int64_t now_us = core::ToEpochMicros(Now()); now_us - last_renew_us >= lease_us / 3) {
        last_renew_us = now_us;
        if (auto n = deps.store->RenewLeases(owner, run.id, now_us, lease_us); !n) return core::Fail(n.error());
      }
      if (auto now_steady = std::chrono::steady_clock::now(); now_steady - last_persist >= kPersistQuotaEvery) {
        last_persist = now_steady;
        if (auto st = deps.quota->Persist(); !st) core::LogWarn("cannot save the quota state: " + st.error().message());
      }
      {
        std::lock_guard lock(mu);
        if (stopping) return core::Ok();
      }
      bool flush;
      {
        std::lock_guard lock(mu);
        flush = !children.empty() ||
                (!ledger.empty() && (ledger.size() >= kLedgerFlushAt || in_flight == 0 ||
                                     std::chrono::steady_clock::now() - last_flush >= kLedgerFlushEvery));
      }
      if (flush) {
        if (auto st = FlushLedger(); !st) return st;
        last_flush = std::chrono::steady_clock::now();
      }
      size_t free_slots;
      {
        std::lock_guard lock(mu);
        auto fetching = static_cast<size_t>(in_flight - committing);
        free_slots = capacity > fetching ? capacity - fetching : 0;
      }
      size_t claimed_n = 0;
      if (free_slots >= capacity / 2) {
        auto claimed = deps.store->ClaimTasks(run.id, free_slots, core::ToEpochMicros(Now()), {owner, lease_us});
        if (!claimed) return core::Fail(claimed.error());
        claimed_n = claimed->size();
        {
          std::lock_guard lock(mu);
          in_flight += static_cast<int64_t>(claimed_n);
          if (claimed_n) note.clear();
        }
        for (auto& t : *claimed) fetch_queue.Push(std::move(t));
      }
      auto now_steady = std::chrono::steady_clock::now();
      if (opt.on_progress && now_steady - last_progress >= opt.progress_interval) {
        opt.on_progress(Snapshot());
        last_progress = now_steady;
      }
      bool idle;
      {
        std::lock_guard lock(mu);
        idle = claimed_n == 0 && in_flight == 0 && ledger.empty() && children.empty();
      }
      if (idle) {
        auto counts = deps.store->CountTasks(run.id);
        if (!counts) return core::Fail(counts.error());
        if (counts->pending + counts->cooling + counts->deferred + counts->running == 0) return core::Ok();
        // Nothing of this worker is in flight, yet tasks run: another worker holds them. Those whose worker
        // is gone come back (never in a single process: Start requeued every lapsed task).
        if (counts->running > 0) {
          auto back = transitions.RequeueLapsed(run.id);
          if (!back) return core::Fail(back.error());
          if (*back > 0) continue;
        }
        auto wake = deps.store->NextWakeup(run.id);
        if (!wake) return core::Fail(wake.error());
        core::TimePoint now = Now();
        if (*wake) {
          core::TimePoint at = core::FromEpochMicros(**wake);
          if (at - now > std::chrono::seconds(deps.plan->max_wait_secs)) {
            std::lock_guard lock(mu);
            if (counts->deferred > 0) {
              deferred_until = std::max(deferred_until, at);
              Stop(RunStatus::kDeferred, "waiting for the vendor's quota to reset");
            } else {
              Stop(RunStatus::kCancelled,
                   fmt::format("the vendor asked to wait {} s, more than max_wait_secs ({}); checkpointed",
                               std::chrono::duration_cast<std::chrono::seconds>(at - now).count(),
                               deps.plan->max_wait_secs));
            }
            return core::Ok();
          }
          std::lock_guard lock(mu);
          note = fmt::format("cooling down for {} s (vendor rate limit)",
                             std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::seconds>(at - now).count()));
        }
        std::optional<core::TimePoint> wake_at;
        if (*wake) wake_at = core::FromEpochMicros(**wake);
        me.Park(wake_at);
        std::unique_lock lock(mu);
        cv.wait_for(lock, ClockPollCap(), [&] { return stopping.load(); });
        continue;
      }
      // A claim that got fewer tasks than it asked for drained what is claimable now. Nothing becomes
      // claimable before the ledger is written (a retry, new pages: those wake it at once) or a retry or
      // cool-down comes due, so the dispatcher waits for those or the timeout instead of spinning on empty
      // claims while the vendor answers.
      me.Park();
      std::unique_lock lock(mu);
      dispatcher_drained = free_slots >= capacity / 2 && claimed_n < free_slots;
      cv.wait_for(lock, claimed_n ? 5ms : 50ms, [&] { return DispatcherDueLocked(); });
    }
  }

  ConcurrencyReport ConcurrencyFacts() const {
    ConcurrencyReport c;
    if (!limiter) {
      c.mode = "fixed";
      c.max = c.final_limit = c.lowest = c.highest = static_cast<int64_t>(opt.fetch_workers);
      return c;
    }
    ConcurrencySummary s = limiter->Summary();
    c.mode = "adaptive";
    c.max = s.max;
    c.final_limit = s.final_limit;
    c.lowest = s.lowest;
    c.highest = s.highest;
    c.changes = s.changes;
    c.back_pressure = s.back_pressure;
    c.mean_in_flight = s.mean_in_flight;
    for (const auto& l : s.levels) {
      c.levels.push_back({l.level, l.rtt_secs * 1e3, static_cast<double>(l.level) / l.rtt_secs});
    }
    return c;
  }

  core::Result<RunReport> Abandon(const Error& e) {
    // The system database itself failed: leave tasks as they are (resumable) and say so.
    for (auto& b : deps.sinks) (void)b.sink->Close();
    transitions.Abandon(run, owner, e.message());
    return core::Fail(e);
  }

  core::Result<RunReport> Conclude(core::TimePoint started) {
    if (int64_t same = unchanged.load(); same > 0) {
      std::string line = fmt::format(
          "{} task(s) unchanged since their last store (the vendor's checksum or ETag matched): nothing was "
          "downloaded or written for them (`datasync run --refetch` fetches them again)",
          same);
      if (report.NoteWarning(line)) core::LogInfo(line);
    }
    auto counts = deps.store->CountTasks(run.id);
    if (!counts) return Abandon(counts.error());
    RunStatus status = stop_status.value_or(RunStatus::kSucceeded);
    if (!stop_status && counts->failed > 0) status = RunStatus::kFailed;
    std::string error = stop_error;
    if (status == RunStatus::kFailed && error.empty()) {
      error = fmt::format("{} task(s) failed", counts->failed);
    }

    std::vector<StorageReport> storages;
    for (auto& b : deps.sinks) {
      if (status == RunStatus::kSucceeded) {
        if (auto st = b.sink->Finish(); !st) {
          status = RunStatus::kFailed;
          error = core::Redact(st.error().message());
        }
      }
      (void)b.sink->Close();
      const auto& s = b.sink->stats();
      storages.push_back({b.storage, b.kind, s.rows_written, s.bytes_written, s.commits});
    }
    if (auto st = deps.quota->Persist(); !st) core::LogWarn("cannot save the quota state: " + st.error().message());
    auto settled = transitions.SettleTasks(run.id, status, *counts);
    if (!settled) return Abandon(settled.error());
    counts = std::move(settled);

    RunEnd end{status, error, deferred_until, requests.load(), retries.load()};
    RunReport rep;
    auto concluded = transitions.Conclude(run, end, *counts, [&](const SyncRun& r) {
      ExecutionFacts facts;
      facts.dataset = deps.dataset->name;
      facts.source = deps.source->name;
      facts.started_at_us = core::ToEpochMicros(started);
      facts.duration_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - steady_start).count();
      facts.rows = rows.load();
      facts.storages = std::move(storages);
      facts.quota = deps.quota->Usage();
      facts.concurrency = ConcurrencyFacts();
      if (deps.gate) facts.quality = deps.gate->Results();
      rep = report.Build(r, *counts, std::move(facts));
      return RunReportToJson(rep);
    });
    if (!concluded) return core::Fail(concluded.error());
    return rep;
  }
};

Executor::Executor(ExecutorDeps deps, ExecutorOptions options)
    : impl_(std::make_unique<Impl>(std::move(deps), std::move(options))) {}
Executor::~Executor() = default;

core::Result<RunReport> Executor::Execute(SyncRun run) {
  return impl_->Execute(std::move(run));
}

}  // namespace datasync::sync
