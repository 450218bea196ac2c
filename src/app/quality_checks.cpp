#include "app/quality_checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "app/coverage.hpp"
#include "app/local_data.hpp"
#include "core/dates.hpp"
#include "core/strings.hpp"
#include "core/time_zone.hpp"
#include "storage/dataset_reader.hpp"

namespace datasync::app {

using datasource::RuleKind;

namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

sync::QualityCheckReport Unchecked(const datasource::QualityRule& rule, std::string why) {
  sync::QualityCheckReport r;
  r.rule = rule.Label();
  r.severity = std::string(datasource::RuleSeverityName(rule.severity));
  r.examples.push_back("not checked: " + std::move(why));
  return r;
}

struct Stored {
  storage::DatasetReader* reader = nullptr;
  std::string storage;
  std::optional<int32_t> newest;
};

sync::QualityCheckReport Freshness(App& app, const datasource::Dataset& ds, const datasource::QualityRule& rule,
                                   const Stored& s, const std::string& zone) {
  sync::QualityCheckReport r = Unchecked(rule, "");
  r.examples.clear();
  auto tz = core::TimeZone::Load(zone);
  auto calendar = CalendarDataset(app, "");
  if (!tz || !calendar) return Unchecked(rule, !tz ? tz.error().message() : calendar.error().message());
  const core::TimePoint now = app.clock().Now();
  const int32_t today = tz->LocalDay(now);
  int h = 0, m = 0;
  std::sscanf(rule.deadline.c_str(), "%d:%d", &h, &m);
  const int64_t since_midnight_us = core::ToEpochMicros(now) - core::ToEpochMicros(tz->StartOfLocalDay(today));
  const bool past_deadline = since_midnight_us >= (int64_t{h} * 60 + m) * 60 * 1000000;
  auto days = app.calendar().Days(*calendar, "SSE", today - 30, today);
  if (!days) return Unchecked(rule, days.error().message());
  std::optional<int32_t> expected;
  for (const auto& [day, open] : *days) {
    if (open && (day < today || (day == today && past_deadline))) expected = day;
  }
  if (!expected) return Unchecked(rule, "the calendar " + *calendar + " holds no open day in the last 30 days");
  r.checked = 1;
  if (!s.newest || *s.newest < *expected) {
    r.violations = 1;
    r.examples.push_back(fmt::format("the newest {} stored in {} is {}; expected {} (deadline {} {})", ds.date_key,
                                     s.storage, s.newest ? core::FormatIsoDate(*s.newest) : std::string("none"),
                                     core::FormatIsoDate(*expected), rule.deadline, zone));
  }
  return r;
}

sync::QualityCheckReport RowCount(const datasource::Dataset& ds, const datasource::QualityRule& rule, const Stored& s) {
  if (!s.newest) return Unchecked(rule, "nothing stored yet");
  // The stored days before the newest one, enough of them, then their rows counted by a scan of the date column.
  storage::ReadQuery q;
  q.dataset = ds.name;
  q.column = ds.date_key;
  const int32_t span = static_cast<int32_t>(rule.window) * 3 + 15;  // calendar days that hold `window` trading days
  q.min = core::FormatIsoDate(*s.newest - span);
  q.max = core::FormatIsoDate(*s.newest);
  auto values = s.reader->DistinctValues(q);
  if (!values) return Unchecked(rule, values.error().message());
  std::vector<int32_t> days;
  for (const auto& v : *values) {
    if (auto d = DayOfValue(v)) days.push_back(*d);
  }
  std::sort(days.begin(), days.end());
  if (days.size() > static_cast<size_t>(rule.window) + 1) days.erase(days.begin(), days.end() - (rule.window + 1));
  if (days.size() < 4) return Unchecked(rule, fmt::format("{} day(s) stored; at least 4 are needed", days.size()));
  std::map<int32_t, int64_t> counts;
  storage::ScanQuery scan;
  scan.dataset = ds.name;
  scan.columns = {ds.date_key};
  scan.range_column = ds.date_key;
  scan.min = core::FormatIsoDate(days.front());
  scan.max = core::FormatIsoDate(days.back());
  auto scanned = s.reader->ScanRows(scan, [&](std::vector<core::Value>& row) {
    if (auto d = DayOfValue(row[0])) ++counts[*d];
  });
  if (!scanned) return Unchecked(rule, scanned.error().message());
  std::vector<double> before;
  for (size_t i = 0; i + 1 < days.size(); ++i) before.push_back(static_cast<double>(counts[days[i]]));
  const double median = Median(before);
  std::vector<double> deviations;
  for (double x : before) deviations.push_back(std::fabs(x - median));
  const double mad = std::max(Median(deviations), 1.0);
  const double latest = static_cast<double>(counts[days.back()]);
  sync::QualityCheckReport r = Unchecked(rule, "");
  r.examples.clear();
  r.checked = 1;
  if (std::fabs(latest - median) > rule.k * mad) {
    r.violations = 1;
    r.examples.push_back(fmt::format("{} rows on {}; the {} days before: median {}, MAD {}, allowed {} .. {}",
                                     counts[days.back()], core::FormatIsoDate(days.back()), before.size(), median, mad,
                                     median - rule.k * mad, median + rule.k * mad));
  }
  return r;
}

}  // namespace

bool HasSetRules(const datasource::Dataset& ds) {
  return std::any_of(ds.quality.begin(), ds.quality.end(),
                     [](const auto& r) { return !datasource::IsRowRule(r.kind); });
}

std::vector<sync::QualityCheckReport> CheckStoredData(App& app, const datasource::Dataset& ds,
                                                      const sync::SyncPlan& plan) {
  std::vector<sync::QualityCheckReport> out;
  if (!HasSetRules(ds)) return out;
  Stored s;
  std::string zone = "UTC";
  std::shared_ptr<storage::DatasetReader> reader;
  std::string problem;
  auto storages = app.Storages();
  auto plans = app.Plans();
  auto sources = app.Sources();
  if (!storages || !plans || !sources) {
    problem = "cannot read the catalog";
  } else {
    for (const auto& src : *sources) {
      if (src.name == ds.source && !src.timezone.empty()) zone = src.timezone;
    }
    auto where = CheckpointStorage(plan, *storages, app.sinks());
    if (!where) {
      problem = where.error().message();
    } else {
      LocalData local(app.sinks(), *storages, *plans, app.project().root);
      auto opened = local.Reader(*where);
      if (!opened) {
        problem = opened.error().message();
      } else {
        reader = *opened;
        s.reader = reader.get();
        s.storage = *where;
        auto newest = reader->MaxValue(ds.name, ds.date_key);
        if (!newest) {
          problem = newest.error().message();
        } else if (*newest) {
          s.newest = DayOfValue(**newest);
        }
      }
    }
  }
  for (const auto& rule : ds.quality) {
    if (datasource::IsRowRule(rule.kind)) continue;
    if (!problem.empty()) {
      out.push_back(Unchecked(rule, problem));
    } else if (rule.kind == RuleKind::kFreshness) {
      out.push_back(Freshness(app, ds, rule, s, zone));
    } else {
      out.push_back(RowCount(ds, rule, s));
    }
  }
  return out;
}

}  // namespace datasync::app
