#include "storage/sqlite/sqlite_db.hpp"

#include <sqlite3.h>

#include <system_error>
#include <thread>

#include "core/sqlite_codes.hpp"

namespace datasync::storage::sqlite {

using core::ErrorKind;
using core::Fail;

std::string QuoteIdent(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out.push_back('"');
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string QuoteText(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('\'');
  for (char c : text) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

core::Error SqliteError(sqlite3* db, int rc, std::string_view what) {
  int primary = rc & 0xff;
  ErrorKind kind = ErrorKind::kPermanent;
  std::string hint;
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      kind = ErrorKind::kTransient;
      hint = " (another process holds the database lock; raise busy_timeout_ms if this repeats)";
      break;
    case SQLITE_FULL:
    case SQLITE_IOERR:
      kind = ErrorKind::kTransient;
      hint = " (disk full or I/O error; free space or check the disk)";
      break;
    case SQLITE_CONSTRAINT: kind = ErrorKind::kInvalidInput; break;
    default: break;
  }
  std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  core::Error e(kind, std::string(what) + ": " + detail + hint);
  e.WithCode(std::string(core::SqlitePrimaryCodeName(primary)) +
             (rc != primary ? " (" + std::to_string(rc) + ")" : ""));
  return e;
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept : stmt_(other.stmt_) {
  other.stmt_ = nullptr;
}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    if (stmt_) sqlite3_finalize(stmt_);
    stmt_ = other.stmt_;
    other.stmt_ = nullptr;
  }
  return *this;
}

SqliteStatement::~SqliteStatement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

void SqliteStatement::Reset() {
  if (!stmt_) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

SqliteDb::~SqliteDb() {
  Close();
}

core::Status SqliteDb::Open(const std::filesystem::path& path, int busy_timeout_ms) {
  Close();
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    return Fail(ErrorKind::kConfig,
                "cannot create the folder of database file '" + path.string() + "': " + ec.message());
  }
  int rc =
      sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    core::Error e = SqliteError(db_, rc, "cannot open database file '" + path.string() + "'");
    Close();
    return Fail(std::move(e));
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  return core::Ok();
}

void SqliteDb::Close() {
  if (!db_) return;
  // Closing with an open transaction rolls it back, which is what an uncommitted write must become.
  sqlite3_close_v2(db_);
  db_ = nullptr;
}

core::Status SqliteDb::Exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (err) sqlite3_free(err);
  if (rc != SQLITE_OK) {
    std::string shown = text.size() > 200 ? text.substr(0, 200) + "..." : text;
    return Fail(SqliteError(db_, rc, "SQL failed (" + shown + ")"));
  }
  return core::Ok();
}

core::Status SqliteDb::ExecRetryingBusy(std::string_view sql, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    core::Status st = Exec(sql);
    if (st) return st;
    int primary = sqlite3_errcode(db_) & 0xff;
    if ((primary != SQLITE_BUSY && primary != SQLITE_LOCKED) || std::chrono::steady_clock::now() >= deadline) {
      return st;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

core::Result<SqliteStatement> SqliteDb::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    std::string shown(sql.substr(0, 200));
    return Fail(SqliteError(db_, rc, "cannot prepare (" + shown + ")"));
  }
  return SqliteStatement(stmt);
}

bool SqliteDb::InTransaction() const {
  return db_ && sqlite3_get_autocommit(db_) == 0;
}

}  // namespace datasync::storage::sqlite
