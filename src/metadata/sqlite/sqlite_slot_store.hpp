// SqliteSlotStore: sync::SlotStore over the schedule_slots table (sqlite_migrations.cpp, version 4). Claim is
// an INSERT ... ON CONFLICT DO NOTHING on the (plan, slot_us) key, and Update/TakeOver are single UPDATEs
// with the owner in their WHERE clause, so whichever process's statement SQLite serialises first wins.
// Lifecycle: owned by SqliteSystemDb. Thread-safety: every method takes the database lock.
#pragma once

#include "metadata/sqlite/sqlite_database.hpp"
#include "sync/slot_store.hpp"

namespace datasync::metadata::sqlite {

class SqliteSlotStore final : public sync::SlotStore {
 public:
  explicit SqliteSlotStore(SqliteDatabase& db) : db_(db) {}

  core::Result<bool> Claim(const sync::ScheduleSlot& slot) override;
  core::Result<std::optional<sync::ScheduleSlot>> Get(const std::string& plan, int64_t slot_us) override;
  core::Result<std::optional<sync::ScheduleSlot>> Latest(const std::string& plan, int64_t at_or_before_us) override;
  core::Result<std::vector<sync::ScheduleSlot>> OpenSlots() override;
  core::Result<std::vector<sync::ScheduleSlot>> List(const std::string& plan, int64_t since_us, size_t limit) override;
  core::Result<bool> Update(const sync::ScheduleSlot& slot, const std::string& owner) override;
  core::Status Heartbeat(const std::string& owner, int64_t now_us) override;
  core::Status Release(const std::string& owner) override;
  core::Result<int64_t> TakeOver(const std::string& owner, int64_t now_us, int64_t stale_before_us) override;

 private:
  SqliteDatabase& db_;
};

}  // namespace datasync::metadata::sqlite
