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

// The owner-alive rule of leases, case by case, with a kernel that knows pid 200 only.
TEST(LeaseLapsedTest, ExpiredDeadOrOwnLeasesLapseLiveOnesHoldUntilTheyExpire) {
  const WorkerIdentity self{"alpha", 100};
  const PidAlive alive = [](int64_t pid) { return pid == 200; };
  const int64_t now = 1'000'000;
  EXPECT_TRUE(LeaseLapsed("200@alpha", now, now, self, alive)) << "expired, though alive";
  EXPECT_FALSE(LeaseLapsed("200@alpha", now + 1, now, self, alive)) << "alive on this host, not expired";
  EXPECT_TRUE(LeaseLapsed("300@alpha", now + 1, now, self, alive)) << "its process is gone from this host";
  EXPECT_TRUE(LeaseLapsed("100@alpha", now + 1, now, self, alive)) << "an earlier process of this pid and host";
  EXPECT_FALSE(LeaseLapsed("300@beta", now + 1, now, self, alive)) << "another host: only its expiry counts";
  EXPECT_FALSE(LeaseLapsed("100@beta", now + 1, now, self, alive)) << "this pid on another host is not self";
  EXPECT_TRUE(LeaseLapsed("300@beta", now - 1, now, self, alive));
  EXPECT_FALSE(LeaseLapsed("worker-7", now + 1, now, self, alive)) << "a name that is no pid@host";
  EXPECT_FALSE(LeaseLapsed("", now + 1, now, self, alive));
  EXPECT_TRUE(LeaseLapsed("worker-7", now, now, self, alive));
}

TEST(WorkerIdentityTest, NamesArePidAtHostAndParseBack) {
  const WorkerIdentity& me = WorkerIdentity::ThisProcess();
  EXPECT_EQ(me.pid, static_cast<int64_t>(::getpid()));
  EXPECT_EQ(me.Name(), std::to_string(::getpid()) + "@" + me.host);
  EXPECT_EQ(WorkerIdentity::Parse(me.Name()), me);
  EXPECT_EQ(WorkerIdentity::Parse("42@db-1.example"), (WorkerIdentity{"db-1.example", 42}));
  EXPECT_EQ(WorkerIdentity::Parse("42@"), (WorkerIdentity{"", 42}));
  for (const char* bad : {"", "@host", "x@host", "0@host", "-3@host", "42", "4 2@host"}) {
    EXPECT_FALSE(WorkerIdentity::Parse(bad)) << bad;
  }
  EXPECT_TRUE(ProcessAlive(::getpid()));
  EXPECT_FALSE(ProcessAlive(0));
}

TEST_F(RunTransitionsTest, StartRequeuesOnlyTheTasksWhoseWorkerIsGone) {
  SyncRun run = Plan(7);
  const int64_t now = core::ToEpochMicros(clock_.Now());
  auto claim = [&](size_t n, const std::string& owner) {
    auto claimed = store().ClaimTasks(run.id, n, now, TaskLease{owner, 30'000'000});
    ASSERT_TRUE(claimed);
    ASSERT_EQ(claimed->size(), n);
  };
  claim(2, "300@alpha");  // this host, its process gone (kill -9)
  claim(2, "7@beta");     // another host: holds until its lease expires
  claim(1, "200@alpha");  // this host, still alive
  RunTransitions t(store(), clock_, LeaseJudge{WorkerIdentity{"alpha", 100}, [](int64_t pid) { return pid == 200; }});
  auto before = t.Start(run, "100@alpha", clock_.Now());
  ASSERT_TRUE(before) << before.error().ToString();
  EXPECT_EQ(before->running, 3);
  EXPECT_EQ(before->pending, 4);
  auto holders = store().TaskLeaseHolders(run.id);
  ASSERT_TRUE(holders);
  ASSERT_EQ(holders->size(), 2u);
  EXPECT_EQ((*holders)[0].owner, "200@alpha");
  EXPECT_EQ((*holders)[1].owner, "7@beta");
  // Once their leases expired, nobody holds them.
  clock_.Advance(30s);
  auto back = t.RequeueLapsed(run.id);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, 3);
  EXPECT_EQ(Counts(run).pending, 7);
}

}  // namespace
}  // namespace datasync::sync
