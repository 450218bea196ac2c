// Cron parsing and next-fire computation against a table of cases: time zones and DST, month ends and
// leap days, day-of-month/day-of-week combinations (OR when both are restricted), steps, names, macros.
#include "sync/cron.hpp"

#include <gtest/gtest.h>

#include "core/dates.hpp"
#include "utc_text.hpp"

namespace datasync::sync {
namespace {

using testing::At;
using testing::Text;

struct NextCase {
  const char* cron;
  const char* zone;
  const char* after;     // UTC
  const char* expected;  // UTC; "" = none
};

void PrintTo(const NextCase& c, std::ostream* os) {
  *os << "'" << c.cron << "' " << c.zone << " after " << c.after;
}

class CronNextTest : public ::testing::TestWithParam<NextCase> {};

TEST_P(CronNextTest, NextFire) {
  const NextCase& c = GetParam();
  auto expr = CronExpr::Parse(c.cron);
  ASSERT_TRUE(expr) << c.cron << ": " << expr.error().message();
  auto tz = core::TimeZone::Load(c.zone);
  ASSERT_TRUE(tz);
  auto next = expr->Next(At(c.after), *tz);
  if (std::string(c.expected).empty()) {
    EXPECT_FALSE(next) << c.cron << " after " << c.after << " gave " << Text(*next);
  } else {
    ASSERT_TRUE(next) << c.cron << " after " << c.after;
    EXPECT_EQ(Text(*next), c.expected) << c.cron << " in " << c.zone << " after " << c.after;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, CronNextTest,
    ::testing::Values(
        // 17:30 Shanghai is 09:30 UTC; "after" at 18:00 Shanghai means tomorrow.
        NextCase{"30 17 * * *", "Asia/Shanghai", "2026-11-21 10:00:00", "2026-11-22 09:30:00"},
        NextCase{"30 17 * * *", "Asia/Shanghai", "2026-11-21 09:29:59", "2026-11-21 09:30:00"},
        // Strictly after: a fire time equal to `after` is not returned again.
        NextCase{"30 17 * * *", "Asia/Shanghai", "2026-11-21 09:30:00", "2026-11-22 09:30:00"},
        NextCase{"30 17 * * MON-FRI", "Asia/Shanghai", "2026-11-20 10:00:00", "2026-11-23 09:30:00"},
        // The local date decides the weekday, not the UTC date: Monday 07:00 Shanghai is Sunday 23:00 UTC.
        NextCase{"0 7 * * MON", "Asia/Shanghai", "2026-11-21 00:00:00", "2026-11-22 23:00:00"},
        // Month ends: the 31st skips months without one; L is the last day, February 29 in leap years.
        NextCase{"0 0 31 * *", "UTC", "2026-04-01 00:00:00", "2026-05-31 00:00:00"},
        NextCase{"0 0 31 * *", "UTC", "2026-05-31 00:00:00", "2026-07-31 00:00:00"},
        NextCase{"0 0 L * *", "UTC", "2024-02-10 00:00:00", "2024-02-29 00:00:00"},
        NextCase{"0 0 L * *", "UTC", "2023-02-10 00:00:00", "2023-02-28 00:00:00"},
        NextCase{"0 0 L * *", "UTC", "2026-04-30 00:00:00", "2026-05-31 00:00:00"},
        NextCase{"0 0 30 * *", "UTC", "2027-01-30 00:00:00", "2027-03-30 00:00:00"},
        // Leap days: next 29 February from 2025 is in 2028; from 2096 it skips 2100 (not a leap year).
        NextCase{"0 0 29 2 *", "UTC", "2025-01-01 00:00:00", "2028-02-29 00:00:00"},
        NextCase{"0 0 29 2 *", "UTC", "2096-03-01 00:00:00", "2104-02-29 00:00:00"},
        // Both day fields restricted: either matches (cron(5)). Saturday 21 Nov -> Monday 23, Monday 30,
        // Tuesday 1 December (the 1st), ...
        NextCase{"0 12 1,15 * MON", "UTC", "2026-11-21 00:00:00", "2026-11-23 12:00:00"},
        NextCase{"0 12 1,15 * MON", "UTC", "2026-11-30 12:00:00", "2026-12-01 12:00:00"},
        NextCase{"0 12 1,15 * MON", "UTC", "2026-12-01 12:00:00", "2026-12-07 12:00:00"},
        // A day field starting with * counts as unrestricted: both must match (odd days that are Mondays).
        NextCase{"0 12 */2 * MON", "UTC", "2026-11-24 00:00:00", "2026-12-07 12:00:00"},
        NextCase{"0 12 * * 1", "UTC", "2026-11-24 00:00:00", "2026-11-30 12:00:00"},
        // 0 and 7 are Sunday; names are case-insensitive; ranges with steps.
        NextCase{"5 4 * * 7", "UTC", "2026-11-21 00:00:00", "2026-11-22 04:05:00"},
        NextCase{"5 4 * * sun", "UTC", "2026-11-21 00:00:00", "2026-11-22 04:05:00"},
        NextCase{"0 22 * * 1-5/2", "UTC", "2026-11-23 22:00:00", "2026-11-25 22:00:00"},
        NextCase{"0 0 1 JAN,jul *", "UTC", "2026-02-01 00:00:00", "2026-07-01 00:00:00"},
        NextCase{"*/20 9-10 * * *", "UTC", "2026-11-21 10:40:00", "2026-11-22 09:00:00"},
        NextCase{"15/20 * * * *", "UTC", "2026-11-21 10:36:00", "2026-11-21 10:55:00"},
        // Six fields: seconds first.
        NextCase{"*/15 30 17 * * *", "Asia/Shanghai", "2026-11-21 09:30:20", "2026-11-21 09:30:30"},
        NextCase{"0 0 */6 * * *", "UTC", "2026-11-21 06:00:00", "2026-11-21 12:00:00"},
        // Macros.
        NextCase{"@hourly", "UTC", "2026-11-21 10:15:00", "2026-11-21 11:00:00"},
        NextCase{"@daily", "Asia/Shanghai", "2026-11-21 10:15:00", "2026-11-21 16:00:00"},
        NextCase{"@weekly", "UTC", "2026-11-21 10:15:00", "2026-11-22 00:00:00"},
        NextCase{"@monthly", "UTC", "2026-11-21 10:15:00", "2026-12-01 00:00:00"},
        NextCase{"@yearly", "UTC", "2026-11-21 10:15:00", "2027-01-01 00:00:00"},
        // DST, New York 2026: clocks go 02:00 -> 03:00 on 8 March and 02:00 -> 01:00 on 1 November.
        NextCase{"0 9 * * MON-FRI", "America/New_York", "2026-03-06 15:00:00", "2026-03-09 13:00:00"},
        // 02:30 does not exist on 8 March: it fires at 03:30 EDT (07:30 UTC), once.
        NextCase{"30 2 * * *", "America/New_York", "2026-03-08 05:00:00", "2026-03-08 07:30:00"},
        NextCase{"30 2 * * *", "America/New_York", "2026-03-08 07:30:00", "2026-03-09 06:30:00"},
        // 01:30 happens twice on 1 November: only its first occurrence (EDT, 05:30 UTC) fires.
        NextCase{"30 1 * * *", "America/New_York", "2026-11-01 04:00:00", "2026-11-01 05:30:00"},
        NextCase{"30 1 * * *", "America/New_York", "2026-11-01 05:30:00", "2026-11-02 06:30:00"},
        NextCase{"30 1 * * *", "America/New_York", "2026-11-01 06:00:00", "2026-11-02 06:30:00"},
        // Europe/Berlin: the hour after a spring-forward gap keeps its own fires.
        NextCase{"0 * * * *", "Europe/Berlin", "2026-03-29 00:30:00", "2026-03-29 01:00:00"}));

struct BadCase {
  const char* cron;
  const char* message_part;
};

void PrintTo(const BadCase& c, std::ostream* os) {
  *os << "'" << c.cron << "'";
}

class CronParseErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(CronParseErrorTest, SaysWhatIsWrong) {
  auto expr = CronExpr::Parse(GetParam().cron);
  ASSERT_FALSE(expr) << GetParam().cron;
  EXPECT_EQ(expr.error().kind(), core::ErrorKind::kConfig);
  EXPECT_NE(expr.error().message().find(GetParam().message_part), std::string::npos) << expr.error().message();
}

INSTANTIATE_TEST_SUITE_P(
    Table, CronParseErrorTest,
    ::testing::Values(BadCase{"61 * * * *", "minute field '61': 61 is out of range"},
                      BadCase{"* * * *", "has 4 fields; expected 5"}, BadCase{"0 0 * * * * *", "has 7 fields"},
                      BadCase{"0 0 30 2 *", "never fires"}, BadCase{"0 0 31 4,6,9,11 *", "never fires"},
                      BadCase{"0 0 * * FRI-MON", "runs backwards"}, BadCase{"@reboot", "unknown cron macro '@reboot'"},
                      BadCase{"*/0 * * * *", "step '0'"}, BadCase{"0 0 1 13 *", "month field '13': 13 is out of range"},
                      BadCase{"0 0 1 FOO *", "'FOO' is not a value"}, BadCase{"0 0 1,,2 * *", "empty list item"},
                      BadCase{"0 24 * * *", "hour field '24'"}, BadCase{"", "empty cron expression"},
                      // Found by the cron fuzz target: numbers beyond 32 bits wrapped into range (2^32 read as 0).
                      BadCase{"4294967296 * * * *", "minute field '4294967296': 4294967296 is out of range"},
                      BadCase{"0 0-4294967299 * * *", "4294967299 is out of range"},
                      BadCase{"0 0 * * 4294967297", "day of week field '4294967297': 4294967297 is out of range"}));

TEST(CronTest, MatchesDayUsesTheSameRules) {
  auto expr = CronExpr::Parse("0 0 L 2 *");
  ASSERT_TRUE(expr);
  EXPECT_TRUE(expr->MatchesDay(*core::ParseDate("2028-02-29")));
  EXPECT_FALSE(expr->MatchesDay(*core::ParseDate("2028-02-28")));
  EXPECT_TRUE(expr->MatchesDay(*core::ParseDate("2027-02-28")));
}

}  // namespace
}  // namespace datasync::sync
