#include "core/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace datasync::core {
namespace {

TEST(MetricsTest, RendersCountersGaugesAndHistogramsInPrometheusText) {
  MetricsRegistry m;
  m.Describe("x_requests_total", MetricType::kCounter, "Requests\nby outcome");
  m.Describe("x_latency_seconds", MetricType::kHistogram, "Latency", {0.125, 1});
  m.Add("x_requests_total", {{"plan", "daily"}, {"outcome", "ok"}});
  m.Add("x_requests_total", {{"plan", "daily"}, {"outcome", "ok"}}, 2);
  m.Set("x_queue", {{"plan", "a\"b\\c\nd"}}, 7);
  m.Observe("x_latency_seconds", {{"plan", "daily"}}, 0.0625);
  m.Observe("x_latency_seconds", {{"plan", "daily"}}, 0.125);  // le is inclusive
  m.Observe("x_latency_seconds", {{"plan", "daily"}}, 0.5);
  m.Observe("x_latency_seconds", {{"plan", "daily"}}, 3);
  EXPECT_EQ(m.Render(),
            "# HELP x_latency_seconds Latency\n"
            "# TYPE x_latency_seconds histogram\n"
            "x_latency_seconds_bucket{plan=\"daily\",le=\"0.125\"} 2\n"
            "x_latency_seconds_bucket{plan=\"daily\",le=\"1\"} 3\n"
            "x_latency_seconds_bucket{plan=\"daily\",le=\"+Inf\"} 4\n"
            "x_latency_seconds_sum{plan=\"daily\"} 3.6875\n"
            "x_latency_seconds_count{plan=\"daily\"} 4\n"
            "# TYPE x_queue gauge\n"
            "x_queue{plan=\"a\\\"b\\\\c\\nd\"} 7\n"
            "# HELP x_requests_total Requests\\nby outcome\n"
            "# TYPE x_requests_total counter\n"
            "x_requests_total{plan=\"daily\",outcome=\"ok\"} 3\n");
  EXPECT_EQ(m.Value("x_requests_total", {{"plan", "daily"}, {"outcome", "ok"}}), 3);
  EXPECT_EQ(m.Value("x_requests_total", {{"plan", "other"}}), 0);
}

TEST(MetricsTest, CollectorsSetGaugesAtRenderTime) {
  MetricsRegistry m;
  int calls = 0;
  m.AddCollector([&](MetricsRegistry& r) {
    r.ClearSeries("x_slots");
    r.Set("x_slots", {{"state", "pending"}}, ++calls);
  });
  EXPECT_NE(m.Render().find("x_slots{state=\"pending\"} 1\n"), std::string::npos);
  EXPECT_NE(m.Render().find("x_slots{state=\"pending\"} 2\n"), std::string::npos);
}

TEST(MetricsTest, CountsFromManyThreadsAddUp) {
  MetricsRegistry m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) m.Add("x_total", {{"t", "all"}});
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(m.Value("x_total", {{"t", "all"}}), 4000);
}

}  // namespace
}  // namespace datasync::core
