// CatalogSinkFactory: app/'s implementation of the engine's SinkFactory port. It binds a plan's target
// storages, as the catalog describes them, with sinks made by the sink registry; migrates each additively
// and records what it applied in the system database's migration log; then sweeps what replace runs left
// in the storage (Sink::SweepStaging) for the runs that are over: succeeded, failed or cancelled in this
// system database, never the run being bound nor a run still pending, running, paused or deferred. A
// failed or cancelled run's staging copy thus stays until the next run binds the storage, so `datasync
// retry` can continue it until then. What is swept is logged; a sweep that fails is logged and skipped.
//
// Lifecycle: made per run request over the catalog, registry and store, which outlive it; Bind may be
// called once per execution of the run. Thread-safety: one thread at a time (each coordinated run has its own).
#pragma once

#include <filesystem>
#include <vector>

#include "datasource/dataset.hpp"
#include "metadata/migration_store.hpp"
#include "storage/sink.hpp"
#include "storage/storage.hpp"
#include "sync/run_store.hpp"
#include "sync/sink_factory.hpp"
#include "sync/sync_plan.hpp"

namespace datasync::app {

class CatalogSinkFactory final : public sync::SinkFactory {
 public:
  CatalogSinkFactory(const storage::SinkRegistry& sinks, const std::vector<storage::Storage>& storages,
                     const sync::SyncPlan& plan, const datasource::Dataset& dataset,
                     metadata::MigrationStore& migrations, sync::RunStore& runs, std::filesystem::path project_root)
      : sinks_(sinks),
        storages_(storages),
        plan_(plan),
        dataset_(dataset),
        migrations_(migrations),
        runs_(runs),
        project_root_(std::move(project_root)) {}

  core::Result<std::vector<sync::SinkBinding>> Bind(const sync::SyncRun& run) override;
  // Scratch storages (`datasync verify`): their migrations stay out of the project's migration log.
  void SkipMigrationLog() { log_migrations_ = false; }

 private:
  void SweepStaging(storage::Sink& sink, const std::string& storage, const sync::SyncRun& run);

  const storage::SinkRegistry& sinks_;
  const std::vector<storage::Storage>& storages_;
  const sync::SyncPlan& plan_;
  const datasource::Dataset& dataset_;
  metadata::MigrationStore& migrations_;
  sync::RunStore& runs_;
  std::filesystem::path project_root_;
  bool log_migrations_ = true;
};

}  // namespace datasync::app
