// EventQueue: one queued subscriber's mailbox on the EventBus. Bounded: when it is full, the oldest event
// is dropped to make room and counted, so a slow subscriber (an SSE client on a slow link) loses old
// events instead of holding up the engine or growing without bound.
//
// Lifecycle: made by EventBus::Subscribe(capacity); the bus pushes until the subscriber unsubscribes or
// the bus is destroyed, then the queue is closed: Pop returns what is left, then nothing.
// Thread-safety: every method may be called from any thread; Push never blocks beyond a short lock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

#include "app/events/events.hpp"

namespace datasync::app::events {

class EventQueue {
 public:
  explicit EventQueue(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Appends `event`, dropping the oldest one when full.
  void Push(Event event);
  // The oldest event, waiting up to `timeout` for one; nothing when none came or the queue is closed and
  // empty.
  std::optional<Event> Pop(std::chrono::milliseconds timeout);
  // Every queued event, oldest first, without waiting.
  std::vector<Event> Drain();
  // No more pushes; wakes a waiting Pop.
  void Close();

  bool closed() const;
  size_t size() const;
  size_t capacity() const { return capacity_; }
  // Events dropped because the queue was full, since it was made.
  uint64_t dropped() const;

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> events_;
  uint64_t dropped_ = 0;
  bool closed_ = false;
};

}  // namespace datasync::app::events
