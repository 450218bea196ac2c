#include "app/events/executor_events.hpp"

namespace datasync::app::events {

ExecutorEvents::~ExecutorEvents() {
  OnQueues(0, 0, 0, 0);
}

void ExecutorEvents::OnRequest(std::chrono::duration<double> latency, std::optional<core::ErrorKind> error) {
  bus_.Publish(RequestEnded{plan_, latency.count(), error});
}

void ExecutorEvents::OnError(core::ErrorKind kind) {
  bus_.Publish(ErrorHandled{plan_, kind});
}

void ExecutorEvents::OnTaskDone(int64_t rows, int64_t bytes) {
  bus_.Publish(TaskDone{plan_, rows, bytes});
}

void ExecutorEvents::OnQueues(size_t fetch_queue, size_t sink_queues, int64_t in_flight, int64_t call_limit) {
  bus_.Publish(QueueDepths{plan_, fetch_queue, sink_queues, in_flight, call_limit});
}

}  // namespace datasync::app::events
