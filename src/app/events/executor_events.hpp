// ExecutorEvents: the executor's observer (sync::ExecutorObserver) that publishes what one plan's run
// observes to the EventBus as RequestEnded, ErrorHandled, TaskDone and QueueDepths events, and
// QueueDepths of zero when it is destroyed (the run's execution ended).
//
// Lifecycle: one per executing run, outliving the Executor it observes. Thread-safety: as
// sync::ExecutorObserver (the bus is thread-safe; publishing never blocks on a slow subscriber).
#pragma once

#include <string>

#include "app/events/event_bus.hpp"
#include "sync/executor_observer.hpp"

namespace datasync::app::events {

class ExecutorEvents final : public sync::ExecutorObserver {
 public:
  ExecutorEvents(EventBus& bus, std::string plan) : bus_(bus), plan_(std::move(plan)) {}
  ~ExecutorEvents() override;

  void OnRequest(std::chrono::duration<double> latency, std::optional<core::ErrorKind> error) override;
  void OnError(core::ErrorKind kind) override;
  void OnTaskDone(int64_t rows, int64_t bytes) override;
  void OnQueues(size_t fetch_queue, size_t sink_queues, int64_t in_flight, int64_t call_limit) override;

 private:
  EventBus& bus_;
  std::string plan_;
};

}  // namespace datasync::app::events
