// The slot store over every backend (store_compliance.hpp): only one of several connections wins a slot, owners keep
// their slots with heartbeats, and a stopped or departed owner's open slots are taken over by exactly one.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store_compliance.hpp"

namespace datasync::metadata {
namespace {

using testing::kStartUs;

class SlotStoreTest : public testing::StoreComplianceTest {};

sync::ScheduleSlot Slot(const std::string& plan, int64_t slot_us, const std::string& owner) {
  sync::ScheduleSlot s;
  s.plan = plan;
  s.slot_us = slot_us;
  s.owner = owner;
  return s;
}

TEST_P(SlotStoreTest, OnlyOneOfManyConnectionsClaimsASlot) {
  constexpr int kDaemons = 4;
  std::vector<std::unique_ptr<SystemDb>> dbs;
  for (int i = 0; i < kDaemons; ++i) {
    auto db = OpenResult();
    ASSERT_TRUE(db) << db.error().message();
    dbs.push_back(std::move(*db));
  }
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kDaemons; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 50; ++k) {
        auto won = dbs[i]->slots().Claim(Slot("daily", kStartUs + k, "daemon-" + std::to_string(i)));
        ASSERT_TRUE(won) << won.error().message();
        if (*won) wins++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 50);
  auto all = dbs[0]->slots().List("daily", 0, 0);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 50u);
}

TEST_P(SlotStoreTest, OwnersUpdateOnlyTheirSlotsAndStaleOnesAreTakenOver) {
  auto db = OpenResult();
  ASSERT_TRUE(db);
  auto& slots = (*db)->slots();
  ASSERT_TRUE(*slots.Claim(Slot("daily", 100, "a")));
  ASSERT_TRUE(*slots.Claim(Slot("weekly", 100, "b")));
  auto s = *slots.Get("daily", 100);
  ASSERT_TRUE(s);
  s->state = sync::SlotState::kStarted;
  s->run_id = 7;
  EXPECT_FALSE(*slots.Update(*s, "b"));  // not b's
  EXPECT_TRUE(*slots.Update(*s, "a"));
  EXPECT_EQ((*slots.Get("daily", 100))->run_id, 7);

  ASSERT_TRUE(slots.Heartbeat("a", kStartUs + 60'000'000));
  // b's heartbeat (its claim) is older than the cut: taken; a's is fresh: kept.
  auto taken = slots.TakeOver("c", kStartUs + 61'000'000, kStartUs + 30'000'000);
  ASSERT_TRUE(taken);
  EXPECT_EQ(*taken, 1);
  EXPECT_EQ((*slots.Get("weekly", 100))->owner, "c");
  EXPECT_EQ((*slots.Get("daily", 100))->owner, "a");
  // A released slot goes at once, whatever its heartbeat.
  ASSERT_TRUE(slots.Release("a"));
  EXPECT_EQ(*slots.TakeOver("c", kStartUs + 62'000'000, 0), 1);
  EXPECT_EQ((*slots.Get("daily", 100))->owner, "c");
  // Finished slots are nobody's business.
  s = *slots.Get("daily", 100);
  s->state = sync::SlotState::kDone;
  ASSERT_TRUE(*slots.Update(*s, "c"));
  EXPECT_EQ(*slots.TakeOver("d", kStartUs + 999'000'000, kStartUs + 999'000'000), 1);  // only weekly is open
  auto open = slots.OpenSlots();
  ASSERT_TRUE(open);
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ(open->front().plan, "weekly");
  auto latest = slots.Latest("daily", 1000);
  ASSERT_TRUE(latest && *latest);
  EXPECT_EQ((*latest)->state, sync::SlotState::kDone);
  EXPECT_FALSE(*slots.Latest("daily", 99));
}

TEST_P(SlotStoreTest, RunsRecordTheirSlot) {
  auto db = OpenResult();
  ASSERT_TRUE(db);
  sync::SyncRun run;
  run.plan = "daily";
  run.trigger = "schedule";
  run.slot_us = 1'795'339'800'000'000;
  auto id = (*db)->runs().CreateRun(run);
  ASSERT_TRUE(id);
  auto back = (*db)->runs().GetRun(*id);
  ASSERT_TRUE(back && *back);
  EXPECT_EQ((*back)->slot_us, run.slot_us);
  EXPECT_EQ((*back)->trigger, "schedule");
}

INSTANTIATE_STORE_SUITE(SlotStoreTest);

}  // namespace
}  // namespace datasync::metadata
