// Notifier: turns a stream of alerts into few messages (ARCHITECTURE §12: "a storm sends one message, not a
// thousand"). An alert goes to the channels of every rule whose events and plans match it. Per channel:
//   - grouping: the alerts of one `group` window go out as one message;
//   - deduplication: an alert whose key (event + plan by default) was sent within `dedup` is counted, not
//     sent again, and the count rides along with the next message;
//   - rate limit: at most `max_per_hour` messages an hour; alerts beyond it wait and go out together;
//   - delivery: a failed send is retried with doubling waits, then dropped and logged.
// Everything runs on the clock given to Submit and Tick, so a test drives it with a ManualClock.
//
// Lifecycle: construct with the channels and rules; Submit from any thread; Tick from one thread (it blocks
// while sending). Thread-safety: Submit and Tick may run at the same time.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "alerting/alerts_config.hpp"
#include "alerting/channel.hpp"
#include "core/clock.hpp"
#include "core/metrics.hpp"

namespace datasync::alerting {

struct NotifierOptions {
  std::string project;
  std::chrono::seconds group{10};
  std::chrono::seconds dedup{3600};
  int64_t max_per_hour = 20;
  size_t max_listed = 20;          // alerts listed in one message; the rest are counted
  std::chrono::seconds retry{30};  // first wait after a failed send, doubled each time
  int max_attempts = 5;
  // Each message's end, sent or given up on (error empty when sent), called by Tick after sending, outside
  // the notifier's lock. Null: nothing is told.
  std::function<void(const std::string& channel, const Message& message, const std::string& error)> on_outcome;
};

class Notifier {
 public:
  Notifier(std::vector<std::unique_ptr<Channel>> channels, std::vector<RuleSpec> rules, NotifierOptions options,
           core::MetricsRegistry* metrics = nullptr);

  // Routes `alert` through the rules. Returns how many channels took it (queued or counted as a repeat).
  size_t Submit(Alert alert, core::TimePoint now);
  // Queues `alert` for the named channels, bypassing rules and deduplication (the daily summary).
  void SubmitTo(const std::vector<std::string>& channels, Alert alert, core::TimePoint now);
  // Sends every message that is due. Returns how many were delivered.
  size_t Tick(core::TimePoint now);
  // Channels with alerts waiting for their group window, the rate limit or a retry (0: everything went out).
  size_t Backlog();

 private:
  struct Pending {
    Alert alert;
    int64_t repeats = 0;
  };
  struct Outgoing {
    Message message;
    int attempts = 0;
    core::TimePoint next_at;
  };
  struct State {
    std::unique_ptr<Channel> channel;
    std::vector<Pending> pending;
    core::TimePoint first_at;
    std::map<std::string, core::TimePoint> sent_keys;
    std::deque<core::TimePoint> sent_times;
    int64_t suppressed = 0;
    std::optional<Outgoing> outbox;
  };

  void QueueLocked(State& s, Alert alert, core::TimePoint now, bool dedup);
  Message BuildLocked(State& s, core::TimePoint now);
  void Count(const std::string& channel, const char* outcome, double n = 1);

  std::mutex mu_;
  std::map<std::string, State> channels_;
  std::vector<RuleSpec> rules_;
  NotifierOptions opt_;
  core::MetricsRegistry* metrics_;
};

}  // namespace datasync::alerting
