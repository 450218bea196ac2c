// Task leases over every backend (store_compliance.hpp): a claim records its worker and lease, two workers
// claiming from one run never share a task, renewal extends only the renewing worker's leases, expired and
// lapsed leases go back to pending while live ones stay, and a task that leaves running gives its lease up.
// Every expectation is read back through the backend's own client, not through the store.
#include <gtest/gtest.h>

#include <barrier>
#include <set>
#include <thread>

#include "store_compliance.hpp"

namespace datasync::metadata {
namespace {

using sync::NewTask;
using sync::SyncTask;
using sync::TaskLease;
using sync::TaskState;
using testing::kStartUs;

constexpr int64_t kLeaseUs = 10'000'000;

class TaskLeaseTest : public testing::StoreComplianceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StoreComplianceTest::SetUp());
    db_ = Open();
    ASSERT_TRUE(db_);
  }
  sync::RunStore& runs() { return db_->runs(); }

  int64_t NewRun(int tasks) {
    sync::SyncRun run;
    run.plan = "daily";
    run.status = sync::RunStatus::kRunning;
    auto id = runs().CreateRun(run);
    EXPECT_TRUE(id);
    std::vector<NewTask> add(tasks);
    for (int i = 0; i < tasks; ++i) add[i].params = {{"trade_date", std::to_string(20240101 + i)}};
    EXPECT_TRUE(runs().AddTasks(*id, add));
    return *id;
  }

  std::vector<SyncTask> Claim(int64_t run, size_t max, int64_t now_us, const std::string& owner) {
    auto claimed = runs().ClaimTasks(run, max, now_us, TaskLease{owner, kLeaseUs});
    EXPECT_TRUE(claimed) << claimed.error().ToString();
    return claimed ? *claimed : std::vector<SyncTask>{};
  }

  // "state owner lease_expires_us" of a task, read independently.
  std::string Row(int64_t task_id) {
    return target().Query("SELECT state || ' ' || owner || ' ' || lease_expires_us FROM tasks WHERE id = " +
                          std::to_string(task_id));
  }
  std::string Leased(const std::string& owner, int64_t expires_us) {
    return "running " + owner + " " + std::to_string(expires_us);
  }
  int64_t RunningOf(int64_t run, const std::string& owner) {
    return std::stoll(target().Query("SELECT count(*) FROM tasks WHERE run_id = " + std::to_string(run) +
                                     " AND state = 'running' AND owner = '" + owner + "'"));
  }

  std::unique_ptr<SystemDb> db_;
};

TEST_P(TaskLeaseTest, AClaimRecordsItsWorkerAndLease) {
  int64_t run = NewRun(3);
  auto a = Claim(run, 2, kStartUs, "11@alpha");
  ASSERT_EQ(a.size(), 2u);
  for (const auto& t : a) {
    EXPECT_EQ(t.owner, "11@alpha");
    EXPECT_EQ(t.lease_expires_us, kStartUs + kLeaseUs);
    EXPECT_EQ(Row(t.id), Leased("11@alpha", kStartUs + kLeaseUs));
  }
  auto rest = runs().ListTasks({run, TaskState::kPending, 0});
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ(Row(rest->front().id), "pending  0");
}

TEST_P(TaskLeaseTest, TwoOwnersClaimingFromOneRunNeverGetTheSameTask) {
  constexpr int kTasks = 400;
  int64_t run = NewRun(kTasks);
  // Two workers, each on a connection of its own (two processes), claim until the run is drained.
  std::vector<std::unique_ptr<SystemDb>> dbs;
  for (int w = 0; w < 2; ++w) {
    auto db = OpenResult();
    ASSERT_TRUE(db) << db.error().ToString();
    dbs.push_back(std::move(*db));
  }
  std::vector<std::set<int64_t>> got(2);
  std::barrier start(2);
  std::vector<std::thread> workers;
  for (int w = 0; w < 2; ++w) {
    workers.emplace_back([&, w] {
      std::string owner = std::to_string(100 + w) + "@host-" + std::to_string(w);
      start.arrive_and_wait();
      while (true) {
        auto batch = dbs[w]->runs().ClaimTasks(run, 7, kStartUs, TaskLease{owner, kLeaseUs});
        ASSERT_TRUE(batch) << batch.error().ToString();
        if (batch->empty()) return;
        for (const auto& t : *batch) {
          ASSERT_EQ(t.owner, owner);
          got[w].insert(t.id);
        }
      }
    });
  }
  for (auto& t : workers) t.join();
  for (int64_t id : got[0]) EXPECT_EQ(got[1].count(id), 0u) << "task " << id << " claimed by both workers";
  EXPECT_EQ(got[0].size() + got[1].size(), static_cast<size_t>(kTasks));
  // The ledger says the same: each task is leased to the worker that received it.
  EXPECT_EQ(RunningOf(run, "100@host-0"), static_cast<int64_t>(got[0].size()));
  EXPECT_EQ(RunningOf(run, "101@host-1"), static_cast<int64_t>(got[1].size()));
  auto holders = runs().TaskLeaseHolders(run);
  ASSERT_TRUE(holders);
  int64_t held = 0;
  for (const auto& h : *holders) held += h.tasks;
  EXPECT_EQ(held, kTasks);
}

