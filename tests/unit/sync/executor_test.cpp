// The executor against the real SQLite system database, a scripted provider (the vendor is the one thing
// we script) and a recording sink that can be told to fail, so every engine decision is checked on the
// task ledger and on what reached the sink.
#include "sync/executor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "core/strings.hpp"
#include "generation/argument_generator.hpp"
#include "metadata/sqlite/sqlite_backend.hpp"
#include "sync/planner.hpp"
#include "unit/sync/engine_doubles.hpp"

namespace datasync::sync {
namespace {

using namespace std::chrono_literals;
using core::Error;
using core::ErrorKind;

using namespace test;

class ExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDir("ds-exec-");
    auto db = metadata::sqlite::OpenSqliteSystemDb((dir_ / "sys.db").string(), clock_);
    ASSERT_TRUE(db) << db.error().ToString();
    db_ = std::move(*db);
    DescribeTestTarget(source_, dataset_, plan_);
    plan_.retry = RetryPolicy{4, 1, 5};
    plan_.max_wait_secs = 30;
    provider_.script = [this](const datasource::Params& p, int) { return provider_.Rows(p, 10); };
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Plans `days` tasks (day=d0..), runs them to the end and returns the report.
  int64_t Plan(int days) {
    generation::ParamSource ps{"day", generation::ParamSource::Kind::kList, {}};
    for (int i = 0; i < days; ++i) ps.values.push_back("d" + std::to_string(i));
    plan_.args.params = {ps};
    auto gen = generation::ArgumentGenerator::Make(plan_.args, {});
    EXPECT_TRUE(gen);
    auto id = PlanRun(db_->runs(), plan_, **gen, "manual", clock_);
    EXPECT_TRUE(id) << id.error().ToString();
    return *id;
  }

  core::Result<RunReport> Execute(int64_t run_id, ExecutorOptions opt = {}) {
    auto run = db_->runs().GetRun(run_id);
    EXPECT_TRUE(run && *run);
    ExecutorDeps deps;
    deps.store = &db_->runs();
    deps.provider = &provider_;
    deps.source = &source_;
    deps.dataset = &dataset_;
    deps.plan = &plan_;
    deps.quota = &quota_;
    deps.clock = &clock_;
    auto sink = std::make_unique<RecordingSink>(sink_log_);
    storage::BindContext ctx;
    ctx.storage_name = "rec";
    ctx.dataset = "ds";
    ctx.schema = Schema();
    ctx.primary_key = dataset_.primary_key;
    EXPECT_TRUE(sink->Bind(ctx));
    EXPECT_TRUE(sink->Migrate());
    deps.sinks.push_back({"rec", "recording", std::move(sink)});
    if (second_sink_) {
      storage::BindContext ctx2 = ctx;
      ctx2.storage_name = "gated";
      EXPECT_TRUE(second_sink_->Bind(ctx2));
      EXPECT_TRUE(second_sink_->Migrate());
      deps.sinks.push_back({"gated", "blocking", std::move(second_sink_)});
    }
    if (opt.fetch_workers == 4) opt.fetch_workers = 3;
    opt.seed = 7;
    Executor ex(std::move(deps), std::move(opt));
    return ex.Execute(**run);
  }

  TaskCounts Counts(int64_t run_id) { return *db_->runs().CountTasks(run_id); }

  std::filesystem::path dir_;
  const core::SystemClock& clock_ = core::SystemClock::Instance();
  std::unique_ptr<metadata::SystemDb> db_;
  datasource::DataSource source_;
  datasource::Dataset dataset_;
  SyncPlan plan_;
  ScriptedProvider provider_;
  Quota quota_{datasource::QuotaLimits{}, clock_, core::TimeZone::Utc(), 0ms};
  SinkLog sink_log_;
  std::unique_ptr<storage::Sink> second_sink_;  // bound as storage "gated" after "rec" when set
};

TEST_F(ExecutorTest, EveryTaskIsCommittedOnceAndAckedAfterTheCommit) {
  int64_t run = Plan(25);
  auto rep = Execute(run);
  ASSERT_TRUE(rep) << rep.error().ToString();
  EXPECT_EQ(rep->status, "succeeded");
  EXPECT_EQ(rep->tasks_total, 25);
  EXPECT_EQ(rep->tasks_done, 25);
  EXPECT_EQ(rep->rows, 250);
  EXPECT_EQ(rep->bytes, 2500);
  EXPECT_EQ(rep->requests, 25);
  EXPECT_DOUBLE_EQ(rep->success_rate, 1.0);
  ASSERT_EQ(rep->storages.size(), 1u);
  EXPECT_EQ(rep->storages[0].rows, 250);
  EXPECT_EQ(sink_log_.committed_rows.size(), 25u);
  for (const auto& [unit, n] : sink_log_.commits_of_unit) EXPECT_EQ(n, 1) << unit;
  auto stored = db_->runs().GetRun(run);
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->status, RunStatus::kSucceeded);
  EXPECT_EQ((*stored)->counts.rows, 250);
  auto report = RunReportFromJson((*stored)->report_json);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->tasks_done, 25);
}

