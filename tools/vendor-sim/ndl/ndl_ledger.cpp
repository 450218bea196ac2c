#include "ndl/ndl_ledger.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "sim_clock.hpp"

namespace datasync::vendorsim::ndl {
namespace {

constexpr int64_t k10sMs = 10 * 1000;
constexpr int64_t k60sMs = 60 * 1000;
constexpr int64_t k10minMs = 600 * 1000;

// Calls in `times` (ascending) later than `since`.
uint64_t CountAfter(const std::deque<int64_t>& times, int64_t since) {
  return static_cast<uint64_t>(times.end() - std::upper_bound(times.begin(), times.end(), since));
}

// Whole seconds until the window of `window_ms` has room for one more call, given `limit` calls allowed.
int64_t SlidingRetry(const std::deque<int64_t>& times, int64_t now_ms, int64_t window_ms, int64_t limit) {
  const auto first = std::upper_bound(times.begin(), times.end(), now_ms - window_ms);
  const int64_t in_window = times.end() - first;
  const int64_t leaves_at = *(first + (in_window - limit)) + window_ms;
  return std::max<int64_t>(1, (leaves_at - now_ms + 999) / 1000);
}

}  // namespace

NdlLedger::Entry& NdlLedger::At(const std::string& caller) {
  return entries_[caller];
}

void NdlLedger::ClearWindowsLocked() {
  for (auto& [caller, e] : entries_) {
    e.recent.clear();
    e.day_bucket = INT64_MIN;
    e.day_count = 0;
  }
}

Admission NdlLedger::Admit(const std::string& caller, const KeyLimits& limits, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (now_ms < last_now_ms_) ClearWindowsLocked();
  last_now_ms_ = now_ms;
  Entry& e = At(caller);
  while (!e.recent.empty() && e.recent.front() <= now_ms - k10minMs) e.recent.pop_front();
  const int64_t day = FloorDiv(now_ms, kMsPerDay);
  if (day != e.day_bucket) {
    e.day_bucket = day;
    e.day_count = 0;
  }
  if (limits.per_day > 0 && e.day_count >= limits.per_day) {
    return {LimitHit::kDay, limits.per_day, std::max<int64_t>(1, ((day + 1) * kMsPerDay - now_ms + 999) / 1000)};
  }
  const auto in = [&](int64_t window) { return static_cast<int64_t>(CountAfter(e.recent, now_ms - window)); };
  if (limits.per_10min > 0 && in(k10minMs) >= limits.per_10min) {
    return {LimitHit::k10min, limits.per_10min, SlidingRetry(e.recent, now_ms, k10minMs, limits.per_10min)};
  }
  if (limits.per_10s > 0 && in(k10sMs) >= limits.per_10s) {
    return {LimitHit::k10s, limits.per_10s, SlidingRetry(e.recent, now_ms, k10sMs, limits.per_10s)};
  }
  e.recent.push_back(now_ms);
  ++e.day_count;
  ++e.accepted;
  e.max_10s = std::max(e.max_10s, CountAfter(e.recent, now_ms - k10sMs));
  e.max_60s = std::max(e.max_60s, CountAfter(e.recent, now_ms - k60sMs));
  e.max_600s = std::max(e.max_600s, CountAfter(e.recent, now_ms - k10minMs));
  return {};
}

bool NdlLedger::Enter(const std::string& caller, int64_t in_flight, int64_t queued) {
  std::unique_lock lock(mutex_);
  Entry& e = At(caller);
  if (e.running < in_flight && e.waiting == 0) {
    ++e.running;
    return true;
  }
  if (e.waiting >= queued) return false;
  ++e.waiting;
  slot_freed_.wait(lock, [&] { return e.running < in_flight; });
  --e.waiting;
  ++e.running;
  return true;
}

void NdlLedger::Leave(const std::string& caller) {
  {
    std::lock_guard lock(mutex_);
    --At(caller).running;
  }
  slot_freed_.notify_all();
}

void NdlLedger::CountRejected(const std::string& caller, std::string_view code) {
  std::lock_guard lock(mutex_);
  ++At(caller).rejected[std::string(code)];
}

void NdlLedger::CountError(const std::string& caller, std::string_view code, bool injected) {
  std::lock_guard lock(mutex_);
  Entry& e = At(caller);
  ++e.errors[std::string(code)];
  if (injected) ++e.injected[std::string(code)];
}

void NdlLedger::ResetStats() {
  std::lock_guard lock(mutex_);
  for (auto& [caller, e] : entries_) {
    e.accepted = 0;
    e.rejected.clear();
    e.errors.clear();
    e.injected.clear();
    e.max_10s = e.max_60s = e.max_600s = 0;
  }
}

void NdlLedger::ResetWindows() {
  std::lock_guard lock(mutex_);
  ClearWindowsLocked();
}

std::string NdlLedger::UsageJson(int64_t now_ms) const {
  using Json = nlohmann::ordered_json;
  std::lock_guard lock(mutex_);
  const auto counts = [](const std::map<std::string, uint64_t>& by_code) {
    Json out = Json::object();
    for (const auto& [code, n] : by_code) out[code] = n;
    return out;
  };
  const auto total = [](const std::map<std::string, uint64_t>& by_code) {
    uint64_t n = 0;
    for (const auto& [code, k] : by_code) n += k;
    return n;
  };
  Json by_caller = Json::object();
  uint64_t accepted = 0;
  std::map<std::string, uint64_t> rejected, errors, injected;
  uint64_t max_10s = 0, max_60s = 0, max_600s = 0;
  for (const auto& [caller, e] : entries_) {
    Json c;
    c["accepted"] = e.accepted;
    c["rejected"] = counts(e.rejected);
    c["rejected_total"] = total(e.rejected);
    c["errors"] = counts(e.errors);
    c["errors_total"] = total(e.errors);
    c["injected"] = counts(e.injected);
    c["max_accepted_in_any_10s"] = e.max_10s;
    c["max_accepted_in_any_60s"] = e.max_60s;
    c["max_accepted_in_any_600s"] = e.max_600s;
    c["window"] = Json{{"10s", CountAfter(e.recent, now_ms - k10sMs)},
                       {"10min", CountAfter(e.recent, now_ms - k10minMs)},
                       {"day", e.day_bucket == FloorDiv(now_ms, kMsPerDay) ? e.day_count : 0}};
    c["in_flight"] = e.running;
    c["queued"] = e.waiting;
    by_caller[caller] = std::move(c);
    accepted += e.accepted;
    for (const auto& [code, n] : e.rejected) rejected[code] += n;
    for (const auto& [code, n] : e.errors) errors[code] += n;
    for (const auto& [code, n] : e.injected) injected[code] += n;
    max_10s = std::max(max_10s, e.max_10s);
    max_60s = std::max(max_60s, e.max_60s);
    max_600s = std::max(max_600s, e.max_600s);
  }
  Json totals;
  totals["accepted"] = accepted;
  totals["rejected"] = counts(rejected);
  totals["rejected_total"] = total(rejected);
  totals["errors"] = counts(errors);
  totals["errors_total"] = total(errors);
  totals["injected"] = counts(injected);
  totals["max_accepted_in_any_10s"] = max_10s;
  totals["max_accepted_in_any_60s"] = max_60s;
  totals["max_accepted_in_any_600s"] = max_600s;
  return Json{{"by_caller", std::move(by_caller)}, {"totals", std::move(totals)}}.dump();
}

}  // namespace datasync::vendorsim::ndl
