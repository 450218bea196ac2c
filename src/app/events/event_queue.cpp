#include "app/events/event_queue.hpp"

namespace datasync::app::events {

void EventQueue::Push(Event event) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    if (events_.size() >= capacity_) {
      events_.pop_front();
      ++dropped_;
    }
    events_.push_back(std::move(event));
  }
  cv_.notify_one();
}

std::optional<Event> EventQueue::Pop(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return !events_.empty() || closed_; });
  if (events_.empty()) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

std::vector<Event> EventQueue::Drain() {
  std::lock_guard lock(mu_);
  std::vector<Event> out(std::make_move_iterator(events_.begin()), std::make_move_iterator(events_.end()));
  events_.clear();
  return out;
}

void EventQueue::Close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

bool EventQueue::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

size_t EventQueue::size() const {
  std::lock_guard lock(mu_);
  return events_.size();
}

uint64_t EventQueue::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

}  // namespace datasync::app::events
