// NdlLedger: per-caller limits and usage of the Nasdaq Data Link simulator. A caller is an API key, or
// "(anonymous)" for calls without one.
//   10 s and 10 min: strict sliding windows: a call is accepted while fewer than N calls were accepted in
//                    the window before it; a call accepted at t stops counting at exactly t + window.
//   day:             a fixed window that resets at 00:00 UTC of the simulator's clock.
// Rejected calls count in no window. Limits are checked day, then 10 min, then 10 s, so the answer names
// the window with the longest wait. The clock moving backwards clears every window.
// Concurrency: Enter() admits `in_flight` running calls per caller and lets `queued` more wait (blocking
// the calling thread) for a running one to Leave(); a call beyond both is refused at once.
// Usage: accepted calls, rejections and error answers by code, and the most calls accepted in any 10 s,
// 60 s and 600 s window. Thread-safe (one mutex, one condition variable).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "ndl/ndl_config.hpp"

namespace datasync::vendorsim::ndl {

enum class LimitHit { kNone, k10s, k10min, kDay };

struct Admission {
  LimitHit hit = LimitHit::kNone;
  int64_t limit = 0;
  int64_t retry_after_secs = 0;
};

class NdlLedger {
 public:
  Admission Admit(const std::string& caller, const KeyLimits& limits, int64_t now_ms);

  bool Enter(const std::string& caller, int64_t in_flight, int64_t queued);
  void Leave(const std::string& caller);

  // A call refused before admission (unknown key, limits, concurrency, a too-long URL).
  void CountRejected(const std::string& caller, std::string_view code);
  // An accepted call answered with an error; `injected` when a fault (not the request) caused it.
  void CountError(const std::string& caller, std::string_view code, bool injected);

  void ResetStats();
  void ResetWindows();

  // GET /_sim/ndl/usage.
  std::string UsageJson(int64_t now_ms) const;

 private:
  struct Entry {
    std::deque<int64_t> recent;  // accept times within the last 600 s, ascending
    int64_t day_bucket = INT64_MIN;
    int64_t day_count = 0;
    int64_t running = 0;
    int64_t waiting = 0;

    uint64_t accepted = 0;
    std::map<std::string, uint64_t> rejected;
    std::map<std::string, uint64_t> errors;
    std::map<std::string, uint64_t> injected;
    uint64_t max_10s = 0;
    uint64_t max_60s = 0;
    uint64_t max_600s = 0;
  };
  Entry& At(const std::string& caller);  // requires mutex_
  void ClearWindowsLocked();

  mutable std::mutex mutex_;
  std::condition_variable slot_freed_;
  std::map<std::string, Entry> entries_;
  int64_t last_now_ms_ = INT64_MIN;
};

}  // namespace datasync::vendorsim::ndl
