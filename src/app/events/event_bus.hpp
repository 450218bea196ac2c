// EventBus: the one in-process channel for what the engine, the runs and the scheduler report
// (events.hpp). Metrics, alert routing and the CLI's progress line subscribe to it; the REST API's
// Server-Sent Events will too.
//
// Two kinds of subscriber:
//   - a listener (Listen) is called on the publisher's thread, in subscription order, before Publish
//     returns. It is for consumers that are fast, never block and are themselves thread-safe (a metrics
//     registry, the notifier's Submit, the CLI's progress line): what they record is visible the moment
//     the engine moves on, as with the direct calls this replaces.
//   - a queue (Subscribe) gets its own bounded EventQueue, drop-oldest with a dropped counter; the
//     subscriber pops on its own thread at its own pace. For consumers that may be slow (a network
//     client).
// Publishing never blocks on a queue subscriber, so a slow one cannot slow the engine down.
//
// Lifecycle: construct; subscribe and unsubscribe at any time; publish from any thread; destroy after the
// publishers stopped (queues still held by subscribers are closed then).
// Thread-safety: every method may be called from any thread at once. A listener must not subscribe or
// unsubscribe from inside its call (the bus's lock is held while listeners run).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <vector>

#include "app/events/event_queue.hpp"
#include "app/events/events.hpp"

namespace datasync::app::events {

class EventBus {
 public:
  using Listener = std::function<void(const Event&)>;
  using SubscriptionId = uint64_t;

  EventBus() = default;
  ~EventBus();
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  SubscriptionId Listen(Listener listener);
  // A bounded queue of every event published from now on.
  std::shared_ptr<EventQueue> Subscribe(size_t capacity);
  // Stops a listener, or closes and forgets a queue (by the id of either).
  void Unsubscribe(SubscriptionId id);
  void Unsubscribe(const std::shared_ptr<EventQueue>& queue);

  void Publish(const Event& event);

 private:
  struct Entry {
    SubscriptionId id = 0;
    Listener listener;                  // set for listeners
    std::shared_ptr<EventQueue> queue;  // set for queues
  };
  mutable std::shared_mutex mu_;
  std::vector<Entry> entries_;
  SubscriptionId next_id_ = 1;
};

// Publishes to `bus` when there is one: the engine and the services run the same without a bus.
inline void PublishTo(EventBus* bus, const Event& event) {
  if (bus) bus->Publish(event);
}

}  // namespace datasync::app::events
