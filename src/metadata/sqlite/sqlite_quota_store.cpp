#include "metadata/sqlite/sqlite_quota_store.hpp"

namespace datasync::metadata {

namespace {
sync::StoredQuota ReadQuota(const SqliteStatement& stmt) {
  return {stmt.Text(0), stmt.Text(1), stmt.Text(2), stmt.Int64(3)};
}
}  // namespace

core::Result<std::optional<sync::StoredQuota>> SqliteQuotaStore::LoadQuota(const std::string& key) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare(
      "SELECT key, label, state_json, updated_at_us FROM quota_state WHERE key = ?1", "load quota");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, key);
  auto row = stmt->Step();
  if (!row) return core::Fail(row.error());
  if (!*row) return std::optional<sync::StoredQuota>();
  return std::optional<sync::StoredQuota>(ReadQuota(*stmt));
}

core::Status SqliteQuotaStore::SaveQuota(const sync::StoredQuota& quota) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare(
      "INSERT INTO quota_state (key, label, state_json, updated_at_us) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (key) DO UPDATE SET label = excluded.label, state_json = excluded.state_json, "
      "updated_at_us = excluded.updated_at_us",
      "save quota");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, quota.key).Bind(2, quota.label).Bind(3, quota.state_json);
  stmt->Bind(4, quota.updated_at_us != 0 ? quota.updated_at_us : db_.NowMicros());
  return stmt->Run();
}

core::Result<std::vector<sync::StoredQuota>> SqliteQuotaStore::ListQuotas() {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare(
      "SELECT key, label, state_json, updated_at_us FROM quota_state ORDER BY label, key", "list quotas");
  if (!stmt) return core::Fail(stmt.error());
  std::vector<sync::StoredQuota> out;
  while (true) {
    auto row = stmt->Step();
    if (!row) return core::Fail(row.error());
    if (!*row) break;
    out.push_back(ReadQuota(*stmt));
  }
  return out;
}

}  // namespace datasync::metadata
