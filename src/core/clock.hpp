// Clock: the one source of "now" for the engine, so tests can drive time (vendor day rolls, cool-downs,
// schedules) without waiting. SystemClock is thread-safe; ManualClock is thread-safe and only moves when
// told to.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace datasync::core {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  static const SystemClock& Instance();
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : micros_(ToMicros(start)) {}
  TimePoint Now() const override { return TimePoint(std::chrono::microseconds(micros_.load())); }
  void Set(TimePoint t) { micros_.store(ToMicros(t)); }
  void Advance(std::chrono::microseconds d) { micros_.fetch_add(d.count()); }

 private:
  static int64_t ToMicros(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  }
  std::atomic<int64_t> micros_;
};

// Reads "now" from a file holding epoch microseconds as decimal text, re-read on every call. Tests use it
// to move datasync and the vendor simulator (--clock file:PATH) through one virtual time by rewriting the
// file; a half-written file keeps the last good value. Thread-safe.
class FileClock final : public Clock {
 public:
  explicit FileClock(std::string path);
  TimePoint Now() const override;

 private:
  std::string path_;
  mutable std::atomic<int64_t> last_us_{0};
};

// The clock of this process: SystemClock, or a FileClock when the environment variable
// DATASYNC_CLOCK_FILE names a file (a test hook; never set it in production).
const Clock& ProcessClock();

// Microseconds since the epoch, the representation of kTimestamp.
inline int64_t ToEpochMicros(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
inline TimePoint FromEpochMicros(int64_t us) { return TimePoint(std::chrono::microseconds(us)); }

}  // namespace datasync::core
