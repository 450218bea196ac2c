// The SQLite AccessStore (metadata/access_store.hpp): tables api_tokens, api_sessions and audit_log
// (migration 8).
#pragma once

#include "metadata/access_store.hpp"
#include "metadata/sqlite/sqlite_database.hpp"

namespace datasync::metadata::sqlite {

class SqliteAccessStore final : public AccessStore {
 public:
  explicit SqliteAccessStore(SqliteDatabase& db) : db_(db) {}

  core::Status AddToken(const ApiToken& token) override;
  core::Result<std::optional<ApiToken>> FindToken(const std::string& token_hash) override;
  core::Result<std::vector<ApiToken>> ListTokens() override;
  core::Result<bool> RemoveToken(const std::string& name) override;
  core::Status TouchToken(const std::string& token_hash, int64_t now_us) override;

  core::Status AddSession(const ApiSession& session) override;
  core::Result<std::optional<ApiSession>> FindSession(const std::string& id_hash, int64_t now_us) override;
  core::Status RemoveSession(const std::string& id_hash) override;
  core::Result<int64_t> PurgeSessions(int64_t now_us) override;

  core::Result<int64_t> Append(const AuditEntry& entry) override;
  core::Result<std::vector<AuditEntry>> ListAudit(int64_t limit, int64_t offset) override;
  core::Result<int64_t> CountAudit() override;

 private:
  SqliteDatabase& db_;
};

}  // namespace datasync::metadata::sqlite
