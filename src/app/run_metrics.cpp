#include "app/run_metrics.hpp"

#include <utility>

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
  m.Describe("datasync_call_concurrency_limit", MetricType::kGauge,
             "Vendor calls allowed in flight now, by plan: the adaptive limit, or the fixed concurrency");
}

RunMetrics::RunMetrics(events::EventBus& bus, core::MetricsRegistry& metrics)
    : bus_(bus), metrics_(metrics), id_(bus.Listen([this](const events::Event& e) { On(e); })) {}

RunMetrics::~RunMetrics() {
  bus_.Unsubscribe(id_);
}

void RunMetrics::On(const events::Event& event) {
  if (const auto* e = std::get_if<events::RequestEnded>(&event)) {
    std::string outcome = e->error ? std::string(core::ErrorKindName(*e->error)) : "ok";
    metrics_.Add("datasync_requests_total", {{"plan", e->plan}, {"outcome", outcome}});
    metrics_.Observe("datasync_request_duration_seconds", {{"plan", e->plan}}, e->latency_secs);
  } else if (const auto* e = std::get_if<events::ErrorHandled>(&event)) {
    metrics_.Add("datasync_errors_total", {{"plan", e->plan}, {"class", std::string(core::ErrorKindName(e->kind))}});
  } else if (const auto* e = std::get_if<events::TaskDone>(&event)) {
    metrics_.Add("datasync_rows_total", {{"plan", e->plan}}, static_cast<double>(e->rows));
    metrics_.Add("datasync_bytes_total", {{"plan", e->plan}}, static_cast<double>(e->bytes));
  } else if (const auto* e = std::get_if<events::QueueDepths>(&event)) {
    metrics_.Set("datasync_fetch_queue_depth", {{"plan", e->plan}}, static_cast<double>(e->fetch_queue));
    metrics_.Set("datasync_sink_queue_depth", {{"plan", e->plan}}, static_cast<double>(e->sink_queues));
    metrics_.Set("datasync_tasks_in_flight", {{"plan", e->plan}}, static_cast<double>(e->in_flight));
    metrics_.Set("datasync_call_concurrency_limit", {{"plan", e->plan}}, static_cast<double>(e->call_limit));
  } else if (const auto* e = std::get_if<events::RunEnded>(&event)) {
    const sync::RunReport& r = e->report;
    metrics_.Add("datasync_runs_total", {{"plan", r.plan}, {"status", r.status}});
    auto status = sync::ParseRunStatus(r.status);
    if (status && sync::IsFinal(*status)) {
      for (auto [outcome, n] : {std::pair{"done", r.tasks_done}, std::pair{"failed", r.tasks_failed},
                                std::pair{"skipped", r.tasks_skipped}, std::pair{"cancelled", r.tasks_cancelled}}) {
        if (n) metrics_.Add("datasync_tasks_total", {{"plan", r.plan}, {"outcome", outcome}}, static_cast<double>(n));
      }
    }
    for (const auto& q : r.quality) {
      const core::MetricLabels labels = {
          {"plan", r.plan}, {"dataset", r.dataset}, {"rule", q.rule}, {"severity", q.severity}};
      if (q.violations) metrics_.Add("datasync_quality_violations_total", labels, static_cast<double>(q.violations));
      if (q.quarantined) metrics_.Add("datasync_quality_quarantined_total", labels, static_cast<double>(q.quarantined));
      if (q.checked) metrics_.Set("datasync_quality_failing", labels, q.violations ? 1.0 : 0.0);
    }
    if (r.status == "succeeded") {
      metrics_.Set("datasync_last_success_timestamp_seconds", {{"plan", r.plan}},
                   static_cast<double>(r.finished_at_us) / 1e6);
    }
  } else if (const auto* e = std::get_if<events::VerifyEnded>(&event)) {
    if (e->error.empty()) {
      for (auto [kind, rows] : {std::pair{"revised", e->revised}, {"added", e->added}, {"vanished", e->vanished}}) {
        metrics_.Add("datasync_verify_rows_total", {{"plan", e->plan}, {"kind", kind}}, static_cast<double>(rows));
      }
      metrics_.Add("datasync_verify_tasks_total", {{"plan", e->plan}}, static_cast<double>(e->checked));
    }
  } else if (const auto* e = std::get_if<events::SchedulerNotice>(&event)) {
    const sync::SchedulerEvent& s = e->event;
    if (s.kind != sync::SchedulerEvent::Kind::kError && !s.plan.empty()) {
      metrics_.Add("datasync_schedule_events_total",
                   {{"plan", s.plan}, {"event", std::string(sync::SchedulerEventName(s.kind))}});
    }
  }
}

}  // namespace datasync::app
