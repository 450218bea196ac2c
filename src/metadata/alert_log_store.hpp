// AlertLogStore: the alert messages the daemon's channels sent or gave up on, for the overview's "alerts
// sent today" (whichever process sent them: the app may be served by `datasync web` while `serve` runs the
// schedules). One entry per message (a message groups the alerts of one window). Entries older than 90 days
// are dropped as new ones come. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace datasync::metadata {

struct SentAlert {
  int64_t id = 0;
  int64_t at_us = 0;
  std::string channel;
  std::string outcome;  // "sent", or "failed" (every attempt failed)
  std::string title;
  std::string events;  // the alerts' events, comma-separated, in order ("run_failed,plan_late")
  std::string plans;   // their plans, comma-separated
  int64_t alerts = 0;  // distinct alerts in the message
  std::string error;   // why it failed (redacted)
};

class AlertLogStore {
 public:
  virtual ~AlertLogStore() = default;
  virtual core::Result<int64_t> Append(const SentAlert& entry) = 0;
  // Entries at or after `since_us`, newest first.
  virtual core::Result<std::vector<SentAlert>> List(int64_t since_us, int64_t limit) = 0;
  virtual core::Result<int64_t> Count(int64_t since_us) = 0;
};

}  // namespace datasync::metadata
