// The event bus is the one channel metrics, alerts and the CLI's progress line read: listeners see every
// event in order before Publish returns; a slow queued subscriber loses its oldest events, counted, and
// never holds the publisher.
#include "app/events/event_bus.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "app/alert_router.hpp"
#include "app/events/executor_events.hpp"
#include "app/run_metrics.hpp"

namespace datasync::app::events {
namespace {

using namespace std::chrono_literals;

TEST(EventBusTest, ListenersSeeEveryEventInSubscriptionOrderBeforePublishReturns) {
  EventBus bus;
  std::vector<std::string> seen;
  bus.Listen([&](const Event& e) { seen.push_back("a:" + std::string(EventName(e))); });
  auto second = bus.Listen([&](const Event& e) { seen.push_back("b:" + std::string(EventName(e))); });
  bus.Publish(TaskDone{"daily", 10, 100});
  EXPECT_EQ(seen, (std::vector<std::string>{"a:task_done", "b:task_done"}));
  bus.Unsubscribe(second);
  bus.Publish(RunMessage{"daily", "resuming run 7"});
  EXPECT_EQ(seen.back(), "a:run_message");
  EXPECT_EQ(seen.size(), 3u);
}

TEST(EventBusTest, AFullQueueDropsItsOldestEventsAndCountsThem) {
  EventBus bus;
  auto q = bus.Subscribe(3);
  for (int i = 1; i <= 5; ++i) bus.Publish(TaskDone{"daily", i, 0});
  EXPECT_EQ(q->dropped(), 2u);
  auto left = q->Drain();
  ASSERT_EQ(left.size(), 3u);
  EXPECT_EQ(std::get<TaskDone>(left.front()).rows, 3);
  EXPECT_EQ(std::get<TaskDone>(left.back()).rows, 5);
  EXPECT_FALSE(q->Pop(0ms));
}

TEST(EventBusTest, AQueueThatNobodyReadsNeverBlocksThePublisher) {
  EventBus bus;
  auto q = bus.Subscribe(1);
  for (int i = 0; i < 10'000; ++i) bus.Publish(QueueDepths{"daily", 1, 2, 3});
  EXPECT_EQ(q->size(), 1u);
  EXPECT_EQ(q->dropped(), 9'999u);
}

TEST(EventBusTest, ASubscriberPopsOnItsOwnThreadUntilUnsubscribed) {
  EventBus bus;
  auto q = bus.Subscribe(1024);
  std::atomic<int> got{0};
  std::thread reader([&] {
    while (auto e = q->Pop(5s)) got += static_cast<int>(std::get<TaskDone>(*e).rows);
  });
  for (int i = 0; i < 100; ++i) bus.Publish(TaskDone{"daily", 1, 0});
  while (q->size() > 0) std::this_thread::yield();
  bus.Unsubscribe(q);  // closes it: the reader's Pop returns nothing
  reader.join();
  EXPECT_EQ(got.load(), 100);
  EXPECT_TRUE(q->closed());
  bus.Publish(TaskDone{"daily", 1, 0});
  EXPECT_EQ(q->size(), 0u);
}

TEST(EventBusTest, DestroyingTheBusClosesTheQueuesItsSubscribersHold) {
  std::shared_ptr<EventQueue> q;
  {
    EventBus bus;
    q = bus.Subscribe(4);
    bus.Publish(RunMessage{"", "applied 1 configuration change(s)"});
  }
  EXPECT_TRUE(q->closed());
  EXPECT_TRUE(q->Pop(0ms));
  EXPECT_FALSE(q->Pop(0ms));
}

TEST(RunMetricsTest, RecordsTheExecutorsAndTheRunsEventsUnderTheirMetricNames) {
  EventBus bus;
  core::MetricsRegistry metrics;
  DescribeRunMetrics(metrics);
  RunMetrics subscriber(bus, metrics);
  {
    ExecutorEvents observer(bus, "daily");
    observer.OnRequest(std::chrono::milliseconds(20), std::nullopt);
    observer.OnRequest(std::chrono::milliseconds(20), core::ErrorKind::kRateLimited);
    observer.OnError(core::ErrorKind::kRateLimited);
    observer.OnTaskDone(100, 2048);
    observer.OnQueues(4, 2, 3, 5);
    EXPECT_EQ(metrics.Value("datasync_fetch_queue_depth", {{"plan", "daily"}}), 4);
    EXPECT_EQ(metrics.Value("datasync_tasks_in_flight", {{"plan", "daily"}}), 3);
    EXPECT_EQ(metrics.Value("datasync_call_concurrency_limit", {{"plan", "daily"}}), 5);
  }
  // The observer's end is the run's end: its queues read zero.
  EXPECT_EQ(metrics.Value("datasync_fetch_queue_depth", {{"plan", "daily"}}), 0);
  EXPECT_EQ(metrics.Value("datasync_tasks_in_flight", {{"plan", "daily"}}), 0);
  EXPECT_EQ(metrics.Value("datasync_call_concurrency_limit", {{"plan", "daily"}}), 0);
  EXPECT_EQ(metrics.Value("datasync_requests_total", {{"plan", "daily"}, {"outcome", "ok"}}), 1);
  EXPECT_EQ(metrics.Value("datasync_requests_total", {{"plan", "daily"}, {"outcome", "RATE_LIMITED"}}), 1);
  EXPECT_EQ(metrics.Value("datasync_errors_total", {{"plan", "daily"}, {"class", "RATE_LIMITED"}}), 1);
  EXPECT_EQ(metrics.Value("datasync_rows_total", {{"plan", "daily"}}), 100);
  EXPECT_EQ(metrics.Value("datasync_bytes_total", {{"plan", "daily"}}), 2048);

  sync::RunReport r;
  r.plan = "daily";
  r.status = "succeeded";
  r.tasks_done = 5;
  r.finished_at_us = 2'000'000;
  bus.Publish(RunEnded{r, 0});
  EXPECT_EQ(metrics.Value("datasync_runs_total", {{"plan", "daily"}, {"status", "succeeded"}}), 1);
  EXPECT_EQ(metrics.Value("datasync_tasks_total", {{"plan", "daily"}, {"outcome", "done"}}), 5);
  EXPECT_EQ(metrics.Value("datasync_last_success_timestamp_seconds", {{"plan", "daily"}}), 2);

  sync::SchedulerEvent fired;
  fired.kind = sync::SchedulerEvent::Kind::kFired;
  fired.plan = "daily";
  bus.Publish(SchedulerNotice{fired});
  sync::SchedulerEvent error = fired;
  error.kind = sync::SchedulerEvent::Kind::kError;
  bus.Publish(SchedulerNotice{error});
  EXPECT_EQ(metrics.Value("datasync_schedule_events_total", {{"plan", "daily"}, {"event", "fired"}}), 1);
  EXPECT_EQ(metrics.Value("datasync_schedule_events_total", {{"plan", "daily"}, {"event", "error"}}), 0);
}

TEST(AlertRouterTest, FailedRunsPermissionErrorsAndLatePlansBecomeAlerts) {
  EventBus bus;
  std::vector<alerting::Alert> sent;
  AlertRouter router(bus, [&](alerting::Alert a) { sent.push_back(std::move(a)); });
  sync::RunReport r;
  r.plan = "daily";
  r.run_id = 4;
  r.status = "failed";
  r.error = "vendor said no";
  sync::ErrorClassReport permission;
  permission.kind = "PERMISSION";
  permission.count = 1;
  r.errors.push_back(permission);
  bus.Publish(RunEnded{r, 77});
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].event, alerting::AlertEvent::kRunFailed);
  EXPECT_EQ(sent[0].title, "run 4 of plan daily failed");
  EXPECT_EQ(sent[0].slot_us, 77);
  EXPECT_EQ(sent[1].event, alerting::AlertEvent::kPermission);
  EXPECT_EQ(sent[1].message, "vendor said no");

  r.status = "succeeded";
  r.errors.clear();
  bus.Publish(RunEnded{r, 0});
  EXPECT_EQ(sent.size(), 2u);

  sync::SchedulerEvent late;
  late.kind = sync::SchedulerEvent::Kind::kLate;
  late.plan = "daily";
  late.slot_us = 5;
  bus.Publish(SchedulerNotice{late});
  sync::SchedulerEvent fired = late;
  fired.kind = sync::SchedulerEvent::Kind::kFired;
  bus.Publish(SchedulerNotice{fired});
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[2].event, alerting::AlertEvent::kPlanLate);
  EXPECT_EQ(sent[2].key, "plan_late|daily|5");
}

// A quality rule that failed in a run is an alert (one per plan and rule) and three series in /metrics.
TEST(AlertRouterTest, AFailedQualityRuleIsAnAlertAndCountsInTheMetrics) {
  EventBus bus;
  core::MetricsRegistry metrics;
  DescribeRunMetrics(metrics);
  RunMetrics subscriber(bus, metrics);
  std::vector<alerting::Alert> sent;
  AlertRouter router(bus, [&](alerting::Alert a) { sent.push_back(std::move(a)); });
  sync::RunReport r;
  r.plan = "bars";
  r.dataset = "daily";
  r.run_id = 9;
  r.status = "succeeded";
  sync::QualityCheckReport bad{"range(pct_chg)", "error", 110, 2, 2, {"ts_code=000002.SZ: pct_chg=999"}};
  sync::QualityCheckReport fine{"not_null(close)", "warn", 110, 0, 0, {}};
  r.quality = {bad, fine};
  bus.Publish(RunEnded{r, 0});
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].event, alerting::AlertEvent::kQuality);
  EXPECT_EQ(sent[0].title, "plan bars: quality rule range(pct_chg) [error] failed: 2 of 110, 2 kept out");
  EXPECT_NE(sent[0].message.find("pct_chg=999"), std::string::npos);
  EXPECT_EQ(sent[0].key, "quality|bars|range(pct_chg)");
  const core::MetricLabels labels = {
      {"plan", "bars"}, {"dataset", "daily"}, {"rule", "range(pct_chg)"}, {"severity", "error"}};
  EXPECT_EQ(metrics.Value("datasync_quality_violations_total", labels), 2);
  EXPECT_EQ(metrics.Value("datasync_quality_quarantined_total", labels), 2);
  EXPECT_EQ(metrics.Value("datasync_quality_failing", labels), 1);
  EXPECT_EQ(metrics.Value("datasync_quality_failing",
                          {{"plan", "bars"}, {"dataset", "daily"}, {"rule", "not_null(close)"}, {"severity", "warn"}}),
            0);
  EXPECT_EQ(alerting::ParseAlertEvent("quality"), alerting::AlertEvent::kQuality);
}

