#include "app/run_metrics.hpp"

namespace datasync::app {

void DescribeRunMetrics(core::MetricsRegistry& m) {
  using core::MetricType;
  m.Describe("datasync_requests_total", MetricType::kCounter,
             "Vendor calls by plan and outcome (ok, or the error class of a failed call)");
  m.Describe("datasync_request_duration_seconds", MetricType::kHistogram,
             "Wall time of one vendor call (fetch and decode), by plan", core::MetricsRegistry::LatencyBuckets());
  m.Describe("datasync_errors_total", MetricType::kCounter,
             "Errors handled by the engine by plan and class (RATE_LIMITED, QUOTA_EXHAUSTED, PERMISSION, "
             "TRANSIENT, ...), retried or not");
  m.Describe("datasync_rows_total", MetricType::kCounter, "Rows durably written to every storage, by plan");
  m.Describe("datasync_bytes_total", MetricType::kCounter, "Payload bytes received from the vendor, by plan");
  m.Describe("datasync_fetch_queue_depth", MetricType::kGauge, "Tasks waiting for a fetch worker, by plan");
  m.Describe("datasync_sink_queue_depth", MetricType::kGauge, "Batches waiting for storage writers, by plan");
  m.Describe("datasync_tasks_in_flight", MetricType::kGauge, "Tasks between claim and acknowledgement, by plan");
}

RunMetrics::~RunMetrics() {
  OnQueues(0, 0, 0);
}

void RunMetrics::OnRequest(std::chrono::duration<double> latency, std::optional<core::ErrorKind> error) {
  std::string outcome = error ? std::string(core::ErrorKindName(*error)) : "ok";
  metrics_.Add("datasync_requests_total", {{"plan", plan_}, {"outcome", outcome}});
  metrics_.Observe("datasync_request_duration_seconds", {{"plan", plan_}}, latency.count());
}

void RunMetrics::OnError(core::ErrorKind kind) {
  metrics_.Add("datasync_errors_total", {{"plan", plan_}, {"class", std::string(core::ErrorKindName(kind))}});
}

void RunMetrics::OnTaskDone(int64_t rows, int64_t bytes) {
  metrics_.Add("datasync_rows_total", {{"plan", plan_}}, static_cast<double>(rows));
  metrics_.Add("datasync_bytes_total", {{"plan", plan_}}, static_cast<double>(bytes));
}

void RunMetrics::OnQueues(size_t fetch_queue, size_t sink_queues, int64_t in_flight) {
  metrics_.Set("datasync_fetch_queue_depth", {{"plan", plan_}}, static_cast<double>(fetch_queue));
  metrics_.Set("datasync_sink_queue_depth", {{"plan", plan_}}, static_cast<double>(sink_queues));
  metrics_.Set("datasync_tasks_in_flight", {{"plan", plan_}}, static_cast<double>(in_flight));
}

}  // namespace datasync::app
