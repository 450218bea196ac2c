// BatchGate: the port through which the engine has every fetched batch checked before it is written
// (ARCHITECTURE §3): the dataset's data-quality rules (app/quality_gate.hpp implements it). The gate returns
// the rows to store; rows it keeps out it has already made durable in its quarantine, so acknowledging the
// task loses nothing. sync/ knows nothing of the rules themselves.
//
// Lifecycle: made per execution of a run, before the first fetch; Results after the last batch.
// Thread-safety: Check is called from several fetch workers at once.
#pragma once

#include <vector>

#include "core/column_batch.hpp"
#include "core/error.hpp"
#include "sync/run_report.hpp"
#include "sync/sync_run.hpp"

namespace datasync::sync {

class BatchGate {
 public:
  virtual ~BatchGate() = default;
  // The rows of `batch` to store (all of them, when none is kept out). An error (the quarantine could not be
  // written) fails the task's attempt like a sink error: it is retried.
  virtual core::Result<core::ColumnBatch> Check(core::ColumnBatch batch, const SyncTask& task) = 0;
  // What each rule found in this execution, in the rules' order.
  virtual std::vector<QualityCheckReport> Results() const = 0;
};

}  // namespace datasync::sync