TEST_F(ExecutorTest, TransientErrorsAreRetriedUntilTheyPass) {
  provider_.script = [this](const datasource::Params& p, int call) -> core::Result<datasource::Page> {
    if (call <= 2) return core::Fail(ErrorKind::kTransient, "connection reset");
    return provider_.Rows(p, 3);
  };
  int64_t run = Plan(6);
  auto rep = Execute(run);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->status, "succeeded");
  EXPECT_EQ(rep->retries, 12);
  EXPECT_EQ(rep->requests, 18);
  EXPECT_EQ(rep->rows, 18);
  ASSERT_EQ(rep->errors.size(), 1u);
  EXPECT_EQ(rep->errors[0].kind, "TRANSIENT");
  EXPECT_EQ(rep->errors[0].count, 12);
  auto tasks = db_->runs().ListTasks({run, TaskState::kDone, 100});
  ASSERT_TRUE(tasks);
  for (const auto& t : *tasks) EXPECT_EQ(t.attempts, 3);
}

TEST_F(ExecutorTest, TransientErrorsBeyondMaxAttemptsFailTheTaskAndTheRun) {
  provider_.script = [this](const datasource::Params& p, int) -> core::Result<datasource::Page> {
    if (Param(p, "day") == "d1") return core::Fail(ErrorKind::kTransient, "timeout");
    return provider_.Rows(p, 1);
  };
  int64_t run = Plan(3);
  auto rep = Execute(run);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->status, "failed");
  EXPECT_EQ(rep->tasks_done, 2);
  EXPECT_EQ(rep->tasks_failed, 1);
  EXPECT_EQ(provider_.calls("d1"), 4);  // max_attempts
  EXPECT_EQ(rep->error, "1 task(s) failed");
}

TEST_F(ExecutorTest, InvalidArgumentsAreDroppedAndReportedWithTheirParams) {
  provider_.script = [this](const datasource::Params& p, int) -> core::Result<datasource::Page> {
    if (Param(p, "day") == "d2") return core::Fail(ErrorKind::kInvalidInput, "参数day的值无效");
    return provider_.Rows(p, 2);
  };
  int64_t run = Plan(5);
  auto rep = Execute(run);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->status, "succeeded");
  EXPECT_EQ(rep->tasks_skipped, 1);
  EXPECT_EQ(rep->tasks_done, 4);
  ASSERT_EQ(rep->errors.size(), 1u);
  EXPECT_EQ(rep->errors[0].examples.at(0), "day=d2: 参数day的值无效");
  EXPECT_EQ(provider_.calls("d2"), 1);
}

TEST_F(ExecutorTest, PermissionErrorStopsTheRunAndCancelsTheRest) {
  provider_.script = [](const datasource::Params&, int) -> core::Result<datasource::Page> {
    return core::Fail(ErrorKind::kPermission, "没有接口访问权限");
  };
  int64_t run = Plan(40);
  auto rep = Execute(run);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->status, "failed");
  EXPECT_EQ(rep->error, "没有接口访问权限");
  EXPECT_LE(provider_.total_calls(), 3);  // only what was already in flight
  EXPECT_EQ(rep->tasks_failed + rep->tasks_cancelled, 40);
  EXPECT_EQ(Counts(run).pending, 0);
}

