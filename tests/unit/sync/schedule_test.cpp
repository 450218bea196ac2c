// Schedules with trading-day rules over a calendar with holidays, unknown days, deadlines and windows.
#include "sync/schedule.hpp"

#include <gtest/gtest.h>

#include <set>

#include "core/dates.hpp"
#include "utc_text.hpp"

namespace datasync::sync {
namespace {

using testing::At;
using testing::Text;
int32_t Day(const char* d) {
  return *core::ParseDate(d);
}

// Knows [known_first, known_last]: open Monday to Friday except the holidays.
class FakeCalendar : public TradingCalendar {
 public:
  int32_t known_first = Day("2026-01-01"), known_last = Day("2026-12-31");
  std::set<int32_t> holidays;
  int calls = 0;
  core::Result<std::map<int32_t, bool>> Days(const std::string& calendar, const std::string& exchange, int32_t first,
                                             int32_t last) override {
    calls++;
    EXPECT_EQ(calendar, "trade_cal");
    EXPECT_EQ(exchange, "SSE");
    std::map<int32_t, bool> out;
    for (int32_t d = std::max(first, known_first); d <= std::min(last, known_last); ++d) {
      uint32_t wd = core::Weekday(d);
      out[d] = wd != 0 && wd != 6 && !holidays.count(d);
    }
    return out;
  }
};

ScheduleSpec Spec(const std::string& cron, DayRule when = DayRule::kEveryDay, int64_t n = 1) {
  ScheduleSpec s;
  s.cron = cron;
  s.timezone = "Asia/Shanghai";
  s.calendar = when == DayRule::kEveryDay ? "" : "trade_cal";
  s.when = when;
  s.n = n;
  return s;
}

std::vector<std::string> Fires(const Schedule& s, const std::string& after, size_t n, TradingCalendar* cal) {
  auto fires = s.NextN(At(after), n, cal);
  EXPECT_TRUE(fires) << fires.error().message();
  std::vector<std::string> out;
  for (const auto& f : *fires) out.push_back(Text(f.at) + (f.assumed ? " assumed" : ""));
  return out;
}

TEST(ScheduleTest, OpenDaysSkipWeekendsAndHolidays) {
  FakeCalendar cal;
  cal.holidays = {Day("2026-10-01"), Day("2026-10-02"), Day("2026-10-05"), Day("2026-10-06"), Day("2026-10-07")};
  auto s = Schedule::Compile(Spec("30 17 * * *", DayRule::kOpenDays));
  ASSERT_TRUE(s);
  // From Tuesday 29 September: Tue 29 (later that day), Wed 30, then the National Day week is closed and
  // the weekend too, so Thursday 8 October.
  EXPECT_EQ(Fires(*s, "2026-09-29 01:00:00", 4, &cal),
            (std::vector<std::string>{"2026-09-29 09:30:00", "2026-09-30 09:30:00", "2026-10-08 09:30:00",
                                      "2026-10-09 09:30:00"}));
}

TEST(ScheduleTest, UnknownDaysAssumeWeekdaysAndSaySo) {
  FakeCalendar cal;
  cal.known_last = Day("2026-12-31");
  auto s = Schedule::Compile(Spec("30 17 * * *", DayRule::kOpenDays));
  ASSERT_TRUE(s);
  // Thursday 31 December is known; Friday 1 January 2027 is not: a weekday, so assumed open; Monday 4 too.
  EXPECT_EQ(
      Fires(*s, "2026-12-31 00:00:00", 3, &cal),
      (std::vector<std::string>{"2026-12-31 09:30:00", "2027-01-01 09:30:00 assumed", "2027-01-04 09:30:00 assumed"}));
}

TEST(ScheduleTest, NthTradingDayOfTheMonth) {
  FakeCalendar cal;
  // January 2026: Thursday 1 is a holiday, Friday 2 too: the first trading day is Monday 5.
  cal.holidays = {Day("2026-01-01"), Day("2026-01-02"), Day("2026-02-27")};
  auto first = Schedule::Compile(Spec("0 9 * * *", DayRule::kNthTradingDay, 1));
  ASSERT_TRUE(first);
  EXPECT_EQ(Fires(*first, "2025-12-31 12:00:00", 3, &cal),
            (std::vector<std::string>{"2026-01-05 01:00:00", "2026-02-02 01:00:00", "2026-03-02 01:00:00"}));
  // The last trading day: February's last Friday (27) is a holiday, so Thursday 26.
  auto last = Schedule::Compile(Spec("0 18 * * *", DayRule::kNthTradingDay, -1));
  ASSERT_TRUE(last);
  EXPECT_EQ(Fires(*last, "2026-02-01 00:00:00", 2, &cal),
            (std::vector<std::string>{"2026-02-26 10:00:00", "2026-03-31 10:00:00"}));
  // The third trading day of March 2026: Mon 2, Tue 3, Wed 4.
  auto third = Schedule::Compile(Spec("0 18 * * *", DayRule::kNthTradingDay, 3));
  ASSERT_TRUE(third);
  EXPECT_EQ(Fires(*third, "2026-03-01 00:00:00", 1, &cal), (std::vector<std::string>{"2026-03-04 10:00:00"}));
}

TEST(ScheduleTest, TheCronNarrowsFirstThenTheCalendar) {
  FakeCalendar cal;
  cal.holidays = {Day("2026-11-23")};
  // Mondays only, and only open ones: Monday 23 November is closed.
  auto s = Schedule::Compile(Spec("0 9 * * MON", DayRule::kOpenDays));
  ASSERT_TRUE(s);
  EXPECT_EQ(Fires(*s, "2026-11-20 00:00:00", 2, &cal),
            (std::vector<std::string>{"2026-11-30 01:00:00", "2026-12-07 01:00:00"}));
}

TEST(ScheduleTest, BetweenKeepsTheLatestAndCountsAll) {
  auto s = Schedule::Compile(Spec("0 * * * *"));
  ASSERT_TRUE(s);
  auto w = s->Between(At("2026-11-21 00:00:00"), At("2026-11-21 10:00:00"), 3, nullptr);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->total, 10);
  ASSERT_EQ(w->fires.size(), 3u);
  EXPECT_EQ(Text(w->fires[0].at), "2026-11-21 08:00:00");
  EXPECT_EQ(Text(w->fires[2].at), "2026-11-21 10:00:00");
}

TEST(ScheduleTest, DeadlineIsTheNextSuchLocalTimeAfterTheSlot) {
  ScheduleSpec spec = Spec("30 17 * * *");
  spec.deadline = "20:00";
  auto s = Schedule::Compile(spec);
  ASSERT_TRUE(s);
  EXPECT_EQ(Text(*s->DeadlineFor(At("2026-11-21 09:30:00"))), "2026-11-21 12:00:00");
  spec.deadline = "08:00";  // before the slot's time: the next morning
  auto next_morning = Schedule::Compile(spec);
  ASSERT_TRUE(next_morning);
  EXPECT_EQ(Text(*next_morning->DeadlineFor(At("2026-11-21 09:30:00"))), "2026-11-22 00:00:00");
  EXPECT_FALSE(Schedule::Compile(Spec("30 17 * * *"))->DeadlineFor(At("2026-11-21 09:30:00")));
}

TEST(ScheduleTest, CompileRejectsWhatCannotWork) {
  ScheduleSpec bad = Spec("30 17 * * *", DayRule::kOpenDays);
  bad.calendar.clear();
  auto r = Schedule::Compile(bad);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("needs a calendar"), std::string::npos);
  auto n0 = Schedule::Compile(Spec("30 17 * * *", DayRule::kNthTradingDay, 0));
  ASSERT_FALSE(n0);
  EXPECT_NE(n0.error().message().find("n: 0"), std::string::npos);
  ScheduleSpec tz = Spec("30 17 * * *");
  tz.timezone = "Mars/Olympus";
  EXPECT_FALSE(Schedule::Compile(tz));
  ScheduleSpec deadline = Spec("30 17 * * *");
  deadline.deadline = "25:00";
  EXPECT_FALSE(Schedule::Compile(deadline));
  EXPECT_EQ(ParseClockTime("09:05"), 545);
  EXPECT_EQ(ParseClockTime("9:05"), 545);
  EXPECT_FALSE(ParseClockTime("9:5"));
  EXPECT_FALSE(ParseClockTime("-1:00"));
}

TEST(ScheduleTest, NamesRoundTrip) {
  for (auto r : {DayRule::kEveryDay, DayRule::kOpenDays, DayRule::kNthTradingDay}) {
    EXPECT_EQ(ParseDayRule(DayRuleName(r)), r);
  }
  for (auto m : {Misfire::kSkip, Misfire::kOnce, Misfire::kCatchUp}) EXPECT_EQ(ParseMisfire(MisfireName(m)), m);
  EXPECT_FALSE(ParseMisfire("sometimes"));
}

}  // namespace
}  // namespace datasync::sync
