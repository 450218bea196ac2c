#include "metadata/sqlite/sqlite_plan_lease_store.hpp"

namespace datasync::metadata::sqlite {

namespace {

core::Result<std::optional<sync::PlanLease>> ReadLease(SqliteConnection& conn, const std::string& plan) {
  auto stmt = conn.Prepare("SELECT owner, since_us, expires_us FROM plan_leases WHERE plan = ?1", "read plan lease");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, plan);
  auto row = stmt->Step();
  if (!row) return core::Fail(row.error());
  if (!*row) return std::optional<sync::PlanLease>();
  return std::optional<sync::PlanLease>(sync::PlanLease{plan, stmt->Text(0), stmt->Int64(1), stmt->Int64(2)});
}

}  // namespace

core::Result<sync::PlanLeaseClaim> SqlitePlanLeaseStore::AcquirePlanLease(const std::string& plan,
                                                                          const std::string& owner, int64_t now_us,
                                                                          int64_t ttl_us,
                                                                          const std::string& take_from) {
  if (plan.empty() || owner.empty()) {
    return core::Fail(core::ErrorKind::kInvalidInput, "a plan lease needs a plan and an owner");
  }
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  auto txn = SqliteTransaction::Begin(conn, "acquire plan lease");
  if (!txn) return core::Fail(txn.error());
  auto stmt = conn.Prepare(
      "INSERT INTO plan_leases (plan, owner, since_us, expires_us) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (plan) DO UPDATE SET owner = excluded.owner, since_us = excluded.since_us, "
      "expires_us = excluded.expires_us WHERE plan_leases.expires_us <= ?3 OR (?5 <> '' AND plan_leases.owner = ?5)",
      "acquire plan lease");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, plan).Bind(2, owner).Bind(3, now_us).Bind(4, now_us + ttl_us).Bind(5, take_from);
  if (auto s = stmt->Run(); !s) return core::Fail(s.error());
  bool acquired = conn.Changes() == 1;
  auto lease = ReadLease(conn, plan);
  if (!lease) return core::Fail(lease.error());
  if (!*lease) return core::Fail(core::ErrorKind::kInternal, "plan lease of '" + plan + "' vanished");
  if (auto s = txn->Commit(); !s) return core::Fail(s.error());
  return sync::PlanLeaseClaim{acquired, std::move(**lease)};
}

core::Result<bool> SqlitePlanLeaseStore::RenewPlanLease(const std::string& plan, const std::string& owner,
                                                        int64_t now_us, int64_t ttl_us) {
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  auto stmt = conn.Prepare("UPDATE plan_leases SET expires_us = ?3 WHERE plan = ?1 AND owner = ?2", "renew plan lease");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, plan).Bind(2, owner).Bind(3, now_us + ttl_us);
  if (auto s = stmt->Run(); !s) return core::Fail(s.error());
  return conn.Changes() == 1;
}

core::Status SqlitePlanLeaseStore::ReleasePlanLease(const std::string& plan, const std::string& owner) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare("DELETE FROM plan_leases WHERE plan = ?1 AND owner = ?2", "release plan lease");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, plan).Bind(2, owner);
  return stmt->Run();
}

core::Result<std::optional<sync::PlanLease>> SqlitePlanLeaseStore::GetPlanLease(const std::string& plan) {
  auto lock = db_.Lock();
  return ReadLease(db_.connection(), plan);
}

}  // namespace datasync::metadata::sqlite
