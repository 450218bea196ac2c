// AlertDispatcher: the daemon's way out for alerts. It holds the notifier built from the `alerts:`
// section (rebuilt when that section changes), hands it alerts stamped with the time they happened, and
// ticks it on a thread of its own so that a slow mail server never delays a schedule. What becomes an
// alert is AlertRouter's (and the daily summary's); grouping, deduplication and delivery are the
// notifier's.
//
// Lifecycle: Configure (at start and after each change of the section) -> Start -> Submit/SubmitTo ->
// Stop (flushes what waits for its grouping window) -> destroy.
// Thread-safety: Submit, SubmitTo, Backlog and Configure may be called from any thread at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alerting/alert.hpp"
#include "alerting/alerts_config.hpp"
#include "alerting/channel.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/metrics.hpp"

namespace datasync::alerting {
class Notifier;
}

namespace datasync::app {

class AlertDispatcher {
 public:
  AlertDispatcher(const core::Clock& clock, core::MetricsRegistry& metrics, std::chrono::milliseconds tick)
      : clock_(clock), metrics_(metrics), tick_(tick) {}
  ~AlertDispatcher();
  AlertDispatcher(const AlertDispatcher&) = delete;
  AlertDispatcher& operator=(const AlertDispatcher&) = delete;

  // Told of each message sent or given up on (alerting::NotifierOptions::on_outcome); set before Configure.
  void OnOutcome(std::function<void(const std::string&, const alerting::Message&, const std::string&)> fn) {
    on_outcome_ = std::move(fn);
  }
  // A new notifier for these channels and rules; alerts waiting in the old one's groups are dropped with it.
  core::Status Configure(const alerting::AlertsConfig& alerts, const std::string& project);
  void Start();
  // Ends the thread, then sends what waits for its grouping window (`group` ahead of now).
  void Stop(std::chrono::seconds group);

  // To the channels of the rules that match; `at_us` is set to now.
  void Submit(alerting::Alert alert);
  // To these channels, whatever the rules say (the daily summary), as of `now`.
  void SubmitTo(const std::vector<std::string>& channels, alerting::Alert alert, core::TimePoint now);
  // Alerts not sent yet (grouping, rate limit, retries).
  size_t Backlog();

 private:
  std::shared_ptr<alerting::Notifier> Current();
  void Loop();

  const core::Clock& clock_;
  core::MetricsRegistry& metrics_;
  std::chrono::milliseconds tick_;
  std::function<void(const std::string&, const alerting::Message&, const std::string&)> on_outcome_;
  std::mutex notifier_mu_;
  std::shared_ptr<alerting::Notifier> notifier_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
};

}  // namespace datasync::app
