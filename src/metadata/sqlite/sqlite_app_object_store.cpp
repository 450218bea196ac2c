#include "metadata/sqlite/sqlite_app_object_store.hpp"

namespace datasync::metadata::sqlite {

namespace {

constexpr const char* kColumns = "kind, name, body_json, created_by, updated_by, created_at_us, updated_at_us";

AppObject ReadObject(SqliteStatement& stmt) {
  AppObject o;
  o.kind = static_cast<ObjectKind>(stmt.Int64(0));
  o.name = stmt.Text(1);
  o.body_json = stmt.Text(2);
  o.created_by = stmt.Text(3);
  o.updated_by = stmt.Text(4);
  o.created_at_us = stmt.Int64(5);
  o.updated_at_us = stmt.Int64(6);
  return o;
}

}  // namespace

core::Status SqliteAppObjectStore::Put(const AppObject& object) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare(
      "INSERT INTO app_objects (kind, name, body_json, created_by, updated_by, created_at_us, updated_at_us) "
      "VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?5) ON CONFLICT (kind, name) DO UPDATE SET body_json = excluded.body_json, "
      "updated_by = excluded.updated_by, updated_at_us = excluded.updated_at_us",
      "store an object made in the app");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, static_cast<int64_t>(object.kind))
      .Bind(2, object.name)
      .Bind(3, object.body_json)
      .Bind(4, object.updated_by)
      .Bind(5, db_.NowMicros());
  return stmt->Run();
}

core::Result<bool> SqliteAppObjectStore::Remove(ObjectKind kind, const std::string& name) {
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  auto stmt = conn.Prepare("DELETE FROM app_objects WHERE kind = ?1 AND name = ?2", "delete an object made in the app");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, static_cast<int64_t>(kind)).Bind(2, name);
  if (auto s = stmt->Run(); !s) return core::Fail(s.error());
  return conn.Changes() == 1;
}

core::Result<std::optional<AppObject>> SqliteAppObjectStore::Get(ObjectKind kind, const std::string& name) {
  auto lock = db_.Lock();
  auto stmt =
      db_.connection().Prepare(std::string("SELECT ") + kColumns + " FROM app_objects WHERE kind = ?1 AND name = ?2",
                               "read an object made in the app");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, static_cast<int64_t>(kind)).Bind(2, name);
  auto row = stmt->Step();
  if (!row) return core::Fail(row.error());
  if (!*row) return std::optional<AppObject>();
  return std::optional<AppObject>(ReadObject(*stmt));
}

core::Result<std::vector<AppObject>> SqliteAppObjectStore::List() {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare(std::string("SELECT ") + kColumns + " FROM app_objects ORDER BY kind, name",
                                       "list the objects made in the app");
  if (!stmt) return core::Fail(stmt.error());
  std::vector<AppObject> out;
  while (true) {
    auto row = stmt->Step();
    if (!row) return core::Fail(row.error());
    if (!*row) return out;
    out.push_back(ReadObject(*stmt));
  }
}

}  // namespace datasync::metadata::sqlite
