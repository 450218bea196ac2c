#include "metadata/sqlite/sqlite_quota_store.hpp"

#include <algorithm>

namespace datasync::metadata::sqlite {

namespace {
sync::StoredQuota ReadQuota(const SqliteStatement& stmt) {
  return {stmt.Text(0), stmt.Text(1), stmt.Text(2), stmt.Int64(3)};
}
}  // namespace

core::Result<std::optional<sync::StoredQuota>> SqliteQuotaStore::LoadQuota(const std::string& key) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare("SELECT key, label, state_json, updated_at_us FROM quota_state WHERE key = ?1",
                                       "load quota");
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

core::Result<sync::QuotaAdmission> SqliteQuotaStore::AdmitCall(const std::string& key, int64_t now_us,
                                                               std::span<const sync::QuotaWindowCheck> windows,
                                                               int64_t forget_before_us) {
  auto lock = db_.Lock();
  SqliteConnection& c = db_.connection();
  // BEGIN IMMEDIATE: the count and the insert see and exclude every other process's admissions.
  auto txn = SqliteTransaction::Begin(c, "admit a vendor call");
  if (!txn) return core::Fail(txn.error());
  sync::QuotaAdmission out;
  out.blocking_us.assign(windows.size(), 0);
  for (size_t i = 0; i < windows.size(); ++i) {
    const sync::QuotaWindowCheck& w = windows[i];
    if (w.limit <= 0) continue;
    auto count = c.Prepare("SELECT count(*) FROM quota_calls WHERE key = ?1 AND at_us >= ?2", "count quota calls");
    if (!count) return core::Fail(count.error());
    count->Bind(1, key).Bind(2, w.since_us);
    auto row = count->Step();
    if (!row) return core::Fail(row.error());
    int64_t n = *row ? count->Int64(0) : 0;
    if (n < w.limit) continue;
    auto oldest =
        c.Prepare("SELECT at_us FROM quota_calls WHERE key = ?1 AND at_us >= ?2 ORDER BY at_us LIMIT 1 OFFSET ?3",
                  "find the blocking quota call");
    if (!oldest) return core::Fail(oldest.error());
    oldest->Bind(1, key).Bind(2, w.since_us).Bind(3, n - w.limit);
    auto at = oldest->Step();
    if (!at) return core::Fail(at.error());
    out.blocking_us[i] = *at ? oldest->Int64(0) : w.since_us;
  }
  bool refused = std::any_of(out.blocking_us.begin(), out.blocking_us.end(), [](int64_t t) { return t != 0; });
  if (!refused) {
    auto insert = c.Prepare("INSERT INTO quota_calls (key, at_us) VALUES (?1, ?2)", "record a quota call");
    if (!insert) return core::Fail(insert.error());
    insert->Bind(1, key).Bind(2, now_us);
    if (auto st = insert->Run(); !st) return core::Fail(st.error());
    auto prune = c.Prepare("DELETE FROM quota_calls WHERE key = ?1 AND at_us < ?2", "forget old quota calls");
    if (!prune) return core::Fail(prune.error());
    prune->Bind(1, key).Bind(2, forget_before_us);
    if (auto st = prune->Run(); !st) return core::Fail(st.error());
    out.admitted = true;
  }
  if (auto st = txn->Commit(); !st) return core::Fail(st.error());
  return out;
}

core::Status SqliteQuotaStore::RecordCalls(const std::string& key, std::span<const int64_t> at_us,
                                           int64_t forget_before_us) {
  auto lock = db_.Lock();
  SqliteConnection& c = db_.connection();
  auto txn = SqliteTransaction::Begin(c, "record vendor calls");
  if (!txn) return core::Fail(txn.error());
  auto insert = c.Prepare("INSERT INTO quota_calls (key, at_us) VALUES (?1, ?2)", "record a quota call");
  if (!insert) return core::Fail(insert.error());
  for (int64_t at : at_us) {
    insert->Reset();
    insert->Bind(1, key).Bind(2, at);
    if (auto st = insert->Run(); !st) return st;
  }
  auto prune = c.Prepare("DELETE FROM quota_calls WHERE key = ?1 AND at_us < ?2", "forget old quota calls");
  if (!prune) return core::Fail(prune.error());
  prune->Bind(1, key).Bind(2, forget_before_us);
  if (auto st = prune->Run(); !st) return st;
  return txn->Commit();
}

core::Result<std::vector<sync::QuotaLedgerCount>> SqliteQuotaStore::CountCalls(const std::string& key,
                                                                               std::span<const int64_t> since_us) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare(
      "SELECT count(*), coalesce(min(at_us), 0) FROM quota_calls WHERE key = ?1 AND at_us >= ?2",
      "count the ledger's quota calls");
  if (!stmt) return core::Fail(stmt.error());
  std::vector<sync::QuotaLedgerCount> out;
  for (int64_t since : since_us) {
    stmt->Reset();
    stmt->Bind(1, key).Bind(2, since);
    auto row = stmt->Step();
    if (!row) return core::Fail(row.error());
    out.push_back(*row ? sync::QuotaLedgerCount{stmt->Int64(0), stmt->Int64(1)} : sync::QuotaLedgerCount{});
  }
  return out;
}

}  // namespace datasync::metadata::sqlite
