#include "app/repair.hpp"

#include <algorithm>
#include <limits>

#include "app/argument_days.hpp"
#include "app/local_data.hpp"
#include "app/template_service.hpp"
#include "core/dates.hpp"
#include "core/strings.hpp"
#include "sync/run_coordinator.hpp"

namespace datasync::app {

using core::ErrorKind;
using core::Fail;

namespace {

std::vector<DayRange> Merge(std::vector<DayRange> ranges) {
  std::sort(ranges.begin(), ranges.end(), [](const DayRange& a, const DayRange& b) { return a.first < b.first; });
  std::vector<DayRange> out;
  for (const auto& r : ranges) {
    if (!out.empty() && r.first <= out.back().last + 1) {
      out.back().last = std::max(out.back().last, r.last);
      out.back().days += r.days;
    } else {
      out.push_back(r);
    }
  }
  return out;
}

}  // namespace

MissingData::MissingData(const CoverageReport& by_date, const CoverageReport* by_key)
    : date_key_(by_date.date_key), days_(Merge(by_date.missing_ranges)) {
  if (!by_key) return;
  key_ = by_key->key;
  std::vector<DayRange> all;
  for (const auto& k : by_key->key_gaps) {
    key_days_[k.key] = Merge(k.missing_ranges);
    all.insert(all.end(), k.missing_ranges.begin(), k.missing_ranges.end());
  }
  any_key_days_ = Merge(std::move(all));
}

bool MissingData::Missing(const std::vector<DayRange>& ranges, int32_t first, int32_t last) const {
  // The first range that ends on or after `first` is the only one that can start by `last`.
  auto it = std::lower_bound(ranges.begin(), ranges.end(), first,
                             [](const DayRange& r, int32_t day) { return r.last < day; });
  return it != ranges.end() && it->first <= last;
}

bool MissingData::Covers(const datasource::Params& params) const {
  auto span = DaysAsked(params, date_key_);
  if (!span) return true;  // a day it cannot read: asked for, rather than silently left out
  const int32_t first = span->first, last = span->last;
  if (Missing(days_, first, last)) return true;
  if (key_.empty()) return false;
  const std::string* keys = FindParam(params, key_);
  if (!keys) return Missing(any_key_days_, first, last);
  for (const auto& k : core::Split(*keys, ',')) {
    auto it = key_days_.find(std::string(core::Trim(k)));
    if (it != key_days_.end() && Missing(it->second, first, last)) return true;
  }
  return false;
}

namespace {

struct Prepared {
  RepairPlan plan;
  std::optional<MissingData> missing;
};

core::Result<Prepared> Prepare(App& app, const RepairOptions& options) {
  // datasync.yaml as it is now, as `datasync run` applies it: the plan may be new or changed.
  if (auto applied = app.ApplyCurrentConfig(); !applied) return Fail(applied.error());
  auto plan = app.Plan(options.plan);
  if (!plan) return Fail(plan.error());
  auto storages = app.Storages();
  if (!storages) return Fail(storages.error());
  // The plan's own storages: what it would write is what must be judged.
  auto where = ResolvePlanStorage(*plan, options.storage, *storages, app.sinks());
  if (!where) {
    core::Error e = where.error();
    e.Context("repair of plan " + plan->name);
    return Fail(std::move(e));
  }
  const std::string storage = *where;

  Prepared out;
  RepairPlan& r = out.plan;
  r.plan = plan->name;
  r.dataset = plan->dataset;
  r.storage = storage;
  CoverageOptions co;
  co.dataset = plan->dataset;
  co.storage = storage;
  co.from = options.from;
  co.to = options.to;
  co.calendar = options.calendar;
  co.exchange = options.exchange;
  auto by_date = DateCoverage(app, co);
  if (!by_date) return Fail(by_date.error());

  // By key too when the plan's requests name the key (a per-code plan): a code missing a day shows only there.
  // Only then: the per-key reads cost seconds on a large table.
  auto sample = TestArguments(app, "", plan->name, 1);
  if (!sample) return Fail(sample.error());
  auto datasets = app.Datasets();
  if (!datasets) return Fail(datasets.error());
  std::string key;
  for (const auto& d : *datasets) {
    if (d.name == plan->dataset) key = DefaultCoverageKey(d);
  }
  std::optional<CoverageReport> by_key;
  if (!key.empty() && !sample->first.empty() && FindParam(sample->first.front(), key)) {
    CoverageOptions ko = co;
    ko.by_key = true;
    ko.key = key;
    ko.max_keys = std::numeric_limits<size_t>::max();  // every key's gaps, not only the first listed
    ko.listing = options.listing;
    ko.from = by_date->from;
    ko.to = by_date->to;
    auto keyed = DateCoverage(app, ko);
    if (!keyed) return Fail(keyed.error());
    by_key = std::move(*keyed);
  }
  r.coverage = by_key ? *by_key : *by_date;
  r.by_key = by_key.has_value();
  out.missing.emplace(*by_date, by_key ? &*by_key : nullptr);

  // Every argument set of the plan, judged as a run would generate it.
  const MissingData& missing = *out.missing;
  auto count = ForEachArgument(app, plan->name, [&](const datasource::Params& p) {
    if (!missing.Covers(p)) return;
    ++r.selected;
    if (r.first.size() < 10) r.first.push_back(p);
  });
  if (!count) return Fail(count.error());
  r.arguments = *count;
  auto estimate = app.QuotaEstimate(plan->dataset, static_cast<int64_t>(r.selected));
  if (!estimate) return Fail(estimate.error());
  r.quota_label = estimate->first;
  r.estimate_secs = estimate->second.count();
  return out;
}

}  // namespace

core::Result<RepairPlan> PlanRepair(App& app, const RepairOptions& options) {
  auto prepared = Prepare(app, options);
  if (!prepared) return Fail(prepared.error());
  return std::move(prepared->plan);
}

core::Result<std::pair<RepairPlan, PlanOutcome>> RunRepair(App& app, const RepairOptions& options,
                                                           RunOptions run_options,
                                                           const std::function<void(const RepairPlan&)>& on_planned) {
  auto prepared = Prepare(app, options);
  if (!prepared) return Fail(prepared.error());
  RepairPlan& r = prepared->plan;
  if (on_planned) on_planned(r);
  PlanOutcome outcome;
  outcome.plan = r.plan;
  if (r.selected == 0) {
    outcome.note = "nothing to repair: no argument set of the plan asks for a missing day";
    return std::pair{std::move(r), std::move(outcome)};
  }
  // The repair is a new run: an unfinished one would be chosen instead, with all of its own tasks.
  sync::RunQuery q;
  q.plan = r.plan;
  q.limit = 1;
  auto latest = app.Runs(q);
  if (!latest) return Fail(latest.error());
  if (!latest->empty() && !sync::IsFinal(latest->front().status)) {
    const auto& run = latest->front();
    return Fail(ErrorKind::kConflict, "plan " + r.plan + " has an unfinished run " + std::to_string(run.id) + " (" +
                                          std::string(sync::RunStatusName(run.status)) + "): `datasync resume " +
                                          std::to_string(run.id) + "` or `datasync cancel " + std::to_string(run.id) +
                                          "` first");
  }
  auto missing = std::make_shared<MissingData>(std::move(*prepared->missing));
  run_options.trigger = std::string(sync::kRepairTrigger);
  run_options.new_run_only = true;
  run_options.select = [missing](const datasource::Params& p) { return missing->Covers(p); };
  auto outcomes = app.RunPlans({r.plan}, run_options);
  if (!outcomes) return Fail(outcomes.error());
  if (!outcomes->empty()) outcome = std::move(outcomes->front());
  return std::pair{std::move(r), std::move(outcome)};
}

}  // namespace datasync::app
