// SimClock: the simulator's notion of "now", which drives the rate-limit windows, the per-day reset at
// midnight Asia/Shanghai and which trading days have been published. kReal follows the system clock;
// kManual starts at a given instant and moves only through Advance/Set (the admin API); kFile reads the
// instant from a file (epoch microseconds as decimal text) that a test rewrites, so that the simulator and
// datasync (DATASYNC_CLOCK_FILE) share one virtual time. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace datasync::vendorsim {

enum class ClockMode { kReal, kManual, kFile };

// China has used UTC+8 without daylight saving since 1991, so Asia/Shanghai is a fixed offset.
inline constexpr int64_t kShanghaiOffsetMs = 8LL * 3600 * 1000;
inline constexpr int64_t kMsPerDay = 86400LL * 1000;

// Division rounding towards negative infinity (instants before 1970 land in the right day or hour).
inline int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

class SimClock {
 public:
  SimClock(ClockMode mode, int64_t start_epoch_ms, std::string file = "")
      : mode_(mode), manual_ms_(start_epoch_ms), file_(std::move(file)) {}

  int64_t NowMs() const;
  ClockMode mode() const { return mode_; }
  // Both fail (return false) on a real clock.
  bool Advance(int64_t delta_ms);
  bool Set(int64_t epoch_ms);

 private:
  const ClockMode mode_;
  mutable std::atomic<int64_t> manual_ms_;  // kManual: now; kFile: the last value read
  const std::string file_;
};

// ISO 8601 "YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)" (a space instead of T is accepted) to epoch ms.
std::optional<int64_t> ParseIso8601(std::string_view text);
// Epoch ms as Asia/Shanghai local time, "2024-06-03T09:00:00+08:00" (".mmm" added when not whole seconds).
std::string FormatShanghai(int64_t epoch_ms);
// The Asia/Shanghai calendar day (day number) of an instant.
int ShanghaiDay(int64_t epoch_ms);
// Milliseconds since midnight Asia/Shanghai.
int64_t ShanghaiMsOfDay(int64_t epoch_ms);

}  // namespace datasync::vendorsim
