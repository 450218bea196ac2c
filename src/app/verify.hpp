// Verify (`datasync verify PLAN`): does the vendor still answer what is stored? Vendors revise data quietly
// (adjustment factors, corrected bars); a backtest then runs on numbers nobody knew changed. Verify re-fetches
// a sample of the plan's completed tasks and compares the vendor's answer today with the rows stored for them,
// by the dataset's primary key: rows revised (by field, with both values), rows added (the vendor has them
// now, the storage does not) and rows vanished (stored, no longer served).
//
// Which tasks: the planned tasks (not the pages or pieces they were split into) that are done in the plan's
// runs, once per argument set, its latest state; optionally only those asking for days in [from, to]; then a
// sample of them (all within the window when no sample size is given, else 20), drawn by a seed (random by
// default, so a nightly verify looks at other tasks each night; --seed repeats a draw).
//
// How: a run of the plan (trigger "verify", sync::kVerifyTrigger) with exactly those argument sets, through
// the normal engine, so the calls wait for the vendor's quota, are split and paged as a run's would be, and
// count in the quota ledger. It writes into a scratch SQLite file under .datasync/verify/, never into the
// plan's storages, and the file is removed when the comparison is done. The rows a task stands for in the
// storage are those its parameters select: its day or date window on the date key, and each parameter named
// like a field of the dataset (ts_code=000001.SZ, a comma list too). A plan with an unfinished run is refused
// (kConflict), as for repair.
//
// Runs on the caller's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/app.hpp"
#include "app/row_compare.hpp"
#include "core/error.hpp"
#include "datasource/provider.hpp"

namespace datasync::app {

struct VerifyOptions {
  std::string plan;
  std::string storage;           // default: the plan's first readable storage
  std::optional<size_t> sample;  // tasks to re-fetch; default 20, or every task in [from, to] when given
  std::optional<int32_t> from;   // only tasks asking for days in [from, to] (days since the epoch)
  std::optional<int32_t> to;
  std::optional<uint64_t> seed;  // the draw of the sample; default: from the clock
  size_t max_examples = 5;       // per kind and task
};

inline constexpr size_t kDefaultVerifySample = 20;

struct VerifiedTask {
  datasource::Params params;
  RowDiff diff;  // left: the stored rows; right: the vendor's answer now
};

struct VerifyReport {
  std::string plan, dataset, storage;
  int64_t candidates = 0;  // completed tasks that could be drawn
  int64_t chosen = 0;      // drawn and re-fetched
  uint64_t seed = 0;
  int64_t run_id = 0;                            // the verify run (0 when nothing was drawn)
  std::string run_status;                        // "succeeded", or how it ended
  std::string note;                              // why some tasks were not compared (the run was deferred, failed)
  int64_t checked = 0;                           // tasks whose answer was compared
  int64_t unchanged = 0;                         // of them, equal to the storage
  int64_t revised = 0, added = 0, vanished = 0;  // rows, over every checked task
  std::map<std::string, int64_t> revised_by_field;
  std::vector<VerifiedTask> differing;  // the checked tasks with a difference
  bool clean() const { return revised == 0 && added == 0 && vanished == 0 && checked == chosen; }
};

// `on_drawn` is told how many tasks were drawn, before any call is made.
core::Result<VerifyReport> Verify(App& app, const VerifyOptions& options, RunOptions run_options,
                                  const std::function<void(const VerifyReport&)>& on_drawn = {});

}  // namespace datasync::app
