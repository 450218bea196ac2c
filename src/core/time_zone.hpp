// IANA time zones (Asia/Shanghai for Tushare) over the OS tz database, via date-tz.
// Thread-safe: the tz database is loaded once and then read-only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace datasync::core {

class TimeZone {
 public:
  // Fails with kConfig naming the zone when the OS database does not know it.
  static Result<TimeZone> Load(std::string_view name);
  static TimeZone Utc();

  const std::string& name() const { return name_; }

  // Local wall time (microseconds since the epoch, read as local) -> UTC microseconds. A wall time that
  // does not exist or is ambiguous (DST) resolves to the earlier instant.
  int64_t LocalToUtc(int64_t local_micros) const;
  int64_t UtcToLocal(int64_t utc_micros) const;
  // The local calendar day (days since the epoch) of an instant.
  int32_t LocalDay(TimePoint t) const;
  // The instant at which the local day `days` begins (midnight local).
  TimePoint StartOfLocalDay(int32_t days) const;

 private:
  explicit TimeZone(std::string name, const void* zone) : name_(std::move(name)), zone_(zone) {}
  std::string name_;
  const void* zone_;  // const date::time_zone*, nullptr for UTC
};

}  // namespace datasync::core
