// The plan lease store over every backend (store_compliance.hpp): one holder per plan, an expired lease or a
// holder named as gone is taken over (by exactly one of several racing connections), renewal extends only the
// holder's lease, release frees it. Expectations are read back through the backend's own client.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <thread>

#include "store_compliance.hpp"

namespace datasync::metadata {
namespace {

using testing::kStartUs;

constexpr int64_t kTtlUs = 30'000'000;

class PlanLeaseTest : public testing::StoreComplianceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StoreComplianceTest::SetUp());
    db_ = Open();
    ASSERT_TRUE(db_);
  }
  sync::PlanLeaseStore& leases() { return db_->plan_leases(); }

  sync::PlanLeaseClaim Acquire(const std::string& plan, const std::string& owner, int64_t now_us,
                               const std::string& take_from = "") {
    auto claim = leases().AcquirePlanLease(plan, owner, now_us, kTtlUs, take_from);
    EXPECT_TRUE(claim) << claim.error().ToString();
    return claim ? *claim : sync::PlanLeaseClaim{};
  }
  // "owner since_us expires_us" of the plan's row, read independently ("" when there is none).
  std::string Row(const std::string& plan) {
    return target().Query("SELECT owner || ' ' || since_us || ' ' || expires_us FROM plan_leases WHERE plan = '" +
                          plan + "'");
  }
  static std::string Held(const std::string& owner, int64_t since_us, int64_t expires_us) {
    return owner + " " + std::to_string(since_us) + " " + std::to_string(expires_us);
  }

  std::unique_ptr<SystemDb> db_;
};

TEST_P(PlanLeaseTest, OneHolderPerPlanAndTheOthersLearnWhoAndSince) {
  auto a = Acquire("daily", "1@alpha", kStartUs);
  EXPECT_TRUE(a.acquired);
  EXPECT_EQ(a.lease.owner, "1@alpha");
  EXPECT_EQ(a.lease.expires_us, kStartUs + kTtlUs);
  EXPECT_EQ(Row("daily"), Held("1@alpha", kStartUs, kStartUs + kTtlUs));

  auto b = Acquire("daily", "2@beta", kStartUs + 1'000'000);
  EXPECT_FALSE(b.acquired);
  EXPECT_EQ(b.lease.plan, "daily");
  EXPECT_EQ(b.lease.owner, "1@alpha");
  EXPECT_EQ(b.lease.since_us, kStartUs);
  EXPECT_EQ(b.lease.expires_us, kStartUs + kTtlUs);
  // Its own name held already is no exception for the store: the engine decides what that means.
  EXPECT_FALSE(Acquire("daily", "1@alpha", kStartUs + 1'000'000).acquired);
  EXPECT_EQ(Row("daily"), Held("1@alpha", kStartUs, kStartUs + kTtlUs));
  // Another plan is another lease.
  EXPECT_TRUE(Acquire("weekly", "2@beta", kStartUs + 1'000'000).acquired);
  auto got = leases().GetPlanLease("weekly");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->owner, "2@beta");
  EXPECT_FALSE(*leases().GetPlanLease("monthly"));
}

TEST_P(PlanLeaseTest, AnExpiredLeaseOrANamedGoneHolderIsTakenOver) {
  ASSERT_TRUE(Acquire("daily", "1@alpha", kStartUs).acquired);
  // Not expired, and not the holder named: stays.
  EXPECT_FALSE(Acquire("daily", "2@beta", kStartUs + kTtlUs - 1, "9@someone").acquired);
  // The holder named as gone: taken before its expiry.
  auto taken = Acquire("daily", "2@beta", kStartUs + 5'000'000, "1@alpha");
  EXPECT_TRUE(taken.acquired);
  EXPECT_EQ(Row("daily"), Held("2@beta", kStartUs + 5'000'000, kStartUs + 5'000'000 + kTtlUs));
  // Expired: anyone takes it, no name needed.
  auto expired = Acquire("daily", "3@gamma", kStartUs + 5'000'000 + kTtlUs);
  EXPECT_TRUE(expired.acquired);
  EXPECT_EQ(Row("daily"), Held("3@gamma", kStartUs + 5'000'000 + kTtlUs, kStartUs + 5'000'000 + 2 * kTtlUs));
  // The former holder's renewal and release touch nothing now.
  auto renewed = leases().RenewPlanLease("daily", "2@beta", kStartUs + 90'000'000, kTtlUs);
  ASSERT_TRUE(renewed);
  EXPECT_FALSE(*renewed);
  ASSERT_TRUE(leases().ReleasePlanLease("daily", "2@beta"));
  EXPECT_EQ(Row("daily"), Held("3@gamma", kStartUs + 5'000'000 + kTtlUs, kStartUs + 5'000'000 + 2 * kTtlUs));
}

TEST_P(PlanLeaseTest, RenewalExtendsTheHoldersLeaseAndReleaseFreesIt) {
  ASSERT_TRUE(Acquire("daily", "1@alpha", kStartUs).acquired);
  auto renewed = leases().RenewPlanLease("daily", "1@alpha", kStartUs + 20'000'000, kTtlUs);
  ASSERT_TRUE(renewed);
  EXPECT_TRUE(*renewed);
  EXPECT_EQ(Row("daily"), Held("1@alpha", kStartUs, kStartUs + 20'000'000 + kTtlUs));
  // Past the first expiry the renewed lease still holds.
  EXPECT_FALSE(Acquire("daily", "2@beta", kStartUs + kTtlUs + 1).acquired);
  ASSERT_TRUE(leases().ReleasePlanLease("daily", "1@alpha"));
  EXPECT_EQ(Row("daily"), "");
  EXPECT_FALSE(*leases().GetPlanLease("daily"));
  EXPECT_TRUE(Acquire("daily", "2@beta", kStartUs + kTtlUs + 1).acquired);
}

TEST_P(PlanLeaseTest, OfManyConnectionsTakingOverOneGoneHolderExactlyOneWins) {
  ASSERT_TRUE(Acquire("daily", "1@alpha", kStartUs).acquired);
  constexpr int kProcesses = 4;
  std::vector<std::unique_ptr<SystemDb>> dbs;
  for (int i = 0; i < kProcesses; ++i) {
    auto db = OpenResult();
    ASSERT_TRUE(db) << db.error().ToString();
    dbs.push_back(std::move(*db));
  }
  std::atomic<int> wins{0};
  std::barrier start(kProcesses);
  std::vector<std::thread> threads;
  for (int i = 0; i < kProcesses; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      auto claim = dbs[i]->plan_leases().AcquirePlanLease("daily", std::to_string(10 + i) + "@alpha",
                                                          kStartUs + 1'000'000, kTtlUs, "1@alpha");
      ASSERT_TRUE(claim) << claim.error().ToString();
      if (claim->acquired) wins++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_NE(target().Query("SELECT owner FROM plan_leases WHERE plan = 'daily'"), "1@alpha");
}

INSTANTIATE_STORE_SUITE(PlanLeaseTest);

}  // namespace
}  // namespace datasync::metadata