TEST_P(TaskLeaseTest, ExpiredLeasesAreRequeuedAndUnexpiredOnesAreNot) {
  int64_t run = NewRun(6);
  auto a = Claim(run, 3, kStartUs, "1@alpha");             // expires at +10 s
  auto b = Claim(run, 2, kStartUs + 5'000'000, "2@beta");  // expires at +15 s
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 2u);
  auto holders = runs().TaskLeaseHolders(run);
  ASSERT_TRUE(holders);
  ASSERT_EQ(holders->size(), 2u);
  EXPECT_EQ((*holders)[0].owner, "1@alpha");
  EXPECT_EQ((*holders)[0].lease_expires_us, kStartUs + kLeaseUs);
  EXPECT_EQ((*holders)[0].tasks, 3);
  EXPECT_EQ((*holders)[1].owner, "2@beta");
  EXPECT_EQ((*holders)[1].tasks, 2);

  // Before any expiry nothing moves.
  auto none = runs().RequeueExpired(run, kStartUs + kLeaseUs - 1, {});
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0);
  // At a's expiry a's tasks come back without a lease; b's stay b's.
  auto back = runs().RequeueExpired(run, kStartUs + kLeaseUs, {});
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, 3);
  for (const auto& t : a) EXPECT_EQ(Row(t.id), "pending  0");
  for (const auto& t : b) EXPECT_EQ(Row(t.id), Leased("2@beta", kStartUs + 5'000'000 + kLeaseUs));
  // A holder the engine judged gone loses its tasks before their expiry; other names change nothing.
  const std::string gone[] = {"2@beta", "9@nobody"};
  auto lapsed = runs().RequeueExpired(run, kStartUs + kLeaseUs, gone);
  ASSERT_TRUE(lapsed);
  EXPECT_EQ(*lapsed, 2);
  for (const auto& t : b) EXPECT_EQ(Row(t.id), "pending  0");
  auto c = runs().CountTasks(run);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->pending, 6);
  EXPECT_EQ(c->running, 0);
  EXPECT_TRUE(runs().TaskLeaseHolders(run)->empty());
}

TEST_P(TaskLeaseTest, RenewalExtendsOnlyTheRenewingWorkersLeasesInThatRun) {
  int64_t run = NewRun(4);
  int64_t other_run = NewRun(2);
  auto a = Claim(run, 2, kStartUs, "1@alpha");
  auto b = Claim(run, 1, kStartUs, "2@beta");
  auto a_elsewhere = Claim(other_run, 1, kStartUs, "1@alpha");
  auto renewed = runs().RenewLeases("1@alpha", run, kStartUs + 8'000'000, kLeaseUs);
  ASSERT_TRUE(renewed);
  EXPECT_EQ(*renewed, 2);
  for (const auto& t : a) EXPECT_EQ(Row(t.id), Leased("1@alpha", kStartUs + 18'000'000));
  EXPECT_EQ(Row(b[0].id), Leased("2@beta", kStartUs + kLeaseUs));
  EXPECT_EQ(Row(a_elsewhere[0].id), Leased("1@alpha", kStartUs + kLeaseUs));
  // Past the first expiry only the renewed leases hold.
  auto back = runs().RequeueExpired(run, kStartUs + 12'000'000, {});
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, 1);
  EXPECT_EQ(Row(b[0].id), "pending  0");
  EXPECT_EQ(RunningOf(run, "1@alpha"), 2);
  // A worker renews nothing it does not hold.
  EXPECT_EQ(*runs().RenewLeases("2@beta", run, kStartUs + 12'000'000, kLeaseUs), 0);
}

TEST_P(TaskLeaseTest, ATaskThatLeavesRunningGivesUpItsLease) {
  int64_t run = NewRun(5);
  auto t = Claim(run, 5, kStartUs, "1@alpha");
  ASSERT_EQ(t.size(), 5u);
  std::vector<sync::TaskUpdate> ups = {
      {t[0].id, TaskState::kDone, 1, 10, 100, "", "", 0},
      {t[1].id, TaskState::kCooling, 0, 0, 0, "RATE_LIMITED", "slow down", kStartUs + 60'000'000},
      {t[2].id, TaskState::kPending, 1, 0, 0, "TRANSIENT", "retry", kStartUs + 1'000'000},
      {t[3].id, TaskState::kRunning, 0, 0, 0, "", "", 0},  // stays running: keeps its lease
  };
  ASSERT_TRUE(runs().UpdateTasks(ups));
  EXPECT_EQ(Row(t[0].id), "done  0");
  EXPECT_EQ(Row(t[1].id), "cooling  0");
  EXPECT_EQ(Row(t[2].id), "pending  0");
  EXPECT_EQ(Row(t[3].id), Leased("1@alpha", kStartUs + kLeaseUs));
  const TaskState running[] = {TaskState::kRunning};
  ASSERT_TRUE(runs().TransitionTasks(run, running, TaskState::kCancelled));
  EXPECT_EQ(Row(t[3].id), "cancelled  0");
  EXPECT_EQ(Row(t[4].id), "cancelled  0");
}

INSTANTIATE_STORE_SUITE(TaskLeaseTest);

}  // namespace
}  // namespace datasync::metadata
