// RunReportBuilder: gathers what one execution of a run saw — errors by class with a few example params,
// warnings such as schema drift — and renders the RunReport (run_report.hpp) when the execution ends.
//
// Lifecycle: one per execution; Note… while it runs, Build once at its end.
// Thread-safety: NoteError and NoteWarning may be called from several threads at once (they take the
// builder's own lock, so a caller may hold its own); Build after every thread that notes has stopped.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "datasource/provider.hpp"
#include "sync/quota.hpp"
#include "sync/run_report.hpp"
#include "sync/run_store.hpp"
#include "sync/sync_run.hpp"

namespace datasync::sync {

// "trade_date=20240102 ts_code=000001.SZ" (or "(no params)"): a task's params as logs and reports show them.
std::string ParamsText(const datasource::Params& params);

// What the report says about one execution beyond the run row and the task ledger.
struct ExecutionFacts {
  std::string dataset;
  std::string source;
  int64_t started_at_us = 0;
  double duration_secs = 0;  // wall time of this execution
  int64_t rows = 0;          // rows this execution made durable (its speed)
  std::vector<StorageReport> storages;
  std::vector<QuotaWindowUse> quota;
  ConcurrencyReport concurrency;
  std::vector<QualityCheckReport> quality;
};

class RunReportBuilder {
 public:
  // An error of a task's attempt (fetch, decode or a sink), whatever was decided about it.
  void NoteError(const datasource::Params& params, const core::Error& error);
  // A warning worth a look; returns false when the same text was noted before.
  bool NoteWarning(const std::string& warning);

  // The report of the concluded `run` (status, error, times and counts already set) over the ledger's
  // final `counts`.
  RunReport Build(const SyncRun& run, const TaskCounts& counts, ExecutionFacts facts) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, ErrorClassReport> errors_;  // by class name
  std::vector<std::string> warnings_;
};

}  // namespace datasync::sync
