// Quota: the vendor's call budget for one (source, API, credential), as several windows at once (per
// minute, per hour, per day, calls in flight) (ARCHITECTURE §6). Callers ask before each call; a refusal
// says when the call would fit, so the engine can plan instead of tripping the vendor's limit.
//
// The minute and hour windows are sliding (the strictest reading of a vendor's "N per minute"), with a
// small safety margin for network jitter between our clock and the vendor's. The day window resets at
// the vendor's midnight in its time zone. Limits can only be lowered by what the vendor tells us
// (Learn). Thread-safe. QuotaBook hands out one shared Quota per key for the whole process.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/time_zone.hpp"
#include "datasource/data_source.hpp"

namespace datasync::sync {

struct QuotaWindowUse {
  std::string window;   // "minute", "hour", "day", "concurrency"
  int64_t limit = 0;    // 0 = unlimited
  int64_t used = 0;     // calls in the current window (in flight for concurrency)
};

class Quota {
 public:
  Quota(datasource::QuotaLimits limits, const core::Clock& clock, core::TimeZone tz,
        std::chrono::milliseconds margin = std::chrono::milliseconds(500));

  // Takes one call from every window if all allow it now and returns nullopt; otherwise takes nothing
  // and returns the earliest time at which a retry could succeed (for concurrency: a short poll).
  std::optional<core::TimePoint> TryAcquire();
  // Returns the concurrency slot taken by a successful TryAcquire.
  void Release();
  // The vendor said the limit is N per window: never plan above it again.
  void Learn(const core::LearnedLimit& learned);

  std::vector<QuotaWindowUse> Usage() const;
  datasource::QuotaLimits limits() const;
  int64_t calls_total() const;

 private:
  void Expire(core::TimePoint now);

  mutable std::mutex mu_;
  datasource::QuotaLimits limits_;
  const core::Clock& clock_;
  core::TimeZone tz_;
  std::chrono::milliseconds margin_;
  std::deque<core::TimePoint> minute_, hour_;
  int32_t day_ = 0;
  int64_t day_count_ = 0;
  int64_t in_flight_ = 0;
  int64_t calls_total_ = 0;
};

class QuotaBook {
 public:
  explicit QuotaBook(const core::Clock& clock) : clock_(clock) {}
  // One Quota per (source, api): the source's limits overridden by its api_limits entry.
  Quota& For(const datasource::DataSource& source, const std::string& api);

 private:
  const core::Clock& clock_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Quota>> quotas_;
};

}  // namespace datasync::sync
