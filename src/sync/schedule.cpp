#include "sync/schedule.hpp"

#include <array>
#include <deque>

#include "core/dates.hpp"
#include "core/strings.hpp"

namespace datasync::sync {

namespace {

constexpr std::array<std::string_view, 3> kDayRules = {"every_day", "open_days", "nth_trading_day"};
constexpr std::array<std::string_view, 3> kMisfires = {"skip", "once", "catch_up"};
constexpr int64_t kDayUs = int64_t{86400} * 1'000'000;
// A window of missed fire times is scanned to the end only up to this many; beyond it the scan jumps to
// the last day before `until` (a per-second cron missed for a month), and the total is a lower bound.
constexpr int64_t kMaxScan = 100'000;
constexpr int kMaxDaysSearched = 366 * 10 + 2;

int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

bool Weekday(int32_t day) {
  uint32_t wd = core::Weekday(day);
  return wd != 0 && wd != 6;
}

}  // namespace

std::string_view DayRuleName(DayRule r) {
  return kDayRules.at(static_cast<size_t>(r));
}
std::optional<DayRule> ParseDayRule(std::string_view s) {
  for (size_t i = 0; i < kDayRules.size(); ++i) {
    if (kDayRules[i] == s) return static_cast<DayRule>(i);
  }
  return std::nullopt;
}

std::string_view MisfireName(Misfire m) {
  return kMisfires.at(static_cast<size_t>(m));
}
std::optional<Misfire> ParseMisfire(std::string_view s) {
  for (size_t i = 0; i < kMisfires.size(); ++i) {
    if (kMisfires[i] == s) return static_cast<Misfire>(i);
  }
  return std::nullopt;
}

std::optional<int> ParseClockTime(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || s.size() - colon != 3) return std::nullopt;
  auto h = core::ParseInt64(s.substr(0, colon));
  auto m = core::ParseInt64(s.substr(colon + 1));
  if (!h || !m || *h < 0 || *h > 23 || *m < 0 || *m > 59 || s[colon + 1] == '+' || s[colon + 1] == '-' || s[0] == '+' ||
      s[0] == '-') {
    return std::nullopt;
  }
  return static_cast<int>(*h * 60 + *m);
}

core::Result<Schedule> Schedule::Compile(const ScheduleSpec& spec) {
  auto cron = CronExpr::Parse(spec.cron);
  if (!cron) return core::Fail(cron.error());
  auto tz = core::TimeZone::Load(spec.timezone.empty() ? "UTC" : spec.timezone);
  if (!tz) return core::Fail(tz.error());
  int deadline = -1;
  if (!spec.deadline.empty()) {
    auto m = ParseClockTime(spec.deadline);
    if (!m) {
      return core::Fail(core::ErrorKind::kConfig, "deadline '" + spec.deadline + "' is not a time of day HH:MM");
    }
    deadline = *m;
  }
  if (spec.when != DayRule::kEveryDay && spec.calendar.empty()) {
    return core::Fail(core::ErrorKind::kConfig, "when: " + std::string(DayRuleName(spec.when)) +
                                                    " needs a calendar (the dataset holding the trading calendar, "
                                                    "e.g. calendar: trade_cal)");
  }
  if (spec.when == DayRule::kNthTradingDay && (spec.n == 0 || spec.n > 23 || spec.n < -23)) {
    return core::Fail(core::ErrorKind::kConfig, "n: " + std::to_string(spec.n) +
                                                    " is not a trading day of a month (1 to 23 from the start, -1 "
                                                    "to -23 from the end)");
  }
  return Schedule(spec, std::move(*cron), std::move(*tz), deadline);
}