TEST_F(ExecutorTest, RateLimitCoolsDownWithoutCountingAnAttemptAndLearnsTheLimit) {
  provider_.script = [this](const datasource::Params& p, int call) -> core::Result<datasource::Page> {
    if (Param(p, "day") == "d0" && call == 1) {
      Error e(ErrorKind::kRateLimited, "每分钟最多访问该接口200次");
      e.retry_after = 30ms;
      e.learned_limit = core::LearnedLimit{core::QuotaWindow::kMinute, 200};
      return core::Fail(e);
    }
    return provider_.Rows(p, 1);
  };
  int64_t run = Plan(4);
  auto rep = Execute(run);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->status, "succeeded");
  EXPECT_EQ(rep->retries, 0);
  EXPECT_EQ(quota_.limits().per_minute, 200);
  auto tasks = db_->runs().ListTasks({run, TaskState::kDone, 10});
  ASSERT_TRUE(tasks);
  for (const auto& t : *tasks) EXPECT_EQ(t.attempts, 1) << t.params[0].second;
}

TEST_F(ExecutorTest, ExhaustedQuotaDefersTheRunUntilTheReset) {
  auto reset = clock_.Now() + 3h;
  provider_.script = [&](const datasource::Params& p, int) -> core::Result<datasource::Page> {
    if (Param(p, "day") == "d3") {
      Error e(ErrorKind::kQuotaExhausted, "每天最多访问该接口100次");
      e.reset_at = reset;
      return core::Fail(e);
    }
    return provider_.Rows(p, 1);
  };
  ExecutorOptions opt;
  opt.fetch_workers = 1;
  int64_t run = Plan(8);
  auto rep = Execute(run, opt);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->status, "deferred");
  EXPECT_EQ(rep->resume_at_us, core::ToEpochMicros(reset));
  EXPECT_GT(rep->tasks_waiting, 0);
  TaskCounts c = Counts(run);
  EXPECT_EQ(c.deferred, 1);
  EXPECT_EQ(c.done + c.pending + c.deferred, 8);
  auto stored = db_->runs().GetRun(run);
  EXPECT_EQ((*stored)->status, RunStatus::kDeferred);
}

TEST_F(ExecutorTest, TruncatedResponsesAreSplitUntilTheyFit) {
  // A window of 8 days answers 100 rows a day but the cap is 250 rows: 8 -> 4 -> 2 days fit.
  dataset_.row_cap = 250;
  provider_.script = [this](const datasource::Params& p, int) -> core::Result<datasource::Page> {
    int32_t s = *core::ParseInt64(Param(p, "start_date"));
    int32_t e = *core::ParseInt64(Param(p, "end_date"));
    int days = e - s + 1;
    datasource::Page page = provider_.Rows(p, std::min(days * 100, 250));
    if (days * 100 >= 250) page.verdict = datasource::PageVerdict::Truncated("hit the row cap");
    return page;
  };
  plan_.args.params = {{"start_date", generation::ParamSource::Kind::kConstant, {"20240101"}},
                       {"end_date", generation::ParamSource::Kind::kConstant, {"20240108"}}};
  auto gen = generation::ArgumentGenerator::Make(plan_.args, {});
  auto run = PlanRun(db_->runs(), plan_, **gen, "manual", clock_);
  ASSERT_TRUE(run);
  auto rep = Execute(*run);
  ASSERT_TRUE(rep) << rep.error().ToString();
  EXPECT_EQ(rep->status, "succeeded");
  EXPECT_EQ(rep->tasks_split, 3);  // 8 days, then two 4-day halves
  EXPECT_EQ(rep->tasks_done, 4);   // four 2-day windows
  EXPECT_EQ(rep->rows, 800);
  EXPECT_EQ(rep->tasks_total, 4);
}

TEST_F(ExecutorTest, ANextPageVerdictKeepsThePageAndAddsTheNextRequest) {
  // The provider pages with its own param: three pages of 2 rows, then the rest in one of 1.
  provider_.script = [this](const datasource::Params& p, int) -> core::Result<datasource::Page> {
    std::string part = Param(p, "part");
    int n = part.empty() ? 0 : *core::ParseInt64(part);
    datasource::Page page = provider_.Rows(p, n < 3 ? 2 : 1);
    if (n < 3) {
      datasource::Params next = p;
      if (part.empty()) {
        next.emplace_back("part", "1");
      } else {
        next.back().second = std::to_string(n + 1);
      }
      page.verdict = datasource::PageVerdict::NextPage(std::move(next));
    }
    return page;
  };
  ExecutorOptions opt;
  opt.fetch_workers = 1;
  int64_t run = Plan(1);
  auto rep = Execute(run, opt);
  ASSERT_TRUE(rep) << rep.error().ToString();
  EXPECT_EQ(rep->status, "succeeded");
  EXPECT_EQ(rep->tasks_done, 4);
  EXPECT_EQ(rep->tasks_total, 4);
  EXPECT_EQ(rep->tasks_split, 0);
  EXPECT_EQ(rep->rows, 7);
  EXPECT_EQ(provider_.calls("d0"), 4);
  EXPECT_EQ(sink_log_.committed_rows.size(), 4u);  // each page is a unit of its own
}

