// Schedule: when a plan runs by itself (ARCHITECTURE §10): a cron expression in an IANA time zone, narrowed
// by a trading calendar ("17:30 on every SSE trading day", "the first trading day of each month"), with a
// misfire policy for the slots a stopped daemon missed and an optional deadline for "plan late" alerts.
//
// The trading calendar is read through the TradingCalendar port (app/ reads the calendar dataset from a
// storage), so the schedule stays pure: given the same calendar answers, the same fire times. A day the
// calendar does not know (not synced yet, beyond its end) counts as open on Monday to Friday, and the fire
// time says it was assumed.
//
// Plain values; Schedule is immutable once compiled and may be shared between threads. A TradingCalendar
// is called from one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/time_zone.hpp"
#include "sync/cron.hpp"

namespace datasync::sync {

// Which days of the cron's days fire.
enum class DayRule : uint8_t {
  kEveryDay,       // every day the cron expression allows
  kOpenDays,       // only open days of the calendar
  kNthTradingDay,  // only the n-th open day of its month (n < 0 counts from the month's end)
};
std::string_view DayRuleName(DayRule r);  // "every_day", "open_days", "nth_trading_day"
std::optional<DayRule> ParseDayRule(std::string_view s);

// What happens to slots whose time passed while no daemon ran.
enum class Misfire : uint8_t {
  kSkip,     // forget them; the next slot on time runs
  kOnce,     // run once for all of them (the latest), then carry on
  kCatchUp,  // run every missed slot, oldest first
};
std::string_view MisfireName(Misfire m);  // "skip", "once", "catch_up"
std::optional<Misfire> ParseMisfire(std::string_view s);

struct ScheduleSpec {
  std::string cron;      // empty: the plan only runs when asked
  std::string timezone;  // IANA name; the config fills in the plan's source's zone when not given
  std::string calendar;  // dataset with a calendar mapping (datasource::CalendarMapping); needed by the day rules
  std::string exchange = "SSE";
  DayRule when = DayRule::kEveryDay;
  int64_t n = 1;  // kNthTradingDay: 1 = first open day of the month, -1 = last
  Misfire misfire = Misfire::kOnce;
  std::string deadline;  // "HH:MM" local: a slot with no successful run by the next such time is late

  bool enabled() const { return !cron.empty(); }
  friend bool operator==(const ScheduleSpec&, const ScheduleSpec&) = default;
};

// The trading calendar as the scheduler sees it. Implementations may cache; Days is called with ranges of
// at most about a month.
class TradingCalendar {
 public:
  virtual ~TradingCalendar() = default;
  // For each day in [first, last] (days since the epoch) that the calendar dataset holds for `exchange`:
  // whether the exchange is open. Days it does not hold are absent.
  virtual core::Result<std::map<int32_t, bool>> Days(const std::string& calendar, const std::string& exchange,
                                                     int32_t first, int32_t last) = 0;
};

struct FireTime {
  core::TimePoint at;
  bool assumed = false;  // the calendar did not know the day: Monday to Friday counted as open
};

struct FireWindow {
  std::vector<FireTime> fires;  // the latest `keep` fire times in the window, oldest first
  int64_t total = 0;            // how many there were in all
};

class Schedule {
 public:
  // Fails with kConfig when the cron, the time zone, the deadline or the day rule is invalid.
  static core::Result<Schedule> Compile(const ScheduleSpec& spec);

  const ScheduleSpec& spec() const { return spec_; }
  const core::TimeZone& time_zone() const { return tz_; }

  // The first fire time strictly after `after`; nullopt when there is none within ten years. `calendar`
  // may be null when the rule is kEveryDay.
  core::Result<std::optional<FireTime>> Next(core::TimePoint after, TradingCalendar* calendar) const;
  core::Result<std::vector<FireTime>> NextN(core::TimePoint after, size_t n, TradingCalendar* calendar) const;
  // Fire times in (after, until]; keeps the latest `keep`, counts them all.
  core::Result<FireWindow> Between(core::TimePoint after, core::TimePoint until, size_t keep,
                                   TradingCalendar* calendar) const;
  // When a slot fired at `slot` is late: the first `deadline` local time after it; nullopt without one.
  std::optional<core::TimePoint> DeadlineFor(core::TimePoint slot) const;

 private:
  Schedule(ScheduleSpec spec, CronExpr cron, core::TimeZone tz, int deadline_minute)
      : spec_(std::move(spec)), cron_(std::move(cron)), tz_(std::move(tz)), deadline_minute_(deadline_minute) {}
  // Whether the local day passes the day rule; `assumed` is set when the calendar did not know.
  core::Result<bool> DayAllowed(int32_t day, TradingCalendar* calendar, bool* assumed,
                                std::map<int32_t, std::map<int32_t, bool>>& months) const;

  ScheduleSpec spec_;
  CronExpr cron_;
  core::TimeZone tz_;
  int deadline_minute_ = -1;  // minutes after local midnight; -1 = no deadline
};

// "HH:MM" -> minutes after midnight.
std::optional<int> ParseClockTime(std::string_view s);

}  // namespace datasync::sync
