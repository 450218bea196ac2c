#include "sync/fetch_stage.hpp"

#include <algorithm>

#include "sync/clock_wait.hpp"

namespace datasync::sync {

using namespace std::chrono_literals;

void FetchStage::Wake() {
  { std::lock_guard lock(mu_); }
  cv_.notify_all();
}

// One call ended: one slot is free, so one waiting worker is enough (waking all of them on every call made
// a thundering herd of futex calls when the adaptive limit held most workers back). A woken worker that
// waits for a time instead re-checks and sleeps again; the slot waiters also look every 5 ms.
void FetchStage::WakeOne() {
  { std::lock_guard lock(mu_); }
  cv_.notify_one();
}

// Waits for the quota to allow one call. A wait longer than the plan's max_wait (an hourly or daily
// budget spent) is not waited out by a thread: the run is deferred until then and `until` says when.
FetchStage::QuotaWait FetchStage::WaitForQuota(core::TimePoint& until, core::WaitBoard::Worker& me) {
  while (true) {
    {
      std::lock_guard lock(mu_);
      // An interrupt (SIGTERM, SIGINT) starts no new call, even before the dispatcher turns it into a stop.
      if (stopping_()) return QuotaWait::kStopping;
    }
    bool slot_full = false;
    auto wait = deps_.quota->TryAcquire(&slot_full);
    if (!wait) return QuotaWait::kAcquired;
    if (*wait - deps_.clock->Now() > std::chrono::seconds(deps_.max_wait_secs)) {
      until = *wait;
      return QuotaWait::kDefer;
    }
    // Asleep until the time the quota named has come (or a call of ours ended, when all our slots were
    // taken), without asking the quota again before: a virtual clock then sees this worker parked and
    // waiting for exactly that time, not busy re-asking.
    core::WaitBoard::Parked parked(me, slot_full ? std::nullopt : std::optional<core::TimePoint>(*wait));
    std::unique_lock lock(mu_);
    if (slot_full) quota_slot_waiters_++;
    while (!stopping_() && (slot_full ? deps_.quota->SlotFull() : deps_.clock->Now() < *wait)) {
      auto delta = std::chrono::duration_cast<std::chrono::milliseconds>(*wait - deps_.clock->Now());
      cv_.wait_for(lock, slot_full ? 5ms : std::clamp<std::chrono::milliseconds>(delta, 1ms, ClockPollCap()));
    }
    if (slot_full) quota_slot_waiters_--;
  }
}

// Waits for a slot of the adaptive limit: while every slot is taken, only the end of one of this run's
// calls (or a rise of the limit) frees one, so the worker is parked without a time (as for the quota's
// concurrency). The 5 ms look is a backstop: AfterCall wakes a waiter whenever a slot is spare.
std::optional<AdaptiveConcurrency::Ticket> FetchStage::TakeSlot(core::WaitBoard::Worker& me) {
  if (!deps_.limiter) return std::nullopt;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_()) return std::nullopt;
    }
    if (auto ticket = deps_.limiter->TryAcquire()) return ticket;
    core::WaitBoard::Parked parked(me, std::nullopt);
    std::unique_lock lock(mu_);
    while (!stopping_() && deps_.limiter->Full()) cv_.wait_for(lock, 5ms);
  }
}

void FetchStage::ReturnSlot() {
  deps_.limiter->Release();
  WakeOne();
}

// A call ended and gave its slots back. A worker takes its next task's slot before the task, so the worker
// that just called takes this slot again itself: a waiting worker is woken only when a slot is spare beyond
// that one (the limit rose), or when a worker waits for the quota's concurrency. Waking one on every call
// made each call cost a futex wake and a context switch of a worker that found the limit full again.
void FetchStage::AfterCall(bool had_slot) {
  if (!had_slot || deps_.limiter->Spare() || quota_slot_waiters_.load() > 0) WakeOne();
}

namespace {

// Answers that say the vendor is overloaded or wants fewer calls: the adaptive limit backs off at once.
bool IsBackPressure(core::ErrorKind kind) {
  return kind == core::ErrorKind::kRateLimited || kind == core::ErrorKind::kQuotaExhausted ||
         kind == core::ErrorKind::kTransient;
}

}  // namespace

FetchResult FetchStage::Fetch(const SyncTask& task, core::WaitBoard::Worker& me,
                              std::optional<AdaptiveConcurrency::Ticket> slot) {
  FetchResult r;
  if (deps_.limiter && !slot) return r;  // TakeSlot gave none: the run is stopping
  core::TimePoint until{};
  QuotaWait waited = WaitForQuota(until, me);
  if (waited != QuotaWait::kAcquired) {
    if (slot) {
      deps_.limiter->Release();
      WakeOne();
    }
    if (waited == QuotaWait::kDefer) {
      r.kind = FetchResult::Kind::kDeferred;
      r.defer_until = until;
    }
    return r;
  }
  datasource::FetchRequest req{deps_.source, deps_.dataset, task.params, {}};
  if (deps_.stored_versions) {
    if (auto it = deps_.stored_versions->find(task.key); it != deps_.stored_versions->end()) req.stored_version = it->second;
  }
  auto request_start = std::chrono::steady_clock::now();
  auto raw = deps_.provider->Fetch(req);
  auto rtt = std::chrono::steady_clock::now() - request_start;
  deps_.quota->Release();
  if (slot) deps_.limiter->Release();
  core::Result<datasource::Page> page =
      raw ? deps_.provider->Decode(req, *raw) : core::Result<datasource::Page>(core::Fail(raw.error()));
  if (slot) {
    deps_.limiter->Observe(*slot, std::chrono::duration<double>(rtt).count(),
                           !page && IsBackPressure(page.error().kind()));
  }
  AfterCall(slot.has_value());  // after Observe, which may have raised the limit
  if (deps_.observer) {
    deps_.observer->OnRequest(std::chrono::steady_clock::now() - request_start,
                              page ? std::nullopt : std::optional<core::ErrorKind>(page.error().kind()));
  }
  if (page && page->verdict.kind == datasource::PageVerdict::Kind::kNextPage) {
    // Keep this page; the rest comes from the provider's next request, as its own task.
    datasource::Params next = std::move(page->verdict.next);
    r.next_page = NewTask{task.id, TaskKey(next), std::move(next)};
  } else if (page && page->verdict.kind == datasource::PageVerdict::Kind::kTruncated) {
    page = core::Fail(core::ErrorKind::kTruncated, page->verdict.reason);
  }
  if (!page) {
    r.kind = FetchResult::Kind::kFailed;
    r.error = page.error();
    return r;
  }
  r.kind = page->verdict.kind == datasource::PageVerdict::Kind::kUnchanged ? FetchResult::Kind::kUnchanged
                                                                           : FetchResult::Kind::kFetched;
  r.bytes = static_cast<int64_t>(raw->body.size());
  r.page = std::move(*page);
  return r;
}

}  // namespace datasync::sync
