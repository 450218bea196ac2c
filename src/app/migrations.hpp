// Schema migrations of storages (ARCHITECTURE §7) as use cases of the CLI and the API. A run migrates
// each storage it binds additively on its own (Sink::Migrate) and records what it applied; `datasync
// migrate` shows every pending step of every (storage, dataset) pair the plans connect, destructive ones
// included, and applies them on request. Each applied step is recorded in the system database
// (metadata/migration_store.hpp).
// Thread-safety: RecordAutomaticMigration is called by runs on several threads at once (the migration
// store is thread-safe). MigrateStorages and MigrationHistory may run beside runs, but two
// MigrateStorages of the same storage at once are not coordinated: call it from one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "app/app.hpp"
#include "core/error.hpp"
#include "datasource/dataset.hpp"
#include "metadata/migration_store.hpp"
#include "storage/schema_migrator.hpp"
#include "storage/sink.hpp"
#include "storage/storage.hpp"

namespace datasync::app {

// The BindContext with which a run and `datasync migrate` bind a storage's sink to a dataset.
storage::BindContext BindContextFor(const storage::Storage& storage, const datasource::Dataset& dataset,
                                    storage::WriteMode mode, const std::filesystem::path& project_dir);

// After a run's Migrate: records the steps the sink applied (when it migrates by script) and logs the
// ones it holds for `datasync migrate`.
core::Status RecordAutomaticMigration(metadata::MigrationStore& store, storage::Sink& sink, int64_t dataset_version,
                                      int64_t run_id);

struct MigrateOptions {
  std::string storage;   // empty: every storage a plan writes to
  std::string dataset;   // empty: every dataset written there
  bool dry_run = false;  // show the scripts, change nothing in any storage
};

// One (storage, dataset) pair that a plan connects.
struct StorageMigration {
  std::string storage;
  std::string kind;  // the sink plugin id
  std::string dataset;
  int64_t dataset_version = 0;
  bool scripted = false;        // the sink migrates by script; file sinks and SQLite evolve on their own
  storage::MigrationPlan plan;  // every pending step, held ones included
  size_t applied_steps = 0;     // how many of them were applied (in order)
  std::string error;            // why planning or applying stopped (redacted)
};

// Applies datasync.yaml first (as `run` does), then plans, and unless dry_run applies, every pair's
// migration. Fails only when nothing could be attempted (invalid config, unknown storage); per-pair
// failures are in the results.
core::Result<std::vector<StorageMigration>> MigrateStorages(App& app, const MigrateOptions& options);

// The recorded migrations, newest first (storage empty = all; limit <= 0 = all).
core::Result<std::vector<metadata::AppliedMigration>> MigrationHistory(App& app, std::string_view storage,
                                                                       int64_t limit);

}  // namespace datasync::app
