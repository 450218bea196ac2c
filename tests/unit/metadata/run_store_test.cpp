// RunStore over every backend (store_compliance.hpp): runs, the task ledger, claiming (ordering,
// not_before, concurrency across threads and across connections), batch atomicity and counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "store_compliance.hpp"

namespace datasync::metadata {
namespace {

using sync::NewTask;
using sync::RunStatus;
using sync::SyncRun;
using sync::SyncTask;
using sync::TaskState;
using sync::TaskUpdate;
using testing::kStartUs;
using testing::StoreComplianceTest;

constexpr int64_t kMinuteUs = 60'000'000;

std::vector<NewTask> DailyTasks(int n, int first_day = 1) {
  std::vector<NewTask> tasks(n);
  for (int i = 0; i < n; ++i) {
    tasks[i].params = {{"trade_date", std::to_string(20240000 + first_day + i)}};
    tasks[i].key = "k" + std::to_string(first_day + i);
  }
  return tasks;
}

std::vector<int64_t> Ids(const std::vector<SyncTask>& tasks) {
  std::vector<int64_t> ids;
  for (const auto& t : tasks) ids.push_back(t.id);
  return ids;
}

TaskUpdate Update(const SyncTask& task, TaskState state) {
  TaskUpdate u;
  u.task_id = task.id;
  u.state = state;
  u.attempts = task.attempts + 1;
  return u;
}

class RunStoreTest : public StoreComplianceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StoreComplianceTest::SetUp());
    db_ = Open();
    ASSERT_TRUE(db_);
  }
  sync::RunStore& runs() { return db_->runs(); }

  int64_t NewRun(const std::string& plan = "daily", RunStatus status = RunStatus::kRunning) {
    SyncRun run;
    run.plan = plan;
    run.status = status;
    auto id = runs().CreateRun(run);
    EXPECT_TRUE(id) << id.error().ToString();
    return id ? *id : 0;
  }

  std::vector<SyncTask> Claim(int64_t run_id, size_t max, int64_t now_us = kStartUs) {
    auto claimed = runs().ClaimTasks(run_id, max, now_us);
    EXPECT_TRUE(claimed) << claimed.error().ToString();
    return claimed ? *claimed : std::vector<SyncTask>{};
  }

  sync::TaskCounts Counts(int64_t run_id) {
    auto counts = runs().CountTasks(run_id);
    EXPECT_TRUE(counts) << counts.error().ToString();
    return counts ? *counts : sync::TaskCounts{};
  }

  std::unique_ptr<SystemDb> db_;
};

// ------------------------------------------------------------------------------------------------- runs

TEST_P(RunStoreTest, CreateGetAndUpdateEveryField) {
  SyncRun run;
  run.plan = "daily";
  run.trigger = "schedule";
  auto id = runs().CreateRun(run);
  ASSERT_TRUE(id);
  auto second = runs().CreateRun(run);
  ASSERT_TRUE(second);
  EXPECT_GT(*second, *id);

  auto stored = runs().GetRun(*id);
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->id, *id);
  EXPECT_EQ((*stored)->plan, "daily");
  EXPECT_EQ((*stored)->status, RunStatus::kPending);
  EXPECT_EQ((*stored)->trigger, "schedule");
  EXPECT_EQ((*stored)->created_at_us, kStartUs);  // stamped by the clock

  SyncRun changed;
  changed.id = *id;
  changed.plan = "daily_v2";
  changed.status = RunStatus::kDeferred;
  changed.trigger = "resume";
  changed.created_at_us = 11;
  changed.started_at_us = 12;
  changed.finished_at_us = 13;
  changed.resume_at_us = 14;
  changed.counts = {.tasks_total = 21,
                    .tasks_done = 22,
                    .tasks_failed = 23,
                    .tasks_skipped = 24,
                    .tasks_cancelled = 25,
                    .rows = 26,
                    .bytes = 27,
                    .requests = 28,
                    .retries = 29};
  changed.error = "QUOTA_EXHAUSTED: 每天最多访问该接口100000次";
  changed.report_json = R"({"success_rate":0.98,"note":"quote \" and \\ backslash"})";
  ASSERT_TRUE(runs().UpdateRun(changed));
  auto reread = runs().GetRun(*id);
  ASSERT_TRUE(reread && *reread);
  const SyncRun& r = **reread;
  EXPECT_EQ(r.id, changed.id);
  EXPECT_EQ(r.plan, changed.plan);
  EXPECT_EQ(r.status, changed.status);
  EXPECT_EQ(r.trigger, changed.trigger);
  EXPECT_EQ(r.created_at_us, 11);
  EXPECT_EQ(r.started_at_us, 12);
  EXPECT_EQ(r.finished_at_us, 13);
  EXPECT_EQ(r.resume_at_us, 14);
  EXPECT_EQ(r.counts, changed.counts);
  EXPECT_EQ(r.error, changed.error);
  EXPECT_EQ(r.report_json, changed.report_json);

  // The other run is untouched.
  auto other = runs().GetRun(*second);
  ASSERT_TRUE(other && *other);
  EXPECT_EQ((*other)->plan, "daily");
  EXPECT_EQ((*other)->counts, sync::RunCounts{});
}

TEST_P(RunStoreTest, UnknownRunIsReportedNotInvented) {
  auto missing = runs().GetRun(404);
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);
  SyncRun run;
  run.id = 404;
  run.plan = "daily";
  auto update = runs().UpdateRun(run);
  ASSERT_FALSE(update);
  EXPECT_EQ(update.error().kind(), core::ErrorKind::kInvalidInput);
  auto add = runs().AddTasks(404, DailyTasks(2));
  ASSERT_FALSE(add);
  EXPECT_EQ(add.error().kind(), core::ErrorKind::kInvalidInput);
  EXPECT_NE(add.error().message().find("run 404"), std::string::npos) << add.error().message();
  auto none = runs().GetRun(404);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  SyncRun nameless;
  auto create = runs().CreateRun(nameless);
  ASSERT_FALSE(create);
  EXPECT_EQ(create.error().kind(), core::ErrorKind::kInvalidInput);
}