TEST(AlertRouterTest, AScheduledVerifyThatFoundRevisionsIsAnAlertAndCountsInTheMetrics) {
  EventBus bus;
  core::MetricsRegistry metrics;
  RunMetrics subscriber(bus, metrics);
  std::vector<alerting::Alert> sent;
  AlertRouter router(bus, [&](alerting::Alert a) { sent.push_back(std::move(a)); });
  VerifyEnded clean{.plan = "bars", .run_id = 4, .chosen = 5, .checked = 5, .unchanged = 5};
  bus.Publish(clean);
  VerifyEnded failed{.plan = "bars", .error = "plan 'bars' has an unfinished run"};
  bus.Publish(failed);
  EXPECT_TRUE(sent.empty());
  VerifyEnded found{
      .plan = "bars", .run_id = 7, .chosen = 5, .checked = 5, .unchanged = 3, .revised = 4, .vanished = 1};
  found.revised_by_field = {{"close", 3}, {"vol", 1}};
  found.examples = {"[trade_date=20240105] ts_code=000001.SZ trade_date=20240105 close: stored 10 -> vendor 11"};
  bus.Publish(found);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].event, alerting::AlertEvent::kRevisions);
  EXPECT_EQ(sent[0].title, "plan bars: the vendor revised 4 row(s), added 0, dropped 1 (verify of 5 task(s))");
  EXPECT_NE(sent[0].message.find("revised fields: close 3, vol 1"), std::string::npos) << sent[0].message;
  EXPECT_NE(sent[0].message.find("stored 10 -> vendor 11"), std::string::npos);
  EXPECT_EQ(sent[0].key, "revisions|bars");
  EXPECT_EQ(metrics.Value("datasync_verify_rows_total", {{"plan", "bars"}, {"kind", "revised"}}), 4);
  EXPECT_EQ(metrics.Value("datasync_verify_rows_total", {{"plan", "bars"}, {"kind", "vanished"}}), 1);
  EXPECT_EQ(metrics.Value("datasync_verify_tasks_total", {{"plan", "bars"}}), 10);  // both verifies that ran
  EXPECT_EQ(alerting::ParseAlertEvent("revisions"), alerting::AlertEvent::kRevisions);
  EXPECT_EQ(EventName(Event{found}), "verify_ended");
}

}  // namespace
}  // namespace datasync::app::events
