// UsageLedger: per (token, api) rate-limit windows and call statistics.
//   minute: a strict sliding window: a call is accepted while fewer than N calls were accepted in the
//           last 60 s, where a call accepted at t stops counting at t + 60 s exactly. So a client that
//           keeps at most N calls in any rolling 60 s is never rejected.
//   hour:   a fixed window that resets at the top of each hour (simulator clock).
//   day:    a fixed window that resets at midnight Asia/Shanghai (simulator clock).
// Rejected calls are not counted against any window. Limits are checked day, then hour, then minute,
// so the call reports the window that needs the longest wait. Thread-safe (one mutex; the critical
// section is a few map lookups and a deque update).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "sim_config.hpp"

namespace datasync::vendorsim {

enum class Rejection { kNone, kMinute, kHour, kDay };
enum class InjectedFault { k5xx, kTruncate, kInternal };

struct Admission {
  Rejection rejection = Rejection::kNone;
  int64_t limit = 0;  // the limit that rejected the call
};

// Events that happen before a (token, api) pair is known to be valid.
enum class GlobalEvent { kAuthFailed, kUnknownApi, kBadRequest };

class UsageLedger {
 public:
  Admission Admit(std::string_view token, std::string_view api, const WindowLimits& limits, int64_t now_ms);
  void CountPermissionDenied(std::string_view token, std::string_view api);
  void CountInvalidArgument(std::string_view token, std::string_view api);
  void CountFault(std::string_view token, std::string_view api, InjectedFault fault);
  void CountSlow(std::string_view token, std::string_view api);
  void Count(GlobalEvent event);

  // Clears the statistics (windows keep their state).
  void ResetStats();
  // Clears the windows (statistics keep their state); used when the clock is moved backwards.
  void ResetWindows();

  // GET /_sim/stats.
  std::string StatsJson(int64_t now_ms) const;

 private:
  struct Entry {
    std::deque<int64_t> minute;  // accept times still inside the sliding minute, ascending
    int64_t hour_bucket = INT64_MIN;
    int64_t hour_count = 0;
    int64_t day_bucket = INT64_MIN;
    int64_t day_count = 0;

    uint64_t accepted = 0;
    uint64_t rejected_minute = 0;
    uint64_t rejected_hour = 0;
    uint64_t rejected_day = 0;
    uint64_t permission_denied = 0;
    uint64_t invalid_argument = 0;
    uint64_t fault_5xx = 0;
    uint64_t fault_truncate = 0;
    uint64_t fault_internal = 0;
    uint64_t slow = 0;
    uint64_t max_in_60s = 0;
  };

  Entry& At(std::string_view token, std::string_view api);  // requires mutex_

  mutable std::mutex mutex_;
  std::map<std::string, std::map<std::string, Entry, std::less<>>, std::less<>> entries_;
  uint64_t auth_failed_ = 0;
  uint64_t unknown_api_ = 0;
  uint64_t bad_request_ = 0;
};

}  // namespace datasync::vendorsim