TEST_P(RunStoreTest, ListRunsNewestFirstWithFilters) {
  int64_t a1 = NewRun("a", RunStatus::kSucceeded);
  int64_t b1 = NewRun("b", RunStatus::kFailed);
  int64_t a2 = NewRun("a", RunStatus::kFailed);
  int64_t a3 = NewRun("a", RunStatus::kRunning);
  int64_t b2 = NewRun("b", RunStatus::kSucceeded);

  auto ids = [&](const sync::RunQuery& q) {
    auto list = runs().ListRuns(q);
    EXPECT_TRUE(list) << list.error().ToString();
    std::vector<int64_t> out;
    if (list) {
      for (const auto& r : *list) out.push_back(r.id);
    }
    return out;
  };
  EXPECT_EQ(ids({}), (std::vector<int64_t>{b2, a3, a2, b1, a1}));
  EXPECT_EQ(ids({.plan = "a"}), (std::vector<int64_t>{a3, a2, a1}));
  EXPECT_EQ(ids({.status = RunStatus::kFailed}), (std::vector<int64_t>{a2, b1}));
  EXPECT_EQ(ids({.plan = "b", .status = RunStatus::kSucceeded}), (std::vector<int64_t>{b2}));
  EXPECT_EQ(ids({.plan = "c"}), (std::vector<int64_t>{}));
  EXPECT_EQ(ids({.limit = 2}), (std::vector<int64_t>{b2, a3}));
  EXPECT_EQ(ids({.plan = "a", .limit = 0}), (std::vector<int64_t>{a3, a2, a1}));  // 0: no limit

  auto list = runs().ListRuns({.plan = "b", .status = RunStatus::kFailed});
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].plan, "b");
  EXPECT_EQ((*list)[0].status, RunStatus::kFailed);
}

// ------------------------------------------------------------------------------------------------ tasks

TEST_P(RunStoreTest, ClaimReturnsOldestFirstAndMarksRunning) {
  int64_t run = NewRun();
  int64_t other = NewRun("other");
  ASSERT_TRUE(runs().AddTasks(run, DailyTasks(10)));
  ASSERT_TRUE(runs().AddTasks(other, DailyTasks(5, 100)));

  auto first = Claim(run, 3, kStartUs + 5);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_TRUE(std::is_sorted(first.begin(), first.end(), [](auto& a, auto& b) { return a.id < b.id; }));
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].run_id, run);
    EXPECT_EQ(first[i].state, TaskState::kRunning);
    EXPECT_EQ(first[i].attempts, 0);
    EXPECT_EQ(first[i].updated_at_us, kStartUs + 5);
    EXPECT_EQ(first[i].key, "k" + std::to_string(i + 1));
    EXPECT_EQ(first[i].params, (datasource::Params{{"trade_date", std::to_string(20240001 + i)}}));
  }
  auto second = Claim(run, 100);
  ASSERT_EQ(second.size(), 7u);
  EXPECT_GT(second.front().id, first.back().id);
  EXPECT_TRUE(Claim(run, 100).empty());
  EXPECT_TRUE(Claim(run, 0).empty());

  // The other run's tasks were never touched.
  auto c = Counts(other);
  EXPECT_EQ(c.pending, 5);
  EXPECT_EQ(c.running, 0);
  auto listed = runs().ListTasks({.run_id = run, .state = TaskState::kRunning, .limit = 0});
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 10u);
}

TEST_P(RunStoreTest, ClaimHonoursNotBefore) {
  int64_t run = NewRun();
  ASSERT_TRUE(runs().AddTasks(run, DailyTasks(5)));
  auto all = Claim(run, 5);
  ASSERT_EQ(all.size(), 5u);
  // t1 cools down one minute, t2 waits for tomorrow's quota, t3 goes back to pending with a stale
  // not_before (pending ignores it), t4 done, t5 stays running.
  TaskUpdate cool = Update(all[0], TaskState::kCooling);
  cool.not_before_us = kStartUs + kMinuteUs;
  cool.error_kind = "RATE_LIMITED";
  cool.error = "每分钟最多访问该接口500次";
  TaskUpdate defer = Update(all[1], TaskState::kDeferred);
  defer.not_before_us = kStartUs + 60 * kMinuteUs;
  TaskUpdate again = Update(all[2], TaskState::kPending);
  again.not_before_us = kStartUs + 600 * kMinuteUs;
  ASSERT_TRUE(runs().UpdateTasks(std::vector<TaskUpdate>{cool, defer, again, Update(all[3], TaskState::kDone)}));

  auto wake = runs().NextWakeup(run);
  ASSERT_TRUE(wake);
  EXPECT_EQ(*wake, kStartUs + kMinuteUs);

  auto now = Claim(run, 10, kStartUs);
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].id, all[2].id);
  EXPECT_EQ(now[0].attempts, 1);
  EXPECT_TRUE(Claim(run, 10, kStartUs + kMinuteUs - 1).empty());

  auto cooled = Claim(run, 10, kStartUs + kMinuteUs);  // due exactly at not_before
  ASSERT_EQ(cooled.size(), 1u);
  EXPECT_EQ(cooled[0].id, all[0].id);
  EXPECT_EQ(cooled[0].state, TaskState::kRunning);
  EXPECT_EQ(cooled[0].not_before_us, kStartUs + kMinuteUs);
  EXPECT_EQ(cooled[0].error_kind, "RATE_LIMITED");
  EXPECT_EQ(cooled[0].error, "每分钟最多访问该接口500次");

  wake = runs().NextWakeup(run);
  ASSERT_TRUE(wake);
  EXPECT_EQ(*wake, kStartUs + 60 * kMinuteUs);
  auto deferred = Claim(run, 10, kStartUs + 61 * kMinuteUs);
  ASSERT_EQ(deferred.size(), 1u);
  EXPECT_EQ(deferred[0].id, all[1].id);
  wake = runs().NextWakeup(run);
  ASSERT_TRUE(wake);
  EXPECT_FALSE(*wake);
}

