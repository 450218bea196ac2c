// QuotaStore's call ledger over every backend (store_compliance.hpp): AdmitCall records a call only when
// every window has room, says which call has to leave a full window, forgets old calls, keeps keys apart,
// and never lets two connections (two processes) together exceed a limit.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <thread>
#include <vector>

#include "store_compliance.hpp"

namespace datasync::metadata {
namespace {

using sync::QuotaAdmission;
using sync::QuotaWindowCheck;
using testing::kStartUs;

constexpr int64_t kSecUs = 1'000'000;

class QuotaStoreTest : public testing::StoreComplianceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StoreComplianceTest::SetUp());
    db_ = Open();
    ASSERT_TRUE(db_);
  }
  QuotaAdmission Admit(const std::string& key, int64_t now_us, std::vector<QuotaWindowCheck> windows,
                       int64_t forget_before_us = 0) {
    auto a = db_->quotas().AdmitCall(key, now_us, windows, forget_before_us);
    EXPECT_TRUE(a) << a.error().ToString();
    return a ? *a : QuotaAdmission{};
  }
  std::unique_ptr<SystemDb> db_;
};

TEST_P(QuotaStoreTest, AdmitsUpToTheLimitAndNamesTheCallThatMustLeave) {
  std::vector<QuotaWindowCheck> ten_secs = {{kStartUs - 10 * kSecUs + 1, 3}};
  for (int i = 0; i < 3; ++i) {
    auto a = Admit("k", kStartUs + i, ten_secs);
    EXPECT_TRUE(a.admitted) << i;
    EXPECT_EQ(a.blocking_us, std::vector<int64_t>{0});
  }
  auto full = Admit("k", kStartUs + 3, ten_secs);
  EXPECT_FALSE(full.admitted);
  EXPECT_EQ(full.blocking_us, std::vector<int64_t>{kStartUs}) << "the oldest of the 3 in the window";
  // Against a lower limit (one learned since), the call that must leave is further in: the 2nd oldest.
  auto lower = Admit("k", kStartUs + 3, {{kStartUs - 10 * kSecUs + 1, 100}, {kStartUs - 10 * kSecUs + 1, 2}});
  EXPECT_FALSE(lower.admitted);
  EXPECT_EQ(lower.blocking_us, (std::vector<int64_t>{0, kStartUs + 1})) << "0: that window has room";
  // A window starting after the first call does not count it.
  EXPECT_TRUE(Admit("k", kStartUs + 3, {{kStartUs + 1, 3}}).admitted);
  EXPECT_EQ(target().Query("SELECT count(*) FROM quota_calls WHERE key = 'k'"), "4");
}

TEST_P(QuotaStoreTest, ARefusedCallIsNotRecorded) {
  EXPECT_TRUE(Admit("k", kStartUs, {{0, 10}, {kStartUs, 1}}).admitted);
  EXPECT_FALSE(Admit("k", kStartUs + 1, {{0, 10}, {kStartUs, 1}}).admitted);
  // Had the refused call been counted, a limit of 2 would be full now.
  EXPECT_TRUE(Admit("k", kStartUs + 2, {{0, 2}}).admitted);
  EXPECT_EQ(target().Query("SELECT count(*) FROM quota_calls WHERE key = 'k'"), "2");
}

TEST_P(QuotaStoreTest, KeysAreSeparateBudgetsAndNoWindowMeansUnlimited) {
  EXPECT_TRUE(Admit("a", kStartUs, {{0, 1}}).admitted);
  EXPECT_FALSE(Admit("a", kStartUs, {{0, 1}}).admitted);
  EXPECT_TRUE(Admit("b", kStartUs, {{0, 1}}).admitted);
  EXPECT_TRUE(Admit("a", kStartUs, {}).admitted);
  EXPECT_TRUE(Admit("a", kStartUs, {{0, 0}}).admitted) << "a limit of 0 is no limit";
}

TEST_P(QuotaStoreTest, CallsBeforeForgetBeforeAreDropped) {
  EXPECT_TRUE(Admit("k", kStartUs, {{0, 2}}).admitted);
  EXPECT_TRUE(Admit("k", kStartUs + 100 * kSecUs, {{0, 2}}, kStartUs + 50 * kSecUs).admitted);
  // Only the second call is left: one more fits in a window of 2 that starts at 0.
  EXPECT_TRUE(Admit("k", kStartUs + 101 * kSecUs, {{0, 2}}).admitted);
  EXPECT_EQ(target().Query("SELECT count(*) FROM quota_calls WHERE key = 'k'"), "2");
}

