// Alert: one thing an operator should hear about, as the daemon's rules see it (ARCHITECTURE §12): a run
// that failed, a run deferred by the vendor's quota, a permission or authentication error, schema drift,
// a plan late for its deadline, a run held by a failed upstream, the daily summary, and a quality rule that failed.
// Plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace datasync::alerting {

enum class AlertEvent : uint8_t {
  kRunFailed,     // a run ended failed or cancelled, or could not start
  kRunDeferred,   // the vendor's hourly or daily budget is spent: the run waits for the reset
  kPermission,    // the vendor refused the credential or the API (PERMISSION / AUTH)
  kSchemaDrift,   // the vendor's fields differ from the dataset's
  kPlanLate,      // no successful run by the schedule's deadline
  kRunHeld,       // a scheduled run waits because an upstream plan did not succeed
  kDailySummary,  // the day's runs, sent at a configured time
  kQuality,       // a dataset's quality rule found rows (or a day) that break it
  kRevisions,     // a scheduled verify found rows the vendor revised, added or dropped since they were stored
};
std::string_view AlertEventName(AlertEvent e);  // "run_failed", "run_deferred", "permission", ...
std::optional<AlertEvent> ParseAlertEvent(std::string_view s);
std::vector<std::string> AlertEventNames();

struct Alert {
  AlertEvent event = AlertEvent::kRunFailed;
  std::string plan;  // empty for project-wide alerts
  int64_t run_id = 0;
  int64_t slot_us = 0;  // scheduled runs: the slot's fire time
  int64_t at_us = 0;    // when it happened
  std::string title;    // one line: "run 12 of plan daily failed"
  std::string message;  // details: the error, the report's numbers
  // Alerts with the same key within the deduplication window are one alert (counted, not repeated).
  // Default: event and plan.
  std::string key;
};

}  // namespace datasync::alerting