TEST_P(RunStoreTest, DueCoolingTasksInterleaveWithPendingByID) {
  int64_t run = NewRun();
  ASSERT_TRUE(runs().AddTasks(run, DailyTasks(6)));
  auto first = Claim(run, 2);  // ids 1, 2
  ASSERT_EQ(first.size(), 2u);
  TaskUpdate cool = Update(first[1], TaskState::kCooling);
  cool.not_before_us = kStartUs + kMinuteUs;
  TaskUpdate defer = Update(first[0], TaskState::kDeferred);
  defer.not_before_us = kStartUs + 2 * kMinuteUs;
  ASSERT_TRUE(runs().UpdateTasks(std::vector<TaskUpdate>{cool, defer}));

  // At +3 min both waiting tasks are due and older than every pending one.
  auto batch = Claim(run, 3, kStartUs + 3 * kMinuteUs);
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(Ids(batch), (std::vector<int64_t>{first[0].id, first[1].id, first[1].id + 1}));
}

TEST_P(RunStoreTest, EightThreadsClaimEveryTaskExactlyOnce) {
  int64_t run = NewRun();
  constexpr int kTasks = 10'000;
  ASSERT_TRUE(runs().AddTasks(run, DailyTasks(kTasks)));

  std::mutex mutex;
  std::vector<int64_t> claimed;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      while (true) {
        auto batch = runs().ClaimTasks(run, 16, kStartUs);
        if (!batch) {
          std::lock_guard lock(mutex);
          errors.push_back(batch.error().ToString());
          return;
        }
        if (batch->empty()) return;
        std::vector<TaskUpdate> done;
        for (const auto& task : *batch) {
          TaskUpdate u = Update(task, TaskState::kDone);
          u.rows = 1;
          done.push_back(u);
        }
        if (auto s = runs().UpdateTasks(done); !s) {
          std::lock_guard lock(mutex);
          errors.push_back(s.error().ToString());
          return;
        }
        std::lock_guard lock(mutex);
        for (const auto& task : *batch) claimed.push_back(task.id);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_TRUE(errors.empty()) << errors.front();
  ASSERT_EQ(claimed.size(), static_cast<size_t>(kTasks));
  std::set<int64_t> unique(claimed.begin(), claimed.end());
  EXPECT_EQ(unique.size(), static_cast<size_t>(kTasks));
  auto c = Counts(run);
  EXPECT_EQ(c.done, kTasks);
  EXPECT_EQ(c.rows, kTasks);
  EXPECT_EQ(c.total(), kTasks);
}

TEST_P(RunStoreTest, TwoConnectionsOnOneFileNeverClaimTheSameTask) {
  // Two SystemDb objects are two independent SQLite connections, exactly like two processes: they share
  // nothing but the file and its locks. SQLite's busy handler is not fair (a connection that keeps writing
  // can starve a waiting one), so the workers meet at a barrier before every claim: each round, all four
  // claim at the same moment and the two connections contend for the write lock.
  auto second_db = Open();
  ASSERT_TRUE(second_db);
  int64_t run = NewRun();
  constexpr int kTasks = 4'000;
  constexpr int kWorkers = 4;
  ASSERT_TRUE(runs().AddTasks(run, DailyTasks(kTasks)));

  std::mutex mutex;
  std::vector<int64_t> claimed;
  std::vector<std::string> errors;
  std::vector<int64_t> per_db(2, 0);
  std::atomic<bool> drained{false};
  std::barrier round(kWorkers, [&]() noexcept {
    std::lock_guard lock(mutex);
    if (claimed.size() >= static_cast<size_t>(kTasks) || !errors.empty()) drained = true;
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kWorkers; ++t) {
    sync::RunStore& store = (t % 2 == 0) ? db_->runs() : second_db->runs();
    threads.emplace_back([&, t] {
      while (!drained) {
        auto batch = store.ClaimTasks(run, 25, kStartUs);
        std::vector<TaskUpdate> done;
        if (batch) {
          for (const auto& task : *batch) done.push_back(Update(task, TaskState::kDone));
        }
        auto status = done.empty() ? core::Ok() : store.UpdateTasks(done);
        {
          std::lock_guard lock(mutex);
          if (!batch) errors.push_back(batch.error().ToString());
          if (!status) errors.push_back(status.error().ToString());
          if (batch) {
            per_db[t % 2] += static_cast<int64_t>(batch->size());
            for (const auto& task : *batch) claimed.push_back(task.id);
          }
        }
        round.arrive_and_wait();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_TRUE(errors.empty()) << errors.front();
  ASSERT_EQ(claimed.size(), static_cast<size_t>(kTasks));
  EXPECT_EQ(std::set<int64_t>(claimed.begin(), claimed.end()).size(), static_cast<size_t>(kTasks));
  EXPECT_EQ(per_db[0], kTasks / 2);
  EXPECT_EQ(per_db[1], kTasks / 2);
  auto c = second_db->runs().CountTasks(run);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->done, kTasks);
  EXPECT_EQ(c->running, 0);
}

TEST_P(RunStoreTest, UpdateTasksIsAllOrNothing) {
  int64_t run = NewRun();
  ASSERT_TRUE(runs().AddTasks(run, DailyTasks(3)));
  auto tasks = Claim(run, 3);
  ASSERT_EQ(tasks.size(), 3u);
  TaskUpdate good = Update(tasks[0], TaskState::kDone);
  good.rows = 500;
  TaskUpdate missing;
  missing.task_id = 999'999;
  missing.state = TaskState::kDone;
  auto status = runs().UpdateTasks(std::vector<TaskUpdate>{good, Update(tasks[1], TaskState::kFailed), missing});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().kind(), core::ErrorKind::kInvalidInput);
  EXPECT_NE(status.error().message().find("999999"), std::string::npos) << status.error().message();

  auto c = Counts(run);
  EXPECT_EQ(c.running, 3);
  EXPECT_EQ(c.done, 0);
  EXPECT_EQ(c.failed, 0);
  EXPECT_EQ(c.rows, 0);
  auto listed = runs().ListTasks({.run_id = run});
  ASSERT_TRUE(listed);
  for (const auto& t : *listed) {
    EXPECT_EQ(t.state, TaskState::kRunning);
    EXPECT_EQ(t.attempts, 0);
  }

  // A failed batch leaves the store usable.
  ASSERT_TRUE(runs().UpdateTasks(std::vector<TaskUpdate>{good}));
  EXPECT_EQ(Counts(run).done, 1);
}

TEST_P(RunStoreTest, AddTasksIsAllOrNothing) {
  int64_t run = NewRun();
  std::vector<NewTask> tasks = DailyTasks(3);
  tasks[2].params = {{"ts_code", std::string("\xff\xfe", 2)}};  // not UTF-8
  auto status = runs().AddTasks(run, tasks);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().kind(), core::ErrorKind::kInvalidInput);
  EXPECT_NE(status.error().message().find("ts_code"), std::string::npos) << status.error().message();
  EXPECT_EQ(Counts(run).total(), 0);
  EXPECT_EQ(target().Query("SELECT count(*) FROM tasks"), "0");
}

// The engine's ledger: a page's successor lands exactly when the page is marked done, or neither does.
TEST_P(RunStoreTest, CommitLedgerAddsChildrenAndAppliesUpdatesTogether) {
  int64_t run = NewRun();
  ASSERT_TRUE(runs().AddTasks(run, DailyTasks(2)));
  auto tasks = Claim(run, 2);
  ASSERT_EQ(tasks.size(), 2u);
  NewTask next{tasks[0].id, "", {{"trade_date", std::string("20240105")}, {"cursor", std::string("c2")}}};

  TaskUpdate missing;
  missing.task_id = 999'999;
  missing.state = TaskState::kDone;
  sync::UnitVersions versions{"daily@1:db", {{tasks[0].key, "sha256:aa"}}};
  auto status = runs().CommitLedger(run, std::vector<NewTask>{next},
                                    std::vector<TaskUpdate>{Update(tasks[0], TaskState::kDone), missing}, versions);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().kind(), core::ErrorKind::kInvalidInput);
  EXPECT_EQ(Counts(run).total(), 2) << "the successor must not stay when its page's ack failed";
  EXPECT_EQ(Counts(run).running, 2);
  EXPECT_TRUE(runs().LoadUnitVersions("daily@1:db")->empty()) << "nor the version of a unit whose ack failed";

  ASSERT_TRUE(runs().CommitLedger(run, std::vector<NewTask>{next},
                                  std::vector<TaskUpdate>{Update(tasks[0], TaskState::kDone)}, versions));
  auto c = Counts(run);
  EXPECT_EQ(c.done, 1);
  EXPECT_EQ(c.running, 1);
  EXPECT_EQ(c.pending, 1);
  auto pending = runs().ListTasks({.run_id = run, .state = TaskState::kPending});
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->front().parent_id, tasks[0].id);
  EXPECT_EQ(pending->front().key, sync::TaskKey(next.params));
  auto recorded = runs().LoadUnitVersions("daily@1:db");
  ASSERT_TRUE(recorded);
  ASSERT_EQ(recorded->size(), 1u);
  EXPECT_EQ(recorded->front().key, tasks[0].key);
  EXPECT_EQ(recorded->front().version, "sha256:aa");
}

// A unit's version is replaced by a later ack's, and scopes (other storages, another schema version) are apart.
TEST_P(RunStoreTest, UnitVersionsAreReplacedPerKeyAndKeptPerScope) {
  int64_t run = NewRun();
  ASSERT_TRUE(runs().AddTasks(run, DailyTasks(2)));
  auto tasks = Claim(run, 2);
  ASSERT_TRUE(runs().CommitLedger(run, {}, std::vector<TaskUpdate>{Update(tasks[0], TaskState::kDone)},
                                  {"daily@1:db", {{tasks[0].key, "etag:\"1\""}}}));
  ASSERT_TRUE(runs().CommitLedger(run, {}, std::vector<TaskUpdate>{Update(tasks[1], TaskState::kDone)},
                                  {"daily@1:db", {{tasks[0].key, "etag:\"2\""}, {tasks[1].key, "v"}}}));
  ASSERT_TRUE(runs().CommitLedger(run, {}, {}, {"daily@1:db,files", {{tasks[0].key, "other"}}}));
  auto db = runs().LoadUnitVersions("daily@1:db");
  ASSERT_TRUE(db);
  std::map<std::string, std::string> got;
  for (const auto& v : *db) got[v.key] = v.version;
  EXPECT_EQ(got, (std::map<std::string, std::string>{{tasks[0].key, "etag:\"2\""}, {tasks[1].key, "v"}}));
  EXPECT_EQ(runs().LoadUnitVersions("daily@1:db,files")->size(), 1u);
  EXPECT_TRUE(runs().LoadUnitVersions("daily@2:db")->empty());
}

TEST_P(RunStoreTest, UpdateTasksWritesEveryField) {
  int64_t run = NewRun();
  ASSERT_TRUE(runs().AddTasks(run, DailyTasks(1)));
  auto tasks = Claim(run, 1);
  ASSERT_EQ(tasks.size(), 1u);
  clock_.Advance(std::chrono::seconds(7));
  TaskUpdate u;
  u.task_id = tasks[0].id;
  u.state = TaskState::kFailed;
  u.attempts = 5;
  u.rows = 6;
  u.bytes = 7;
  u.error_kind = "TRANSIENT";
  u.error = "HTTP 502 from api.tushare.pro";
  u.not_before_us = 8;
  ASSERT_TRUE(runs().UpdateTasks(std::vector<TaskUpdate>{u}));
  auto listed = runs().ListTasks({.run_id = run});
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  const SyncTask& t = (*listed)[0];
  EXPECT_EQ(t.state, TaskState::kFailed);
  EXPECT_EQ(t.attempts, 5);
  EXPECT_EQ(t.rows, 6);
  EXPECT_EQ(t.bytes, 7);
  EXPECT_EQ(t.error_kind, "TRANSIENT");
  EXPECT_EQ(t.error, "HTTP 502 from api.tushare.pro");
  EXPECT_EQ(t.not_before_us, 8);
  EXPECT_EQ(t.updated_at_us, kStartUs + 7'000'000);
  EXPECT_EQ(t.parent_id, 0);
}

TEST_P(RunStoreTest, CountTasksSumsRowsAndBytesOfDoneTasksOnly) {
  int64_t run = NewRun();
  ASSERT_TRUE(runs().AddTasks(run, DailyTasks(10)));
  auto tasks = Claim(run, 6);
  ASSERT_EQ(tasks.size(), 6u);
  std::vector<TaskUpdate> updates;
  for (int i = 0; i < 3; ++i) {
    TaskUpdate u = Update(tasks[i], TaskState::kDone);
    u.rows = 100 * (i + 1);
    u.bytes = 1000 * (i + 1);
    updates.push_back(u);
  }
  TaskUpdate failed = Update(tasks[3], TaskState::kFailed);
  failed.rows = 7;  // partial rows of a failed task are not part of the run's output
  failed.bytes = 70;
  updates.push_back(failed);
  updates.push_back(Update(tasks[4], TaskState::kSkipped));
  TaskUpdate split = Update(tasks[5], TaskState::kSplit);
  updates.push_back(split);
  ASSERT_TRUE(runs().UpdateTasks(updates));
  // Children of the split task.
  std::vector<NewTask> children(2);
  children[0].parent_id = tasks[5].id;
  children[0].params = {{"start_date", "20240101"}, {"end_date", "20240115"}};
  children[1].parent_id = tasks[5].id;
  children[1].params = {{"start_date", "20240116"}, {"end_date", "20240131"}};
  ASSERT_TRUE(runs().AddTasks(run, children));

  auto c = Counts(run);
  EXPECT_EQ(c.pending, 4 + 2);
  EXPECT_EQ(c.running, 0);
  EXPECT_EQ(c.done, 3);
  EXPECT_EQ(c.failed, 1);
  EXPECT_EQ(c.skipped, 1);
  EXPECT_EQ(c.split, 1);
  EXPECT_EQ(c.rows, 600);
  EXPECT_EQ(c.bytes, 6000);
  EXPECT_EQ(c.total(), 12);

  // A done task rewritten with other numbers moves the sums; the counts agree with a full scan.
  TaskUpdate fix = updates[0];
  fix.rows = 150;
  ASSERT_TRUE(runs().UpdateTasks(std::vector<TaskUpdate>{fix}));
  EXPECT_EQ(Counts(run).rows, 650);
  EXPECT_EQ(target().Query("SELECT sum(rows) FROM tasks WHERE run_id = " + std::to_string(run) + " AND state = 'done'"),
            "650");
  EXPECT_EQ(
      target().Query("SELECT count(*) FROM tasks WHERE run_id = " + std::to_string(run) + " AND state = 'pending'"),
      "6");

  auto kids = runs().ListTasks({.run_id = run, .state = TaskState::kPending});
  ASSERT_TRUE(kids);
  ASSERT_EQ(kids->size(), 6u);
  EXPECT_EQ((*kids)[4].parent_id, tasks[5].id);
  EXPECT_EQ((*kids)[4].key, sync::TaskKey(children[0].params));  // empty key: derived from the params
  EXPECT_EQ((*kids)[5].params, children[1].params);

  auto empty = Counts(NewRun("idle"));
  EXPECT_EQ(empty.total(), 0);
}

TEST_P(RunStoreTest, RequeueRunningAfterACrash) {
  int64_t run = NewRun();
  ASSERT_TRUE(runs().AddTasks(run, DailyTasks(8)));
  auto tasks = Claim(run, 5);
  ASSERT_TRUE(runs().UpdateTasks(std::vector<TaskUpdate>{Update(tasks[0], TaskState::kDone)}));
  // The process dies here with four tasks running; a new one starts.
  db_.reset();
  db_ = Open();
  ASSERT_TRUE(db_);
  auto requeued = runs().RequeueRunning(run);
  ASSERT_TRUE(requeued);
  EXPECT_EQ(*requeued, 4);
  auto c = Counts(run);
  EXPECT_EQ(c.running, 0);
  EXPECT_EQ(c.pending, 7);
  EXPECT_EQ(c.done, 1);
  auto again = runs().RequeueRunning(run);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0);
  auto next = Claim(run, 1);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].id, tasks[1].id);  // the oldest unfinished task comes back first
}

