// The set rules of a dataset's quality (datasource/quality_rule.hpp), judged on the stored data after a run
// that succeeded (App::RunOne), in the plan's first readable storage:
//   - freshness: the newest day of the date key is the last trading day (the project's calendar, exchange
//     SSE) up to today, once today's deadline (HH:MM in the source's time zone) has passed; before it,
//     the trading day before today;
//   - row_count: the newest day's row count lies within the median ± k·MAD of the `window` days stored
//     before it (the MAD at least 1 row, so a steady count tolerates k rows), counted by the storage.
// A rule that cannot be judged (no readable storage, no calendar, too little history) is reported with
// checked 0 and the reason as its example; it never fails the run. Runs on the caller's thread.
#pragma once

#include <vector>

#include "app/app.hpp"
#include "sync/run_report.hpp"

namespace datasync::app {

std::vector<sync::QualityCheckReport> CheckStoredData(App& app, const datasource::Dataset& ds,
                                                      const sync::SyncPlan& plan);

bool HasSetRules(const datasource::Dataset& ds);

}  // namespace datasync::app
