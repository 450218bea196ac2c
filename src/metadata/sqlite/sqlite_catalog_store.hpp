// SqliteCatalogStore: CatalogStore over the catalog_objects and catalog_history tables.
//
// Versions: an object starts at version 1; a Put with a different spec writes the previous version to
// history and bumps the version. Remove moves the current version to history too, so History() of a removed
// object still lists what it was, and re-creating it continues the numbering (a dataset schema version
// number is never reused for a different spec). Unchanged means the same hash and the same text.
//
// Lifecycle: owned by SqliteSystemDb. Thread-safety: every method takes the database lock.
#pragma once

#include "metadata/catalog_store.hpp"
#include "metadata/sqlite/sqlite_database.hpp"

namespace datasync::metadata::sqlite {

class SqliteCatalogStore final : public CatalogStore {
 public:
  explicit SqliteCatalogStore(SqliteDatabase& db) : db_(db) {}

  core::Result<PutOutcome> Put(ObjectKind kind, std::string_view name, std::string_view spec_json) override;
  core::Result<bool> Remove(ObjectKind kind, std::string_view name) override;
  core::Result<std::optional<StoredObject>> Get(ObjectKind kind, std::string_view name) override;
  core::Result<std::vector<StoredObject>> List(ObjectKind kind) override;
  core::Result<std::vector<StoredObject>> History(ObjectKind kind, std::string_view name) override;

 private:
  SqliteDatabase& db_;
};

}  // namespace datasync::metadata::sqlite