TEST_P(RunStoreTest, TransitionTasksForRetryAndCancel) {
  int64_t run = NewRun();
  ASSERT_TRUE(runs().AddTasks(run, DailyTasks(10)));
  auto tasks = Claim(run, 6);
  ASSERT_TRUE(runs().UpdateTasks(std::vector<TaskUpdate>{
      Update(tasks[0], TaskState::kDone), Update(tasks[1], TaskState::kFailed), Update(tasks[2], TaskState::kFailed),
      Update(tasks[3], TaskState::kCooling), Update(tasks[4], TaskState::kSkipped)}));
  // Cancel the rest: everything not final.
  std::vector<TaskState> open = {TaskState::kPending, TaskState::kRunning, TaskState::kCooling, TaskState::kDeferred};
  auto cancelled = runs().TransitionTasks(run, open, TaskState::kCancelled);
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(*cancelled, 4 + 1 + 1);  // pending, running, cooling
  auto c = Counts(run);
  EXPECT_EQ(c.cancelled, 6);
  EXPECT_EQ(c.failed, 2);
  EXPECT_EQ(c.done, 1);
  EXPECT_TRUE(Claim(run, 10).empty());

  // Retry: failed and cancelled go back to pending; listing `to` among `from` changes nothing more.
  std::vector<TaskState> retry = {TaskState::kFailed, TaskState::kCancelled, TaskState::kPending, TaskState::kFailed};
  auto retried = runs().TransitionTasks(run, retry, TaskState::kPending);
  ASSERT_TRUE(retried);
  EXPECT_EQ(*retried, 8);
  c = Counts(run);
  EXPECT_EQ(c.pending, 8);
  EXPECT_EQ(c.done, 1);
  EXPECT_EQ(c.skipped, 1);
  EXPECT_EQ(c.total(), 10);
  auto none = runs().TransitionTasks(run, std::vector<TaskState>{}, TaskState::kPending);
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0);
}

