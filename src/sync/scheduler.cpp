#include "sync/scheduler.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>

#include "core/dates.hpp"
#include "sync/run_transitions.hpp"

namespace datasync::sync {

namespace {

constexpr int64_t kLateLookbackUs = int64_t{3} * 86400 * 1'000'000;

constexpr std::array<std::string_view, 10> kEventNames = {"fired", "missed",        "held", "released",   "started",
                                                          "done",  "launch_failed", "late", "taken_over", "error"};

std::string When(int64_t us) {
  return core::FormatTimestamp(us) + " UTC";
}

}  // namespace

std::string_view SchedulerEventName(SchedulerEvent::Kind k) {
  return kEventNames.at(static_cast<size_t>(k));
}

Scheduler::Scheduler(SchedulerDeps deps, SchedulerOptions options) : deps_(deps), opt_(std::move(options)) {}

void Scheduler::SetPlans(std::vector<ScheduledPlan> plans) {
  std::sort(plans.begin(), plans.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  plans_ = std::move(plans);
}

const ScheduledPlan* Scheduler::Find(const std::string& name) const {
  auto it = std::lower_bound(plans_.begin(), plans_.end(), name,
                             [](const ScheduledPlan& p, const std::string& n) { return p.name < n; });
  return it != plans_.end() && it->name == name ? &*it : nullptr;
}

core::Status Scheduler::Save(const ScheduleSlot& slot) {
  auto ok = deps_.slots->Update(slot, opt_.owner);
  if (!ok) return core::Fail(ok.error());
  return core::Ok();
}

core::Result<std::vector<SchedulerEvent>> Scheduler::Tick(core::TimePoint now) {
  std::vector<SchedulerEvent> events;
  const int64_t now_us = core::ToEpochMicros(now);
  if (auto st = deps_.slots->Heartbeat(opt_.owner, now_us); !st) return core::Fail(st.error());
  auto taken = deps_.slots->TakeOver(
      opt_.owner, now_us, now_us - std::chrono::duration_cast<std::chrono::microseconds>(opt_.lease).count());
  if (!taken) return core::Fail(taken.error());
  if (*taken > 0) {
    events.push_back({SchedulerEvent::Kind::kTakenOver, "", 0, 0,
                      fmt::format("took over {} open slot(s) of a daemon that stopped", *taken)});
  }

  // One plan's unreadable calendar must not stop the others: its error is an event, and it is tried again.
  for (const auto& plan : plans_) {
    if (!plan.enabled || !plan.schedule) continue;
    if (auto st = FireDue(plan, now, events); !st) {
      events.push_back({SchedulerEvent::Kind::kError, plan.name, 0, 0, st.error().message()});
    }
  }

  for (auto& r : deps_.launcher->Finished()) {
    SlotKey key{r.plan, r.slot_us};
    results_[key] = std::move(r);
  }

  auto open = deps_.slots->OpenSlots();
  if (!open) return core::Fail(open.error());
  std::set<std::string> plans_with_older_slot;
  for (auto& slot : *open) {
    bool oldest_of_plan = plans_with_older_slot.insert(slot.plan).second;
    if (slot.owner != opt_.owner) continue;
    const ScheduledPlan* plan = Find(slot.plan);
    if (slot.state == SlotState::kStarted) {
      if (auto st = MoveStarted(std::move(slot), now, events); !st) return core::Fail(st.error());
      continue;
    }
    if (!plan || !plan->schedule || !plan->enabled) {
      slot.state = SlotState::kMissed;
      slot.note = "the plan is no longer scheduled";
      if (auto st = Save(slot); !st) return core::Fail(st.error());
      events.push_back({SchedulerEvent::Kind::kMissed, slot.plan, slot.slot_us, 0, slot.note});
      continue;
    }
    if (!oldest_of_plan) continue;  // an earlier slot of this plan runs first
    if (auto st = MovePending(std::move(slot), *plan, events); !st) return core::Fail(st.error());
  }

  for (const auto& plan : plans_) {
    if (!plan.enabled || !plan.schedule || plan.schedule->spec().deadline.empty()) continue;
    if (auto st = CheckLate(plan, now, events); !st) return core::Fail(st.error());
  }
  return events;
}

core::Status Scheduler::Claim(const std::string& plan, int64_t slot_us, SlotState state, const std::string& note,
                              std::vector<SchedulerEvent>& events) {
  ScheduleSlot slot;
  slot.plan = plan;
  slot.slot_us = slot_us;
  slot.state = state;
  slot.owner = opt_.owner;
  slot.note = note;
  auto won = deps_.slots->Claim(slot);
  if (!won) return core::Fail(won.error());
  if (!*won) return core::Ok();  // another daemon fired this slot
  events.push_back({state == SlotState::kMissed ? SchedulerEvent::Kind::kMissed : SchedulerEvent::Kind::kFired, plan,
                    slot_us, 0, note});
  return core::Ok();
}

core::Status Scheduler::FireDue(const ScheduledPlan& plan, core::TimePoint now, std::vector<SchedulerEvent>& events) {
  auto latest = deps_.slots->Latest(plan.name, std::numeric_limits<int64_t>::max());
  if (!latest) return core::Fail(latest.error());
  core::TimePoint from;
  if (*latest) {
    from = core::FromEpochMicros((*latest)->slot_us);
  } else {
    // A plan never fired: its schedule starts now, not at some past fire time.
    auto [it, fresh] = first_seen_.try_emplace(plan.name, now);
    if (fresh) return core::Ok();
    from = it->second;
  }
  if (from >= now) return core::Ok();
  const Schedule& schedule = *plan.schedule;
  auto window = schedule.Between(from, now, std::max<size_t>(opt_.max_catch_up, 1), deps_.calendar);
  if (!window) return core::Fail(window.error());
  if (window->total == 0) return core::Ok();

  std::vector<FireTime> on_time, missed;
  for (const auto& f : window->fires) (now - f.at <= opt_.grace ? on_time : missed).push_back(f);
  const int64_t missed_total = window->total - static_cast<int64_t>(on_time.size());
  auto note_for = [&](const FireTime& f, std::string note) {
    if (f.assumed) {
      if (!note.empty()) note += "; ";
      note += "calendar '" + schedule.spec().calendar + "' has no entry for that day: Monday to Friday assumed open";
    }
    return note;
  };
  auto us = [](const FireTime& f) { return core::ToEpochMicros(f.at); };

  if (missed_total > 0) {
    switch (schedule.spec().misfire) {
      case Misfire::kSkip: {
        std::string note = fmt::format("{} slot(s) not fired on time (misfire: skip)", missed_total);
        if (auto st = Claim(plan.name, us(missed.back()), SlotState::kMissed, note_for(missed.back(), note), events);
            !st) {
          return st;
        }
        break;
      }
      case Misfire::kOnce: {
        std::string note = fmt::format("{} slot(s) not fired on time (misfire: once)", missed_total);
        // With a slot on time as well, that slot is the one run; otherwise the latest missed one runs.
        SlotState state = on_time.empty() ? SlotState::kPending : SlotState::kMissed;
        if (state == SlotState::kPending) note += ": this slot runs once for them";
        if (auto st = Claim(plan.name, us(missed.back()), state, note_for(missed.back(), note), events); !st) return st;
        break;
      }
      case Misfire::kCatchUp: {
        for (size_t i = 0; i < missed.size(); ++i) {
          std::string note = "not fired on time (misfire: catch_up)";
          if (i == 0 && missed_total > static_cast<int64_t>(missed.size())) {
            note += fmt::format("; {} older slot(s) beyond max catch-up ({}) are not run",
                                missed_total - static_cast<int64_t>(missed.size()), opt_.max_catch_up);
          }
          if (auto st = Claim(plan.name, us(missed[i]), SlotState::kPending, note_for(missed[i], note), events); !st) {
            return st;
          }
        }
        break;
      }
    }
  }
  for (const auto& f : on_time) {
    if (auto st = Claim(plan.name, us(f), SlotState::kPending, note_for(f, ""), events); !st) return st;
  }
  return core::Ok();
}

core::Result<std::optional<std::string>> Scheduler::Upstreams(const ScheduledPlan& plan, const ScheduleSlot& slot) {
  using Verdict = std::optional<std::string>;
  for (const auto& up : plan.depends_on) {
    if (up == plan.name) continue;
    const ScheduledPlan* u = Find(up);
    int64_t run_id = 0;
    std::string occasion;
    if (u && u->schedule && u->enabled) {
      auto rel = deps_.slots->Latest(up, slot.slot_us);
      if (!rel) return core::Fail(rel.error());
      if (!*rel) continue;  // no occasion of the upstream yet
      const ScheduleSlot& occ = **rel;
      occasion = "its slot " + When(occ.slot_us);
      if (occ.state == SlotState::kMissed) {
        return Verdict("upstream plan '" + up + "' did not run " + occasion + " (" + occ.note + ")");
      }
      if (occ.state != SlotState::kDone) return Verdict(std::nullopt);  // still to run: wait
      run_id = occ.run_id;
      if (run_id == 0) {
        return Verdict("upstream plan '" + up + "' made no run for " + occasion +
                       (occ.note.empty() ? "" : ": " + occ.note));
      }
    } else {
      RunQuery q;
      q.plan = up;
      q.limit = 1;
      auto runs = deps_.runs->ListRuns(q);
      if (!runs) return core::Fail(runs.error());
      if (runs->empty()) continue;
      run_id = runs->front().id;
      occasion = "its latest run";
    }
    auto run = deps_.runs->GetRun(run_id);
    if (!run) return core::Fail(run.error());
    if (!*run) continue;
    if ((*run)->status == RunStatus::kSucceeded) continue;
    if (!IsFinal((*run)->status)) return Verdict(std::nullopt);
    return Verdict(fmt::format("upstream plan '{}' did not succeed in {} (run {} {}{})", up, occasion, run_id,
                               RunStatusName((*run)->status), (*run)->error.empty() ? "" : ": " + (*run)->error));
  }
  return Verdict(std::string());
}

core::Status Scheduler::MovePending(ScheduleSlot slot, const ScheduledPlan& plan, std::vector<SchedulerEvent>& events) {
  if (slot.state == SlotState::kHeld) {
    auto newest = deps_.slots->Latest(slot.plan, std::numeric_limits<int64_t>::max());
    if (!newest) return core::Fail(newest.error());
    if (*newest && (*newest)->slot_us > slot.slot_us) {
      slot.state = SlotState::kMissed;
      slot.note += "; given up for the newer slot " + When((*newest)->slot_us);
      if (auto st = Save(slot); !st) return st;
      events.push_back({SchedulerEvent::Kind::kMissed, slot.plan, slot.slot_us, 0, slot.note});
      return core::Ok();
    }
  }
  auto verdict = Upstreams(plan, slot);
  if (!verdict) return core::Fail(verdict.error());
  if (!*verdict) return core::Ok();  // an upstream is still to run
  if (!(*verdict)->empty()) {
    if (slot.state != SlotState::kHeld || slot.note != **verdict) {
      slot.state = SlotState::kHeld;
      slot.note = **verdict;
      if (auto st = Save(slot); !st) return st;
      events.push_back({SchedulerEvent::Kind::kHeld, slot.plan, slot.slot_us, 0, slot.note});
    }
    return core::Ok();
  }
  if (slot.state == SlotState::kHeld) {
    events.push_back({SchedulerEvent::Kind::kReleased, slot.plan, slot.slot_us, 0,
                      "continues: the upstream plans succeeded after all"});
    slot.note.clear();
  }
  if (deps_.launcher->Busy(slot.plan) || !deps_.launcher->HasCapacity()) {
    if (slot.state == SlotState::kHeld) {
      slot.state = SlotState::kPending;
      return Save(slot);
    }
    return core::Ok();
  }
  slot.state = SlotState::kStarted;
  auto won = deps_.slots->Update(slot, opt_.owner);
  if (!won) return core::Fail(won.error());
  if (!*won) return core::Ok();  // taken over by another daemon since this tick began
  deps_.launcher->Launch(slot);
  events.push_back({SchedulerEvent::Kind::kStarted, slot.plan, slot.slot_us, 0, ""});
  return core::Ok();
}

core::Status Scheduler::MoveStarted(ScheduleSlot slot, core::TimePoint now, std::vector<SchedulerEvent>& events) {
  if (deps_.launcher->Busy(slot.plan)) return core::Ok();
  SlotKey key{slot.plan, slot.slot_us};
  const int64_t now_us = core::ToEpochMicros(now);
  if (auto r = results_.find(key); r != results_.end()) {
    LaunchResult res = std::move(r->second);
    results_.erase(r);
    if (res.run_id != 0 && res.run_id != slot.run_id) {
      slot.run_id = res.run_id;
      if (auto st = Save(slot); !st) return st;
    }
    if (res.run_id == 0 && !res.error.empty()) {
      if (res.retry) {
        retry_at_[key] = now + opt_.launch_retry;
      } else {
        slot.state = SlotState::kDone;
        slot.note = res.error;
        if (auto st = Save(slot); !st) return st;
        events.push_back({SchedulerEvent::Kind::kLaunchFailed, slot.plan, slot.slot_us, 0, res.error});
        return core::Ok();
      }
    }
  }
  if (auto r = retry_at_.find(key); r != retry_at_.end()) {
    if (now < r->second) return core::Ok();
    retry_at_.erase(r);
  }
  if (slot.run_id != 0) {
    auto run = deps_.runs->GetRun(slot.run_id);
    if (!run) return core::Fail(run.error());
    if (*run) {
      const SyncRun& r = **run;
      if (IsFinal(r.status)) {
        slot.state = SlotState::kDone;
        if (auto st = Save(slot); !st) return st;
        events.push_back({SchedulerEvent::Kind::kDone, slot.plan, slot.slot_us, r.id,
                          fmt::format("run {} {}", r.id, RunStatusName(r.status))});
        return core::Ok();
      }
      if (r.status == RunStatus::kDeferred && r.resume_at_us > now_us) return core::Ok();
      if (r.status == RunStatus::kPaused && r.control == RunControl::kPause) {
        std::string note =
            fmt::format("run {} paused by `datasync pause`; `datasync resume {}` continues it", r.id, r.id);
        if (slot.note != note) {
          slot.note = note;
          return Save(slot);
        }
        return core::Ok();
      }
      if (IsExecuted(r, now_us)) return core::Ok();  // another process
    }
  }
  if (!deps_.launcher->HasCapacity()) return core::Ok();
  deps_.launcher->Launch(slot);
  events.push_back({SchedulerEvent::Kind::kStarted, slot.plan, slot.slot_us, slot.run_id,
                    slot.run_id ? fmt::format("continuing run {}", slot.run_id) : "continuing"});
  return core::Ok();
}

core::Status Scheduler::CheckLate(const ScheduledPlan& plan, core::TimePoint now, std::vector<SchedulerEvent>& events) {
  const int64_t now_us = core::ToEpochMicros(now);
  auto slots = deps_.slots->List(plan.name, now_us - kLateLookbackUs, 0);
  if (!slots) return core::Fail(slots.error());
  for (auto& slot : *slots) {
    if (slot.late_notified || slot.owner != opt_.owner) continue;
    auto deadline = plan.schedule->DeadlineFor(core::FromEpochMicros(slot.slot_us));
    if (!deadline || *deadline > now) continue;
    std::string why;
    if (slot.run_id != 0) {
      auto run = deps_.runs->GetRun(slot.run_id);
      if (!run) return core::Fail(run.error());
      if (*run && (*run)->status == RunStatus::kSucceeded) continue;
      if (*run) why = fmt::format("run {} is {}", slot.run_id, RunStatusName((*run)->status));
    }
    if (why.empty())
      why = "slot " + std::string(SlotStateName(slot.state)) + (slot.note.empty() ? "" : ": " + slot.note);
    slot.late_notified = true;
    if (auto st = Save(slot); !st) return st;
    events.push_back(
        {SchedulerEvent::Kind::kLate, slot.plan, slot.slot_us, slot.run_id,
         fmt::format("no successful run by the deadline {} ({}) for the slot {}; {}", plan.schedule->spec().deadline,
                     When(core::ToEpochMicros(*deadline)), When(slot.slot_us), why)});
  }
  return core::Ok();
}

core::Status Scheduler::Release() {
  return deps_.slots->Release(opt_.owner);
}

}  // namespace datasync::sync
