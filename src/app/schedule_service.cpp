// App's scheduling use cases: execute one slot's run (for the daemon's launcher), list fire times and
// slots, the daily summary, the trading calendar and quota use the daemon reports.
#include <fmt/format.h>

#include <algorithm>

#include "app/app.hpp"
#include "app/app_impl.hpp"
#include "app/storage_calendar.hpp"
#include "core/dates.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"
#include "datasource/provider.hpp"

namespace datasync::app {

namespace {

// The runs of a plan looked at when searching for the run of one slot: a plan has few runs per slot.
constexpr size_t kSlotRunSearch = 50;

std::string LocalText(const core::TimeZone& tz, int64_t utc_us) {
  int64_t local = tz.UtcToLocal(utc_us);
  int64_t offset_min = (local - utc_us) / 60'000'000;
  char sign = offset_min < 0 ? '-' : '+';
  offset_min = std::abs(offset_min);
  return fmt::format("{} {}{:02}:{:02}", core::FormatTimestamp(local - local % 1'000'000), sign, offset_min / 60,
                     offset_min % 60);
}

std::string Bytes(int64_t n) {
  if (n < 1024) return fmt::format("{} B", n);
  if (n < 1024 * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(n) / 1024);
  if (n < int64_t{1024} * 1024 * 1024) return fmt::format("{:.1f} MiB", static_cast<double>(n) / (1024 * 1024));
  return fmt::format("{:.2f} GiB", static_cast<double>(n) / (1024.0 * 1024 * 1024));
}

}  // namespace

sync::TradingCalendar& App::calendar() {
  Impl& m = *impl_;
  std::lock_guard lock(m.calendar_mu);
  if (!m.calendar) {
    m.calendar = std::make_unique<StorageCalendar>(m.sinks, m.project.root, [this]() -> core::Result<CalendarCatalog> {
      auto plans = Plans();
      if (!plans) return Fail(plans.error());
      auto storages = Storages();
      if (!storages) return Fail(storages.error());
      auto sources = Sources();
      if (!sources) return Fail(sources.error());
      auto datasets = Datasets();
      if (!datasets) return Fail(datasets.error());
      CalendarCatalog catalog{std::move(*plans), std::move(*storages), {}};
      for (const auto& ds : *datasets) {
        const datasource::ProviderInfo* provider = nullptr;
        for (const auto& s : *sources) {
          if (s.name == ds.source) provider = providers().Find(s.provider);
        }
        if (auto cal = datasource::CalendarMappingOf(ds, provider)) catalog.calendars.emplace(ds.name, std::move(*cal));
      }
      return catalog;
    });
  }
  return *m.calendar;
}

void App::InvalidateCalendar() {
  static_cast<StorageCalendar&>(calendar()).Invalidate();
}

core::Result<PlanOutcome> App::RunSlot(const std::string& plan_name, int64_t slot_us, const RunOptions& options) {
  auto catalog = LoadCatalog();
  if (!catalog) return Fail(catalog.error());
  auto plan = std::find_if(catalog->plans.begin(), catalog->plans.end(), [&](auto& p) { return p.name == plan_name; });
  if (plan == catalog->plans.end()) {
    return Fail(ErrorKind::kNotFound, "plan '" + plan_name + "' is no longer in the catalog");
  }
  auto& store = impl_->db->runs();
  RunOptions opts = options;
  opts.trigger = "schedule";
  opts.slot_us = slot_us;
  opts.apply_first = false;
  sync::RunQuery q;
  q.plan = plan_name;
  q.limit = kSlotRunSearch;
  auto runs = store.ListRuns(q);
  if (!runs) return Fail(runs.error());
  // The slot's own run, if one was made (a restart between making it and recording it in the slot).
  for (const auto& r : *runs) {
    if (r.slot_us != slot_us) continue;
    if (sync::IsFinal(r.status)) {
      PlanOutcome out;
      out.plan = plan_name;
      out.note = fmt::format("run {} of this slot already finished", r.id);
      if (auto rep = sync::RunReportFromJson(r.report_json); rep && !r.report_json.empty()) out.report = *rep;
      return out;
    }
    return RunOne(*plan, *catalog, opts, r);
  }
  // One run per plan at a time: an unfinished run of another occasion (a manual run, an earlier slot whose
  // record was lost) goes first.
  if (!runs->empty() && !sync::IsFinal(runs->front().status)) {
    sync::SyncRun other = runs->front();
    if (other.status == sync::RunStatus::kDeferred && other.resume_at_us > core::ToEpochMicros(impl_->clock.Now())) {
      return Fail(ErrorKind::kTransient, fmt::format("plan '{}' has run {} deferred until {} UTC; this slot runs "
                                                     "after it",
                                                     plan_name, other.id, core::FormatTimestamp(other.resume_at_us)));
    }
    if (other.status == sync::RunStatus::kPaused && other.control == sync::RunControl::kPause) {
      return Fail(ErrorKind::kTransient, fmt::format("plan '{}' has run {} paused by `datasync pause`; this slot "
                                                     "runs after it is resumed or cancelled",
                                                     plan_name, other.id));
    }
    RunOptions first = options;
    first.apply_first = false;
    auto resumed = RunOne(*plan, *catalog, first, other);
    if (!resumed) return Fail(resumed.error());
    if (!resumed->report || !sync::IsFinal(*sync::ParseRunStatus(resumed->report->status))) {
      return Fail(ErrorKind::kTransient, fmt::format("plan '{}': run {} did not finish ({}); this slot runs after it",
                                                     plan_name, other.id, resumed->note));
    }
  }
  return RunOne(*plan, *catalog, opts, std::nullopt);
}

core::Result<std::vector<FireTimeView>> App::NextFires(const std::string& plan_name, core::TimePoint after, size_t n) {
  auto plans = Plans();
  if (!plans) return Fail(plans.error());
  auto plan = std::find_if(plans->begin(), plans->end(), [&](auto& p) { return p.name == plan_name; });
  if (plan == plans->end()) {
    std::vector<std::string> names;
    for (const auto& p : *plans) names.push_back(p.name);
    return Fail(ErrorKind::kNotFound, "unknown plan '" + plan_name + "' (defined: " +
                                          (names.empty() ? std::string("none") : core::Join(names, ", ")) + ")");
  }
  if (!plan->schedule.enabled()) {
    return Fail(ErrorKind::kConfig,
                "plan '" + plan_name + "' has no schedule (set plans." + plan_name + ".schedule in datasync.yaml)");
  }
  auto schedule = sync::Schedule::Compile(plan->schedule);
  if (!schedule) return Fail(schedule.error());
  auto fires = schedule->NextN(after, n, &calendar());
  if (!fires) return Fail(fires.error());
  std::vector<FireTimeView> out;
  for (const auto& f : *fires) {
    int64_t us = core::ToEpochMicros(f.at);
    out.push_back({us, LocalText(schedule->time_zone(), us), f.assumed});
  }
  return out;
}

core::Result<std::vector<sync::ScheduleSlot>> App::Slots(const std::string& plan, int64_t since_us, size_t limit) {
  return impl_->db->slots().List(plan, since_us, limit);
}

core::Result<std::vector<std::pair<std::string, std::vector<sync::QuotaWindowUse>>>> App::QuotaUsage() {
  Impl& m = *impl_;
  auto datasets = Datasets();
  if (!datasets) return Fail(datasets.error());
  auto sources = Sources();
  if (!sources) return Fail(sources.error());
  std::vector<std::pair<std::string, std::vector<sync::QuotaWindowUse>>> out;
  for (const auto& ds : *datasets) {
    auto src = std::find_if(sources->begin(), sources->end(), [&](auto& s) { return s.name == ds.source; });
    if (src == sources->end()) continue;
    sync::Quota& quota = m.quotas->For(*src, ds.api);
    std::string label = quota.label().empty() ? src->name + "/" + ds.api : quota.label();
    if (std::any_of(out.begin(), out.end(), [&](auto& e) { return e.first == label; })) continue;
    out.emplace_back(label, quota.Usage());
  }
  return out;
}

core::Result<std::pair<std::string, std::chrono::seconds>> App::QuotaEstimate(const std::string& dataset,
                                                                              int64_t calls) {
  auto datasets = Datasets();
  if (!datasets) return Fail(datasets.error());
  auto sources = Sources();
  if (!sources) return Fail(sources.error());
  auto ds = std::find_if(datasets->begin(), datasets->end(), [&](auto& d) { return d.name == dataset; });
  if (ds == datasets->end()) return Fail(ErrorKind::kNotFound, "unknown dataset '" + dataset + "'");
  auto src = std::find_if(sources->begin(), sources->end(), [&](auto& s) { return s.name == ds->source; });
  if (src == sources->end()) return Fail(ErrorKind::kNotFound, "unknown source '" + ds->source + "'");
  sync::Quota& quota = impl_->quotas->For(*src, ds->api);
  std::string label = quota.label().empty() ? src->name + "/" + ds->api : quota.label();
  return std::pair{label, quota.Estimate(calls)};
}

core::Result<DailySummary> App::Summary(int32_t day, const core::TimeZone& tz) {
  DailySummary s;
  s.date = core::FormatIsoDate(day);
  s.timezone = tz.name();
  int64_t from = core::ToEpochMicros(tz.StartOfLocalDay(day));
  int64_t to = core::ToEpochMicros(tz.StartOfLocalDay(day + 1));
  sync::RunQuery q;
  q.limit = 0;
  auto runs = Runs(q);
  if (!runs) return Fail(runs.error());
  for (auto& r : *runs) {
    if (r.created_at_us < from || r.created_at_us >= to) continue;
    s.runs++;
    s.runs_by_status[std::string(sync::RunStatusName(r.status))]++;
    s.tasks_done += r.counts.tasks_done;
    s.tasks_failed += r.counts.tasks_failed;
    s.rows += r.counts.rows;
    s.bytes += r.counts.bytes;
    s.requests += r.counts.requests;
    if (r.status != sync::RunStatus::kSucceeded && r.status != sync::RunStatus::kRunning) {
      s.problem_runs.push_back(std::move(r));
    }
  }
  std::sort(s.problem_runs.begin(), s.problem_runs.end(), [](auto& a, auto& b) { return a.id < b.id; });
  auto slots = Slots("", from, 0);
  if (!slots) return Fail(slots.error());
  for (auto& slot : *slots) {
    if (slot.slot_us >= to) break;
    if (slot.state == sync::SlotState::kMissed || slot.state == sync::SlotState::kHeld) {
      s.problem_slots.push_back(std::move(slot));
    }
  }
  return s;
}

std::string DailySummary::Text() const {
  std::string status;
  for (const auto& [k, v] : runs_by_status) status += (status.empty() ? "" : ", ") + fmt::format("{} {}", v, k);
  std::string t =
      fmt::format("Runs created on {} ({}): {}{}\n", date, timezone, runs, status.empty() ? "" : " (" + status + ")");
  t += fmt::format("Tasks done {}, failed {}; rows {}; {} received in {} vendor call(s)\n", tasks_done, tasks_failed,
                   rows, Bytes(bytes), requests);
  if (problem_runs.empty() && problem_slots.empty()) return t + "Nothing needs attention.\n";
  t += "Needs attention:\n";
  for (const auto& r : problem_runs) {
    t += fmt::format("- run {} of plan {}: {}{}\n", r.id, r.plan, sync::RunStatusName(r.status),
                     r.error.empty() ? "" : ": " + core::Redact(r.error));
  }
  for (const auto& sl : problem_slots) {
    t += fmt::format("- plan {} slot {} UTC {}{}\n", sl.plan, core::FormatTimestamp(sl.slot_us),
                     sync::SlotStateName(sl.state), sl.note.empty() ? "" : ": " + sl.note);
  }
  return t;
}

}  // namespace datasync::app
