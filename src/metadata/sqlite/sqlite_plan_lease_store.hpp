// SqlitePlanLeaseStore: sync::PlanLeaseStore over the plan_leases table (sqlite_migrations.cpp, version 7).
// AcquirePlanLease is one INSERT ... ON CONFLICT DO UPDATE whose WHERE clause holds the takeover condition,
// read back in the same transaction; Renew and Release are single statements with the owner in their WHERE
// clause, so whichever process's statement SQLite serialises first wins.
// Lifecycle: owned by SqliteSystemDb. Thread-safety: every method takes the database lock.
#pragma once

#include "metadata/sqlite/sqlite_database.hpp"
#include "sync/plan_lease_store.hpp"

namespace datasync::metadata::sqlite {

class SqlitePlanLeaseStore final : public sync::PlanLeaseStore {
 public:
  explicit SqlitePlanLeaseStore(SqliteDatabase& db) : db_(db) {}

  core::Result<sync::PlanLeaseClaim> AcquirePlanLease(const std::string& plan, const std::string& owner, int64_t now_us,
                                                      int64_t ttl_us, const std::string& take_from) override;
  core::Result<bool> RenewPlanLease(const std::string& plan, const std::string& owner, int64_t now_us,
                                    int64_t ttl_us) override;
  core::Status ReleasePlanLease(const std::string& plan, const std::string& owner) override;
  core::Result<std::optional<sync::PlanLease>> GetPlanLease(const std::string& plan) override;

 private:
  SqliteDatabase& db_;
};

}  // namespace datasync::metadata::sqlite
