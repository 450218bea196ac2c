// DailySummaryJob: sends the `alerts.daily_summary` once a day at its time of day (in its time zone): the
// day's runs and problems (App::Summary) to its channels. A schedule slot row in the system database
// makes it go out once, whichever daemon sends it and however many restarts.
//
// Lifecycle: construct; Reset() after the configuration changed; Tick(now) every loop.
// Thread-safety: one thread (the daemon's loop); the dispatcher it sends through is thread-safe.
#pragma once

#include <optional>
#include <string>

#include "alerting/alerts_config.hpp"
#include "app/alert_dispatcher.hpp"
#include "app/app.hpp"

namespace datasync::app {

class DailySummaryJob {
 public:
  DailySummaryJob(App& app, AlertDispatcher& alerts, std::string owner)
      : app_(app), alerts_(alerts), owner_(std::move(owner)) {}

  // The next due time is computed again from the spec on the next Tick.
  void Reset() { next_.reset(); }
  void Tick(core::TimePoint now, const alerting::DailySummarySpec& spec);

 private:
  App& app_;
  AlertDispatcher& alerts_;
  std::string owner_;
  std::optional<core::TimePoint> next_;
};

}  // namespace datasync::app
