#include "metadata/sqlite/sqlite_migration_store.hpp"

namespace datasync::metadata::sqlite {

core::Status SqliteMigrationStore::Record(const std::vector<AppliedMigration>& steps) {
  if (steps.empty()) return core::Ok();
  auto lock = db_.Lock();
  SqliteConnection& conn = db_.connection();
  auto txn = SqliteTransaction::Begin(conn, "record storage migrations");
  if (!txn) return core::Fail(txn.error());
  int64_t now = db_.NowMicros();
  for (const auto& s : steps) {
    auto insert = conn.Prepare(
        "INSERT INTO storage_migrations (storage, dataset, dataset_version, table_name, dialect, change, description, "
        "statements, destructive, applied_by, run_id, applied_at_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
        "?11, ?12)",
        "record storage migration");
    if (!insert) return core::Fail(insert.error());
    insert->Bind(1, s.storage)
        .Bind(2, s.dataset)
        .Bind(3, s.dataset_version)
        .Bind(4, s.table)
        .Bind(5, s.dialect)
        .Bind(6, s.change)
        .Bind(7, s.description)
        .Bind(8, s.statements)
        .Bind(9, int64_t{s.destructive ? 1 : 0})
        .Bind(10, s.applied_by)
        .Bind(11, s.run_id)
        .Bind(12, now);
    if (auto st = insert->Run(); !st) return st;
  }
  return txn->Commit();
}

core::Result<std::vector<AppliedMigration>> SqliteMigrationStore::List(std::string_view storage, int64_t limit) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare(
      "SELECT id, storage, dataset, dataset_version, table_name, dialect, change, description, statements, "
      "destructive, "
      "applied_by, run_id, applied_at_us FROM storage_migrations WHERE (?1 = '' OR storage = ?1) ORDER BY id DESC "
      "LIMIT ?2",
      "list storage migrations");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, storage).Bind(2, limit > 0 ? limit : int64_t{-1});
  std::vector<AppliedMigration> out;
  while (true) {
    auto row = stmt->Step();
    if (!row) return core::Fail(row.error());
    if (!*row) return out;
    AppliedMigration m;
    m.id = stmt->Int64(0);
    m.storage = stmt->Text(1);
    m.dataset = stmt->Text(2);
    m.dataset_version = stmt->Int64(3);
    m.table = stmt->Text(4);
    m.dialect = stmt->Text(5);
    m.change = stmt->Text(6);
    m.description = stmt->Text(7);
    m.statements = stmt->Text(8);
    m.destructive = stmt->Int64(9) != 0;
    m.applied_by = stmt->Text(10);
    m.run_id = stmt->Int64(11);
    m.applied_at_us = stmt->Int64(12);
    out.push_back(std::move(m));
  }
}

}  // namespace datasync::metadata::sqlite
