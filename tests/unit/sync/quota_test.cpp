#include "sync/quota.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "core/dates.hpp"
#include "metadata/sqlite/sqlite_backend.hpp"

namespace datasync::sync {
namespace {

using namespace std::chrono_literals;

core::TimePoint At(const char* ts) {
  return core::FromEpochMicros(*core::ParseTimestamp(ts));
}

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
  EXPECT_TRUE(q.TryAcquire());                 // 2 calls already in the window
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

TEST(QuotaBookTest, SourcesShareQuotasByTheCredentialTheBookIsToldOf) {
  core::ManualClock clock(At("2024-06-03 01:00:00"));
  QuotaBook book(clock, nullptr, [](const datasource::DataSource& s) { return s.options.GetString("key"); });
  datasource::DataSource a;
  a.name = "a";
  a.endpoint = "http://vendor";
  a.timezone = "UTC";
  a.options.Set("key", std::string("k1"));
  datasource::DataSource b = a;
  b.name = "b";
  datasource::DataSource c = a;
  c.name = "c";
  c.options.Set("key", std::string("k2"));
  EXPECT_EQ(&book.For(a, "daily"), &book.For(b, "daily")) << "one credential, one budget";
  EXPECT_NE(&book.For(a, "daily"), &book.For(c, "daily"));
}

TEST(QuotaTest, StateSurvivesARestartOnTheSameVendorDay) {
  auto tz = core::TimeZone::Load("Asia/Shanghai");
  ASSERT_TRUE(tz);
  core::ManualClock clock(At("2024-06-03 02:00:00"));  // 10:00 in Shanghai
  datasource::QuotaLimits limits;
  limits.per_minute = 100;
  limits.per_day = 1000;
  std::string state;
  {
    Quota q(limits, clock, *tz, 0ms);
    for (int i = 0; i < 30; ++i) {
      ASSERT_FALSE(q.TryAcquire());
      q.Release();
    }
    q.Learn({core::QuotaWindow::kMinute, 40});
    bool dirty = false;
    state = q.Snapshot(&dirty);
    EXPECT_TRUE(dirty);
    q.Snapshot(&dirty);
    EXPECT_FALSE(dirty);
  }
  clock.Advance(10s);
  Quota restarted(limits, clock, *tz, 0ms);
  restarted.Restore(state);
  EXPECT_EQ(restarted.limits().per_minute, 40);  // learned, remembered
  auto usage = restarted.Usage();
  EXPECT_EQ(usage[0].used, 30);  // the minute window still holds the calls made before the restart
  EXPECT_EQ(usage[2].used, 30);
  for (int i = 0; i < 10; ++i) {
    ASSERT_FALSE(restarted.TryAcquire());
    restarted.Release();
  }
  EXPECT_TRUE(restarted.TryAcquire());  // 40 in the last minute: the learned limit holds across the restart

  // The next vendor day starts from zero, but keeps what it learned.
  clock.Set(At("2024-06-03 16:30:00"));  // 00:30 on the 4th in Shanghai
  Quota next_day(limits, clock, *tz, 0ms);
  next_day.Restore(restarted.Snapshot());
  EXPECT_EQ(next_day.Usage()[2].used, 0);
  EXPECT_EQ(next_day.limits().per_minute, 40);
  next_day.Restore("not json");  // ignored
  EXPECT_EQ(next_day.limits().per_minute, 40);
}

// Two processes on one system database (two connections to one file, as `datasync serve` and a `datasync
// run` have): their quotas for one credential admit, together, never more than the vendor's limit.
class SharedQuotaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("ds-quota-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    for (auto* db : {&a_db_, &b_db_}) {
      auto opened = metadata::sqlite::OpenSqliteSystemDb((dir_ / "sys.db").string(), clock_);
      ASSERT_TRUE(opened) << opened.error().ToString();
      *db = std::move(*opened);
    }
  }
  void TearDown() override {
    a_db_.reset();
    b_db_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<Quota> Attached(metadata::SystemDb& db, datasource::QuotaLimits limits) {
    auto q = std::make_unique<Quota>(limits, clock_, core::TimeZone::Utc(), 500ms);
    q->AttachStore(&db.quotas(), "key-of-the-credential", "vendor/daily");
    return q;
  }

  std::filesystem::path dir_;
  core::ManualClock clock_{At("2024-06-03 01:00:00")};
  std::unique_ptr<metadata::SystemDb> a_db_, b_db_;
};

TEST_F(SharedQuotaTest, TwoProcessesTogetherStayUnderTheMinuteLimit) {
  datasource::QuotaLimits limits;
  limits.per_minute = 5;
  auto a = Attached(*a_db_, limits);
  auto b = Attached(*b_db_, limits);
  // a: 3 calls at :00, :10, :20; b: 2 calls at :30, :40. Each alone has room; together the window is full.
  for (int i = 0; i < 5; ++i) {
    Quota& q = i < 3 ? *a : *b;
    ASSERT_FALSE(q.TryAcquire()) << "call " << i;
    q.Release();
    clock_.Advance(10s);
  }
  // Each one's gauges count both processes' calls (what `datasync web` shows beside the daemon): 5 in the
  // minute, the hour and the day, the minute's falling when the :00 call leaves it.
  for (Quota* q : {a.get(), b.get()}) {
    auto usage = q->Usage();
    ASSERT_GE(usage.size(), 3u);
    EXPECT_EQ(usage[0].window, "minute");
    EXPECT_EQ(usage[0].used, 5);
    EXPECT_EQ(usage[0].reset_at_us, core::ToEpochMicros(At("2024-06-03 01:01:00")));
    EXPECT_EQ(usage[1].used, 5);
    EXPECT_EQ(usage[1].reset_at_us, core::ToEpochMicros(At("2024-06-03 02:00:00")));
    EXPECT_EQ(usage[2].window, "day");
    EXPECT_EQ(usage[2].used, 5);
    EXPECT_EQ(usage[2].reset_at_us, core::ToEpochMicros(At("2024-06-04 00:00:00")));
  }
  // Now :50. Both are refused until the :00 call leaves the window (plus the 500 ms margin).
  for (Quota* q : {a.get(), b.get()}) {
    auto wait = q->TryAcquire();
    ASSERT_TRUE(wait);
    EXPECT_EQ(*wait, At("2024-06-03 01:01:00") + 500ms);
  }
  clock_.Set(At("2024-06-03 01:01:00") + 500ms);
  EXPECT_FALSE(b->TryAcquire());
  b->Release();
  auto again = a->TryAcquire();
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, At("2024-06-03 01:01:10") + 500ms);
}

