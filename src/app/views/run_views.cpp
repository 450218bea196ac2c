#include "app/views/run_views.hpp"

#include <nlohmann/json.hpp>

namespace datasync::app::views {

using json = nlohmann::ordered_json;

json ToJson(const PlanOutcome& o) {
  json j = {{"plan", o.plan}, {"note", o.note}};
  j["report"] = o.report ? json::parse(sync::RunReportToJson(*o.report)) : json(nullptr);
  j["schema"] = o.schema;
  return j;
}

json ToJson(const ActiveRun& r) {
  json quota = json::array();
  for (const auto& q : r.quota) quota.push_back({{"window", q.window}, {"limit", q.limit}, {"used", q.used}});
  return {{"run_id", r.run.id},
          {"plan", r.run.plan},
          {"dataset", r.dataset},
          {"status", std::string(sync::RunStatusName(r.run.status))},
          {"alive", r.alive},
          {"owner", r.alive ? r.run.owner : ""},
          {"tasks_total", r.run.counts.tasks_total},
          {"tasks_done", r.run.counts.tasks_done},
          {"tasks_failed", r.run.counts.tasks_failed},
          {"rows", r.run.counts.rows},
          {"resume_at_us", r.run.resume_at_us},
          {"quota_label", r.quota_label},
          {"quota", quota},
          {"eta_secs", r.eta_secs}};
}

json ToJson(const sync::SyncRun& r) {
  return {{"id", r.id},
          {"plan", r.plan},
          {"status", std::string(sync::RunStatusName(r.status))},
          {"trigger", r.trigger},
          {"created_at_us", r.created_at_us},
          {"started_at_us", r.started_at_us},
          {"finished_at_us", r.finished_at_us},
          {"resume_at_us", r.resume_at_us},
          {"tasks_total", r.counts.tasks_total},
          {"tasks_done", r.counts.tasks_done},
          {"tasks_failed", r.counts.tasks_failed},
          {"tasks_skipped", r.counts.tasks_skipped},
          {"rows", r.counts.rows},
          {"bytes", r.counts.bytes},
          {"requests", r.counts.requests},
          {"error", r.error}};
}

json RunReportJson(const sync::SyncRun& r) {
  if (r.report_json.empty()) {
    return {{"run_id", r.id}, {"status", std::string(sync::RunStatusName(r.status))}, {"report", nullptr}};
  }
  return json::parse(r.report_json);
}

json MessageJson(const std::string& message) {
  return {{"message", message}};
}

}  // namespace datasync::app::views
