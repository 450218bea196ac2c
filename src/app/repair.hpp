// Repair (`datasync repair PLAN`): a run of exactly the plan's tasks whose data is missing. The coverage of
// the plan's dataset in one of its readable storages (app/coverage.hpp) says which trading days hold no
// rows, and, when the plan's argument sets name a key (e.g. ts_code), which (key, day) pairs are missing
// inside each key's own history. Each of the plan's argument sets is placed on the days it asks for:
//   - a parameter named like the dataset's date key (trade_date=20240105): that day;
//   - start_date / end_date (the date window of Tushare and Nasdaq Data Link requests): those days;
//   - neither: every day (a request for a key's whole history).
// and on the keys it asks for (the key parameter's value, a comma list too), or every key. A set is kept
// when something missing falls on its days and keys. The run re-uses the plan's templates and parameters,
// so it asks the vendor exactly what a full run would have asked for those days, and nothing else.
//
// A repair run is recorded with trigger "repair"; one interrupted while its tasks are planned is cancelled
// (sync::kRepairTrigger), because what was missing is not stored with it; once planned it resumes like any
// run. Functions take the App and run on the caller's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/app.hpp"
#include "app/coverage.hpp"
#include "core/error.hpp"
#include "datasource/provider.hpp"

namespace datasync::app {

struct RepairOptions {
  std::string plan;
  std::string storage;          // default: the plan's first readable storage
  std::optional<int32_t> from;  // days since the epoch; default: the first day stored
  std::optional<int32_t> to;    // default: the last day the calendar holds, up to today
  std::string calendar;         // as CoverageOptions
  std::string exchange = "SSE";
  std::string listing;  // as CoverageOptions: for a per-key plan, keys are expected from listing to delisting
};

// What is missing, as the argument sets of a plan are judged against it.
class MissingData {
 public:
  // `by_key`: the coverage by key (key_gaps every key's), or null when the plan's sets name no key.
  MissingData(const CoverageReport& by_date, const CoverageReport* by_key);
  // Whether the set asks for a day (of one of its keys) that is missing.
  bool Covers(const datasource::Params& params) const;

 private:
  bool Missing(const std::vector<DayRange>& ranges, int32_t first, int32_t last) const;
  std::string date_key_, key_;
  std::vector<DayRange> days_;                             // open days no key holds, oldest first
  std::map<std::string, std::vector<DayRange>> key_days_;  // per key, its missing days
  std::vector<DayRange> any_key_days_;                     // every key's missing days, oldest first
};

struct RepairPlan {
  std::string plan, dataset, storage;
  CoverageReport coverage;  // by date, plus by key when `by_key`
  bool by_key = false;
  uint64_t arguments = 0;                 // the plan's argument sets
  uint64_t selected = 0;                  // those that ask for missing data
  std::vector<datasource::Params> first;  // the first of them (up to 10)
  int64_t estimate_secs = 0;              // how long the selected calls take at the vendor's quota
  std::string quota_label;
};

// What a repair would run, without running it.
core::Result<RepairPlan> PlanRepair(App& app, const RepairOptions& options);

// Plans (telling `on_planned` before the first call), then runs the selected sets as a new run of the plan
// (trigger "repair"). kConflict while the plan has an unfinished run (resume or cancel it first). Nothing
// missing: no run, and outcome.note says so.
core::Result<std::pair<RepairPlan, PlanOutcome>> RunRepair(
    App& app, const RepairOptions& options, RunOptions run_options,
    const std::function<void(const RepairPlan&)>& on_planned = {});

}  // namespace datasync::app
