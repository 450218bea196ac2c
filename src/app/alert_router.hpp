// AlertRouter: the event bus's alert subscriber. It turns what happened into alerts for the notifier: a
// run that failed, was cancelled or was deferred by the vendor's quota, a vendor refusing the credential,
// schema drift (from RunEnded); a held slot, a late plan, a scheduled run that could not start (from
// SchedulerNotice). Grouping, deduplication, rate limits and delivery are the notifier's
// (alerting/notifier.hpp).
//
// Lifecycle: subscribes when constructed, unsubscribes when destroyed; the bus outlives it.
// Thread-safety: a listener of the bus, called on the publishers' threads at once; `submit` must be
// thread-safe and quick (the daemon's hands the alert to the notifier, which sends on its own thread).
#pragma once

#include <functional>

#include "alerting/alert.hpp"
#include "app/events/event_bus.hpp"

namespace datasync::app {

class AlertRouter {
 public:
  using Submit = std::function<void(alerting::Alert)>;
  AlertRouter(events::EventBus& bus, Submit submit);
  ~AlertRouter();
  AlertRouter(const AlertRouter&) = delete;
  AlertRouter& operator=(const AlertRouter&) = delete;

 private:
  void OnRunEnded(const events::RunEnded& e);
  void OnScheduler(const sync::SchedulerEvent& e);
  void OnVerifyEnded(const events::VerifyEnded& e);

  events::EventBus& bus_;
  Submit submit_;
  events::EventBus::SubscriptionId id_;
};

}  // namespace datasync::app
