#include "usage_ledger.hpp"

#include "json_writer.hpp"

namespace datasync::vendorsim {
namespace {

constexpr int64_t kMinuteMs = 60 * 1000;
constexpr int64_t kHourMs = 3600 * 1000;

}  // namespace

UsageLedger::Entry& UsageLedger::At(std::string_view token, std::string_view api) {
  auto t = entries_.find(token);
  if (t == entries_.end()) t = entries_.emplace(std::string(token), std::map<std::string, Entry, std::less<>>()).first;
  auto a = t->second.find(api);
  if (a == t->second.end()) a = t->second.emplace(std::string(api), Entry()).first;
  return a->second;
}

Admission UsageLedger::Admit(std::string_view token, std::string_view api, const WindowLimits& limits, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  Entry& e = At(token, api);
  while (!e.minute.empty() && e.minute.front() <= now_ms - kMinuteMs) e.minute.pop_front();
  const int64_t hour_bucket = FloorDiv(now_ms, kHourMs);
  if (hour_bucket != e.hour_bucket) {
    e.hour_bucket = hour_bucket;
    e.hour_count = 0;
  }
  const int64_t day_bucket = ShanghaiDay(now_ms);
  if (day_bucket != e.day_bucket) {
    e.day_bucket = day_bucket;
    e.day_count = 0;
  }
  if (limits.per_day > 0 && e.day_count >= limits.per_day) {
    ++e.rejected_day;
    return {Rejection::kDay, limits.per_day};
  }
  if (limits.per_hour > 0 && e.hour_count >= limits.per_hour) {
    ++e.rejected_hour;
    return {Rejection::kHour, limits.per_hour};
  }
  if (limits.per_minute > 0 && static_cast<int64_t>(e.minute.size()) >= limits.per_minute) {
    ++e.rejected_minute;
    return {Rejection::kMinute, limits.per_minute};
  }
  e.minute.push_back(now_ms);
  ++e.hour_count;
  ++e.day_count;
  ++e.accepted;
  if (e.minute.size() > e.max_in_60s) e.max_in_60s = e.minute.size();
  return {};
}

void UsageLedger::CountPermissionDenied(std::string_view token, std::string_view api) {
  std::lock_guard lock(mutex_);
  ++At(token, api).permission_denied;
}

void UsageLedger::CountInvalidArgument(std::string_view token, std::string_view api) {
  std::lock_guard lock(mutex_);
  ++At(token, api).invalid_argument;
}

void UsageLedger::CountFault(std::string_view token, std::string_view api, InjectedFault fault) {
  std::lock_guard lock(mutex_);
  Entry& e = At(token, api);
  switch (fault) {
    case InjectedFault::k5xx: ++e.fault_5xx; break;
    case InjectedFault::kTruncate: ++e.fault_truncate; break;
    case InjectedFault::kInternal: ++e.fault_internal; break;
  }
}

void UsageLedger::CountSlow(std::string_view token, std::string_view api) {
  std::lock_guard lock(mutex_);
  ++At(token, api).slow;
}

void UsageLedger::Count(GlobalEvent event) {
  std::lock_guard lock(mutex_);
  switch (event) {
    case GlobalEvent::kAuthFailed: ++auth_failed_; break;
    case GlobalEvent::kUnknownApi: ++unknown_api_; break;
    case GlobalEvent::kBadRequest: ++bad_request_; break;
  }
}

void UsageLedger::ResetStats() {
  std::lock_guard lock(mutex_);
  for (auto& [token, apis] : entries_) {
    for (auto& [api, e] : apis) {
      e.accepted = e.rejected_minute = e.rejected_hour = e.rejected_day = 0;
      e.permission_denied = e.invalid_argument = e.slow = 0;
      e.fault_5xx = e.fault_truncate = e.fault_internal = 0;
      e.max_in_60s = 0;
    }
  }
  auth_failed_ = unknown_api_ = bad_request_ = 0;
}

void UsageLedger::ResetWindows() {
  std::lock_guard lock(mutex_);
  for (auto& [token, apis] : entries_) {
    for (auto& [api, e] : apis) {
      e.minute.clear();
      e.hour_bucket = e.day_bucket = INT64_MIN;
      e.hour_count = e.day_count = 0;
    }
  }
}

std::string UsageLedger::StatsJson(int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  std::string out;
  JsonWriter w(out, JsonStyle::kCompact);
  const auto field = [&](std::string_view name, uint64_t value, bool first = false) {
    if (!first) w.Comma();
    w.Key(name);
    w.Int(static_cast<int64_t>(value));
  };
  // accepted, rejected_rate{minute,hour}, rejected_quota, permission_denied, invalid_argument,
  // errors_injected{5xx,truncate,internal,total}, slow — the same shape per pair and in the totals.
  const auto counters = [&](const Entry& e) {
    field("accepted", e.accepted, true);
    w.Comma();
    w.Key("rejected_rate");
    w.Char('{');
    field("minute", e.rejected_minute, true);
    field("hour", e.rejected_hour);
    field("total", e.rejected_minute + e.rejected_hour);
    w.Char('}');
    field("rejected_quota", e.rejected_day);
    field("permission_denied", e.permission_denied);
    field("invalid_argument", e.invalid_argument);
    w.Comma();
    w.Key("errors_injected");
    w.Char('{');
    field("5xx", e.fault_5xx, true);
    field("truncate", e.fault_truncate);
    field("internal", e.fault_internal);
    field("total", e.fault_5xx + e.fault_truncate + e.fault_internal);
    w.Char('}');
    field("slow", e.slow);
  };

  Entry totals;
  w.Char('{');
  w.Key("by_token");
  w.Char('{');
  bool first_token = true;
  for (const auto& [token, apis] : entries_) {
    if (!first_token) w.Comma();
    first_token = false;
    w.Key(token);
    w.Char('{');
    bool first_api = true;
    for (const auto& [api, e] : apis) {
      if (!first_api) w.Comma();
      first_api = false;
      w.Key(api);
      w.Char('{');
      counters(e);
      field("max_accepted_in_any_60s", e.max_in_60s);
      // Current window usage as the limiter sees it now.
      int64_t in_minute = 0;
      for (int64_t t : e.minute) in_minute += t > now_ms - kMinuteMs ? 1 : 0;
      w.Comma();
      w.Key("window");
      w.Char('{');
      field("minute", static_cast<uint64_t>(in_minute), true);
      field("hour", e.hour_bucket == FloorDiv(now_ms, kHourMs) ? static_cast<uint64_t>(e.hour_count) : 0);
      field("day", e.day_bucket == ShanghaiDay(now_ms) ? static_cast<uint64_t>(e.day_count) : 0);
      w.Char('}');
      w.Char('}');
      totals.accepted += e.accepted;
      totals.rejected_minute += e.rejected_minute;
      totals.rejected_hour += e.rejected_hour;
      totals.rejected_day += e.rejected_day;
      totals.permission_denied += e.permission_denied;
      totals.invalid_argument += e.invalid_argument;
      totals.fault_5xx += e.fault_5xx;
      totals.fault_truncate += e.fault_truncate;
      totals.fault_internal += e.fault_internal;
      totals.slow += e.slow;
    }
    w.Char('}');
  }
  w.Char('}');
  w.Comma();
  w.Key("totals");
  w.Char('{');
  counters(totals);
  field("auth_failed", auth_failed_);
  field("unknown_api", unknown_api_);
  field("bad_request", bad_request_);
  w.Char('}');
  w.Char('}');
  return out;
}

}  // namespace datasync::vendorsim
