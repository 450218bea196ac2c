#include "app/views/dashboard_views.hpp"

#include <nlohmann/json.hpp>

#include "app/views/catalog_views.hpp"
#include "app/views/run_views.hpp"
#include "app/views/schedule_views.hpp"
#include "core/strings.hpp"

namespace datasync::app::views {

using json = nlohmann::ordered_json;

json ToJson(const PlanSummary& s) {
  json storages = s.plan.storages;
  return {{"name", s.plan.name},
          {"dataset", s.plan.dataset},
          {"storages", storages},
          {"schedule", s.plan.schedule.cron},
          {"enabled", s.plan.enabled},
          {"state", s.state},
          {"last_run", s.last_run ? ToJson(*s.last_run) : json(nullptr)},
          {"next_fire", s.next_fire ? ToJson(*s.next_fire) : json(nullptr)},
          {"rows_per_run", s.rows_per_run}};
}

json ToJson(const Overview& o) {
  json plans = json::array();
  for (const auto& p : o.plans) plans.push_back(ToJson(p));
  json active = json::array();
  for (const auto& a : o.active) active.push_back(ToJson(a));
  json quotas = json::array();
  for (const auto& q : o.quotas) {
    json windows = json::array();
    for (const auto& w : q.windows) {
      windows.push_back({{"window", w.window}, {"limit", w.limit}, {"used", w.used}, {"reset_at_us", w.reset_at_us}});
    }
    quotas.push_back({{"label", q.label}, {"windows", windows}});
  }
  return {{"now_us", o.now_us}, {"plans", plans}, {"active", active}, {"quotas", quotas}};
}

json ToJson(const sync::SyncTask& t) {
  json params = json::object();
  for (const auto& [k, v] : t.params) params[k] = v;
  return {{"id", t.id},
          {"parent_id", t.parent_id},
          {"key", t.key},
          {"state", std::string(sync::TaskStateName(t.state))},
          {"attempts", t.attempts},
          {"rows", t.rows},
          {"bytes", t.bytes},
          {"params", params},
          {"error_kind", t.error_kind},
          {"error", t.error},
          {"updated_at_us", t.updated_at_us}};
}

json ToJson(const RunTimeline& t) {
  json states = json::object();
  for (const auto& [state, series] : t.tasks_by_state) states[state] = series;
  return {{"run_id", t.run_id},     {"from_us", t.from_us}, {"to_us", t.to_us},
          {"width_us", t.width_us}, {"buckets", t.buckets}, {"tasks_by_state", states}};
}

json ToJson(const metadata::AuditEntry& e) {
  return {{"id", e.id},         {"at_us", e.at_us},   {"actor", e.actor},   {"role", e.role},
          {"action", e.action}, {"target", e.target}, {"detail", e.detail}, {"remote", e.remote}};
}

json ToJson(const metadata::SentAlert& e) {
  auto list = [](const std::string& text) {
    json out = json::array();
    for (const auto& s : core::Split(text, ',')) {
      if (!s.empty()) out.push_back(s);
    }
    return out;
  };
  return {{"id", e.id},       {"at_us", e.at_us},         {"channel", e.channel},   {"outcome", e.outcome},
          {"title", e.title}, {"events", list(e.events)}, {"plans", list(e.plans)}, {"alerts", e.alerts},
          {"error", e.error}};
}

json ToJson(const metadata::ApiToken& t) {
  return {{"name", t.name},
          {"role", t.role},
          {"origin", t.origin},
          {"created_at_us", t.created_at_us},
          {"last_used_at_us", t.last_used_at_us}};
}

template <class T>
json PageJson(const Page<T>& page) {
  json items = json::array();
  for (const auto& x : page.items) items.push_back(ToJson(x));
  return {{"items", items}, {"total", page.total}, {"limit", page.limit}, {"offset", page.offset}};
}
template json PageJson(const Page<sync::SyncRun>&);
template json PageJson(const Page<sync::SyncTask>&);
template json PageJson(const Page<metadata::AuditEntry>&);
template json PageJson(const Page<metadata::SentAlert>&);

json EventJson(const events::Event& event) {
  if (const auto* p = std::get_if<events::RunProgress>(&event)) {
    const auto& g = p->progress;
    return {{"plan", p->plan},
            {"run_id", g.run_id},
            {"tasks_total", g.tasks_total},
            {"tasks_done", g.tasks_done},
            {"tasks_failed", g.tasks_failed},
            {"tasks_skipped", g.tasks_skipped},
            {"in_flight", g.in_flight},
            {"rows", g.rows},
            {"bytes", g.bytes},
            {"elapsed_secs", g.elapsed_secs},
            {"rows_per_sec", g.rows_per_sec},
            {"eta_secs", g.eta_secs},
            {"note", g.note}};
  }
  if (const auto* e = std::get_if<events::RunEnded>(&event)) {
    const auto& r = e->report;
    return {{"plan", r.plan}, {"run_id", r.run_id},         {"status", r.status},
            {"rows", r.rows}, {"tasks_done", r.tasks_done}, {"tasks_failed", r.tasks_failed}};
  }
  if (const auto* m = std::get_if<events::RunMessage>(&event)) {
    return {{"plan", m->plan}, {"message", m->message}};
  }
  if (const auto* e = std::get_if<events::RemoteRunEnded>(&event)) {
    return {{"plan", e->plan},
            {"run_id", e->run_id},
            {"status", e->status},
            {"rows", e->counts.rows},
            {"tasks_done", e->counts.tasks_done},
            {"tasks_failed", e->counts.tasks_failed}};
  }
  if (const auto* j = std::get_if<events::JobEnded>(&event)) {
    return {{"id", j->id}, {"kind", j->kind}, {"subject", j->subject}, {"state", j->state}, {"summary", j->summary}};
  }
  if (const auto* a = std::get_if<events::AlertSent>(&event)) {
    return {{"channel", a->channel}, {"title", a->title}, {"outcome", a->delivered ? "sent" : "failed"}};
  }
  return nullptr;
}

}  // namespace datasync::app::views
