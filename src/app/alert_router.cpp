#include "app/alert_router.hpp"

#include <fmt/format.h>

#include "core/dates.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"

namespace datasync::app {

namespace {

std::string FirstLine(const std::string& s) {
  return s.substr(0, s.find('\n'));
}

// What an operator needs to know about a run, for an alert's body.
std::string RunDetails(const sync::RunReport& r) {
  std::string t;
  if (!r.error.empty()) t += core::Redact(r.error) + "\n";
  t += fmt::format("tasks {}/{} done, {} failed, {} skipped, {} cancelled; {} rows; trigger {}", r.tasks_done,
                   r.tasks_total, r.tasks_failed, r.tasks_skipped, r.tasks_cancelled, r.rows, r.trigger);
  if (r.resume_at_us) t += fmt::format("; resumes at {} UTC", core::FormatTimestamp(r.resume_at_us));
  for (const auto& e : r.errors) {
    t += fmt::format("\n{} x{}", e.kind, e.count);
    // An example that only repeats the run's error adds nothing but its parameters.
    if (e.examples.empty()) continue;
    // Redacted before the cut, so the cut cannot split a secret.
    const std::string ex = core::Redact(e.examples.front());
    const std::string error = core::Redact(r.error);
    if (!error.empty() && ex.ends_with(error)) {
      t += " (" + ex.substr(0, ex.size() - error.size()) + "...)";
    } else {
      t += ": " + ex;
    }
  }
  return t;
}

}  // namespace

AlertRouter::AlertRouter(events::EventBus& bus, Submit submit)
    : bus_(bus), submit_(std::move(submit)), id_(bus.Listen([this](const events::Event& e) {
        if (const auto* r = std::get_if<events::RunEnded>(&e)) OnRunEnded(*r);
        if (const auto* s = std::get_if<events::SchedulerNotice>(&e)) OnScheduler(s->event);
        if (const auto* v = std::get_if<events::VerifyEnded>(&e)) OnVerifyEnded(*v);
      })) {}

void AlertRouter::OnVerifyEnded(const events::VerifyEnded& v) {
  if (!v.error.empty() || v.revised + v.added + v.vanished == 0) return;
  alerting::Alert a;
  a.event = alerting::AlertEvent::kRevisions;
  a.plan = v.plan;
  a.run_id = v.run_id;
  a.title = fmt::format("plan {}: the vendor revised {} row(s), added {}, dropped {} (verify of {} task(s))", v.plan,
                        v.revised, v.added, v.vanished, v.checked);
  std::vector<std::string> fields;
  for (const auto& [f, n] : v.revised_by_field) fields.push_back(fmt::format("{} {}", f, n));
  a.message = (fields.empty() ? std::string() : "revised fields: " + core::Join(fields, ", ") + "\n") +
              core::Join(v.examples, "\n") +
              fmt::format(
                  "\n(verify run {}; `datasync verify {}` compares again, a run of the plan stores the "
                  "vendor's values)",
                  v.run_id, v.plan);
  a.key = "revisions|" + v.plan;
  submit_(std::move(a));
}

AlertRouter::~AlertRouter() {
  bus_.Unsubscribe(id_);
}

void AlertRouter::OnRunEnded(const events::RunEnded& ended) {
  const sync::RunReport& r = ended.report;
  auto base = [&](alerting::AlertEvent e, std::string title) {
    alerting::Alert a;
    a.event = e;
    a.plan = r.plan;
    a.run_id = r.run_id;
    a.slot_us = ended.slot_us;
    a.title = std::move(title);
    a.message = RunDetails(r);
    return a;
  };
  if (r.status == "failed" || r.status == "cancelled") {
    submit_(base(alerting::AlertEvent::kRunFailed, fmt::format("run {} of plan {} {}", r.run_id, r.plan, r.status)));
  } else if (r.status == "deferred") {
    submit_(base(alerting::AlertEvent::kRunDeferred,
                 fmt::format("run {} of plan {} deferred by the vendor's quota until {} UTC", r.run_id, r.plan,
                             core::FormatTimestamp(r.resume_at_us))));
  }
  for (const auto& e : r.errors) {
    if (e.kind != core::ErrorKindName(core::ErrorKind::kPermission)) continue;
    alerting::Alert a =
        base(alerting::AlertEvent::kPermission,
             fmt::format("plan {}: the vendor refused the credential or the API (run {})", r.plan, r.run_id));
    a.message = e.examples.empty() ? core::Redact(r.error) : core::Redact(e.examples.front());
    submit_(std::move(a));
  }
  for (const auto& q : r.quality) {
    if (q.violations == 0) continue;
    alerting::Alert a =
        base(alerting::AlertEvent::kQuality,
             fmt::format("plan {}: quality rule {} [{}] failed: {} of {}{}", r.plan, q.rule, q.severity, q.violations,
                         q.checked, q.quarantined ? fmt::format(", {} kept out", q.quarantined) : std::string()));
    a.message = core::Join(q.examples, "\n") + fmt::format("\n(run {}; see `datasync report {}`)", r.run_id, r.run_id);
    a.key = "quality|" + r.plan + "|" + q.rule;
    submit_(std::move(a));
  }
  for (const auto& w : r.warnings) {
    if (!w.starts_with("schema drift")) continue;
    alerting::Alert a = base(alerting::AlertEvent::kSchemaDrift, fmt::format("plan {}: {}", r.plan, FirstLine(w)));
    a.message = w + fmt::format("\n(run {}; see `datasync report {}`)", r.run_id, r.run_id);
    a.key = "schema_drift|" + r.plan + "|" + w;
    submit_(std::move(a));
  }
}

void AlertRouter::OnScheduler(const sync::SchedulerEvent& e) {
  using K = sync::SchedulerEvent::Kind;
  alerting::Alert a;
  a.plan = e.plan;
  a.run_id = e.run_id;
  a.slot_us = e.slot_us;
  a.message = e.message;
  switch (e.kind) {
    case K::kHeld:
      a.event = alerting::AlertEvent::kRunHeld;
      a.title = fmt::format("plan {} held: an upstream plan did not succeed", e.plan);
      break;
    case K::kLate:
      a.event = alerting::AlertEvent::kPlanLate;
      a.title = fmt::format("plan {} is late: no successful run by its deadline", e.plan);
      a.key = fmt::format("plan_late|{}|{}", e.plan, e.slot_us);
      break;
    case K::kLaunchFailed:
      a.event = alerting::AlertEvent::kRunFailed;
      a.title = fmt::format("plan {}: the scheduled run could not start", e.plan);
      break;
    default: return;
  }
  submit_(std::move(a));
}

}  // namespace datasync::app
