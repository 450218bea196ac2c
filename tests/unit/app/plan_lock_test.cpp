// PlanLock over the plan's lease in a real SQLite system database: a live holder refuses with the message
// users have always seen, a gone one (dead pid on this host, expired, or this process's name left by an
// earlier process) is taken over at once, the lease is renewed while held and released when the lock dies.
#include "app/plan_lock.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "metadata/sqlite/sqlite_backend.hpp"

namespace datasync::app {
namespace {

using namespace std::chrono_literals;

constexpr int64_t kTtlUs = 30'000'000;

class PlanLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("ds-planlock-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto db = metadata::sqlite::OpenSqliteSystemDb((dir_ / "sys.db").string(), clock_);
    ASSERT_TRUE(db) << db.error().ToString();
    db_ = std::move(*db);
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  sync::PlanLeaseStore& leases() { return db_->plan_leases(); }
  int64_t Now() const { return core::ToEpochMicros(clock_.Now()); }

  // This process seen from host "alpha" as pid 100, where only pid 200 is alive.
  PlanLock::Options Alpha() const {
    PlanLock::Options o;
    o.judge = sync::LeaseJudge{sync::WorkerIdentity{"alpha", 100}, [](int64_t pid) { return pid == 200; }};
    return o;
  }
  std::string Holder(const std::string& plan) {
    auto lease = leases().GetPlanLease(plan);
    EXPECT_TRUE(lease);
    return lease && *lease ? (*lease)->owner : "";
  }
  void Plant(const std::string& plan, const std::string& owner) {
    auto claim = leases().AcquirePlanLease(plan, owner, Now(), kTtlUs, "");
    ASSERT_TRUE(claim && claim->acquired);
  }

  std::filesystem::path dir_;
  core::ManualClock clock_{core::FromEpochMicros(1'700'000'000'000'000)};
  std::unique_ptr<metadata::SystemDb> db_;
};

TEST_F(PlanLockTest, ASecondLockOfThePlanRefusesWithTheHoldersPidUntilTheFirstIsGone) {
  auto first = PlanLock::Acquire(leases(), clock_, "daily");
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_EQ(Holder("daily"), sync::WorkerIdentity::ThisProcess().Name());
  auto second = PlanLock::Acquire(leases(), clock_, "daily");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind(), core::ErrorKind::kTransient);
  EXPECT_EQ(second.error().message(), "plan 'daily' is being run by pid " + std::to_string(::getpid()) +
                                          "; wait for it to finish (or stop it) and try again");
  auto other = PlanLock::Acquire(leases(), clock_, "weekly");
  EXPECT_TRUE(other);
  first->reset();
  EXPECT_EQ(Holder("daily"), "");  // released
  EXPECT_TRUE(PlanLock::Acquire(leases(), clock_, "daily"));
}

TEST_F(PlanLockTest, ALiveHolderKeepsThePlanAGoneOneIsTakenOverAtOnce) {
  Plant("live", "200@alpha");
  auto live = PlanLock::Acquire(leases(), clock_, "live", Alpha());
  ASSERT_FALSE(live);
  EXPECT_EQ(live.error().message(),
            "plan 'live' is being run by pid 200; wait for it to finish (or stop it) and try again");
  Plant("remote", "7@beta");
  auto remote = PlanLock::Acquire(leases(), clock_, "remote", Alpha());
  ASSERT_FALSE(remote);
  EXPECT_EQ(remote.error().message(),
            "plan 'remote' is being run by pid 7 on host beta; wait for it to finish (or stop it) and try again");

  Plant("killed", "300@alpha");  // kill -9: its pid is gone from this host, its lease not yet expired
  auto killed = PlanLock::Acquire(leases(), clock_, "killed", Alpha());
  ASSERT_TRUE(killed) << killed.error().ToString();
  EXPECT_EQ(Holder("killed"), "100@alpha");
  Plant("restarted", "100@alpha");  // this pid and host, left by an earlier process (a restarted container)
  EXPECT_TRUE(PlanLock::Acquire(leases(), clock_, "restarted", Alpha()));

  clock_.Advance(std::chrono::microseconds(kTtlUs));
  auto expired = PlanLock::Acquire(leases(), clock_, "remote", Alpha());
  ASSERT_TRUE(expired) << expired.error().ToString();
  EXPECT_EQ(Holder("remote"), "100@alpha");
}

TEST_F(PlanLockTest, TheLeaseIsRenewedOnTheClockWhileHeld) {
  PlanLock::Options o = Alpha();
  o.renew_every = 5ms;
  auto lock = PlanLock::Acquire(leases(), clock_, "daily", o);
  ASSERT_TRUE(lock);
  clock_.Advance(1h);
  const int64_t want = Now() + kTtlUs;
  int64_t seen = 0;
  for (int i = 0; i < 2000 && seen != want; ++i) {
    auto lease = leases().GetPlanLease("daily");
    ASSERT_TRUE(lease && *lease);
    seen = (*lease)->expires_us;
    if (seen != want) std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(seen, want) << "the lease was not renewed at the clock's now";
  // Renewed, it holds against another host past its first expiry.
  auto other = leases().AcquirePlanLease("daily", "7@beta", Now() + 1, kTtlUs, "");
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->acquired);
}

}  // namespace
}  // namespace datasync::app
