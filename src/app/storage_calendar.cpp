#include "app/storage_calendar.hpp"

#include <sqlite3.h>

#include "core/dates.hpp"

namespace datasync::app {

namespace {

std::string QuoteIdent(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

void StorageCalendar::Invalidate() {
  std::lock_guard lock(mu_);
  catalog_.reset();
  cache_.clear();
}

core::Result<std::pair<std::filesystem::path, std::string>> StorageCalendar::Locate(const std::string& calendar) {
  if (!catalog_) {
    auto loaded = loader_();
    if (!loaded) return core::Fail(loaded.error());
    catalog_ = std::move(*loaded);
  }
  for (const auto& plan : catalog_->plans) {
    if (plan.dataset != calendar) continue;
    for (const auto& name : plan.storages) {
      for (const auto& st : catalog_->storages) {
        if (st.name != name || st.kind != "sqlite") continue;
        std::filesystem::path file(st.options.GetString("path"));
        if (file.is_relative()) file = root_ / file;
        return std::make_pair(file.lexically_normal(), st.options.GetString("table_prefix") + calendar);
      }
    }
  }
  return core::Fail(core::ErrorKind::kConfig, "trading calendar '" + calendar +
                                                  "': no plan syncs it into a sqlite storage (see `datasync validate`)");
}

core::Result<std::map<int32_t, bool>> StorageCalendar::Days(const std::string& calendar, const std::string& exchange,
                                                            int32_t first, int32_t last) {
  std::lock_guard lock(mu_);
  auto key = std::make_tuple(calendar, exchange, first, last);
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  auto where = Locate(calendar);
  if (!where) return core::Fail(where.error());
  std::map<int32_t, bool> days;
  std::error_code ec;
  if (!std::filesystem::exists(where->first, ec)) return days;  // nothing synced yet: unknown days
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(where->first.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return core::Fail(core::ErrorKind::kTransient, "trading calendar '" + calendar + "' in " + where->first.string() +
                                                       ": " + msg);
  }
  sqlite3_busy_timeout(db, 5000);
  // The sqlite sink stores dates as ISO text, so the range compares as text.
  std::string sql = "SELECT cal_date, is_open FROM " + QuoteIdent(where->second) +
                    " WHERE exchange = ?1 AND cal_date BETWEEN ?2 AND ?3";
  sqlite3_stmt* stmt = nullptr;
  rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    // No table yet: the calendar plan has not run. Anything else is worth saying.
    std::string msg = sqlite3_errmsg(db);
    sqlite3_close(db);
    if (msg.find("no such table") != std::string::npos) return days;
    return core::Fail(core::ErrorKind::kConfig, "trading calendar '" + calendar + "' in " + where->first.string() +
                                                    ": " + msg + " (it needs columns exchange, cal_date, is_open)");
  }
  std::string from = core::FormatIsoDate(first), to = core::FormatIsoDate(last);
  sqlite3_bind_text(stmt, 1, exchange.c_str(), static_cast<int>(exchange.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 2, from.c_str(), static_cast<int>(from.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 3, to.c_str(), static_cast<int>(to.size()), SQLITE_TRANSIENT);
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    auto day = text ? core::ParseDate(reinterpret_cast<const char*>(text)) : std::nullopt;
    if (day) days[*day] = sqlite3_column_int64(stmt, 1) != 0;
  }
  std::string msg = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  if (!msg.empty()) {
    return core::Fail(core::ErrorKind::kTransient, "trading calendar '" + calendar + "': " + msg);
  }
  cache_[key] = days;
  return days;
}

}  // namespace datasync::app
