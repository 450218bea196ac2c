#include "app/verify_job.hpp"

#include <fmt/format.h>

#include "app/events/event_bus.hpp"
#include "app/verify.hpp"
#include "core/log.hpp"
#include "sync/schedule.hpp"
#include "sync/slot_store.hpp"

namespace datasync::app {

namespace {

// A difference as one line for the alert: "20240105 ts_code=000001.SZ trade_date=20240105 close 10.5 -> 11".
std::string ExampleLine(const VerifiedTask& t, const RowExample& e) {
  std::string params;
  for (const auto& [k, v] : t.params) params += (params.empty() ? "" : " ") + k + "=" + v;
  switch (e.kind) {
    case RowExample::Kind::kChanged:
      return fmt::format("[{}] {} {}: stored {} -> vendor {}", params, e.key, e.field, e.left, e.right);
    case RowExample::Kind::kOnlyLeft: return fmt::format("[{}] vanished: {}", params, e.left);
    case RowExample::Kind::kOnlyRight: return fmt::format("[{}] added: {}", params, e.right);
  }
  return {};
}

}  // namespace

void VerifyJob::Tick(core::TimePoint now, const std::vector<sync::SyncPlan>& plans) {
  for (const auto& plan : plans) {
    if (!plan.verify.enabled()) continue;
    auto due = next_.find(plan.name);
    if (due == next_.end()) {
      sync::ScheduleSpec spec;
      spec.cron = plan.verify.cron;
      spec.timezone = plan.verify.timezone;
      auto schedule = sync::Schedule::Compile(spec);
      if (!schedule) continue;  // validate refused it already
      auto next = schedule->Next(now, nullptr);
      if (next && *next) next_[plan.name] = (*next)->at;
      continue;
    }
    if (now < due->second) continue;
    // Not beside a run of the plan (new_run_only refuses it), nor beyond the daemon's workers: next tick.
    if (deps_.busy(plan.name) || !deps_.has_capacity()) continue;
    core::TimePoint at = due->second;
    next_.erase(due);
    Start(plan, at);
  }
  // Plans no longer in the configuration keep no time.
  for (auto it = next_.begin(); it != next_.end();) {
    bool known = false;
    for (const auto& p : plans) known = known || (p.name == it->first && p.verify.enabled());
    it = known ? std::next(it) : next_.erase(it);
  }
}

void VerifyJob::Start(const sync::SyncPlan& plan, core::TimePoint at) {
  sync::ScheduleSlot slot;
  slot.plan = SlotName(plan.name);
  slot.slot_us = core::ToEpochMicros(at);
  slot.state = sync::SlotState::kDone;
  slot.owner = deps_.owner;
  auto won = deps_.app->db().slots().Claim(slot);
  if (!won) {
    core::LogError(fmt::format("scheduled verify of plan {}: {}", plan.name, won.error().message()));
    return;
  }
  if (!*won) return;  // another daemon took this time
  VerifyOptions options;
  options.plan = plan.name;
  options.sample = static_cast<size_t>(plan.verify.sample);
  deps_.start_job(plan.name, [this, options, name = plan.name] {
    core::LogInfo(fmt::format("scheduled verify of plan {}: re-fetching up to {} task(s)", name, *options.sample));
    events::VerifyEnded ended;
    ended.plan = name;
    auto r = Verify(*deps_.app, options, deps_.run_options());
    if (!r) {
      ended.error = r.error().message();
      core::LogError(fmt::format("scheduled verify of plan {}: {}", name, ended.error));
    } else {
      ended.run_id = r->run_id;
      ended.chosen = r->chosen;
      ended.checked = r->checked;
      ended.unchanged = r->unchanged;
      ended.revised = r->revised;
      ended.added = r->added;
      ended.vanished = r->vanished;
      ended.revised_by_field = r->revised_by_field;
      for (const auto& t : r->differing) {
        for (const auto& e : t.diff.examples) {
          if (ended.examples.size() < 10) ended.examples.push_back(ExampleLine(t, e));
        }
      }
      core::LogInfo(
          fmt::format("scheduled verify of plan {} (run {}): {} task(s) checked, {} unchanged; rows "
                      "revised {}, added {}, vanished {}{}",
                      name, r->run_id, r->checked, r->unchanged, r->revised, r->added, r->vanished,
                      r->note.empty() ? std::string() : "; " + r->note));
    }
    if (deps_.events) deps_.events->Publish(std::move(ended));
  });
}

}  // namespace datasync::app
