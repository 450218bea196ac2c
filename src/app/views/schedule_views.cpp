#include "app/views/schedule_views.hpp"

#include <nlohmann/json.hpp>

#include "core/dates.hpp"
#include "core/secrets.hpp"

namespace datasync::app::views {

using json = nlohmann::ordered_json;

json ToJson(const FireTimeView& f) {
  return {{"at_us", f.at_us},
          {"utc", core::FormatTimestamp(f.at_us) + "Z"},
          {"local", f.local},
          {"assumed_open", f.assumed}};
}

json ToJson(const sync::ScheduleSlot& s) {
  return {{"plan", s.plan},
          {"slot_us", s.slot_us},
          {"slot", core::FormatTimestamp(s.slot_us) + "Z"},
          {"state", std::string(sync::SlotStateName(s.state))},
          {"run_id", s.run_id},
          {"owner", s.owner},
          {"note", s.note}};
}

json ToJson(const DailySummary& s) {
  json problems = json::array();
  for (const auto& r : s.problem_runs) {
    problems.push_back({{"run_id", r.id},
                        {"plan", r.plan},
                        {"status", std::string(sync::RunStatusName(r.status))},
                        {"error", core::Redact(r.error)}});
  }
  json slots = json::array();
  for (const auto& sl : s.problem_slots) {
    slots.push_back({{"plan", sl.plan},
                     {"slot_us", sl.slot_us},
                     {"state", std::string(sync::SlotStateName(sl.state))},
                     {"note", sl.note}});
  }
  return {{"date", s.date},
          {"timezone", s.timezone},
          {"runs", s.runs},
          {"runs_by_status", s.runs_by_status},
          {"tasks_done", s.tasks_done},
          {"tasks_failed", s.tasks_failed},
          {"rows", s.rows},
          {"bytes", s.bytes},
          {"requests", s.requests},
          {"problem_runs", problems},
          {"problem_slots", slots}};
}

}  // namespace datasync::app::views
