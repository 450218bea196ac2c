// Every run transition against the real SQLite system database: what each one leaves in the run row and
// in the task ledger, and which runs a daemon takes over.
#include "sync/run_transitions.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "generation/argument_generator.hpp"
#include "metadata/sqlite/sqlite_backend.hpp"
#include "sync/planner.hpp"

namespace datasync::sync {
namespace {

using namespace std::chrono_literals;

class RunTransitionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("ds-trans-" + std::to_string(::getpid()) + "-" +
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

  RunStore& store() { return db_->runs(); }
  RunTransitions transitions() { return RunTransitions(store(), clock_); }

  // A run of `n` pending tasks (d0..), planned by the planner.
  SyncRun Plan(int n, const std::string& plan_name = "p", int64_t slot_us = 0) {
    SyncPlan plan;
    plan.name = plan_name;
    generation::ParamSource ps{"day", generation::ParamSource::Kind::kList, {}};
    for (int i = 0; i < n; ++i) ps.values.push_back("d" + std::to_string(i));
    plan.args.params = {ps};
    auto gen = generation::ArgumentGenerator::Make(plan.args, {});
    EXPECT_TRUE(gen);
    auto id = PlanRun(store(), plan, **gen, "manual", clock_, slot_us);
    EXPECT_TRUE(id) << id.error().ToString();
    return Get(*id);
  }
  SyncRun Get(int64_t id) { return **store().GetRun(id); }

  // Claims `n` tasks and moves them to `state` (running when `state` is kRunning).
  void Move(const SyncRun& run, size_t n, TaskState state) {
    auto claimed = store().ClaimTasks(run.id, n, core::ToEpochMicros(clock_.Now()));
    ASSERT_TRUE(claimed);
    ASSERT_EQ(claimed->size(), n);
    if (state == TaskState::kRunning) return;
    std::vector<TaskUpdate> ups;
    for (const auto& t : *claimed) {
      int64_t not_before =
          state == TaskState::kCooling || state == TaskState::kDeferred ? core::ToEpochMicros(clock_.Now() + 1h) : 0;
      ups.push_back({t.id, state, 1, 0, 0, "", "", not_before});
    }
    ASSERT_TRUE(store().UpdateTasks(ups));
  }
  TaskCounts Counts(const SyncRun& run) { return *store().CountTasks(run.id); }

  std::filesystem::path dir_;
  core::ManualClock clock_{core::FromEpochMicros(1'700'000'000'000'000)};
  std::unique_ptr<metadata::SystemDb> db_;
};

TEST_F(RunTransitionsTest, CancellingOpenTasksLeavesSettledOnesAlone) {
  SyncRun run = Plan(6);
  Move(run, 1, TaskState::kDone);
  Move(run, 1, TaskState::kFailed);
  Move(run, 1, TaskState::kCooling);
  Move(run, 1, TaskState::kDeferred);
  Move(run, 1, TaskState::kRunning);
  auto n = transitions().CancelOpenTasks(run.id);
  ASSERT_TRUE(n) << n.error().ToString();
  EXPECT_EQ(*n, 4);  // cooling, deferred, running and the one pending
  TaskCounts c = Counts(run);
  EXPECT_EQ(c.cancelled, 4);
  EXPECT_EQ(c.done, 1);
  EXPECT_EQ(c.failed, 1);
}

TEST_F(RunTransitionsTest, StartRequeuesACrashedExecutionsTasksAndOwnsTheRun) {
  SyncRun run = Plan(3);
  Move(run, 2, TaskState::kRunning);
  run.status = RunStatus::kDeferred;
  run.error = "earlier";
  run.resume_at_us = 42;
  ASSERT_TRUE(store().SetControl(run.id, RunControl::kPause));
  auto before = transitions().Start(run, "me@host", clock_.Now());
  ASSERT_TRUE(before) << before.error().ToString();
  EXPECT_EQ(before->pending, 3);
  EXPECT_EQ(before->running, 0);
  SyncRun stored = Get(run.id);
  EXPECT_EQ(stored.status, RunStatus::kRunning);
  EXPECT_EQ(stored.error, "");
  EXPECT_EQ(stored.resume_at_us, 0);
  EXPECT_EQ(stored.control, RunControl::kNone);
  EXPECT_EQ(stored.owner, "me@host");
  EXPECT_TRUE(IsExecuted(stored, core::ToEpochMicros(clock_.Now())));
  EXPECT_FALSE(IsExecuted(stored, core::ToEpochMicros(clock_.Now() + 6s)));
}

TEST_F(RunTransitionsTest, AFailedOrCancelledEndCancelsOpenTasksOthersKeepThem) {
  SyncRun run = Plan(4);
  Move(run, 1, TaskState::kDone);
  TaskCounts c = Counts(run);
  auto deferred = transitions().SettleTasks(run.id, RunStatus::kDeferred, c);
  ASSERT_TRUE(deferred);
  EXPECT_EQ(deferred->pending, 3);
  EXPECT_EQ(Counts(run).pending, 3);
  auto failed = transitions().SettleTasks(run.id, RunStatus::kFailed, c);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->cancelled, 3);
  EXPECT_EQ(failed->done, 1);
}

TEST_F(RunTransitionsTest, ConcludePersistsTheEndAndReleasesTheRun) {
  SyncRun run = Plan(2);
  ASSERT_TRUE(transitions().Start(run, "me@host", clock_.Now()));
  Move(run, 2, TaskState::kDeferred);
  RunEnd end{RunStatus::kDeferred, "quota", clock_.Now() + 3h, 5, 1};
  std::string seen;
  auto st = transitions().Conclude(run, end, Counts(run), [&](const SyncRun& r) {
    seen = std::string(RunStatusName(r.status));
    return std::string("{\"status\":\"deferred\"}");
  });
  ASSERT_TRUE(st) << st.error().ToString();
  EXPECT_EQ(seen, "deferred");
  SyncRun stored = Get(run.id);
  EXPECT_EQ(stored.status, RunStatus::kDeferred);
  EXPECT_EQ(stored.error, "quota");
  EXPECT_EQ(stored.resume_at_us, core::ToEpochMicros(clock_.Now() + 3h));
  EXPECT_EQ(stored.counts.requests, 5);
  EXPECT_EQ(stored.counts.retries, 1);
  EXPECT_EQ(stored.counts.tasks_total, 2);
  EXPECT_EQ(stored.report_json, "{\"status\":\"deferred\"}");
  EXPECT_EQ(stored.owner, "");
  EXPECT_TRUE(transitions().WaitsForReset(stored));
  RunTransitions::Undefer(stored);
  EXPECT_FALSE(transitions().WaitsForReset(stored));
}

TEST_F(RunTransitionsTest, FailingBeforeStartCancelsEveryTaskAndReportsWhy) {
  SyncRun run = Plan(3);
  auto rep = transitions().FailBeforeStart(run, "ds", "vendor", "storage 'x' is not in the catalog");
  ASSERT_TRUE(rep) << rep.error().ToString();
  EXPECT_EQ(rep->status, "failed");
  EXPECT_EQ(rep->dataset, "ds");
  EXPECT_EQ(rep->tasks_total, 3);
  SyncRun stored = Get(run.id);
  EXPECT_EQ(stored.status, RunStatus::kFailed);
  EXPECT_EQ(stored.error, "storage 'x' is not in the catalog");
  EXPECT_NE(stored.finished_at_us, 0);
  EXPECT_EQ(Counts(run).cancelled, 3);
  auto from_json = RunReportFromJson(stored.report_json);
  ASSERT_TRUE(from_json);
  EXPECT_EQ(from_json->error, rep->error);
}

TEST_F(RunTransitionsTest, PauseAndCancelApplyToAnIdleRunAndAreOnlyAskedOfAnExecutedOne) {
  SyncRun idle = Plan(3);
  Move(idle, 1, TaskState::kRunning);
  auto paused = transitions().Pause(idle);
  ASSERT_TRUE(paused);
  EXPECT_TRUE(paused->applied);
  EXPECT_EQ(Get(idle.id).status, RunStatus::kPaused);
  EXPECT_EQ(Get(idle.id).control, RunControl::kPause);
  EXPECT_EQ(Counts(idle).pending, 3);

  auto cancelled = transitions().Cancel(idle);
  ASSERT_TRUE(cancelled);
  EXPECT_TRUE(cancelled->applied);
  EXPECT_EQ(cancelled->tasks, 3);
  SyncRun stored = Get(idle.id);
  EXPECT_EQ(stored.status, RunStatus::kCancelled);
  EXPECT_EQ(stored.error, "cancelled by `datasync cancel`");
  EXPECT_EQ(stored.control, RunControl::kNone);

  SyncRun busy = Plan(2, "q");
  ASSERT_TRUE(transitions().Start(busy, "other@host", clock_.Now()));
  busy = Get(busy.id);
  auto asked = transitions().Cancel(busy);
  ASSERT_TRUE(asked);
  EXPECT_FALSE(asked->applied);
  EXPECT_EQ(Get(busy.id).status, RunStatus::kRunning);
  EXPECT_EQ(Get(busy.id).control, RunControl::kCancel);
  EXPECT_EQ(Counts(busy).cancelled, 0);
}

TEST_F(RunTransitionsTest, RetryRequeuesFailedAndCancelledTasksOnly) {
  SyncRun run = Plan(4);
  Move(run, 1, TaskState::kDone);
  auto none = transitions().Retry(run);
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0);
  EXPECT_EQ(run.trigger, "manual");
  Move(run, 1, TaskState::kFailed);
  ASSERT_TRUE(transitions().CancelOpenTasks(run.id));
  run.status = RunStatus::kFailed;
  run.resume_at_us = 9;
  auto n = transitions().Retry(run);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 3);
  EXPECT_EQ(run.trigger, "retry");
  EXPECT_EQ(run.status, RunStatus::kRunning);
  EXPECT_EQ(run.resume_at_us, 0);
  EXPECT_EQ(Counts(run).pending, 3);
  EXPECT_EQ(Counts(run).done, 1);
}

TEST_F(RunTransitionsTest, OrphansAreDueDeferredRunsAndAtStartTheInterruptedOnes) {
  SyncRun due = Plan(1, "due");
  due.status = RunStatus::kDeferred;
  due.resume_at_us = core::ToEpochMicros(clock_.Now() - 1s);
  ASSERT_TRUE(store().UpdateRun(due));
  SyncRun later = Plan(1, "later");
  later.status = RunStatus::kDeferred;
  later.resume_at_us = core::ToEpochMicros(clock_.Now() + 1h);
  ASSERT_TRUE(store().UpdateRun(later));
  SyncRun slot = Plan(1, "slot", 123);  // the scheduler's
  slot.status = RunStatus::kPaused;
  ASSERT_TRUE(store().UpdateRun(slot));
  SyncRun asked = Plan(1, "asked");  // paused by `datasync pause`: stays paused
  ASSERT_TRUE(transitions().Pause(asked));
  SyncRun crashed = Plan(1, "crashed");  // running, its process gone
  ASSERT_TRUE(transitions().Start(crashed, "gone@host", clock_.Now() - 1min));
  SyncRun alive = Plan(1, "alive");
  ASSERT_TRUE(transitions().Start(alive, "me@host", clock_.Now()));

  auto plans = [](const std::vector<SyncRun>& runs) {
    std::vector<std::string> out;
    for (const auto& r : runs) out.push_back(r.plan);
    return out;
  };
  auto later_scan = transitions().Orphans(false, clock_.Now());
  ASSERT_TRUE(later_scan);
  EXPECT_EQ(plans(*later_scan), std::vector<std::string>{"due"});
  auto at_start = transitions().Orphans(true, clock_.Now());
  ASSERT_TRUE(at_start);
  EXPECT_EQ(plans(*at_start), (std::vector<std::string>{"due", "crashed"}));
}

}  // namespace
}  // namespace datasync::sync
