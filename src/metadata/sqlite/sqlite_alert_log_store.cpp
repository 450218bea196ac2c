#include "metadata/sqlite/sqlite_alert_log_store.hpp"

namespace datasync::metadata::sqlite {

namespace {

constexpr int64_t kKeepUs = int64_t{90} * 86400 * 1'000'000;

}  // namespace

core::Result<int64_t> SqliteAlertLogStore::Append(const SentAlert& e) {
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  auto txn = SqliteTransaction::Begin(conn, "record a sent alert");
  if (!txn) return core::Fail(txn.error());
  auto old = conn.Prepare("DELETE FROM alert_log WHERE at_us < ?1", "drop old sent alerts");
  if (!old) return core::Fail(old.error());
  old->Bind(1, e.at_us - kKeepUs);
  if (auto s = old->Run(); !s) return core::Fail(s.error());
  auto stmt = conn.Prepare(
      "INSERT INTO alert_log (at_us, channel, outcome, title, events, plans, alerts, error) VALUES (?1, ?2, ?3, ?4, "
      "?5, ?6, ?7, ?8)",
      "record a sent alert");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, e.at_us)
      .Bind(2, e.channel)
      .Bind(3, e.outcome)
      .Bind(4, e.title)
      .Bind(5, e.events)
      .Bind(6, e.plans)
      .Bind(7, e.alerts)
      .Bind(8, e.error);
  if (auto s = stmt->Run(); !s) return core::Fail(s.error());
  int64_t id = conn.LastInsertRowId();
  if (auto s = txn->Commit(); !s) return core::Fail(s.error());
  return id;
}

core::Result<std::vector<SentAlert>> SqliteAlertLogStore::List(int64_t since_us, int64_t limit) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare(
      "SELECT id, at_us, channel, outcome, title, events, plans, alerts, error FROM alert_log WHERE at_us >= ?1 "
      "ORDER BY at_us DESC, id DESC LIMIT ?2",
      "list sent alerts");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, since_us).Bind(2, limit);
  std::vector<SentAlert> out;
  while (true) {
    auto row = stmt->Step();
    if (!row) return core::Fail(row.error());
    if (!*row) return out;
    SentAlert e;
    e.id = stmt->Int64(0);
    e.at_us = stmt->Int64(1);
    e.channel = stmt->Text(2);
    e.outcome = stmt->Text(3);
    e.title = stmt->Text(4);
    e.events = stmt->Text(5);
    e.plans = stmt->Text(6);
    e.alerts = stmt->Int64(7);
    e.error = stmt->Text(8);
    out.push_back(std::move(e));
  }
}

core::Result<int64_t> SqliteAlertLogStore::Count(int64_t since_us) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare("SELECT count(*) FROM alert_log WHERE at_us >= ?1", "count sent alerts");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, since_us);
  auto row = stmt->Step();
  if (!row) return core::Fail(row.error());
  return stmt->Int64(0);
}

}  // namespace datasync::metadata::sqlite
