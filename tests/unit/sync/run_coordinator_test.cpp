// The run coordinator against the real SQLite system database with a scripted provider and a recording
// sink: which run it chooses, that a storage that cannot be bound fails the run before any vendor call,
// and how a deferred run waits for the vendor's reset on the clock or stops.
#include "sync/run_coordinator.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "metadata/sqlite/sqlite_backend.hpp"
#include "sync/planner.hpp"
#include "sync/run_transitions.hpp"
#include "unit/sync/engine_doubles.hpp"

namespace datasync::sync {
namespace {

using namespace std::chrono_literals;
using namespace test;

// Binds one recording storage, or fails as told; counts the binds.
class FakeSinkFactory final : public SinkFactory {
 public:
  explicit FakeSinkFactory(SinkLog& log) : log_(log) {}
  core::Result<std::vector<SinkBinding>> Bind(const SyncRun&) override {
    binds++;
    if (fail) return core::Fail(core::ErrorKind::kConfig, "storage 'rec': unknown kind 'nope'");
    auto sink = std::make_unique<RecordingSink>(log_);
    storage::BindContext ctx;
    ctx.storage_name = "rec";
    ctx.dataset = "ds";
    ctx.schema = Schema();
    ctx.primary_key = {"day", "n"};
    if (auto st = sink->Bind(ctx); !st) return core::Fail(st.error());
    if (auto st = sink->Migrate(); !st) return core::Fail(st.error());
    std::vector<SinkBinding> out;
    out.push_back({"rec", "recording", std::move(sink)});
    return out;
  }
  int binds = 0;
  bool fail = false;

 private:
  SinkLog& log_;
};

class RunCoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDir("ds-coord-");
    auto db = metadata::sqlite::OpenSqliteSystemDb((dir_ / "sys.db").string(), clock_);
    ASSERT_TRUE(db) << db.error().ToString();
    db_ = std::move(*db);
    DescribeTestTarget(source_, dataset_, plan_);
    plan_.concurrency = 2;
    plan_.max_wait_secs = 30;
    generation::ParamSource ps{"day", generation::ParamSource::Kind::kList, {"d0", "d1", "d2"}};
    plan_.args.params = {ps};
    provider_.script = [this](const datasource::Params& p, int) { return provider_.Rows(p, 2); };
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  core::Result<RunResult> Run(RunRequest request) {
    RunCoordinatorDeps deps;
    deps.store = &db_->runs();
    deps.clock = &clock_;
    deps.sinks = &sinks_;
    deps.generator = [this](int64_t as_of_us) {
      generator_as_of_.push_back(as_of_us);
      return generation::ArgumentGenerator::Make(plan_.args, {});
    };
    request.on_event = [this](const std::string& m) { events_.push_back(m); };
    RunTarget target{&plan_, &dataset_, &source_, &provider_, &quota_};
    return RunCoordinator(target, std::move(deps)).Run(std::move(request));
  }
  SyncRun Get(int64_t id) { return **db_->runs().GetRun(id); }

  // A run of the plan, executed once and then deferred until `until` by hand.
  SyncRun Deferred(core::TimePoint until) {
    auto first = Run({});
    EXPECT_TRUE(first && first->report);
    SyncRun run = Get(first->report->run_id);
    run.status = RunStatus::kDeferred;
    run.resume_at_us = core::ToEpochMicros(until);
    EXPECT_TRUE(db_->runs().UpdateRun(run));
    sinks_.binds = 0;
    events_.clear();
    return run;
  }