TEST_P(RunStoreTest, ListTasksByIdAcrossStates) {
  int64_t run = NewRun();
  ASSERT_TRUE(runs().AddTasks(run, DailyTasks(7)));
  auto tasks = Claim(run, 4);
  ASSERT_TRUE(runs().UpdateTasks(
      std::vector<TaskUpdate>{Update(tasks[1], TaskState::kDone), Update(tasks[3], TaskState::kFailed)}));
  auto all = runs().ListTasks({.run_id = run});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 7u);
  for (size_t i = 0; i < all->size(); ++i) EXPECT_EQ((*all)[i].id, tasks[0].id + static_cast<int64_t>(i));
  EXPECT_EQ((*all)[1].state, TaskState::kDone);
  EXPECT_EQ((*all)[3].state, TaskState::kFailed);
  EXPECT_EQ((*all)[6].state, TaskState::kPending);

  auto first3 = runs().ListTasks({.run_id = run, .limit = 3});
  ASSERT_TRUE(first3);
  EXPECT_EQ(Ids(*first3), (std::vector<int64_t>{tasks[0].id, tasks[1].id, tasks[2].id}));
  auto running = runs().ListTasks({.run_id = run, .state = TaskState::kRunning});
  ASSERT_TRUE(running);
  EXPECT_EQ(Ids(*running), (std::vector<int64_t>{tasks[0].id, tasks[2].id}));
  auto nothing = runs().ListTasks({.run_id = 9999});
  ASSERT_TRUE(nothing);
  EXPECT_TRUE(nothing->empty());
}

