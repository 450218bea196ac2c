#include "sync/fetch_stage.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/strings.hpp"
#include "sync/clock_wait.hpp"

namespace datasync::sync {

using namespace std::chrono_literals;

namespace {

// The params of the page after `params` (which returned `rows` rows) for APIs that page by offset.
NewTask NextPage(const SyncTask& task, int64_t rows) {
  datasource::Params params = task.params;
  int64_t offset = 0;
  auto it = std::find_if(params.begin(), params.end(), [](const auto& p) { return p.first == "offset"; });
  if (it != params.end()) {
    offset = core::ParseInt64(it->second).value_or(0);
    it->second = std::to_string(offset + rows);
  } else {
    params.emplace_back("offset", std::to_string(rows));
  }
  return {task.id, TaskKey(params), std::move(params)};
}

}  // namespace

void FetchStage::Wake() {
  { std::lock_guard lock(mu_); }
  cv_.notify_all();
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
    while (!stopping_() && (slot_full ? deps_.quota->SlotFull() : deps_.clock->Now() < *wait)) {
      auto delta = std::chrono::duration_cast<std::chrono::milliseconds>(*wait - deps_.clock->Now());
      cv_.wait_for(lock, slot_full ? 5ms : std::clamp<std::chrono::milliseconds>(delta, 1ms, ClockPollCap()));
    }
  }
}

FetchResult FetchStage::Fetch(const SyncTask& task, core::WaitBoard::Worker& me) {
  FetchResult r;
  core::TimePoint until{};
  QuotaWait waited = WaitForQuota(until, me);
  if (waited == QuotaWait::kStopping) return r;
  if (waited == QuotaWait::kDefer) {
    r.kind = FetchResult::Kind::kDeferred;
    r.defer_until = until;
    return r;
  }
  datasource::FetchRequest req{deps_.source, deps_.dataset, task.params, 0, 0};
  auto request_start = std::chrono::steady_clock::now();
  auto raw = deps_.provider->Fetch(req);
  deps_.quota->Release();
  Wake();  // a worker waiting for a concurrency slot looks again
  core::Result<datasource::Page> page =
      raw ? deps_.provider->Decode(req, *raw) : core::Result<datasource::Page>(core::Fail(raw.error()));
  if (deps_.observer) {
    deps_.observer->OnRequest(std::chrono::steady_clock::now() - request_start,
                              page ? std::nullopt : std::optional<core::ErrorKind>(page.error().kind()));
  }
  if (page && (page->has_more || page->hit_row_cap)) {
    if (deps_.dataset->paging == "offset" && page->batch.num_rows() > 0) {
      // Keep this page; the rest comes from the next offset, as its own task.
      r.next_page = NextPage(task, static_cast<int64_t>(page->batch.num_rows()));
    } else {
      page = core::Fail(core::ErrorKind::kTruncated,
                        fmt::format("response of {} rows hit the row cap ({}) or has_more: splitting",
                                    page->batch.num_rows(), deps_.dataset->row_cap));
    }
  }
  if (!page) {
    r.kind = FetchResult::Kind::kFailed;
    r.error = page.error();
    return r;
  }
  r.kind = FetchResult::Kind::kFetched;
  r.bytes = static_cast<int64_t>(raw->body.size());
  r.page = std::move(*page);
  return r;
}

}  // namespace datasync::sync
