// SchemaMigrator: the schema-migration side of the sinks that migrate by script (the database sinks),
// ARCHITECTURE §7. A sink that implements it turns a SchemaDiff into a MigrationPlan: one step per change,
// each with the statements rendered in its dialect from templates the storage's options may override.
//
// Lifecycle (all after Sink::Bind, on the sink's thread):
// - PlanMigration() introspects the store and renders what Migrate would apply and what it would hold,
//   changing nothing (`datasync migrate --dry-run`).
// - Sink::Migrate() applies the additive steps and remembers in last_migration() what it applied and what
//   it held; it fails (kConfig) only when a held step blocks writes.
// - ApplyMigration(true) applies every step, the held ones too (`datasync migrate`), and returns the
//   steps it applied, in order. A step that fails stops the plan: earlier steps stay applied, and
//   last_migration() lists them.
// Thread-safety: like the Sink, one thread at a time.
#pragma once

#include <string>
#include <vector>

#include "core/error.hpp"
#include "storage/schema_diff.hpp"

namespace datasync::storage {

struct MigrationStep {
  SchemaChange change;
  std::vector<std::string> statements;  // in the store's dialect, without trailing semicolons
  bool held() const { return !change.additive(); }
};

struct MigrationPlan {
  std::string storage;  // for display: the storage and dataset names, the table as the store names it
  std::string dataset;
  std::string table;
  std::string dialect;  // "postgres", "mysql", "clickhouse"
  std::vector<MigrationStep> steps;

  bool empty() const { return steps.empty(); }
  bool has_held() const;
  // The statements of the steps (held ones only when include_held), one per line, each ending in ';',
  // with a comment line before each step saying what it does.
  std::string Script(bool include_held) const;
};

class SchemaMigrator {
 public:
  virtual ~SchemaMigrator() = default;
  virtual core::Result<MigrationPlan> PlanMigration() = 0;
  virtual core::Result<MigrationPlan> ApplyMigration(bool include_held) = 0;
  virtual const MigrationPlan& last_migration() const = 0;
};

}  // namespace datasync::storage