// The web app's tasks table: pages by offset across states, by state, and by a substring of the parameters,
// with the count each filter pages through.
TEST_P(RunStoreTest, PagesFiltersAndSearchesTasks) {
  int64_t run = NewRun();
  ASSERT_TRUE(runs().AddTasks(run, DailyTasks(12)));
  auto tasks = Claim(run, 12);
  ASSERT_EQ(tasks.size(), 12u);
  std::vector<TaskUpdate> updates;
  for (size_t i = 0; i < tasks.size(); i += 2) updates.push_back(Update(tasks[i], TaskState::kDone));
  updates.push_back(Update(tasks[3], TaskState::kFailed));
  ASSERT_TRUE(runs().UpdateTasks(updates));

  auto page = runs().ListTasks({.run_id = run, .limit = 5, .offset = 5});
  ASSERT_TRUE(page);
  EXPECT_EQ(Ids(*page), (std::vector<int64_t>{tasks[5].id, tasks[6].id, tasks[7].id, tasks[8].id, tasks[9].id}));
  auto tail = runs().ListTasks({.run_id = run, .limit = 5, .offset = 10});
  ASSERT_TRUE(tail);
  EXPECT_EQ(Ids(*tail), (std::vector<int64_t>{tasks[10].id, tasks[11].id}));
  auto done = runs().ListTasks({.run_id = run, .state = TaskState::kDone, .limit = 2, .offset = 1});
  ASSERT_TRUE(done);
  EXPECT_EQ(Ids(*done), (std::vector<int64_t>{tasks[2].id, tasks[4].id}));

  auto all = runs().CountMatchingTasks({.run_id = run});
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, 12);
  EXPECT_EQ(*runs().CountMatchingTasks({.run_id = run, .state = TaskState::kDone}), 6);
  EXPECT_EQ(*runs().CountMatchingTasks({.run_id = run, .state = TaskState::kFailed}), 1);
  EXPECT_EQ(*runs().CountMatchingTasks({.run_id = 9999}), 0);

  // The search is a plain substring of the JSON text: %, _, * and SQL are text, not patterns or statements.
  std::string day = tasks[3].params[0].second;
  auto found = runs().ListTasks({.run_id = run, .search = day});
  ASSERT_TRUE(found);
  EXPECT_EQ(Ids(*found), (std::vector<int64_t>{tasks[3].id}));
  EXPECT_EQ(*runs().CountMatchingTasks({.run_id = run, .search = day}), 1);
  EXPECT_EQ(*runs().CountMatchingTasks({.run_id = run, .state = TaskState::kDone, .search = day}), 0);
  for (const std::string& hostile : std::vector<std::string>{"%", "%_%", "' OR 1=1 --", "2024%", "*"}) {
    auto none = runs().ListTasks({.run_id = run, .search = hostile});
    ASSERT_TRUE(none) << hostile;
    EXPECT_TRUE(none->empty()) << hostile;
    EXPECT_EQ(*runs().CountMatchingTasks({.run_id = run, .search = hostile}), 0) << hostile;
  }
}

