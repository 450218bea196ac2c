// Coverage by date (app/coverage.hpp CompareDays): open days against the days a storage holds, gaps as
// ranges of trading days, per-year counts, closed days with rows, and days beyond the calendar not judged.
#include "app/coverage.hpp"

#include <gtest/gtest.h>

#include "core/dates.hpp"

namespace datasync::app {
namespace {

int32_t D(const char* iso) {
  return *core::ParseDate(iso);
}

// Monday to Friday open from `first` to `last`, except the listed holidays.
std::map<int32_t, bool> Weekdays(const char* first, const char* last, std::vector<const char*> holidays = {}) {
  std::map<int32_t, bool> days;
  for (int32_t d = D(first); d <= D(last); ++d) {
    bool open = core::Weekday(d) != 0 && core::Weekday(d) != 6;
    for (const char* h : holidays) open = open && d != D(h);
    days[d] = open;
  }
  return days;
}

std::set<int32_t> OpenDays(const std::map<int32_t, bool>& cal) {
  std::set<int32_t> out;
  for (auto [d, open] : cal) {
    if (open) out.insert(d);
  }
  return out;
}

TEST(CompareDays, AGapAcrossAWeekendAndAHolidayIsOneRangeCountedInTradingDays) {
  auto cal = Weekdays("2023-12-25", "2024-01-12", {"2024-01-01"});
  auto present = OpenDays(cal);
  // Friday 2023-12-29 and Tuesday 2024-01-02 (Monday is a holiday): one gap of two trading days.
  present.erase(D("2023-12-29"));
  present.erase(D("2024-01-02"));
  present.erase(D("2024-01-10"));
  present.insert(D("2024-01-06"));  // a Saturday with rows
  CoverageReport r = CompareDays(cal, present, D("2023-12-25"), D("2024-01-12"));
  EXPECT_EQ(r.expected, 14);
  EXPECT_EQ(r.present, 11);
  EXPECT_EQ(r.missing, 3);
  EXPECT_FALSE(r.complete());
  ASSERT_EQ(r.missing_ranges.size(), 2u);
  EXPECT_EQ(r.missing_ranges[0].first, D("2023-12-29"));
  EXPECT_EQ(r.missing_ranges[0].last, D("2024-01-02"));
  EXPECT_EQ(r.missing_ranges[0].days, 2);
  EXPECT_EQ(r.missing_ranges[1].first, D("2024-01-10"));
  EXPECT_EQ(r.missing_ranges[1].days, 1);
  ASSERT_EQ(r.years.size(), 2u);
  EXPECT_EQ(r.years[0].year, 2023);
  EXPECT_EQ(r.years[0].expected, 5);
  EXPECT_EQ(r.years[0].missing, 1);
  EXPECT_EQ(r.years[1].year, 2024);
  EXPECT_EQ(r.years[1].expected, 9);
  EXPECT_EQ(r.years[1].present, 7);
  EXPECT_EQ(r.on_closed_days, std::vector<int32_t>{D("2024-01-06")});
  EXPECT_EQ(r.unknown, 0);
}

TEST(CompareDays, DaysBeyondTheCalendarAreUnknownNotMissingAndAGapAtTheEndIsClosed) {
  auto cal = Weekdays("2024-01-01", "2024-01-31");
  auto present = OpenDays(cal);
  present.erase(D("2024-01-31"));  // the last open day
  CoverageReport r = CompareDays(cal, present, D("2023-12-30"), D("2024-02-05"));
  EXPECT_EQ(r.unknown, 2 + 5);
  EXPECT_EQ(r.missing, 1);
  ASSERT_EQ(r.missing_ranges.size(), 1u);
  EXPECT_EQ(r.missing_ranges[0].last, D("2024-01-31"));

  CoverageReport none = CompareDays({}, present, D("2024-01-01"), D("2024-01-31"));
  EXPECT_EQ(none.expected, 0);
  EXPECT_EQ(none.unknown, 31);
  EXPECT_TRUE(none.complete());
  EXPECT_EQ(CompareDays(cal, present, D("2024-01-10"), D("2024-01-09")).expected, 0);
}

TEST(DayOfValue, ReadsDatesTimestampsNumbersAndTextAndNoDayFromNull) {
  EXPECT_EQ(DayOfValue(core::Value::Date(D("2024-01-05"))), D("2024-01-05"));
  EXPECT_EQ(DayOfValue(core::Value::Int32(20240105)), D("2024-01-05"));
  EXPECT_EQ(DayOfValue(core::Value::String("2024-01-05")), D("2024-01-05"));
  // A delisting date that is not set (a listing's NULL) is no day, whatever its column's type.
  EXPECT_EQ(DayOfValue(core::Value::Null(core::LogicalType::Date())), std::nullopt);
  EXPECT_EQ(DayOfValue(core::Value::Null(core::LogicalType::Timestamp())), std::nullopt);
  EXPECT_EQ(DayOfValue(core::Value::Null(core::LogicalType::String())), std::nullopt);
}

}  // namespace
}  // namespace datasync::app