  std::filesystem::path dir_;
  core::ManualClock clock_{core::FromEpochMicros(1'700'000'000'000'000)};
  std::unique_ptr<metadata::SystemDb> db_;
  datasource::DataSource source_;
  datasource::Dataset dataset_;
  SyncPlan plan_;
  ScriptedProvider provider_;
  Quota quota_{datasource::QuotaLimits{}, clock_, core::TimeZone::Utc(), 0ms};
  SinkLog log_;
  FakeSinkFactory sinks_{log_};
  std::vector<int64_t> generator_as_of_;
  std::vector<std::string> events_;
};

TEST_F(RunCoordinatorTest, ANewRunIsPlannedBoundExecutedAndConcluded) {
  RunRequest req;
  req.trigger = "schedule";
  req.slot_us = 42;
  auto res = Run(std::move(req));
  ASSERT_TRUE(res) << res.error().ToString();
  ASSERT_TRUE(res->report);
  EXPECT_EQ(res->report->status, "succeeded");
  EXPECT_EQ(res->report->tasks_done, 3);
  EXPECT_EQ(res->report->rows, 6);
  EXPECT_EQ(res->note, "");
  EXPECT_EQ(sinks_.binds, 1);
  EXPECT_EQ(generator_as_of_, std::vector<int64_t>{42});
  EXPECT_EQ(log_.committed_rows.size(), 3u);
  SyncRun run = Get(res->report->run_id);
  EXPECT_EQ(run.status, RunStatus::kSucceeded);
  EXPECT_EQ(run.trigger, "schedule");
  EXPECT_EQ(run.slot_us, 42);
  ASSERT_FALSE(events_.empty());
  EXPECT_EQ(events_.front(), "run " + std::to_string(run.id) + ": 3 task(s)");
}

TEST_F(RunCoordinatorTest, AStorageThatCannotBeBoundFailsTheRunBeforeAnyVendorCall) {
  sinks_.fail = true;
  auto res = Run({});
  ASSERT_TRUE(res) << res.error().ToString();
  ASSERT_TRUE(res->report);
  EXPECT_EQ(res->report->status, "failed");
  EXPECT_EQ(res->report->error, "storage 'rec': unknown kind 'nope'");
  EXPECT_EQ(provider_.total_calls(), 0);
  SyncRun run = Get(res->report->run_id);
  EXPECT_EQ(run.status, RunStatus::kFailed);
  EXPECT_EQ(db_->runs().CountTasks(run.id)->cancelled, 3);
}

TEST_F(RunCoordinatorTest, ThePlansUnfinishedRunIsResumedAndAPendingOneFinishesItsPlanning) {
  SyncRun run;
  run.plan = "p";
  run.status = RunStatus::kPending;  // a planner stopped before it stored every task
  run.trigger = "schedule";
  run.slot_us = 7;
  auto id = db_->runs().CreateRun(run);
  ASSERT_TRUE(id);
  auto res = Run({});
  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_EQ(res->note, "resumed run " + std::to_string(*id));
  ASSERT_TRUE(res->report);
  EXPECT_EQ(res->report->run_id, *id);
  EXPECT_EQ(res->report->tasks_done, 3);
  EXPECT_EQ(generator_as_of_, std::vector<int64_t>{7});                              // "today" of its slot
  EXPECT_EQ(events_.front(), "resuming run " + std::to_string(*id) + " (running)");  // its planning finished first
}

// A repair run's tasks are those of the data missing when it was planned, which the run does not store: one
// interrupted while planning is cancelled, never planned again from the plan's full argument sets.
TEST_F(RunCoordinatorTest, ARepairInterruptedWhilePlanningIsCancelledNotPlannedInFull) {
  SyncRun run;
  run.plan = "p";
  run.status = RunStatus::kPending;
  run.trigger = std::string(kRepairTrigger);
  auto id = db_->runs().CreateRun(run);
  ASSERT_TRUE(id);
  std::vector<NewTask> one = {{0, "k0", {{"day", "d1"}}}};
  ASSERT_TRUE(db_->runs().AddTasks(*id, one));  // the first of its tasks were stored
  // Resumed by id: refused, and the run is cancelled.
  RunRequest forced;
  forced.run = Get(*id);
  auto refused = Run(std::move(forced));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), core::ErrorKind::kConflict);
  EXPECT_NE(refused.error().message().find("datasync repair p"), std::string::npos) << refused.error().message();
  SyncRun cancelled = Get(*id);
  EXPECT_EQ(cancelled.status, RunStatus::kCancelled);
  EXPECT_EQ(db_->runs().CountTasks(*id)->cancelled, 1);
  EXPECT_EQ(provider_.total_calls(), 0);
  EXPECT_TRUE(generator_as_of_.empty()) << "the plan's argument sets were never generated for it";

  // A plain run of the plan after such a cancellation is a new, full run.
  ASSERT_TRUE(db_->runs().UpdateRun([&] {
    SyncRun again = Get(*id);
    again.status = RunStatus::kPending;
    return again;
  }()));
  auto res = Run({});
  ASSERT_TRUE(res) << res.error().ToString();
  ASSERT_TRUE(res->report);
  EXPECT_NE(res->report->run_id, *id);
  EXPECT_EQ(res->report->tasks_done, 3);
  EXPECT_EQ(Get(*id).status, RunStatus::kCancelled);
}

// A verify run wrote into a scratch copy that is gone: whatever state it was left in, the plan's next run
// cancels it and starts its own, never resuming its tasks into the plan's storages.
TEST_F(RunCoordinatorTest, AnUnfinishedVerifyRunIsCancelledNeverResumed) {
  SyncRun run;
  run.plan = "p";
  run.status = RunStatus::kRunning;
  run.trigger = std::string(kVerifyTrigger);
  auto id = db_->runs().CreateRun(run);
  ASSERT_TRUE(id);
  std::vector<NewTask> two = {{0, "k0", {{"day", "d1"}}}, {0, "k1", {{"day", "d2"}}}};
  ASSERT_TRUE(db_->runs().AddTasks(*id, two));
  auto res = Run({});
  ASSERT_TRUE(res) << res.error().ToString();
  ASSERT_TRUE(res->report);
  EXPECT_NE(res->report->run_id, *id);
  EXPECT_EQ(res->report->tasks_done, 3);  // the plan's own argument sets
  SyncRun cancelled = Get(*id);
  EXPECT_EQ(cancelled.status, RunStatus::kCancelled);
  EXPECT_NE(cancelled.error.find("datasync verify p"), std::string::npos) << cancelled.error;
  EXPECT_EQ(db_->runs().CountTasks(*id)->cancelled, 2);
}

// Repair and verify ask for a new run: an unfinished run of the plan is refused, not resumed with their
// argument sets or storages.
TEST_F(RunCoordinatorTest, ANewRunOnlyRequestRefusesAnUnfinishedRun) {
  SyncRun paused = Deferred(clock_.Now() + 1h);
  const auto calls = provider_.total_calls();
  RunRequest req;
  req.new_run_only = true;
  auto refused = Run(std::move(req));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), core::ErrorKind::kConflict);
  EXPECT_NE(refused.error().message().find("datasync resume " + std::to_string(paused.id)), std::string::npos)
      << refused.error().message();
  EXPECT_EQ(Get(paused.id).status, RunStatus::kDeferred);
  EXPECT_EQ(provider_.total_calls(), calls);
}

