#include "metadata/sqlite/sqlite_catalog_store.hpp"

#include "core/strings.hpp"

namespace datasync::metadata::sqlite {

namespace {

constexpr std::string_view kObjectColumns = "name, spec_json, spec_hash, version, created_at_us, updated_at_us";

StoredObject ReadObject(ObjectKind kind, const SqliteStatement& stmt) {
  StoredObject object;
  object.kind = kind;
  object.name = stmt.Text(0);
  object.spec_json = stmt.Text(1);
  object.spec_hash = stmt.Text(2);
  object.version = stmt.Int64(3);
  object.created_at_us = stmt.Int64(4);
  object.updated_at_us = stmt.Int64(5);
  return object;
}

core::Result<std::vector<StoredObject>> ReadObjects(ObjectKind kind, SqliteStatement& stmt) {
  std::vector<StoredObject> objects;
  while (true) {
    auto row = stmt.Step();
    if (!row) return core::Fail(row.error());
    if (!*row) return objects;
    objects.push_back(ReadObject(kind, stmt));
  }
}

std::string SpecHash(std::string_view spec_json) {
  return core::Hex64(core::Fnv1a64(spec_json));
}

core::Status CheckName(ObjectKind kind, std::string_view name) {
  if (name.empty()) {
    return core::Fail(core::ErrorKind::kInvalidInput, "a " + std::string(ObjectKindName(kind)) + " needs a name");
  }
  return core::Ok();
}

// Copies the current row of (kind, name) into catalog_history.
core::Status ArchiveCurrent(SqliteConnection& conn, std::string_view kind, std::string_view name) {
  auto archive = conn.Prepare(
      "INSERT INTO catalog_history (kind, name, version, spec_json, spec_hash, created_at_us, updated_at_us) "
      "SELECT kind, name, version, spec_json, spec_hash, created_at_us, updated_at_us FROM catalog_objects "
      "WHERE kind = ?1 AND name = ?2",
      "archive catalog object");
  if (!archive) return core::Fail(archive.error());
  archive->Bind(1, kind).Bind(2, name);
  return archive->Run();
}

}  // namespace

core::Result<PutOutcome> SqliteCatalogStore::Put(ObjectKind kind, std::string_view name, std::string_view spec_json) {
  if (auto s = CheckName(kind, name); !s) return core::Fail(s.error());
  std::string_view kind_name = ObjectKindName(kind);
  std::string hash = SpecHash(spec_json);
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  int64_t now = db_.NowMicros();

  auto txn = SqliteTransaction::Begin(conn, "put catalog object");
  if (!txn) return core::Fail(txn.error());
  auto current = conn.Prepare("SELECT spec_hash, spec_json, version FROM catalog_objects WHERE kind = ?1 AND name = ?2",
                              "read catalog object");
  if (!current) return core::Fail(current.error());
  current->Bind(1, kind_name).Bind(2, name);
  auto found = current->Step();
  if (!found) return core::Fail(found.error());

  if (*found) {
    // The text decides, not only the 64-bit hash: a hash collision must not swallow a real change.
    if (current->Text(0) == hash && current->Text(1) == spec_json) return PutOutcome::kUnchanged;
    int64_t version = current->Int64(2);
    current->Reset();
    if (auto s = ArchiveCurrent(conn, kind_name, name); !s) return core::Fail(s.error());
    auto update = conn.Prepare(
        "UPDATE catalog_objects SET spec_json = ?3, spec_hash = ?4, version = ?5, updated_at_us = ?6 "
        "WHERE kind = ?1 AND name = ?2",
        "update catalog object");
    if (!update) return core::Fail(update.error());
    update->Bind(1, kind_name).Bind(2, name).Bind(3, spec_json).Bind(4, hash).Bind(5, version + 1).Bind(6, now);
    if (auto s = update->Run(); !s) return core::Fail(s.error());
    if (auto s = txn->Commit(); !s) return core::Fail(s.error());
    return PutOutcome::kUpdated;
  }
  current->Reset();

  // A removed object left its versions in history; continue after them.
  auto last = conn.Prepare("SELECT coalesce(max(version), 0) FROM catalog_history WHERE kind = ?1 AND name = ?2",
                           "read catalog history");
  if (!last) return core::Fail(last.error());
  last->Bind(1, kind_name).Bind(2, name);
  if (auto row = last->Step(); !row) return core::Fail(row.error());
  int64_t version = last->Int64(0) + 1;
  last->Reset();

  auto insert = conn.Prepare(
      "INSERT INTO catalog_objects (kind, name, spec_json, spec_hash, version, created_at_us, updated_at_us) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
      "insert catalog object");
  if (!insert) return core::Fail(insert.error());
  insert->Bind(1, kind_name).Bind(2, name).Bind(3, spec_json).Bind(4, hash).Bind(5, version).Bind(6, now);
  if (auto s = insert->Run(); !s) return core::Fail(s.error());
  if (auto s = txn->Commit(); !s) return core::Fail(s.error());
  return PutOutcome::kCreated;
}

core::Result<bool> SqliteCatalogStore::Remove(ObjectKind kind, std::string_view name) {
  std::string_view kind_name = ObjectKindName(kind);
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  auto txn = SqliteTransaction::Begin(conn, "remove catalog object");
  if (!txn) return core::Fail(txn.error());
  if (auto s = ArchiveCurrent(conn, kind_name, name); !s) return core::Fail(s.error());
  if (conn.Changes() == 0) return false;
  auto remove = conn.Prepare("DELETE FROM catalog_objects WHERE kind = ?1 AND name = ?2", "remove catalog object");
  if (!remove) return core::Fail(remove.error());
  remove->Bind(1, kind_name).Bind(2, name);
  if (auto s = remove->Run(); !s) return core::Fail(s.error());
  if (auto s = txn->Commit(); !s) return core::Fail(s.error());
  return true;
}

core::Result<std::optional<StoredObject>> SqliteCatalogStore::Get(ObjectKind kind, std::string_view name) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare(
      "SELECT " + std::string(kObjectColumns) + " FROM catalog_objects WHERE kind = ?1 AND name = ?2",
      "read catalog object");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, ObjectKindName(kind)).Bind(2, name);
  auto row = stmt->Step();
  if (!row) return core::Fail(row.error());
  if (!*row) return std::optional<StoredObject>();
  return std::optional<StoredObject>(ReadObject(kind, *stmt));
}

core::Result<std::vector<StoredObject>> SqliteCatalogStore::List(ObjectKind kind) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare(
      "SELECT " + std::string(kObjectColumns) + " FROM catalog_objects WHERE kind = ?1 ORDER BY name",
      "list catalog objects");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, ObjectKindName(kind));
  return ReadObjects(kind, *stmt);
}

core::Result<std::vector<StoredObject>> SqliteCatalogStore::History(ObjectKind kind, std::string_view name) {
  auto lock = db_.Lock();
  // One statement, so the history and the current version come from the same snapshot.
  auto stmt = db_.connection().Prepare("SELECT " + std::string(kObjectColumns) +
                                           " FROM catalog_history WHERE kind = ?1 AND name = ?2 UNION ALL SELECT " +
                                           std::string(kObjectColumns) +
                                           " FROM catalog_objects WHERE kind = ?1 AND name = ?2 ORDER BY version",
                                       "read catalog history");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, ObjectKindName(kind)).Bind(2, name);
  return ReadObjects(kind, *stmt);
}

}  // namespace datasync::metadata::sqlite
