// RemoteRunWatch: the runs other processes execute become run_progress events when their counts move, and
// a run's end when they leave the unfinished set; this process's own runs and stale ones are left out.
#include "app/remote_run_watch.hpp"

#include <gtest/gtest.h>

namespace datasync::app {
namespace {

ActiveRun Active(int64_t id, std::string owner, int64_t done, bool alive = true) {
  ActiveRun a;
  a.run.id = id;
  a.run.plan = "plan" + std::to_string(id);
  a.run.status = sync::RunStatus::kRunning;
  a.run.owner = std::move(owner);
  a.run.counts.tasks_total = 10;
  a.run.counts.tasks_done = done;
  a.run.counts.rows = done * 100;
  a.alive = alive;
  return a;
}

std::optional<sync::SyncRun> NoRun(int64_t) {
  return std::nullopt;
}

TEST(RemoteRunWatchTest, ProgressOfOtherProcessesRunsIsToldWhenItMoves) {
  RemoteRunWatch w("1@self");
  auto first = w.Observe({Active(7, "2@other", 3), Active(8, "1@self", 5), Active(9, "3@gone", 1, false)}, NoRun);
  ASSERT_EQ(first.size(), 1u) << "only run 7: run 8 is ours, run 9 has no live process";
  const auto* p = std::get_if<events::RunProgress>(&first[0]);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->plan, "plan7");
  EXPECT_EQ(p->progress.run_id, 7);
  EXPECT_EQ(p->progress.tasks_done, 3);
  EXPECT_EQ(p->progress.rows, 300);
  EXPECT_EQ(p->progress.note, "running in 2@other");

  EXPECT_TRUE(w.Observe({Active(7, "2@other", 3)}, NoRun).empty()) << "nothing moved";
  auto moved = w.Observe({Active(7, "2@other", 4)}, NoRun);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(std::get<events::RunProgress>(moved[0]).progress.tasks_done, 4);
}

TEST(RemoteRunWatchTest, ARunThatLeavesTheSetEndsWithItsStoredStatus) {
  RemoteRunWatch w("1@self");
  (void)w.Observe({Active(7, "2@other", 3), Active(8, "2@other", 1)}, NoRun);
  auto run_of = [](int64_t id) -> std::optional<sync::SyncRun> {
    if (id != 7) return std::nullopt;
    sync::SyncRun r;
    r.id = 7;
    r.status = sync::RunStatus::kSucceeded;
    r.counts.tasks_done = 10;
    r.counts.rows = 1000;
    return r;
  };
  auto ended = w.Observe({}, run_of);
  ASSERT_EQ(ended.size(), 2u);
  const auto& e7 = std::get<events::RemoteRunEnded>(ended[0]);
  EXPECT_EQ(e7.plan, "plan7");
  EXPECT_EQ(e7.run_id, 7);
  EXPECT_EQ(e7.status, "succeeded");
  EXPECT_EQ(e7.counts.rows, 1000);
  const auto& e8 = std::get<events::RemoteRunEnded>(ended[1]);
  EXPECT_EQ(e8.status, "interrupted") << "not found as stored: its last counts, and no status to claim";
  EXPECT_EQ(events::EventName(ended[0]), "run_ended");
  EXPECT_TRUE(w.Observe({}, run_of).empty()) << "told once";
}

}  // namespace
}  // namespace datasync::app
