// SinkFactory: the port through which sync/ gets a run's target storages, bound and migrated, without
// knowing the sink registry or the storages' configuration (app/ implements it over both). SinkBinding is
// one bound storage as the engine writes to it.
//
// Lifecycle: the coordinator asks once per execution of a run, before any vendor call (a wrong storage
// costs no quota); the bindings it gets are opened, written, committed and closed by the executor.
// Thread-safety: Bind is called from the thread that coordinates the run; implementations used by runs
// of several plans at once must be safe to call from several threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "storage/sink.hpp"
#include "sync/sync_run.hpp"

namespace datasync::sync {

struct SinkBinding {
  std::string storage;                  // storage name, for reports
  std::string kind;                     // sink plugin id
  std::unique_ptr<storage::Sink> sink;  // Bind + Migrate already done
};

class SinkFactory {
 public:
  virtual ~SinkFactory() = default;
  // Binds and migrates every target storage of the run's plan, in the plan's order. An error says which
  // storage and why; the run then fails before it starts.
  virtual core::Result<std::vector<SinkBinding>> Bind(const SyncRun& run) = 0;
};

}  // namespace datasync::sync