// The run page's timeline: every entry of a task into a state but pending, per state, in buckets from a
// start, so that the steps a task went through stay visible after it moved on.
TEST_P(RunStoreTest, TaskTimelineCountsEveryStepOfEveryTask) {
  int64_t run = NewRun();
  ASSERT_TRUE(runs().AddTasks(run, DailyTasks(5)));  // pending: not a step
  auto tasks = Claim(run, 5);                        // 5 started at kStartUs
  clock_.Advance(std::chrono::seconds(70));
  TaskUpdate cooled = Update(tasks[3], TaskState::kCooling);
  cooled.not_before_us = core::ToEpochMicros(clock_.Now());
  ASSERT_TRUE(runs().UpdateTasks(
      std::vector<TaskUpdate>{Update(tasks[0], TaskState::kDone), Update(tasks[1], TaskState::kFailed), cooled}));
  clock_.Advance(std::chrono::seconds(60));
  auto again = Claim(run, 5, core::ToEpochMicros(clock_.Now()));  // the cooled task starts again
  ASSERT_EQ(again.size(), 1u);
  ASSERT_TRUE(runs().UpdateTasks(
      std::vector<TaskUpdate>{Update(tasks[2], TaskState::kDone), Update(again[0], TaskState::kDone)}));
  auto t = runs().TaskTimeline(run, kStartUs, 60'000'000);
  ASSERT_TRUE(t) << t.error().ToString();
  std::vector<std::tuple<int64_t, TaskState, int64_t>> got;
  for (const auto& b : *t) got.emplace_back(b.start_us, b.state, b.tasks);
  const int64_t minute = 60'000'000;
  EXPECT_EQ(got,
            (std::vector<std::tuple<int64_t, TaskState, int64_t>>{{kStartUs, TaskState::kRunning, 5},
                                                                  {kStartUs + minute, TaskState::kCooling, 1},
                                                                  {kStartUs + minute, TaskState::kDone, 1},
                                                                  {kStartUs + minute, TaskState::kFailed, 1},
                                                                  {kStartUs + 2 * minute, TaskState::kDone, 2},
                                                                  {kStartUs + 2 * minute, TaskState::kRunning, 1}}))
      << "by bucket, then by the state's name";
  // Steps before the start count in the first bucket; other runs' steps not at all.
  int64_t other = NewRun();
  ASSERT_TRUE(runs().AddTasks(other, DailyTasks(3)));
  Claim(other, 3);
  auto late = runs().TaskTimeline(run, kStartUs + 10 * minute, minute);
  ASSERT_TRUE(late);
  int64_t total = 0;
  for (const auto& b : *late) {
    EXPECT_EQ(b.start_us, kStartUs + 10 * minute);
    total += b.tasks;
  }
  EXPECT_EQ(total, 11);
  EXPECT_FALSE(runs().TaskTimeline(run, kStartUs, 0));
}

TEST_P(RunStoreTest, CountsAndPagesRuns) {
  for (int i = 0; i < 5; ++i) NewRun(i < 3 ? "daily" : "basic", i == 0 ? RunStatus::kFailed : RunStatus::kSucceeded);
  EXPECT_EQ(*runs().CountRuns({}), 5);
  EXPECT_EQ(*runs().CountRuns({.plan = "daily"}), 3);
  EXPECT_EQ(*runs().CountRuns({.plan = "daily", .status = RunStatus::kFailed}), 1);
  EXPECT_EQ(*runs().CountRuns({.status = RunStatus::kSucceeded}), 4);
  auto newest = runs().ListRuns({.limit = 2});
  auto next = runs().ListRuns({.limit = 2, .offset = 2});
  ASSERT_TRUE(newest && next);
  ASSERT_EQ(newest->size(), 2u);
  ASSERT_EQ(next->size(), 2u);
  EXPECT_GT((*newest)[1].id, (*next)[0].id);
}

