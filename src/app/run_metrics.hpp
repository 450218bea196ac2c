// RunMetrics: the executor's observer that records one plan's run into the daemon's metrics registry:
// requests by outcome and their latency, errors by class, rows and bytes as tasks complete, and the queue
// depths (set back to zero when the run's execution ends). DescribeRunMetrics names and explains them.
// Thread-safety: as sync::ExecutorObserver (the registry is thread-safe).
#pragma once

#include <string>

#include "core/metrics.hpp"
#include "sync/executor_observer.hpp"

namespace datasync::app {

void DescribeRunMetrics(core::MetricsRegistry& metrics);

class RunMetrics final : public sync::ExecutorObserver {
 public:
  RunMetrics(core::MetricsRegistry& metrics, std::string plan) : metrics_(metrics), plan_(std::move(plan)) {}
  ~RunMetrics() override;

  void OnRequest(std::chrono::duration<double> latency, std::optional<core::ErrorKind> error) override;
  void OnError(core::ErrorKind kind) override;
  void OnTaskDone(int64_t rows, int64_t bytes) override;
  void OnQueues(size_t fetch_queue, size_t sink_queues, int64_t in_flight) override;

 private:
  core::MetricsRegistry& metrics_;
  std::string plan_;
};

}  // namespace datasync::app
