// SqliteQuotaStore: sync::QuotaStore over the quota_state (version 3) and quota_calls (version 6) tables
// (sqlite_migrations.cpp).
// Lifecycle: owned by SqliteSystemDb. Thread-safety: every method takes the database lock.
#pragma once

#include "metadata/sqlite/sqlite_database.hpp"
#include "sync/quota_store.hpp"

namespace datasync::metadata::sqlite {

class SqliteQuotaStore final : public sync::QuotaStore {
 public:
  explicit SqliteQuotaStore(SqliteDatabase& db) : db_(db) {}

  core::Result<std::optional<sync::StoredQuota>> LoadQuota(const std::string& key) override;
  core::Status SaveQuota(const sync::StoredQuota& quota) override;
  core::Result<std::vector<sync::StoredQuota>> ListQuotas() override;
  core::Result<sync::QuotaAdmission> AdmitCall(const std::string& key, int64_t now_us,
                                               std::span<const sync::QuotaWindowCheck> windows,
                                               int64_t forget_before_us) override;
  core::Status RecordCalls(const std::string& key, std::span<const int64_t> at_us, int64_t forget_before_us) override;
  core::Result<std::vector<sync::QuotaLedgerCount>> CountCalls(const std::string& key,
                                                               std::span<const int64_t> since_us) override;

 private:
  SqliteDatabase& db_;
};

}  // namespace datasync::metadata::sqlite
