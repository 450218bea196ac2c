#include "app/daily_summary_job.hpp"

#include <fmt/format.h>

#include "core/log.hpp"
#include "sync/schedule.hpp"
#include "sync/slot_store.hpp"

namespace datasync::app {

namespace {
constexpr const char* kSummarySlot = "@daily_summary";  // not a valid plan name, so never a plan's slot
}  // namespace

void DailySummaryJob::Tick(core::TimePoint now, const alerting::DailySummarySpec& spec) {
  if (spec.at.empty() || spec.channels.empty()) return;
  auto minute = sync::ParseClockTime(spec.at);
  if (!minute) return;
  sync::ScheduleSpec s;
  s.cron = fmt::format("{} {} * * *", *minute % 60, *minute / 60);
  s.timezone = spec.timezone;
  auto schedule = sync::Schedule::Compile(s);
  if (!schedule) return;
  if (!next_) {
    auto next = schedule->Next(now, nullptr);
    if (!next || !*next) return;
    next_ = (*next)->at;
    return;
  }
  if (now < *next_) return;
  core::TimePoint at = *next_;
  next_.reset();
  // The slot row makes the summary go out once, whichever daemon and however many restarts.
  sync::ScheduleSlot slot;
  slot.plan = kSummarySlot;
  slot.slot_us = core::ToEpochMicros(at);
  slot.state = sync::SlotState::kDone;
  slot.owner = owner_;
  auto won = app_.db().slots().Claim(slot);
  if (!won || !*won) return;
  const core::TimeZone& tz = schedule->time_zone();
  auto summary = app_.Summary(tz.LocalDay(at), tz);
  if (!summary) {
    core::LogError("daily summary: " + summary.error().message());
    return;
  }
  alerting::Alert a;
  a.event = alerting::AlertEvent::kDailySummary;
  a.at_us = core::ToEpochMicros(now);
  int64_t failed = summary->runs_by_status.count("failed") ? summary->runs_by_status.at("failed") : 0;
  a.title = fmt::format("daily summary {}: {} run(s), {} failed", summary->date, summary->runs, failed);
  a.message = summary->Text();
  a.key = "daily_summary|" + summary->date;
  alerts_.SubmitTo(spec.channels, std::move(a), now);
}

}  // namespace datasync::app
