// The SQLite AlertLogStore (metadata/alert_log_store.hpp): table alert_log (migration 10).
#pragma once

#include "metadata/alert_log_store.hpp"
#include "metadata/sqlite/sqlite_database.hpp"

namespace datasync::metadata::sqlite {

class SqliteAlertLogStore final : public AlertLogStore {
 public:
  explicit SqliteAlertLogStore(SqliteDatabase& db) : db_(db) {}

  core::Result<int64_t> Append(const SentAlert& entry) override;
  core::Result<std::vector<SentAlert>> List(int64_t since_us, int64_t limit) override;
  core::Result<int64_t> Count(int64_t since_us) override;

 private:
  SqliteDatabase& db_;
};

}  // namespace datasync::metadata::sqlite
