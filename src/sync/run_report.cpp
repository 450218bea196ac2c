#include "sync/run_report.hpp"

#include <nlohmann/json.hpp>

#include "core/json_text.hpp"

namespace datasync::sync {

using nlohmann::json;

std::string RunReportToJson(const RunReport& r) {
  json j = {
      {"run_id", r.run_id},
      {"plan", r.plan},
      {"dataset", r.dataset},
      {"source", r.source},
      {"status", r.status},
      {"trigger", r.trigger},
      {"error", r.error},
      {"started_at_us", r.started_at_us},
      {"finished_at_us", r.finished_at_us},
      {"resume_at_us", r.resume_at_us},
      {"duration_secs", r.duration_secs},
      {"tasks",
       {{"total", r.tasks_total},
        {"done", r.tasks_done},
        {"failed", r.tasks_failed},
        {"skipped", r.tasks_skipped},
        {"cancelled", r.tasks_cancelled},
        {"split", r.tasks_split},
        {"waiting", r.tasks_waiting}}},
      {"rows", r.rows},
      {"bytes", r.bytes},
      {"requests", r.requests},
      {"retries", r.retries},
      {"success_rate", r.success_rate},
      {"rows_per_sec", r.rows_per_sec},
      {"warnings", r.warnings},
  };
  json errors = json::array();
  for (const auto& e : r.errors) errors.push_back({{"kind", e.kind}, {"count", e.count}, {"examples", e.examples}});
  j["errors"] = errors;
  json storages = json::array();
  for (const auto& s : r.storages) {
    storages.push_back(
        {{"storage", s.storage}, {"kind", s.kind}, {"rows", s.rows}, {"bytes", s.bytes}, {"commits", s.commits}});
  }
  j["storages"] = storages;
  json quota = json::array();
  for (const auto& q : r.quota) quota.push_back({{"window", q.window}, {"limit", q.limit}, {"used", q.used}});
  j["quota"] = quota;
  const ConcurrencyReport& c = r.concurrency;
  json levels = json::array();
  for (const auto& l : c.levels) {
    levels.push_back({{"level", l.level}, {"rtt_ms", l.rtt_ms}, {"calls_per_sec", l.calls_per_sec}});
  }
  if (!r.quality.empty()) {
    json quality = json::array();
    for (const auto& q : r.quality) {
      quality.push_back({{"rule", q.rule},
                         {"severity", q.severity},
                         {"checked", q.checked},
                         {"violations", q.violations},
                         {"quarantined", q.quarantined},
                         {"examples", q.examples}});
    }
    j["quality"] = std::move(quality);
  }
  j["concurrency"] = {{"mode", c.mode},
                      {"max", c.max},
                      {"final", c.final_limit},
                      {"lowest", c.lowest},
                      {"highest", c.highest},
                      {"changes", c.changes},
                      {"back_pressure", c.back_pressure},
                      {"mean_in_flight", c.mean_in_flight},
                      {"levels", levels}};
  return core::JsonText(j);
}

core::Result<RunReport> RunReportFromJson(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return core::Fail(core::ErrorKind::kInternal, "stored run report is not valid JSON");
  }
  RunReport r;
  auto get = [&](const json& o, const char* k, auto& out) {
    if (o.contains(k) && !o[k].is_null()) o.at(k).get_to(out);
  };
  get(j, "run_id", r.run_id);
  get(j, "plan", r.plan);
  get(j, "dataset", r.dataset);
  get(j, "source", r.source);
  get(j, "status", r.status);
  get(j, "trigger", r.trigger);
  get(j, "error", r.error);
  get(j, "started_at_us", r.started_at_us);
  get(j, "finished_at_us", r.finished_at_us);
  get(j, "resume_at_us", r.resume_at_us);
  get(j, "duration_secs", r.duration_secs);
  if (j.contains("tasks")) {
    const json& t = j["tasks"];
    get(t, "total", r.tasks_total);
    get(t, "done", r.tasks_done);
    get(t, "failed", r.tasks_failed);
    get(t, "skipped", r.tasks_skipped);
    get(t, "cancelled", r.tasks_cancelled);
    get(t, "split", r.tasks_split);
    get(t, "waiting", r.tasks_waiting);
  }
  get(j, "rows", r.rows);
  get(j, "bytes", r.bytes);
  get(j, "requests", r.requests);
  get(j, "retries", r.retries);
  get(j, "success_rate", r.success_rate);
  get(j, "rows_per_sec", r.rows_per_sec);
  get(j, "warnings", r.warnings);
  for (const auto& e : j.value("errors", json::array())) {
    ErrorClassReport x;
    get(e, "kind", x.kind);
    get(e, "count", x.count);
    get(e, "examples", x.examples);
    r.errors.push_back(std::move(x));
  }
  for (const auto& s : j.value("storages", json::array())) {
    StorageReport x;
    get(s, "storage", x.storage);
    get(s, "kind", x.kind);
    get(s, "rows", x.rows);
    get(s, "bytes", x.bytes);
    get(s, "commits", x.commits);
    r.storages.push_back(std::move(x));
  }
  for (const auto& q : j.value("quota", json::array())) {
    QuotaWindowUse x;
    get(q, "window", x.window);
    get(q, "limit", x.limit);
    get(q, "used", x.used);
    r.quota.push_back(std::move(x));
  }
  for (const auto& q : j.value("quality", json::array())) {
    QualityCheckReport x;
    get(q, "rule", x.rule);
    get(q, "severity", x.severity);
    get(q, "checked", x.checked);
    get(q, "violations", x.violations);
    get(q, "quarantined", x.quarantined);
    get(q, "examples", x.examples);
    r.quality.push_back(std::move(x));
  }
  if (auto c = j.find("concurrency"); c != j.end() && c->is_object()) {
    ConcurrencyReport& x = r.concurrency;
    get(*c, "mode", x.mode);
    get(*c, "max", x.max);
    get(*c, "final", x.final_limit);
    get(*c, "lowest", x.lowest);
    get(*c, "highest", x.highest);
    get(*c, "changes", x.changes);
    get(*c, "back_pressure", x.back_pressure);
    get(*c, "mean_in_flight", x.mean_in_flight);
    for (const auto& l : c->value("levels", json::array())) {
      ConcurrencyReport::Level y;
      get(l, "level", y.level);
      get(l, "rtt_ms", y.rtt_ms);
      get(l, "calls_per_sec", y.calls_per_sec);
      x.levels.push_back(y);
    }
  }
  return r;
}

}  // namespace datasync::sync
