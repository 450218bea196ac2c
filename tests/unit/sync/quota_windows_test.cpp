// Quota over any list of windows ({every_secs, limit}, datasource::QuotaLimits): each window holds, the
// vendor-day window stays a calendar day, the estimate follows the list, a budget can be shared by every API
// of a credential (scope per_credential), the state saved by the minute/hour/day quota still loads, and two
// QuotaBooks on one system database file never admit more than a window's limit together.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <barrier>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/dates.hpp"
#include "metadata/sqlite/sqlite_backend.hpp"
#include "sync/quota.hpp"

namespace datasync::sync {
namespace {

using namespace std::chrono_literals;
using datasource::QuotaWindowKind;

core::TimePoint At(const char* ts) {
  return core::FromEpochMicros(*core::ParseTimestamp(ts));
}

// Calls as fast as the quota admits them (moving the clock to each refusal's time): when each was made.
std::vector<core::TimePoint> CallAsFastAsAllowed(Quota& q, core::ManualClock& clock, int calls) {
  std::vector<core::TimePoint> made;
  while (static_cast<int>(made.size()) < calls) {
    if (auto wait = q.TryAcquire()) {
      EXPECT_GT(*wait, clock.Now()) << "a refusal names a later time";
      clock.Set(*wait);
      continue;
    }
    q.Release();
    made.push_back(clock.Now());
  }
  return made;
}

int64_t CallsIn(const std::vector<core::TimePoint>& made, core::TimePoint end, std::chrono::seconds window) {
  return std::count_if(made.begin(), made.end(), [&](auto t) { return t <= end && t + window > end; });
}

TEST(QuotaWindowsTest, EveryWindowOfTheListHoldsAndRefusalsNameTheExactTime) {
  core::ManualClock clock(At("2024-06-03 01:00:00"));
  datasource::QuotaLimits limits;
  limits.windows = {{10, 3}, {90, 10}};
  Quota q(limits, clock, core::TimeZone::Utc(), 0ms);
  auto made = CallAsFastAsAllowed(q, clock, 60);
  auto secs = [&](size_t i) { return std::chrono::duration_cast<std::chrono::seconds>(made[i] - made[0]).count(); };
  // 3 per 10 s until the 90 s window holds 10 calls (at :30); the 11th waits for the :00 calls to leave it.
  std::vector<int64_t> first;
  for (size_t i = 0; i < 17; ++i) first.push_back(secs(i));
  EXPECT_EQ(first, (std::vector<int64_t>{0, 0, 0, 10, 10, 10, 20, 20, 20, 30, 90, 90, 90, 100, 100, 100, 110}));
  for (const auto& t : made) {
    EXPECT_LE(CallsIn(made, t, 10s), 3);
    EXPECT_LE(CallsIn(made, t, 90s), 10);
  }
  auto usage = q.Usage();
  ASSERT_EQ(usage.size(), 6u);
  EXPECT_EQ(usage[0].window, "minute");
  EXPECT_EQ(usage[0].limit, 0);
  EXPECT_EQ(usage[3].window, "10s");
  EXPECT_EQ(usage[3].limit, 3);
  EXPECT_EQ(usage[3].used, CallsIn(made, clock.Now(), 10s));
  EXPECT_EQ(usage[4].window, "90s");
  EXPECT_EQ(usage[4].limit, 10);
  EXPECT_EQ(usage[4].used, CallsIn(made, clock.Now(), 90s));
  EXPECT_EQ(usage[5].window, "concurrency");
}

TEST(QuotaWindowsTest, TheMarginKeepsACallCountedLongerInEveryWindow) {
  core::ManualClock clock(At("2024-06-03 01:00:00"));
  datasource::QuotaLimits limits;
  limits.windows = {{10, 1}};
  Quota q(limits, clock, core::TimeZone::Utc(), 500ms);
  EXPECT_FALSE(q.TryAcquire());
  auto wait = q.TryAcquire();
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, At("2024-06-03 01:00:10") + 500ms);
}

TEST(QuotaWindowsTest, AVendorDayWindowResetsAtMidnightASliding24hWindowDoesNot) {
  auto tz = core::TimeZone::Load("Asia/Shanghai");
  ASSERT_TRUE(tz);
  core::ManualClock clock(At("2024-06-03 15:59:00"));  // 23:59 in Shanghai
  datasource::QuotaLimits day;
  day.windows = {{86400, 2, QuotaWindowKind::kVendorDay}};
  datasource::QuotaLimits sliding;
  sliding.windows = {{86400, 2}};
  Quota by_day(day, clock, *tz, 0ms), by_24h(sliding, clock, *tz, 0ms);
  for (Quota* q : {&by_day, &by_24h}) {
    EXPECT_FALSE(q->TryAcquire());
    EXPECT_FALSE(q->TryAcquire());
  }
  EXPECT_EQ(by_day.TryAcquire(), At("2024-06-03 16:00:00"));
  EXPECT_EQ(by_24h.TryAcquire(), At("2024-06-04 15:59:00"));
  EXPECT_EQ(by_day.limits().per_day, 2) << "written as a window, it is the day window";
  EXPECT_EQ(by_day.Usage()[2].window, "day");
  clock.Set(At("2024-06-03 16:00:00"));
  EXPECT_FALSE(by_day.TryAcquire());
  EXPECT_TRUE(by_24h.TryAcquire());
}

TEST(QuotaWindowsTest, EstimateFollowsTheTightestWindowOfTheList) {
  core::ManualClock clock(At("2024-06-03 01:00:00"));
  datasource::QuotaLimits limits;
  limits.windows = {{10, 3}, {90, 10}};  // 10 calls per 90 s is the slower pace: 9 s a call
  Quota q(limits, clock, core::TimeZone::Utc(), 0ms);
  EXPECT_EQ(q.Estimate(100), 900s);
  limits.windows.push_back({7200, 100});  // 72 s a call
  Quota slower(limits, clock, core::TimeZone::Utc(), 0ms);
  EXPECT_EQ(slower.Estimate(100), 7200s);
}

TEST(QuotaWindowsTest, LearningLowersTheSameWindowHoweverItWasWritten) {
  core::ManualClock clock(At("2024-06-03 01:00:00"));
  datasource::QuotaLimits limits;
  limits.windows = {{60, 500}, {90, 1000}};
  Quota q(limits, clock, core::TimeZone::Utc(), 0ms);
  EXPECT_EQ(q.limits().per_minute, 500);
  q.Learn({core::QuotaWindow::kMinute, 2});
  q.Learn({core::QuotaWindow::kHour, 50});  // a window that was not configured is added
  auto effective = q.limits();
  EXPECT_EQ(effective.per_minute, 2);
  EXPECT_EQ(effective.per_hour, 50);
  ASSERT_EQ(effective.windows.size(), 1u);
  EXPECT_EQ(effective.windows[0].limit, 1000);
  EXPECT_FALSE(q.TryAcquire());
  EXPECT_FALSE(q.TryAcquire());
  EXPECT_EQ(q.TryAcquire(), At("2024-06-03 01:01:00"));
}

TEST(QuotaWindowsTest, StateSavedByTheMinuteHourDayQuotaStillLoads) {
  auto tz = core::TimeZone::Load("Asia/Shanghai");
  ASSERT_TRUE(tz);
  core::ManualClock clock(At("2024-06-03 02:00:00"));  // 10:00 in Shanghai, vendor day 19877
  int32_t today = tz->LocalDay(clock.Now());
  // Written by the previous version (sync/quota.cpp before the window list): its exact shape.
  int64_t t0 = core::ToEpochMicros(At("2024-06-03 01:59:30"));
  std::string saved = R"({"day":)" + std::to_string(today) + R"(,"day_count":12,"learned":{"minute":40,"day":900},)" +
                      R"("recent_us":[)" + std::to_string(t0) + "," + std::to_string(t0 + 1'000'000) + "]}";
  datasource::QuotaLimits limits;
  limits.per_minute = 100;
  limits.per_day = 1000;
  limits.windows = {{10, 5}};
  Quota q(limits, clock, *tz, 0ms);
  q.Restore(saved);
  EXPECT_EQ(q.limits().per_minute, 40);
  EXPECT_EQ(q.limits().per_day, 900);
  auto usage = q.Usage();
  EXPECT_EQ(usage[0].used, 2);
  EXPECT_EQ(usage[2].used, 12);
  // And what this version saves has that shape, so the previous one reads it back.
  auto j = nlohmann::json::parse(q.Snapshot());
  EXPECT_EQ(j["day"], today);
  EXPECT_EQ(j["day_count"], 12);
  EXPECT_EQ(j["learned"], (nlohmann::json{{"minute", 40}, {"day", 900}}));
  EXPECT_EQ(j["recent_us"], (nlohmann::json{t0, t0 + 1'000'000}));
}

TEST(QuotaWindowsTest, AWindowLongerThanAnHourKeepsItsCallsAcrossARestart) {
  core::ManualClock clock(At("2024-06-03 01:00:00"));
  datasource::QuotaLimits limits;
  limits.windows = {{7200, 2}};
  Quota q(limits, clock, core::TimeZone::Utc(), 0ms);
  EXPECT_FALSE(q.TryAcquire());
  clock.Advance(90min);
  EXPECT_FALSE(q.TryAcquire());
  Quota restarted(limits, clock, core::TimeZone::Utc(), 0ms);
  restarted.Restore(q.Snapshot());
  EXPECT_EQ(restarted.TryAcquire(), At("2024-06-03 03:00:00"));
}

datasource::DataSource Source(const std::string& name, datasource::QuotaLimits limits) {
  datasource::DataSource s;
  s.name = name;
  s.endpoint = "http://vendor";
  s.timezone = "UTC";
  s.limits = std::move(limits);
  return s;
}

TEST(QuotaBookTest, APerCredentialBudgetIsSharedByEveryApi) {
  core::ManualClock clock(At("2024-06-03 01:00:00"));
  QuotaBook book(clock);
  datasource::QuotaLimits limits;
  limits.windows = {{10, 3}};
  limits.scope = datasource::QuotaScope::kPerCredential;
  auto shared = Source("ndl", limits);
  EXPECT_EQ(&book.For(shared, "daily"), &book.For(shared, "trade_cal"));
  limits.scope.reset();
  auto per_api = Source("ts", limits);
  EXPECT_NE(&book.For(per_api, "daily"), &book.For(per_api, "trade_cal"));

  EXPECT_FALSE(book.For(shared, "daily").TryAcquire());
  EXPECT_FALSE(book.For(shared, "daily").TryAcquire());
  EXPECT_FALSE(book.For(shared, "adj_factor").TryAcquire());
  EXPECT_EQ(book.For(shared, "trade_cal").TryAcquire(), At("2024-06-03 01:00:10") + 500ms);
  EXPECT_EQ(book.For(shared, "trade_cal").Usage()[3].used, 3);
}

// Two processes (two connections to one system database file, each with its own QuotaBook) and threads
// in each hammering one budget: together they are admitted exactly the limit per window.
class SharedBooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("ds-quota-windows-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    for (auto* db : {&a_db_, &b_db_}) {
      auto opened = metadata::sqlite::OpenSqliteSystemDb((dir_ / "sys.db").string(), clock_);
      ASSERT_TRUE(opened) << opened.error().ToString();
      *db = std::move(*opened);
    }
    a_ = std::make_unique<QuotaBook>(clock_, &a_db_->quotas());
    b_ = std::make_unique<QuotaBook>(clock_, &b_db_->quotas());
  }
  void TearDown() override {
    a_.reset();
    b_.reset();
    a_db_.reset();
    b_db_.reset();
    std::filesystem::remove_all(dir_);
  }

  // 8 threads, half on each book, each trying `tries` calls on the API `api_of(thread)`; calls admitted.
  int Hammer(const datasource::DataSource& source, const std::function<std::string(int)>& api_of, int tries) {
    std::atomic<int> admitted{0};
    std::barrier start(8);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        Quota& q = (t % 2 ? *a_ : *b_).For(source, api_of(t));
        start.arrive_and_wait();
        for (int i = 0; i < tries; ++i) {
          if (!q.TryAcquire()) {
            admitted++;
            q.Release();
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    return admitted.load();
  }

  std::filesystem::path dir_;
  core::ManualClock clock_{At("2024-06-03 01:00:00")};
  std::unique_ptr<metadata::SystemDb> a_db_, b_db_;
  std::unique_ptr<QuotaBook> a_, b_;
};

TEST_F(SharedBooksTest, TwoBooksOnOneFileAdmitExactlyTheLimitOfEachWindow) {
  datasource::QuotaLimits limits;
  limits.windows = {{90, 20}};
  limits.concurrency = 8;
  auto source = Source("vendor", limits);
  auto daily = [](int) { return std::string("daily"); };
  EXPECT_EQ(Hammer(source, daily, 10), 20);
  int64_t made = a_->For(source, "daily").calls_total() + b_->For(source, "daily").calls_total();
  EXPECT_EQ(made, 20);
  clock_.Advance(60s);
  EXPECT_EQ(Hammer(source, daily, 10), 0) << "the first 20 are still in the 90 s window";
  clock_.Advance(31s);  // past 90 s and the 500 ms margin
  EXPECT_EQ(Hammer(source, daily, 10), 20);
}

TEST_F(SharedBooksTest, APerCredentialBudgetHoldsAcrossApisAndProcesses) {
  datasource::QuotaLimits limits;
  limits.windows = {{90, 20}};
  limits.scope = datasource::QuotaScope::kPerCredential;
  auto source = Source("vendor", limits);
  auto four_apis = [](int t) { return "api" + std::to_string(t / 2); };  // each API on both books
  EXPECT_EQ(Hammer(source, four_apis, 15), 20);
  // Per API, the same four APIs would each have had their own 20.
  limits.scope.reset();
  EXPECT_EQ(Hammer(Source("vendor", limits), four_apis, 15), 80);
}

}  // namespace
}  // namespace datasync::sync
