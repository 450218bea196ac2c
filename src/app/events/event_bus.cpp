#include "app/events/event_bus.hpp"

#include <algorithm>
#include <mutex>

namespace datasync::app::events {

std::string_view EventName(const Event& event) {
  struct Names {
    std::string_view operator()(const RequestEnded&) const { return "request_ended"; }
    std::string_view operator()(const ErrorHandled&) const { return "error_handled"; }
    std::string_view operator()(const TaskDone&) const { return "task_done"; }
    std::string_view operator()(const QueueDepths&) const { return "queue_depths"; }
    std::string_view operator()(const RunProgress&) const { return "run_progress"; }
    std::string_view operator()(const RunMessage&) const { return "run_message"; }
    std::string_view operator()(const RunEnded&) const { return "run_ended"; }
    std::string_view operator()(const SchedulerNotice&) const { return "scheduler"; }
    std::string_view operator()(const AlertSent&) const { return "alert_sent"; }
    std::string_view operator()(const RemoteRunEnded&) const { return "run_ended"; }
    std::string_view operator()(const JobEnded&) const { return "job_ended"; }
    std::string_view operator()(const VerifyEnded&) const { return "verify_ended"; }
  };
  return std::visit(Names{}, event);
}

EventBus::~EventBus() {
  std::unique_lock lock(mu_);
  for (auto& e : entries_) {
    if (e.queue) e.queue->Close();
  }
}

EventBus::SubscriptionId EventBus::Listen(Listener listener) {
  std::unique_lock lock(mu_);
  SubscriptionId id = next_id_++;
  entries_.push_back({id, std::move(listener), nullptr});
  return id;
}

std::shared_ptr<EventQueue> EventBus::Subscribe(size_t capacity) {
  auto queue = std::make_shared<EventQueue>(capacity);
  std::unique_lock lock(mu_);
  entries_.push_back({next_id_++, nullptr, queue});
  return queue;
}

void EventBus::Unsubscribe(SubscriptionId id) {
  std::unique_lock lock(mu_);
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.id == id; });
  if (it == entries_.end()) return;
  if (it->queue) it->queue->Close();
  entries_.erase(it);
}

void EventBus::Unsubscribe(const std::shared_ptr<EventQueue>& queue) {
  std::unique_lock lock(mu_);
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.queue == queue; });
  if (it == entries_.end()) return;
  it->queue->Close();
  entries_.erase(it);
}

void EventBus::Publish(const Event& event) {
  std::shared_lock lock(mu_);
  for (const auto& e : entries_) {
    if (e.listener) {
      e.listener(event);
    } else {
      e.queue->Push(event);
    }
  }
}

}  // namespace datasync::app::events
