// CronExpr: a cron expression (ARCHITECTURE §10) read the way Vixie cron and cronie read it, evaluated in
// an IANA time zone on local wall-clock time.
//
//   [second] minute hour day-of-month month day-of-week      (5 fields, or 6 with seconds first)
//
// Each field is `*`, a value, a range `a-b`, a step `*/n`, `a-b/n` or `a/n` (a to the field's maximum), or
// a comma list of those. Months take JAN..DEC, weekdays SUN..SAT (0 or 7 is Sunday), case-insensitive;
// day-of-month takes `L` (the month's last day); `?` means `*` in the two day fields (Quartz habit).
// Macros: @yearly (@annually), @monthly, @weekly, @daily (@midnight), @hourly.
//
// Day matching follows cron(5): when both day fields are restricted (neither starts with `*`), a day
// matches if EITHER matches ("1,15 * MON" = the 1st, the 15th and every Monday); otherwise both must.
//
// Daylight-saving time: a local time that does not exist (the spring-forward gap) fires at the same
// distance after the change (02:30 in a 02:00->03:00 gap fires at 03:30), once; a local time that occurs
// twice (fall back) fires at its first occurrence only. Times are never fired twice.
//
// Plain value; thread-safe to share once parsed.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/time_zone.hpp"

namespace datasync::sync {

class CronExpr {
 public:
  // Fails with kConfig naming the field, the offending text and what is allowed; also when the
  // expression can never fire ("0 0 30 2 *").
  static core::Result<CronExpr> Parse(std::string_view text);

  // The first matching instant strictly after `after`; nullopt if none within ten years.
  std::optional<core::TimePoint> Next(core::TimePoint after, const core::TimeZone& tz) const;
  // Whether the local calendar day (days since the epoch) matches the month and day fields.
  bool MatchesDay(int32_t days) const;

  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::bitset<60> seconds_, minutes_;
  std::bitset<24> hours_;
  std::bitset<32> dom_;     // 1..31
  std::bitset<13> months_;  // 1..12
  std::bitset<7> dow_;      // 0 = Sunday
  bool last_dom_ = false;
  bool dom_star_ = false, dow_star_ = false;
};

}  // namespace datasync::sync