TEST_F(ExecutorTest, ATruncatedRequestTheProviderCannotNarrowFails) {
  provider_.script = [this](const datasource::Params& p, int) -> core::Result<datasource::Page> {
    datasource::Page page = provider_.Rows(p, 5);
    page.verdict = datasource::PageVerdict::Truncated("response of 5 rows hit the row cap (5) or has_more: splitting");
    return page;
  };
  int64_t run = Plan(1);
  auto rep = Execute(run);
  ASSERT_TRUE(rep) << rep.error().ToString();
  EXPECT_EQ(rep->status, "failed");
  EXPECT_EQ(rep->tasks_failed, 1);
  EXPECT_EQ(rep->rows, 0);  // a truncated page is never kept
  EXPECT_TRUE(sink_log_.committed_rows.empty());
  auto tasks = db_->runs().ListTasks({run, TaskState::kFailed, 10});
  ASSERT_TRUE(tasks);
  ASSERT_EQ(tasks->size(), 1u);
  EXPECT_EQ(tasks->front().error_kind, "TRUNCATED");
  EXPECT_NE(tasks->front().error.find("cannot be narrowed further"), std::string::npos) << tasks->front().error;
}

TEST_F(ExecutorTest, AFailedWriteCostsOnlyItsOwnTask) {
  sink_log_.fail_write_days = {"d3"};
  ExecutorOptions opt;
  opt.fetch_workers = 1;
  int64_t run = Plan(8);
  auto rep = Execute(run, opt);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->tasks_skipped, 1);
  EXPECT_EQ(rep->tasks_done, 7);
  EXPECT_EQ(sink_log_.committed_rows.size(), 7u);
  for (int i = 0; i < 8; ++i) {
    if (i != 3) {
      EXPECT_EQ(provider_.calls("d" + std::to_string(i)), 1) << i;
    }
  }
}

TEST_F(ExecutorTest, AFailedCommitIsRetriedAndNothingIsLostOrDoubled) {
  sink_log_.fail_next_commits = 2;
  int64_t run = Plan(10);
  auto rep = Execute(run);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->status, "succeeded");
  EXPECT_EQ(rep->tasks_done, 10);
  EXPECT_EQ(rep->rows, 100);
  EXPECT_GT(rep->retries, 0);
  EXPECT_EQ(sink_log_.committed_rows.size(), 10u);
}

TEST_F(ExecutorTest, InterruptCheckpointsAndTheNextExecutionFinishes) {
  std::atomic<bool> interrupt{false};
  provider_.script = [&](const datasource::Params& p, int) -> core::Result<datasource::Page> {
    if (Param(p, "day") == "d5") interrupt = true;
    return provider_.Rows(p, 1);
  };
  ExecutorOptions opt;
  opt.fetch_workers = 1;
  opt.interrupt = &interrupt;
  int64_t run = Plan(30);
  auto rep = Execute(run, opt);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->status, "paused");
  EXPECT_LT(rep->tasks_done, 30);
  EXPECT_EQ(Counts(run).running, 0);

  interrupt = false;
  ExecutorOptions again;
  again.fetch_workers = 2;
  auto rep2 = Execute(run, again);
  ASSERT_TRUE(rep2);
  EXPECT_EQ(rep2->status, "succeeded");
  EXPECT_EQ(rep2->tasks_done, 30);
  EXPECT_EQ(sink_log_.committed_rows.size(), 30u);
  int calls = 0;
  for (int i = 0; i < 30; ++i) calls += provider_.calls("d" + std::to_string(i));
  EXPECT_EQ(calls, 30) << "no task fetched twice across the checkpoint";
}

