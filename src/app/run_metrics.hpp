// RunMetrics: the event bus's metrics subscriber. It records into the daemon's metrics registry what the
// runs report: vendor requests by outcome and their latency, errors by class, rows and bytes as tasks
// complete and the queue depths (from the executor's events), run executions by status, finished runs'
// tasks by outcome and the last success (from RunEnded), and scheduler events by plan (from
// SchedulerNotice). DescribeRunMetrics names and explains the executor's metrics.
//
// Lifecycle: subscribes when constructed, unsubscribes when destroyed; the bus and the registry outlive it.
// Thread-safety: a listener of the bus, called on the publishers' threads at once (the registry is
// thread-safe).
#pragma once

#include "app/events/event_bus.hpp"
#include "core/metrics.hpp"

namespace datasync::app {

void DescribeRunMetrics(core::MetricsRegistry& metrics);

class RunMetrics {
 public:
  RunMetrics(events::EventBus& bus, core::MetricsRegistry& metrics);
  ~RunMetrics();
  RunMetrics(const RunMetrics&) = delete;
  RunMetrics& operator=(const RunMetrics&) = delete;

 private:
  void On(const events::Event& event);

  events::EventBus& bus_;
  core::MetricsRegistry& metrics_;
  events::EventBus::SubscriptionId id_;
};

}  // namespace datasync::app