TEST_P(QuotaStoreTest, RecordedCallsCountInLaterWindowsAndOldOnesAreForgotten) {
  std::vector<int64_t> at = {kStartUs, kStartUs + 1, kStartUs + 2};
  ASSERT_TRUE(db_->quotas().RecordCalls("k", at, 0));
  EXPECT_FALSE(Admit("k", kStartUs + 3, {{kStartUs, 3}}).admitted);
  EXPECT_TRUE(Admit("k", kStartUs + 3, {{kStartUs + 1, 3}}).admitted) << "the first is outside that window";
  ASSERT_TRUE(db_->quotas().RecordCalls("other", at, 0));
  EXPECT_EQ(target().Query("SELECT count(*) FROM quota_calls WHERE key = 'k'"), "4");
  std::vector<int64_t> later = {kStartUs + 100 * kSecUs};
  ASSERT_TRUE(db_->quotas().RecordCalls("k", later, kStartUs + 50 * kSecUs));
  EXPECT_EQ(target().Query("SELECT count(*) FROM quota_calls WHERE key = 'k'"), "1");
  EXPECT_TRUE(db_->quotas().RecordCalls("k", {}, 0)) << "nothing to record is no error";
}

TEST_P(QuotaStoreTest, CountsTheLedgersCallsSinceEachTimeWithTheOldest) {
  std::vector<int64_t> at = {kStartUs, kStartUs + 5 * kSecUs, kStartUs + 9 * kSecUs};
  ASSERT_TRUE(db_->quotas().RecordCalls("k", at, 0));
  ASSERT_TRUE(db_->quotas().RecordCalls("other", at, 0));
  std::vector<int64_t> since = {0, kStartUs + 1, kStartUs + 10 * kSecUs};
  auto counts = db_->quotas().CountCalls("k", since);
  ASSERT_TRUE(counts) << counts.error().ToString();
  ASSERT_EQ(counts->size(), 3u);
  EXPECT_EQ((*counts)[0].calls, 3);
  EXPECT_EQ((*counts)[0].oldest_us, kStartUs);
  EXPECT_EQ((*counts)[1].calls, 2) << "the first call is before that time";
  EXPECT_EQ((*counts)[1].oldest_us, kStartUs + 5 * kSecUs);
  EXPECT_EQ((*counts)[2].calls, 0);
  EXPECT_EQ((*counts)[2].oldest_us, 0);
  auto none = db_->quotas().CountCalls("unknown", since);
  ASSERT_TRUE(none);
  EXPECT_EQ((*none)[0].calls, 0);
}

TEST_P(QuotaStoreTest, TwoConnectionsTogetherAdmitExactlyTheLimit) {
  // Two SystemDb objects are two connections to one database, as two processes have. Eight threads, four
  // on each, start together and ask 10 times each for a window of 20.
  auto second = Open();
  ASSERT_TRUE(second);
  constexpr int kThreads = 8;
  std::atomic<int> admitted{0}, failed{0};
  std::vector<std::atomic<int>> per_db(2);
  std::barrier start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    sync::QuotaStore& store = t % 2 ? db_->quotas() : second->quotas();
    threads.emplace_back([&, t] {
      std::vector<QuotaWindowCheck> window = {{kStartUs - 90 * kSecUs + 1, 20}};
      start.arrive_and_wait();
      for (int i = 0; i < 10; ++i) {
        auto a = store.AdmitCall("shared", kStartUs + t * 10 + i, window, 0);
        if (!a) {
          failed++;
        } else if (a->admitted) {
          admitted++;
          per_db[t % 2]++;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(admitted.load(), 20);
  EXPECT_EQ(per_db[0] + per_db[1], 20);
  EXPECT_EQ(target().Query("SELECT count(*) FROM quota_calls WHERE key = 'shared'"), "20");
  EXPECT_FALSE(Admit("shared", kStartUs + 1000, {{kStartUs - 90 * kSecUs + 1, 20}}).admitted);
}

INSTANTIATE_STORE_SUITE(QuotaStoreTest);

}  // namespace
}  // namespace datasync::metadata
