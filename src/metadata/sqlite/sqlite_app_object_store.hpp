// The SQLite AppObjectStore (metadata/app_object_store.hpp): table app_objects (migration 9).
#pragma once

#include "metadata/app_object_store.hpp"
#include "metadata/sqlite/sqlite_database.hpp"

namespace datasync::metadata::sqlite {

class SqliteAppObjectStore final : public AppObjectStore {
 public:
  explicit SqliteAppObjectStore(SqliteDatabase& db) : db_(db) {}

  core::Status Put(const AppObject& object) override;
  core::Result<bool> Remove(ObjectKind kind, const std::string& name) override;
  core::Result<std::optional<AppObject>> Get(ObjectKind kind, const std::string& name) override;
  core::Result<std::vector<AppObject>> List() override;

 private:
  SqliteDatabase& db_;
};

}  // namespace datasync::metadata::sqlite
