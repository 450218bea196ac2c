// SqliteMigrationStore: MigrationStore over the storage_migrations table (schema migration 3).
// Lifecycle: owned by SqliteSystemDb. Thread-safety: every method takes the database lock.
#pragma once

#include "metadata/migration_store.hpp"
#include "metadata/sqlite/sqlite_database.hpp"

namespace datasync::metadata::sqlite {

class SqliteMigrationStore final : public MigrationStore {
 public:
  explicit SqliteMigrationStore(SqliteDatabase& db) : db_(db) {}

  core::Status Record(const std::vector<AppliedMigration>& steps) override;
  core::Result<std::vector<AppliedMigration>> List(std::string_view storage, int64_t limit) override;

 private:
  SqliteDatabase& db_;
};

}  // namespace datasync::metadata::sqlite
