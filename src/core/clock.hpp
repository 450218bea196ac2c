// Clock: the one source of "now" for the engine, so tests can drive time (vendor day rolls, cool-downs,
// schedules) without waiting. SystemClock is thread-safe; ManualClock is thread-safe and only moves when
// told to.
#pragma once

#include <atomic>
#include <chrono>

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

// Microseconds since the epoch, the representation of kTimestamp.
inline int64_t ToEpochMicros(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
inline TimePoint FromEpochMicros(int64_t us) { return TimePoint(std::chrono::microseconds(us)); }

}  // namespace datasync::core