TEST_F(ExecutorTest, ClaimedTasksAreLeasedToThisProcessAndRenewedWhileTheyRun) {
  const std::string me = WorkerIdentity::ThisProcess().Name();
  int64_t run = 0;
  std::optional<SyncTask> seen;
  int64_t checked_at_us = 0;
  provider_.script = [&](const datasource::Params& p, int) -> core::Result<datasource::Page> {
    if (Param(p, "day") == "d0") {
      // Six lease lengths in one call: only renewals keep the lease ahead of the clock.
      std::this_thread::sleep_for(600ms);
      auto running = db_->runs().ListTasks({run, TaskState::kRunning, 0});
      EXPECT_TRUE(running);
      for (const auto& t : *running) {
        if (Param(t.params, "day") == "d0") seen = t;
      }
      checked_at_us = core::ToEpochMicros(clock_.Now());
    }
    return provider_.Rows(p, 1);
  };
  ExecutorOptions opt;
  opt.task_lease_us = 100'000;
  run = Plan(4);
  auto rep = Execute(run, opt);
  ASSERT_TRUE(rep) << rep.error().ToString();
  EXPECT_EQ(rep->status, "succeeded");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->owner, me);
  EXPECT_GT(seen->lease_expires_us, checked_at_us - 100'000) << "the lease was not renewed during the call";
  auto done = db_->runs().ListTasks({run, std::nullopt, 0});
  ASSERT_TRUE(done);
  for (const auto& t : *done) {
    EXPECT_EQ(t.state, TaskState::kDone);
    EXPECT_EQ(t.owner, "") << "a finished task keeps no lease";
    EXPECT_EQ(t.lease_expires_us, 0);
  }
}

TEST_F(ExecutorTest, TasksALiveWorkerElsewhereHoldsAreLeftToItUntilItsLeaseExpires) {
  int64_t run = Plan(6);
  const int64_t lease_us = 400'000;
  auto held = db_->runs().ClaimTasks(run, 2, core::ToEpochMicros(clock_.Now()), TaskLease{"7@elsewhere", lease_us});
  ASSERT_TRUE(held);
  ASSERT_EQ(held->size(), 2u);
  const auto expires = core::FromEpochMicros((*held)[0].lease_expires_us);
  std::vector<std::pair<std::string, core::TimePoint>> calls;
  std::mutex calls_mu;
  provider_.script = [&](const datasource::Params& p, int) -> core::Result<datasource::Page> {
    std::lock_guard lock(calls_mu);
    calls.emplace_back(Param(p, "day"), clock_.Now());
    return provider_.Rows(p, 1);
  };
  auto rep = Execute(run);
  ASSERT_TRUE(rep) << rep.error().ToString();
  EXPECT_EQ(rep->status, "succeeded");
  EXPECT_EQ(Counts(run).done, 6);
  ASSERT_EQ(calls.size(), 6u) << "every task fetched once";
  for (const auto& [day, at] : calls) {
    bool was_held = day == Param((*held)[0].params, "day") || day == Param((*held)[1].params, "day");
    if (was_held) {
      EXPECT_GE(at, expires) << day << " was taken from its worker before its lease expired";
    }
  }
}

TEST_F(ExecutorTest, ACoolDownLongerThanMaxWaitCheckpointsAndCancels) {
  plan_.max_wait_secs = 1;
  provider_.script = [this](const datasource::Params& p, int) -> core::Result<datasource::Page> {
    if (Param(p, "day") == "d0") {
      Error e(ErrorKind::kRateLimited, "频率超限");
      e.retry_after = 120s;
      return core::Fail(e);
    }
    return provider_.Rows(p, 1);
  };
  int64_t run = Plan(3);
  auto rep = Execute(run);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->status, "cancelled");
  EXPECT_NE(rep->error.find("more than max_wait_secs (1)"), std::string::npos) << rep->error;
  EXPECT_EQ(rep->tasks_done, 2);
  EXPECT_EQ(rep->tasks_cancelled, 1);
}