TEST_F(RunCoordinatorTest, ADeferredRunNotDueStopsWithoutBindingUnlessItMayWait) {
  SyncRun run = Deferred(clock_.Now() + 1h);
  RunRequest req;
  req.run = run;
  auto res = Run(std::move(req));
  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_NE(res->note.find("is deferred until"), std::string::npos) << res->note;
  ASSERT_TRUE(res->report);  // the stored one
  EXPECT_EQ(res->report->run_id, run.id);
  EXPECT_EQ(sinks_.binds, 0);
  EXPECT_EQ(Get(run.id).status, RunStatus::kDeferred);
}

TEST_F(RunCoordinatorTest, ADeferredRunWaitsForTheResetOnTheClockThenContinues) {
  SyncRun run = Deferred(clock_.Now() + 1h);
  std::thread mover([this] {
    std::this_thread::sleep_for(50ms);
    clock_.Advance(1h);
  });
  RunRequest req;
  req.run = run;
  req.wait_deferred = true;
  auto res = Run(std::move(req));
  mover.join();
  ASSERT_TRUE(res) << res.error().ToString();
  ASSERT_TRUE(res->report);
  EXPECT_EQ(res->report->status, "succeeded");
  EXPECT_EQ(sinks_.binds, 1);
  ASSERT_GE(events_.size(), 3u);
  EXPECT_NE(events_[1].find("waiting"), std::string::npos) << events_[1];
  EXPECT_EQ(events_[2], "the vendor's quota has reset; continuing run " + std::to_string(run.id));
}

TEST_F(RunCoordinatorTest, AnInterruptEndsTheWaitForTheReset) {
  SyncRun run = Deferred(clock_.Now() + 1h);
  std::atomic<bool> interrupt{true};
  RunRequest req;
  req.run = run;
  req.wait_deferred = true;
  req.interrupt = &interrupt;
  auto res = Run(std::move(req));
  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_EQ(res->note, "interrupted while waiting for the vendor's quota");
  EXPECT_EQ(sinks_.binds, 0);
  EXPECT_EQ(Get(run.id).status, RunStatus::kDeferred);
}

TEST_F(RunCoordinatorTest, RecoveringOrphansContinuesTheRunsTheDaemonCanTakeInOrder) {
  auto make = [&](const std::string& plan, RunStatus status, int64_t resume_at_us = 0) {
    SyncRun r;
    r.plan = plan;
    r.status = status;
    r.trigger = "manual";
    r.resume_at_us = resume_at_us;
    auto id = db_->runs().CreateRun(r);
    EXPECT_TRUE(id);
    return *id;
  };
  const int64_t now_us = core::ToEpochMicros(clock_.Now());
  int64_t crashed = make("b", RunStatus::kRunning);
  int64_t declined = make("c", RunStatus::kRunning);
  int64_t due = make("a", RunStatus::kDeferred, now_us - 1);
  make("later", RunStatus::kDeferred, now_us + 3'600'000'000);
  int64_t executed = make("d", RunStatus::kRunning);
  ASSERT_TRUE(db_->runs().Heartbeat(executed, "1@elsewhere", now_us));  // another process executes it

  std::vector<int64_t> asked, continued;
  OrphanRecovery recovery;
  recovery.store = &db_->runs();
  recovery.clock = &clock_;
  recovery.interrupted = true;
  recovery.can_continue = [&](const SyncRun& r) {
    asked.push_back(r.id);
    return r.plan != "c";
  };
  recovery.continue_run = [&](const SyncRun& r) { continued.push_back(r.id); };
  auto first = RunCoordinator::RecoverOrphans(recovery, clock_.Now());
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_EQ(asked, (std::vector<int64_t>{due, declined, crashed}));  // deferred first, then running, newest first
  EXPECT_EQ(continued, (std::vector<int64_t>{due, crashed}));
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[1].id, crashed);

  // Later scans continue only deferred runs whose reset is due.
  asked.clear();
  continued.clear();
  recovery.interrupted = false;
  auto later = RunCoordinator::RecoverOrphans(recovery, clock_.Now() + 2h);
  ASSERT_TRUE(later);
  EXPECT_EQ(continued.size(), 2u);
  for (int64_t id : continued) {
    EXPECT_EQ(Get(id).status, RunStatus::kDeferred);
  }
}

}  // namespace
}  // namespace datasync::sync
