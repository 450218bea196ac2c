// JobQueue: the web app's storage work runs on one thread, in order, one job at a time; the request that
// submitted a job only queues it; each job's end is kept and announced; a full queue and a stopped one
// refuse; jobs still waiting at Stop are told why they never ran.
#include "app/job_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "app/events/event_bus.hpp"
#include "core/secrets.hpp"

namespace datasync::app {
namespace {

using namespace std::chrono_literals;

// A job that waits until the test opens the gate, so that the test decides when it ends.
class Gate {
 public:
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

JobState WaitEnded(JobQueue& q, int64_t id) {
  for (int i = 0; i < 2000; ++i) {
    auto j = q.Get(id);
    if (j && (j->state == JobState::kSucceeded || j->state == JobState::kFailed)) return j->state;
    std::this_thread::sleep_for(5ms);
  }
  ADD_FAILURE() << "job " << id << " did not end";
  return JobState::kQueued;
}

TEST(JobQueueTest, RunsJobsInOrderOneAtATimeAndKeepsTheirAnswers) {
  core::RegisterSecret("abc123-the-storage-password");
  core::ManualClock clock(core::FromEpochMicros(1'000'000));
  events::EventBus bus;
  std::vector<events::JobEnded> ended;
  std::mutex ended_mu;
  bus.Listen([&](const events::Event& e) {
    if (const auto* j = std::get_if<events::JobEnded>(&e)) {
      std::lock_guard lock(ended_mu);
      ended.push_back(*j);
    }
  });
  JobQueue q(clock, &bus);
  Gate gate;
  std::atomic<int> running{0}, most{0};
  std::vector<int> order;
  std::mutex order_mu;
  auto work = [&](int n, bool fail) {
    return [&, n, fail]() -> core::Result<JobResult> {
      int now = ++running;
      most = std::max(most.load(), now);
      if (n == 1) gate.Wait();
      {
        std::lock_guard lock(order_mu);
        order.push_back(n);
      }
      --running;
      if (fail)
        return core::Fail(core::ErrorKind::kTransient, "pg: connection refused (password abc123-the-storage-password)");
      return JobResult{"job " + std::to_string(n), "{\"n\":" + std::to_string(n) + "}"};
    };
  };
  auto a = q.Submit("migration.check", "dataset daily in pg", "ops", work(1, false));
  auto b = q.Submit("migration.apply", "dataset daily in pg", "ops", work(2, true));
  auto c = q.Submit("migration.check", "dataset bars in ch", "vera", work(3, false));
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*b, *a + 1);
  // The first holds the thread: the others wait their turn, and the queue says so.
  for (int i = 0; i < 400 && q.Get(*a)->state != JobState::kRunning; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(q.Get(*a)->state, JobState::kRunning);
  EXPECT_EQ(q.Get(*b)->state, JobState::kQueued);
  auto listed = q.List();
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0].id, *c) << "newest first";
  gate.Open();
  EXPECT_EQ(WaitEnded(q, *c), JobState::kSucceeded);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(most.load(), 1) << "never two jobs at once";

  auto first = q.Get(*a);
  EXPECT_EQ(first->summary, "job 1");
  EXPECT_EQ(first->result_json, "{\"n\":1}");
  EXPECT_EQ(first->actor, "ops");
  EXPECT_EQ(first->queued_at_us, 1'000'000);
  auto failed = q.Get(*b);
  EXPECT_EQ(failed->state, JobState::kFailed);
  EXPECT_NE(failed->error.find("connection refused"), std::string::npos) << failed->error;
  EXPECT_EQ(failed->error.find("abc123-the-storage-password"), std::string::npos)
      << "secrets are redacted: " << failed->error;
  EXPECT_EQ(failed->result_json, "null");

  std::lock_guard lock(ended_mu);
  ASSERT_EQ(ended.size(), 3u);
  EXPECT_EQ(ended[0].id, *a);
  EXPECT_EQ(ended[0].state, "succeeded");
  EXPECT_EQ(ended[0].summary, "job 1");
  EXPECT_EQ(ended[1].state, "failed");
  EXPECT_EQ(ended[2].subject, "dataset bars in ch");
}

TEST(JobQueueTest, AFullQueueRefusesAndStopTellsTheWaitingJobsWhyTheyNeverRan) {
  core::ManualClock clock(core::FromEpochMicros(1'000'000));
  Gate gate;
  auto q = std::make_unique<JobQueue>(clock, nullptr, /*max_queued=*/2, /*keep=*/10);
  std::atomic<bool> started{false};
  auto hold = q->Submit("migration.apply", "a", "ops", [&]() -> core::Result<JobResult> {
    started = true;
    gate.Wait();
    return JobResult{"done", "null"};
  });
  ASSERT_TRUE(hold);
  for (int i = 0; i < 400 && !started; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(started);
  std::atomic<int> ran{0};
  auto count = [&]() -> core::Result<JobResult> {
    ++ran;
    return JobResult{};
  };
  auto w1 = q->Submit("migration.check", "b", "ops", count);
  auto w2 = q->Submit("migration.check", "c", "ops", count);
  ASSERT_TRUE(w1 && w2);
  auto full = q->Submit("migration.check", "d", "ops", count);
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().kind(), core::ErrorKind::kTransient);
  EXPECT_NE(full.error().message().find("2 jobs are waiting"), std::string::npos) << full.error().message();

  std::thread stopper([&] { q->Stop(); });
  std::this_thread::sleep_for(20ms);
  gate.Open();  // the running job finishes; the waiting ones do not run
  stopper.join();
  EXPECT_EQ(q->Get(*hold)->state, JobState::kSucceeded);
  for (int64_t id : {*w1, *w2}) {
    auto j = q->Get(id);
    EXPECT_EQ(j->state, JobState::kFailed);
    EXPECT_NE(j->error.find("server stopped"), std::string::npos) << j->error;
  }
  EXPECT_EQ(ran.load(), 0);
  EXPECT_FALSE(q->Submit("migration.check", "e", "ops", count)) << "a stopped queue takes nothing";
  q.reset();  // a second Stop, from the destructor, is harmless
}

TEST(JobQueueTest, RemembersOnlyTheLastJobs) {
  core::ManualClock clock(core::FromEpochMicros(1'000'000));
  JobQueue q(clock, nullptr, 16, /*keep=*/3);
  int64_t last = 0;
  for (int i = 0; i < 5; ++i) {
    auto id = q.Submit("migration.check", "s" + std::to_string(i), "ops",
                       [] { return core::Result<JobResult>(JobResult{}); });
    ASSERT_TRUE(id);
    last = *id;
    EXPECT_EQ(WaitEnded(q, last), JobState::kSucceeded);
  }
  auto listed = q.List();
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0].id, last);
  EXPECT_FALSE(q.Get(last - 3)) << "forgotten";
}

}  // namespace
}  // namespace datasync::app