TEST_F(ExecutorTest, ATaskIsAckedOnlyAfterEveryStorageCommittedAndAFailedCommitRewritesItToBothOnce) {
  CommitGate gate;
  second_sink_ = std::make_unique<BlockingCommitSink>(gate);
  int64_t run = Plan(1);
  core::Result<RunReport> rep = core::Fail(ErrorKind::kInternal, "not run");
  std::thread executing([&] { rep = Execute(run); });
  // The first storage commits the task; the second's commit hangs.
  auto deadline = std::chrono::steady_clock::now() + 30s;
  bool both = false;
  while (!both && std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard a(sink_log_.mu);
      std::lock_guard b(gate.mu);
      both = !sink_log_.commits_of_unit.empty() && gate.blocked;
    }
    if (!both) std::this_thread::sleep_for(1ms);
  }
  if (!both) {
    {
      std::lock_guard b(gate.mu);
      gate.released = true;
      gate.cv.notify_all();
    }
    executing.join();
    FAIL() << "the first storage never committed while the second was committing";
  }
  // Committed by one storage only: the ledger must not say done, now or a while later.
  for (int i = 0; i < 20; ++i) {
    TaskCounts c = Counts(run);
    EXPECT_EQ(c.done, 0) << "a task was acked before every storage committed it";
    EXPECT_EQ(c.running, 1);
    std::this_thread::sleep_for(5ms);
  }
  {
    std::lock_guard b(gate.mu);
    gate.fail = true;
    gate.released = true;
    gate.cv.notify_all();
  }
  executing.join();
  ASSERT_TRUE(rep) << rep.error().ToString();
  EXPECT_EQ(rep->status, "succeeded");
  EXPECT_EQ(rep->tasks_done, 1);
  EXPECT_EQ(rep->retries, 1);
  // The failed commit costs one re-fetch, written once more to both storages: exactly once each.
  EXPECT_EQ(provider_.calls("d0"), 2);
  ASSERT_EQ(sink_log_.commits_of_unit.size(), 1u);
  ASSERT_EQ(gate.writes_of_unit.size(), 1u);
  ASSERT_EQ(gate.commits_of_unit.size(), 1u);
  EXPECT_EQ(sink_log_.commits_of_unit.begin()->second, 2);
  EXPECT_EQ(gate.writes_of_unit.begin()->second, 2);
  EXPECT_EQ(gate.commits_of_unit.begin()->second, 1);
  EXPECT_EQ(Counts(run).done, 1);
}

TEST_F(ExecutorTest, AStopRequestInterruptsACommitThatNeverReturnsAfterTheGrace) {
  // The second storage's first commit never returns by itself (a database that stopped answering): SIGTERM
  // must still end the execution, by interrupting the sink once the grace is over.
  CommitGate gate;
  second_sink_ = std::make_unique<BlockingCommitSink>(gate);
  int64_t run = Plan(3);
  std::atomic<bool> interrupt{false};
  std::atomic<bool> finished{false};
  core::Result<RunReport> rep = core::Fail(ErrorKind::kInternal, "not run");
  std::thread executing([&] {
    ExecutorOptions opt;
    opt.interrupt = &interrupt;
    opt.writer_stop_grace = 200ms;
    rep = Execute(run, std::move(opt));
    finished = true;
  });
  auto wait_for = [](auto pred, std::chrono::seconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!pred() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
    return pred();
  };
  bool blocked = wait_for(
      [&] {
        std::lock_guard lock(gate.mu);
        return gate.blocked;
      },
      30s);
  if (blocked) interrupt = true;
  bool ended = blocked && wait_for([&] { return finished.load(); }, 30s);
  if (!ended) {
    std::lock_guard lock(gate.mu);
    gate.released = true;
    gate.cv.notify_all();
  }
  executing.join();
  ASSERT_TRUE(blocked) << "the second storage never started its commit";
  ASSERT_TRUE(ended) << "SIGTERM did not end an execution whose storage never answered";
  ASSERT_TRUE(rep) << rep.error().ToString();
  EXPECT_EQ(rep->status, "paused");
  {
    std::lock_guard lock(gate.mu);
    EXPECT_TRUE(gate.interrupted);
    EXPECT_TRUE(gate.commits_of_unit.empty());
  }
  // Nothing is done: every task waits for the resume, none is lost or failed.
  TaskCounts c = Counts(run);
  EXPECT_EQ(c.done, 0);
  EXPECT_EQ(c.failed, 0);
  EXPECT_EQ(c.pending + c.cooling, 3) << "pending " << c.pending << " cooling " << c.cooling;
}

}  // namespace
}  // namespace datasync::sync
