#include "metadata/sqlite/sqlite_slot_store.hpp"

#include <limits>

namespace datasync::metadata::sqlite {

namespace {

constexpr std::string_view kColumns =
    "plan, slot_us, state, run_id, owner, heartbeat_at_us, note, late_notified, created_at_us, updated_at_us";
constexpr std::string_view kOpen = "state IN ('pending', 'held', 'started')";

core::Result<sync::ScheduleSlot> ReadSlot(const SqliteStatement& stmt) {
  sync::ScheduleSlot s;
  s.plan = stmt.Text(0);
  s.slot_us = stmt.Int64(1);
  std::string state = stmt.Text(2);
  auto parsed = sync::ParseSlotState(state);
  if (!parsed) {
    return core::Fail(core::ErrorKind::kInternal, "slot " + s.plan + "@" + std::to_string(s.slot_us) +
                                                      " has unknown state '" + state +
                                                      "' (written by a newer datasync?)");
  }
  s.state = *parsed;
  s.run_id = stmt.Int64(3);
  s.owner = stmt.Text(4);
  s.heartbeat_at_us = stmt.Int64(5);
  s.note = stmt.Text(6);
  s.late_notified = stmt.Int64(7) != 0;
  s.created_at_us = stmt.Int64(8);
  s.updated_at_us = stmt.Int64(9);
  return s;
}

core::Result<std::vector<sync::ScheduleSlot>> ReadSlots(SqliteStatement& stmt) {
  std::vector<sync::ScheduleSlot> out;
  while (true) {
    auto row = stmt.Step();
    if (!row) return core::Fail(row.error());
    if (!*row) return out;
    auto slot = ReadSlot(stmt);
    if (!slot) return core::Fail(slot.error());
    out.push_back(std::move(*slot));
  }
}

core::Result<std::optional<sync::ScheduleSlot>> ReadOne(SqliteStatement& stmt) {
  auto row = stmt.Step();
  if (!row) return core::Fail(row.error());
  if (!*row) return std::optional<sync::ScheduleSlot>();
  auto slot = ReadSlot(stmt);
  if (!slot) return core::Fail(slot.error());
  return std::optional<sync::ScheduleSlot>(std::move(*slot));
}

}  // namespace

core::Result<bool> SqliteSlotStore::Claim(const sync::ScheduleSlot& slot) {
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  auto stmt = conn.Prepare(
      "INSERT INTO schedule_slots (plan, slot_us, state, run_id, owner, heartbeat_at_us, note, late_notified, "
      "created_at_us, updated_at_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?6, ?6) "
      "ON CONFLICT (plan, slot_us) DO NOTHING",
      "claim slot");
  if (!stmt) return core::Fail(stmt.error());
  int64_t now = db_.NowMicros();
  stmt->Bind(1, slot.plan)
      .Bind(2, slot.slot_us)
      .Bind(3, sync::SlotStateName(slot.state))
      .Bind(4, slot.run_id)
      .Bind(5, slot.owner)
      .Bind(6, now)
      .Bind(7, slot.note)
      .Bind(8, int64_t{slot.late_notified});
  if (auto s = stmt->Run(); !s) return core::Fail(s.error());
  return conn.Changes() == 1;
}

core::Result<std::optional<sync::ScheduleSlot>> SqliteSlotStore::Get(const std::string& plan, int64_t slot_us) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare(
      "SELECT " + std::string(kColumns) + " FROM schedule_slots WHERE plan = ?1 AND slot_us = ?2", "read slot");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, plan).Bind(2, slot_us);
  return ReadOne(*stmt);
}

core::Result<std::optional<sync::ScheduleSlot>> SqliteSlotStore::Latest(const std::string& plan,
                                                                        int64_t at_or_before_us) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare("SELECT " + std::string(kColumns) +
                                           " FROM schedule_slots WHERE plan = ?1 AND slot_us <= ?2 "
                                           "ORDER BY slot_us DESC LIMIT 1",
                                       "read latest slot");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, plan).Bind(2, at_or_before_us);
  return ReadOne(*stmt);
}

core::Result<std::vector<sync::ScheduleSlot>> SqliteSlotStore::OpenSlots() {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare("SELECT " + std::string(kColumns) + " FROM schedule_slots WHERE " +
                                           std::string(kOpen) + " ORDER BY slot_us, plan",
                                       "list open slots");
  if (!stmt) return core::Fail(stmt.error());
  return ReadSlots(*stmt);
}

core::Result<std::vector<sync::ScheduleSlot>> SqliteSlotStore::List(const std::string& plan, int64_t since_us,
                                                                    size_t limit) {
  std::string sql = "SELECT " + std::string(kColumns) + " FROM schedule_slots WHERE slot_us >= ?1";
  if (!plan.empty()) sql += " AND plan = ?2";
  sql += " ORDER BY slot_us, plan LIMIT ?3";
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare(sql, "list slots");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, since_us);
  if (!plan.empty()) stmt->Bind(2, plan);
  stmt->Bind(
      3, limit == 0 ? int64_t{-1} : static_cast<int64_t>(std::min<size_t>(limit, std::numeric_limits<int64_t>::max())));
  return ReadSlots(*stmt);
}

core::Result<bool> SqliteSlotStore::Update(const sync::ScheduleSlot& slot, const std::string& owner) {
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  auto stmt = conn.Prepare(
      "UPDATE schedule_slots SET state = ?3, run_id = ?4, note = ?5, late_notified = ?6, updated_at_us = ?7 "
      "WHERE plan = ?1 AND slot_us = ?2 AND owner = ?8",
      "update slot");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, slot.plan)
      .Bind(2, slot.slot_us)
      .Bind(3, sync::SlotStateName(slot.state))
      .Bind(4, slot.run_id)
      .Bind(5, slot.note)
      .Bind(6, int64_t{slot.late_notified})
      .Bind(7, db_.NowMicros())
      .Bind(8, owner);
  if (auto s = stmt->Run(); !s) return core::Fail(s.error());
  return conn.Changes() == 1;
}

core::Status SqliteSlotStore::Heartbeat(const std::string& owner, int64_t now_us) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare(
      "UPDATE schedule_slots SET heartbeat_at_us = ?2 WHERE owner = ?1 AND " + std::string(kOpen), "slot heartbeat");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, owner).Bind(2, now_us);
  return stmt->Run();
}

core::Status SqliteSlotStore::Release(const std::string& owner) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare(
      "UPDATE schedule_slots SET owner = '', heartbeat_at_us = 0 WHERE owner = ?1 AND " + std::string(kOpen),
      "release slots");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, owner);
  return stmt->Run();
}

core::Result<int64_t> SqliteSlotStore::TakeOver(const std::string& owner, int64_t now_us, int64_t stale_before_us) {
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  auto stmt = conn.Prepare("UPDATE schedule_slots SET owner = ?1, heartbeat_at_us = ?2, updated_at_us = ?2 WHERE " +
                               std::string(kOpen) + " AND owner <> ?1 AND (owner = '' OR heartbeat_at_us < ?3)",
                           "take over slots");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, owner).Bind(2, now_us).Bind(3, stale_before_us);
  if (auto s = stmt->Run(); !s) return core::Fail(s.error());
  return conn.Changes();
}

}  // namespace datasync::metadata::sqlite
