#include "sync/quota.hpp"

#include <gtest/gtest.h>

#include "core/dates.hpp"

namespace datasync::sync {
namespace {

using namespace std::chrono_literals;

core::TimePoint At(const char* ts) { return core::FromEpochMicros(*core::ParseTimestamp(ts)); }

TEST(QuotaTest, SlidingMinuteNeverAdmitsMoreThanTheLimitIn60s) {
  core::ManualClock clock(At("2024-06-03 01:00:00"));
  datasource::QuotaLimits limits;
  limits.per_minute = 3;
  Quota q(limits, clock, core::TimeZone::Utc(), 0ms);
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(q.TryAcquire());
    q.Release();
    clock.Advance(10s);
  }
  // 3 calls at :00, :10, :20; now :30. The next fits when the :00 call leaves the window, at 01:01:00.
  auto wait = q.TryAcquire();
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, At("2024-06-03 01:01:00"));
  clock.Set(At("2024-06-03 01:00:59"));
  EXPECT_TRUE(q.TryAcquire());
  clock.Set(At("2024-06-03 01:01:00"));
  EXPECT_FALSE(q.TryAcquire());
  q.Release();
  auto next = q.TryAcquire();
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, At("2024-06-03 01:01:10"));
}

TEST(QuotaTest, DailyWindowResetsAtTheVendorsMidnight) {
  // 15:59:59 UTC is 23:59:59 in Shanghai.
  core::ManualClock clock(At("2024-06-03 15:59:00"));
  datasource::QuotaLimits limits;
  limits.per_day = 2;
  auto tz = core::TimeZone::Load("Asia/Shanghai");
  ASSERT_TRUE(tz);
  Quota q(limits, clock, *tz, 0ms);
  EXPECT_FALSE(q.TryAcquire());
  EXPECT_FALSE(q.TryAcquire());
  auto wait = q.TryAcquire();
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, At("2024-06-03 16:00:00"));
  clock.Set(At("2024-06-03 16:00:00"));
  EXPECT_FALSE(q.TryAcquire());
}

TEST(QuotaTest, ConcurrencyAndLearning) {
  core::ManualClock clock(At("2024-06-03 01:00:00"));
  datasource::QuotaLimits limits;
  limits.concurrency = 1;
  limits.per_minute = 500;
  Quota q(limits, clock, core::TimeZone::Utc(), 0ms);
  EXPECT_FALSE(q.TryAcquire());
  EXPECT_TRUE(q.TryAcquire());  // second call in flight refused
  q.Release();
  EXPECT_FALSE(q.TryAcquire());
  q.Release();
  q.Learn({core::QuotaWindow::kMinute, 2});
  EXPECT_EQ(q.limits().per_minute, 2);
  EXPECT_TRUE(q.TryAcquire());  // 2 calls already in the window
  q.Learn({core::QuotaWindow::kMinute, 400});  // never raised by a message
  EXPECT_EQ(q.limits().per_minute, 2);
  auto usage = q.Usage();
  EXPECT_EQ(usage[0].window, "minute");
  EXPECT_EQ(usage[0].used, 2);
  EXPECT_EQ(q.calls_total(), 2);
}

TEST(QuotaBookTest, SharesOneQuotaPerSourceAndApiWithOverrides) {
  core::ManualClock clock(At("2024-06-03 01:00:00"));
  QuotaBook book(clock);
  datasource::DataSource src;
  src.name = "tushare";
  src.timezone = "Asia/Shanghai";
  src.limits.per_minute = 500;
  src.api_limits["daily"].per_minute = 200;
  EXPECT_EQ(&book.For(src, "daily"), &book.For(src, "daily"));
  EXPECT_NE(&book.For(src, "daily"), &book.For(src, "trade_cal"));
  EXPECT_EQ(book.For(src, "daily").limits().per_minute, 200);
  EXPECT_EQ(book.For(src, "trade_cal").limits().per_minute, 500);
}

}  // namespace
}  // namespace datasync::sync
