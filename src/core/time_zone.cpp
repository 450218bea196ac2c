#include "core/time_zone.hpp"

#include <date/tz.h>

namespace datasync::core {

namespace {
const date::time_zone* Zone(const void* z) { return static_cast<const date::time_zone*>(z); }
}  // namespace

Result<TimeZone> TimeZone::Load(std::string_view name) {
  if (name == "UTC" || name == "Etc/UTC") return Utc();
  try {
    const date::time_zone* z = date::locate_zone(name);
    return TimeZone(std::string(name), z);
  } catch (const std::exception& e) {
    return Fail(ErrorKind::kConfig, "unknown time zone '" + std::string(name) +
                                        "' (use an IANA name such as Asia/Shanghai or UTC; is tzdata installed?)");
  }
}

TimeZone TimeZone::Utc() { return TimeZone("UTC", nullptr); }

int64_t TimeZone::LocalToUtc(int64_t local_micros) const {
  if (!zone_) return local_micros;
  date::local_time<std::chrono::microseconds> lt{std::chrono::microseconds(local_micros)};
  auto info = Zone(zone_)->get_info(date::floor<std::chrono::seconds>(lt));
  auto offset = info.first.offset;
  if (info.result == date::local_info::ambiguous) offset = std::max(info.first.offset, info.second.offset);
  return local_micros - std::chrono::duration_cast<std::chrono::microseconds>(offset).count();
}

int64_t TimeZone::UtcToLocal(int64_t utc_micros) const {
  if (!zone_) return utc_micros;
  date::sys_time<std::chrono::microseconds> st{std::chrono::microseconds(utc_micros)};
  auto info = Zone(zone_)->get_info(date::floor<std::chrono::seconds>(st));
  return utc_micros + std::chrono::duration_cast<std::chrono::microseconds>(info.offset).count();
}

int32_t TimeZone::LocalDay(TimePoint t) const {
  int64_t local = UtcToLocal(ToEpochMicros(t));
  int64_t day_us = int64_t{86400} * 1000000;
  return static_cast<int32_t>(local >= 0 ? local / day_us : (local - day_us + 1) / day_us);
}

TimePoint TimeZone::StartOfLocalDay(int32_t days) const {
  return FromEpochMicros(LocalToUtc(int64_t{days} * 86400 * 1000000));
}

}  // namespace datasync::core
