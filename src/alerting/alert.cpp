#include "alerting/alert.hpp"

#include <array>

namespace datasync::alerting {

namespace {
constexpr std::array<std::string_view, 9> kEvents = {"run_failed",    "run_deferred", "permission",
                                                     "schema_drift",  "plan_late",    "run_held",
                                                     "daily_summary", "quality",      "revisions"};
}  // namespace

std::string_view AlertEventName(AlertEvent e) {
  return kEvents.at(static_cast<size_t>(e));
}

std::optional<AlertEvent> ParseAlertEvent(std::string_view s) {
  for (size_t i = 0; i < kEvents.size(); ++i) {
    if (kEvents[i] == s) return static_cast<AlertEvent>(i);
  }
  return std::nullopt;
}

std::vector<std::string> AlertEventNames() {
  return {kEvents.begin(), kEvents.end()};
}

}  // namespace datasync::alerting
