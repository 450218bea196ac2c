// FetchStage: one attempt at a task's vendor call (ARCHITECTURE §3): wait for the quota to allow a call,
// Provider.Fetch, Provider.Decode, and whether the page is complete, continues at the next page, or was
// truncated. It decides nothing about errors (the executor's dispatcher does, through ErrorPolicy) and
// writes nothing: it returns what happened.
//
// With an adaptive limit (plan `concurrency: adaptive`), a call first waits for one of the limit's slots,
// then for the quota; the limit learns from each call's round trip and from the vendor's push-back.
//
// A wait for the quota longer than the plan's max_wait_secs is not waited out by a thread: the attempt
// comes back kDeferred with the time the quota named. While waiting, the worker is parked on the wait
// board for exactly that time (or for other work when all of the quota's concurrency slots are taken).
//
// Lifecycle: one per execution, over deps that outlive it; Fetch from each fetch worker; Wake whenever
// `stopping` may have turned true or a call ended (a worker waiting for a concurrency slot looks again).
// Thread-safety: Fetch and Wake may be called from several threads at once. `stopping` is called with the
// stage's lock held: it must not block or take locks that are held while calling Wake.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/wait_board.hpp"
#include "datasource/provider.hpp"
#include "sync/adaptive_concurrency.hpp"
#include "sync/executor_observer.hpp"
#include "sync/quota.hpp"
#include "sync/run_store.hpp"
#include "sync/sync_run.hpp"

namespace datasync::sync {

struct FetchStageDeps {
  datasource::Provider* provider = nullptr;
  const datasource::DataSource* source = nullptr;
  const datasource::Dataset* dataset = nullptr;
  Quota* quota = nullptr;
  const core::Clock* clock = nullptr;
  int64_t max_wait_secs = 0;
  ExecutorObserver* observer = nullptr;    // may be null
  AdaptiveConcurrency* limiter = nullptr;  // calls in flight found from the vendor's pace; null: fixed
  // The versions of the units the storages hold, by task key (FetchRequest::stored_version); null: none.
  const std::unordered_map<std::string, std::string>* stored_versions = nullptr;
};

struct FetchResult {
  enum class Kind : uint8_t {
    kStopping,  // the run stops (or an interrupt came) before the call: the task was not attempted
    kDeferred,  // the quota allows no call within max_wait_secs: until `defer_until`
    kFetched,   // `page` holds the rows; `next_page` the task for the rest, when the provider pages
    kFailed,    // the call or its decoding failed, or the page was truncated: `error` says how
    kUnchanged, // the vendor's answer is the version the storages hold: the task is done, nothing to write
  };
  Kind kind = Kind::kStopping;
  core::TimePoint defer_until{};
  std::optional<datasource::Page> page;
  int64_t bytes = 0;  // payload bytes received
  std::optional<NewTask> next_page;
  std::optional<core::Error> error;
};

class FetchStage {
 public:
  FetchStage(FetchStageDeps deps, std::function<bool()> stopping) : deps_(deps), stopping_(std::move(stopping)) {}

  // A slot of the adaptive limit, taken by a fetch worker before it takes a task, so that workers beyond the
  // limit hold no task and a worker whose call ended goes on with the next task without a hand-off.
  // nullopt: no adaptive limit, or the run is stopping. A slot not used by Fetch goes back by ReturnSlot.
  std::optional<AdaptiveConcurrency::Ticket> TakeSlot(core::WaitBoard::Worker& me);
  void ReturnSlot();
  // One attempt at `task` on the calling fetch worker `me`, in `slot` (from TakeSlot; Fetch gives it back).
  FetchResult Fetch(const SyncTask& task, core::WaitBoard::Worker& me, std::optional<AdaptiveConcurrency::Ticket> slot);
  void Wake();     // every waiting worker: the run may be stopping
  void WakeOne();  // one: a call ended and freed its slots

 private:
  enum class QuotaWait : uint8_t { kAcquired, kStopping, kDefer };
  QuotaWait WaitForQuota(core::TimePoint& until, core::WaitBoard::Worker& me);
  void AfterCall(bool had_slot);

  FetchStageDeps deps_;
  std::function<bool()> stopping_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<int> quota_slot_waiters_{0};  // workers waiting for a concurrency slot of the quota
};

}  // namespace datasync::sync