core::Result<bool> Schedule::DayAllowed(int32_t day, TradingCalendar* calendar, bool* assumed,
                                        std::map<int32_t, std::map<int32_t, bool>>& months) const {
  *assumed = false;
  if (spec_.when == DayRule::kEveryDay) return true;
  if (!calendar) {
    return core::Fail(core::ErrorKind::kConfig,
                      "the schedule needs the trading calendar '" + spec_.calendar + "', and none is available here");
  }
  core::CivilDate c = core::CivilFromDays(day);
  int32_t first = core::DaysFromCivil({c.year, c.month, 1});
  int32_t last = first + static_cast<int32_t>(core::DaysInMonth(c.year, c.month)) - 1;
  auto it = months.find(first);
  if (it == months.end()) {
    auto days = calendar->Days(spec_.calendar, spec_.exchange, first, last);
    if (!days) return core::Fail(days.error());
    it = months.emplace(first, std::move(*days)).first;
  }
  const auto& known = it->second;
  auto open = [&](int32_t d, bool* guessed) {
    auto k = known.find(d);
    if (k != known.end()) return k->second;
    *guessed = true;
    return Weekday(d);
  };
  if (spec_.when == DayRule::kOpenDays) return open(day, assumed);
  std::vector<int32_t> open_days;
  for (int32_t d = first; d <= last; ++d) {
    if (open(d, assumed)) open_days.push_back(d);
  }
  int64_t count = static_cast<int64_t>(open_days.size());
  int64_t index = spec_.n > 0 ? spec_.n - 1 : count + spec_.n;
  return index >= 0 && index < count && open_days[static_cast<size_t>(index)] == day;
}

core::Result<std::optional<FireTime>> Schedule::Next(core::TimePoint after, TradingCalendar* calendar) const {
  std::map<int32_t, std::map<int32_t, bool>> months;
  core::TimePoint t = after;
  for (int i = 0; i < kMaxDaysSearched; ++i) {
    auto at = cron_.Next(t, tz_);
    if (!at) return std::optional<FireTime>();
    int32_t day = tz_.LocalDay(*at);
    bool assumed = false;
    auto allowed = DayAllowed(day, calendar, &assumed, months);
    if (!allowed) return core::Fail(allowed.error());
    if (*allowed) return std::optional<FireTime>(FireTime{*at, assumed});
    // The day is out: continue from its last microsecond, not fire time by fire time.
    t = std::max(*at, tz_.StartOfLocalDay(day + 1) - std::chrono::microseconds(1));
  }
  return std::optional<FireTime>();
}

core::Result<std::vector<FireTime>> Schedule::NextN(core::TimePoint after, size_t n, TradingCalendar* calendar) const {
  std::vector<FireTime> out;
  core::TimePoint t = after;
  while (out.size() < n) {
    auto next = Next(t, calendar);
    if (!next) return core::Fail(next.error());
    if (!*next) break;
    out.push_back(**next);
    t = (*next)->at;
  }
  return out;
}

core::Result<FireWindow> Schedule::Between(core::TimePoint after, core::TimePoint until, size_t keep,
                                           TradingCalendar* calendar) const {
  FireWindow w;
  std::deque<FireTime> last;
  core::TimePoint t = after;
  int64_t scanned = 0;
  while (true) {
    auto next = Next(t, calendar);
    if (!next) return core::Fail(next.error());
    if (!*next || (*next)->at > until) break;
    w.total++;
    last.push_back(**next);
    if (last.size() > keep) last.pop_front();
    t = (*next)->at;
    if (++scanned == kMaxScan && until - t > std::chrono::hours(24)) {
      t = until - std::chrono::hours(24);
      scanned = 0;
    }
  }
  w.fires.assign(last.begin(), last.end());
  return w;
}

std::optional<core::TimePoint> Schedule::DeadlineFor(core::TimePoint slot) const {
  if (deadline_minute_ < 0) return std::nullopt;
  int64_t local = tz_.UtcToLocal(core::ToEpochMicros(slot));
  int64_t day_start = FloorDiv(local, kDayUs) * kDayUs;
  int64_t candidate = day_start + int64_t{deadline_minute_} * 60 * 1'000'000;
  if (candidate <= local) candidate += kDayUs;
  return core::FromEpochMicros(tz_.LocalToUtc(candidate));
}

}  // namespace datasync::sync
