#include "core/time_zone.hpp"

#include <gtest/gtest.h>

#include "core/dates.hpp"

namespace datasync::core {
namespace {

TEST(TimeZoneTest, ShanghaiIsUtcPlus8) {
  auto tz = TimeZone::Load("Asia/Shanghai");
  ASSERT_TRUE(tz) << tz.error().ToString();
  int64_t local = *ParseTimestamp("2024-01-02 08:00:00");
  EXPECT_EQ(FormatTimestamp(tz->LocalToUtc(local)), "2024-01-02 00:00:00");
  // 2024-01-02 17:00 UTC is already the 3rd in Shanghai.
  TimePoint t = FromEpochMicros(*ParseTimestamp("2024-01-02 17:00:00"));
  EXPECT_EQ(tz->LocalDay(t), *ParseDate("20240103"));
  EXPECT_EQ(FormatTimestamp(ToEpochMicros(tz->StartOfLocalDay(*ParseDate("20240103")))), "2024-01-02 16:00:00");
}

TEST(TimeZoneTest, DstGapResolvesAndUnknownZoneFails) {
  auto ny = TimeZone::Load("America/New_York");
  ASSERT_TRUE(ny);
  // 2024-03-10 02:30 does not exist in New York; it maps to a valid instant within the hour.
  int64_t utc = ny->LocalToUtc(*ParseTimestamp("2024-03-10 02:30:00"));
  EXPECT_EQ(FormatTimestamp(utc).substr(0, 13), "2024-03-10 07");
  auto bad = TimeZone::Load("Mars/Olympus");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), ErrorKind::kConfig);
  EXPECT_NE(bad.error().message().find("Mars/Olympus"), std::string::npos);
}

}  // namespace
}  // namespace datasync::core
