// RunReport: what a run did, in terms an operator can act on (ARCHITECTURE §12): task outcomes, rows,
// bytes, speed, success rate, errors by class with example params, per-storage writes, quota used.
// Persisted as JSON with the run (SyncRun::report_json). Plain data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "sync/quota.hpp"

namespace datasync::sync {

struct ErrorClassReport {
  std::string kind;                   // core::ErrorKindName
  int64_t count = 0;                  // errors of this class seen (including retried ones)
  std::vector<std::string> examples;  // "trade_date=20240102: message", at most a few
};

struct StorageReport {
  std::string storage;
  std::string kind;
  int64_t rows = 0;
  int64_t bytes = 0;
  int64_t commits = 0;
};

// How many vendor calls were in flight: a fixed concurrency, or what the adaptive limit found.
struct ConcurrencyReport {
  struct Level {
    int64_t level = 0;
    double rtt_ms = 0;         // smoothed round trip with `level` calls in flight
    double calls_per_sec = 0;  // level / rtt: what the vendor served at that level
  };
  std::string mode;  // "fixed" or "adaptive"; empty in reports stored before it was recorded
  int64_t max = 0;   // the fixed concurrency, or the adaptive maximum
  int64_t final_limit = 0;
  int64_t lowest = 0;
  int64_t highest = 0;
  int64_t changes = 0;
  int64_t back_pressure = 0;  // answers that cut the limit
  double mean_in_flight = 0;  // calls in flight seen by each call at its start, averaged (adaptive)
  std::vector<Level> levels;  // what each measured level served, ascending
};

// One data-quality rule over this execution's rows (datasource/quality_rule.hpp): how many rows broke it
// and, for severity error, how many were kept out of the dataset (quarantined); set rules count the days
// or values that failed.
struct QualityCheckReport {
  std::string rule;      // QualityRule::Label(): "range(pct_chg)"
  std::string severity;  // "warn" or "error"
  int64_t checked = 0;   // rows (or, for set rules, days) judged
  int64_t violations = 0;
  int64_t quarantined = 0;
  std::vector<std::string> examples;  // "ts_code=000002.SZ trade_date=20240104: pct_chg=999"
};

struct RunReport {
  int64_t run_id = 0;
  std::string plan;
  std::string dataset;
  std::string source;
  std::string status;
  std::string trigger;
  std::string error;  // why the run stopped, when it did not succeed
  int64_t started_at_us = 0;
  int64_t finished_at_us = 0;
  int64_t resume_at_us = 0;  // deferred runs: when they continue
  double duration_secs = 0;  // wall time of this execution

  int64_t tasks_total = 0;
  int64_t tasks_done = 0;
  int64_t tasks_failed = 0;
  int64_t tasks_skipped = 0;
  int64_t tasks_cancelled = 0;
  int64_t tasks_split = 0;
  int64_t tasks_waiting = 0;  // pending/cooling/deferred left for a later execution
  int64_t rows = 0;
  int64_t bytes = 0;
  int64_t requests = 0;
  int64_t retries = 0;
  double success_rate = 0;  // done / (done + failed + skipped + cancelled)
  double rows_per_sec = 0;

  std::vector<ErrorClassReport> errors;
  std::vector<StorageReport> storages;
  std::vector<QuotaWindowUse> quota;
  ConcurrencyReport concurrency;
  std::vector<std::string> warnings;        // schema drift and other things worth a look
  std::vector<QualityCheckReport> quality;  // the dataset's quality rules, when it has any
};

std::string RunReportToJson(const RunReport& report);
core::Result<RunReport> RunReportFromJson(std::string_view json);

}  // namespace datasync::sync