TEST_P(RunStoreTest, ParamsRoundTripExactly) {
  int64_t run = NewRun();
  static constexpr char kControl[] = "tab\tnew\nline\rnul\0end\x01\x7f";
  std::vector<datasource::Params> cases = {
      {},
      {{"ts_code", "000001.SZ"}, {"trade_date", "20240102"}},
      {{"name", "平安银行"}, {"emoji", "📈 up"}, {"mixed", "A股/港股 ü é"}},
      {{"quote", "say \"hi\""}, {"backslash", "C:\\data\\x"}, {"json", R"({"a":[1,"b"]})"}},
      {{"empty", ""}, {"", "empty name"}, {"", ""}},
      {{"ctl", std::string(kControl, sizeof(kControl) - 1)}},
      {{"dup", "1"}, {"dup", "2"}},  // order and repeats are kept
  };
  std::vector<NewTask> tasks;
  for (const auto& p : cases) tasks.push_back(NewTask{.parent_id = 0, .key = "", .params = p});
  ASSERT_TRUE(runs().AddTasks(run, tasks));
  auto claimed = Claim(run, cases.size());
  ASSERT_EQ(claimed.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(claimed[i].params, cases[i]) << "case " << i;
    EXPECT_EQ(claimed[i].key, sync::TaskKey(cases[i])) << "case " << i;
  }
  EXPECT_EQ(target().Query("SELECT params_json FROM tasks WHERE id = " + std::to_string(claimed[1].id)),
            R"([["ts_code","000001.SZ"],["trade_date","20240102"]])");
}

INSTANTIATE_STORE_SUITE(RunStoreTest);

}  // namespace
}  // namespace datasync::metadata

namespace datasync::metadata {
namespace {

using sync::RunControl;
using sync::RunStatus;
using sync::TaskState;

class RunControlTest : public testing::StoreComplianceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StoreComplianceTest::SetUp());
    db_ = Open();
    ASSERT_TRUE(db_);
  }
  std::unique_ptr<SystemDb> db_;
};

TEST_P(RunControlTest, ControlRequestsReachTheHeartbeatAndSurviveUpdateRun) {
  auto& runs = db_->runs();
  sync::SyncRun run;
  run.plan = "daily";
  run.status = RunStatus::kRunning;
  auto id = runs.CreateRun(run);
  ASSERT_TRUE(id);
  auto beat = runs.Heartbeat(*id, "123@host", 1000);
  ASSERT_TRUE(beat);
  EXPECT_EQ(*beat, RunControl::kNone);
  ASSERT_TRUE(runs.SetControl(*id, RunControl::kPause));
  // The executing process rewrites the run row; the request must not be lost.
  run.id = *id;
  run.counts.tasks_done = 5;
  ASSERT_TRUE(runs.UpdateRun(run));
  beat = runs.Heartbeat(*id, "123@host", 2000);
  ASSERT_TRUE(beat);
  EXPECT_EQ(*beat, RunControl::kPause);
  auto stored = runs.GetRun(*id);
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->control, RunControl::kPause);
  EXPECT_EQ((*stored)->owner, "123@host");
  EXPECT_EQ((*stored)->heartbeat_at_us, 2000);
  EXPECT_EQ((*stored)->counts.tasks_done, 5);
  ASSERT_TRUE(runs.SetControl(*id, RunControl::kNone));
  ASSERT_TRUE(runs.Heartbeat(*id, "", 3000));
  stored = runs.GetRun(*id);
  EXPECT_EQ((*stored)->control, RunControl::kNone);
  EXPECT_EQ((*stored)->owner, "");
  EXPECT_FALSE(runs.SetControl(9999, RunControl::kCancel));
  EXPECT_FALSE(runs.Heartbeat(9999, "x", 1));
}

TEST_P(RunControlTest, RetryResetsOnlyFailedAndCancelledTasks) {
  auto& runs = db_->runs();
  sync::SyncRun run;
  run.plan = "daily";
  auto id = runs.CreateRun(run);
  ASSERT_TRUE(id);
  std::vector<sync::NewTask> tasks;
  for (int i = 0; i < 5; ++i) tasks.push_back({0, "", {{"d", std::to_string(i)}}});
  ASSERT_TRUE(runs.AddTasks(*id, tasks));
  auto claimed = runs.ClaimTasks(*id, 5, testing::kStartUs);
  ASSERT_TRUE(claimed);
  std::vector<sync::TaskUpdate> ups;
  TaskState states[] = {TaskState::kDone, TaskState::kFailed, TaskState::kCancelled, TaskState::kSkipped,
                        TaskState::kFailed};
  for (int i = 0; i < 5; ++i) ups.push_back({(*claimed)[i].id, states[i], 5, 1, 1, "TRANSIENT", "boom", 77});
  ASSERT_TRUE(runs.UpdateTasks(ups));
  auto n = runs.ResetForRetry(*id);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 3);
  auto pending = runs.ListTasks({*id, TaskState::kPending, 10});
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 3u);
  for (const auto& t : *pending) {
    EXPECT_EQ(t.attempts, 0);
    EXPECT_EQ(t.error, "");
    EXPECT_EQ(t.not_before_us, 0);
  }
  auto counts = runs.CountTasks(*id);
  EXPECT_EQ(counts->done, 1);
  EXPECT_EQ(counts->skipped, 1);
}

TEST_P(RunControlTest, QuotaStateRoundTrips) {
  auto& quotas = db_->quotas();
  auto none = quotas.LoadQuota("k1");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  ASSERT_TRUE(quotas.SaveQuota({"k1", "tushare/daily", "{\"day\":1}", 10}));
  ASSERT_TRUE(quotas.SaveQuota({"k2", "tushare/adj_factor", "{}", 11}));
  ASSERT_TRUE(quotas.SaveQuota({"k1", "tushare/daily", "{\"day\":2}", 12}));
  auto one = quotas.LoadQuota("k1");
  ASSERT_TRUE(one && *one);
  EXPECT_EQ((*one)->state_json, "{\"day\":2}");
  EXPECT_EQ((*one)->updated_at_us, 12);
  auto all = quotas.ListQuotas();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].label, "tushare/adj_factor");
}

INSTANTIATE_STORE_SUITE(RunControlTest);

}  // namespace
}  // namespace datasync::metadata
