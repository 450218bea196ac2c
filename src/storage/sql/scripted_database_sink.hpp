// ScriptedDatabaseSink: the migration policy of the server database sinks (postgres/, mysql/, clickhouse/):
// schema migration by script (SchemaMigrator). EvolveTable introspects the table, diffs it against the
// dataset (SchemaDiff), renders each change from the storage's templates (migration_render.hpp), applies
// the additive steps and holds the rest for `datasync migrate`; it fails with kConfig only when a held step
// blocks writes or the primary key changed. last_migration() tells what the last Migrate did and held.
// Everything else (naming, bookkeeping, writes, replace) is DatabaseSink's.
// Thread-safety: one thread at a time, like every Sink.
#pragma once

#include <string>
#include <vector>

#include "storage/schema_migrator.hpp"
#include "storage/sql/database_sink.hpp"
#include "storage/sql/migration_render.hpp"

namespace datasync::storage::sql {

class ScriptedDatabaseSink : public DatabaseSink, public SchemaMigrator {
 public:
  using DatabaseSink::DatabaseSink;

  core::Result<MigrationPlan> PlanMigration() override;
  core::Result<MigrationPlan> ApplyMigration(bool include_held) override;
  const MigrationPlan& last_migration() const override { return last_migration_; }

 protected:
  // Migration steps run one by one; a store with transactional DDL wraps each in BEGIN/COMMIT.
  virtual bool TransactionalDdl() const { return false; }

  core::Status MigrateImpl() override;
  core::Status EvolveTable(const std::string& table, bool want_unit, bool main) override;

 private:
  core::Result<MigrationPlan> Plan(const std::string& table, bool with_unit);
  core::Status ApplySteps(const MigrationPlan& plan, bool include_held, MigrationPlan& applied);
  std::vector<WantedColumn> Wanted() const;
  ColumnTemplates Templates() const;  // the storage's column templates

  MigrationPlan last_migration_;
};

}  // namespace datasync::storage::sql