TEST_F(SharedQuotaTest, ConcurrentCallersOnTwoConnectionsAdmitExactlyTheLimit) {
  datasource::QuotaLimits limits;
  limits.per_minute = 40;
  limits.per_day = 1000;
  auto a = Attached(*a_db_, limits);
  auto b = Attached(*b_db_, limits);
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    Quota& q = t % 2 ? *a : *b;
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        if (!q.TryAcquire()) {
          admitted++;
          q.Release();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 40);
  EXPECT_EQ(a->calls_total() + b->calls_total(), 40);
}

TEST_F(SharedQuotaTest, CallsWithoutALimitReachTheLedgerInBatchesAndALearnedLimitCountsThem) {
  // No window has a limit: nothing to agree on, so no call costs a ledger transaction of its own. The calls
  // reach the ledger at Persist, or before a limit learned by this process counts them.
  auto a = Attached(*a_db_, {});
  auto b = Attached(*b_db_, {});
  for (int i = 0; i < 5; ++i) {
    ASSERT_FALSE(a->TryAcquire()) << i;
    a->Release();
  }
  EXPECT_EQ(a->Usage()[0].used, 5) << "a counts its own calls before they reach the ledger";
  EXPECT_EQ(b->Usage()[0].used, 0);
  b->Learn({core::QuotaWindow::kMinute, 5});
  EXPECT_FALSE(b->TryAcquire()) << "a's calls are not in the ledger yet";
  b->Release();
  ASSERT_TRUE(a->Persist());
  EXPECT_EQ(a->Usage()[0].used, 6) << "5 of a, and b's call, once written, counted once each";
  EXPECT_TRUE(b->TryAcquire()) << "now they are: 5 of a and 1 of b fill b's learned minute of 5";
  // a learns the limit too: its own calls made since are written first, then counted.
  auto c = Attached(*a_db_, {});
  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(c->TryAcquire());
    c->Release();
  }
  c->Learn({core::QuotaWindow::kMinute, 8});
  EXPECT_TRUE(c->TryAcquire()) << "5 + 1 + 3 calls in the minute: 8 is full";
}

TEST_F(SharedQuotaTest, TheDayLimitCountsEveryProcessUntilTheVendorsMidnight) {
  datasource::QuotaLimits limits;
  limits.per_day = 3;
  auto tz = core::TimeZone::Load("Asia/Shanghai");
  ASSERT_TRUE(tz);
  clock_.Set(At("2024-06-03 15:00:00"));  // 23:00 in Shanghai
  Quota a(limits, clock_, *tz, 0ms), b(limits, clock_, *tz, 0ms);
  a.AttachStore(&a_db_->quotas(), "k", "vendor/daily");
  b.AttachStore(&b_db_->quotas(), "k", "vendor/daily");
  EXPECT_FALSE(a.TryAcquire());
  EXPECT_FALSE(b.TryAcquire());
  clock_.Advance(30min);
  EXPECT_FALSE(a.TryAcquire());
  auto wait = b.TryAcquire();
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, At("2024-06-03 16:00:00"));
  clock_.Set(At("2024-06-03 16:00:00"));
  EXPECT_FALSE(b.TryAcquire());
}

TEST(QuotaTest, EstimateFollowsTheTightestWindow) {
  auto tz = core::TimeZone::Load("Asia/Shanghai");
  ASSERT_TRUE(tz);
  core::ManualClock clock(At("2024-06-03 04:00:00"));  // 12:00 in Shanghai: 12 h to the vendor's midnight
  datasource::QuotaLimits limits;
  limits.per_minute = 500;
  Quota minute_only(limits, clock, *tz, 0ms);
  EXPECT_EQ(minute_only.Estimate(1500), 180s);
  EXPECT_EQ(minute_only.Estimate(0), 0s);
  limits.per_day = 1000;
  Quota daily(limits, clock, *tz, 0ms);
  EXPECT_EQ(daily.Estimate(1000), 120s);
  // 2500 calls: 1000 today, 1000 tomorrow, 500 the day after (at 500/min: one minute).
  EXPECT_EQ(daily.Estimate(2500), std::chrono::seconds(12 * 3600 + 86400 + 60));
  Quota unlimited(datasource::QuotaLimits{}, clock, *tz, 0ms);
  EXPECT_EQ(unlimited.Estimate(100000), 0s);
}

}  // namespace
}  // namespace datasync::sync
