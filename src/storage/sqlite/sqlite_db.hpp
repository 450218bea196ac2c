// SqliteDb and SqliteStatement: a thin RAII layer over the SQLite C API for the SQLite sink: open a
// database file, run statements, prepare and reuse statements, and turn SQLite result codes into classified
// core::Errors (busy/locked, disk full and I/O -> kTransient; constraint violations -> kInvalidInput;
// anything else -> kPermanent). Also the identifier quoting every SQL text here goes through, because
// table and column names come from vendor docs and are untrusted.
// Thread-safety: one connection is used by one thread at a time (opened with SQLITE_OPEN_NOMUTEX).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace datasync::storage::sqlite {

// "name" with embedded double quotes doubled: safe for any text without a NUL byte.
std::string QuoteIdent(std::string_view name);
// 'text' with embedded single quotes doubled.
std::string QuoteText(std::string_view text);

// The classified error for result code rc on db ("what" says what we were doing).
core::Error SqliteError(sqlite3* db, int rc, std::string_view what);

class SqliteStatement {
 public:
  SqliteStatement() = default;
  explicit SqliteStatement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement();

  sqlite3_stmt* get() const { return stmt_; }
  explicit operator bool() const { return stmt_ != nullptr; }
  void Reset();

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteDb {
 public:
  SqliteDb() = default;
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;
  ~SqliteDb();

  // Opens (creating the file and its folder when missing) with extended result codes on.
  core::Status Open(const std::filesystem::path& path, int busy_timeout_ms);
  void Close();
  bool is_open() const { return db_ != nullptr; }
  sqlite3* handle() const { return db_; }

  // Runs one or more statements without results.
  core::Status Exec(std::string_view sql);
  // Exec for a statement that needs a lock SQLite refuses at once (SQLITE_BUSY without the busy handler),
  // such as switching the journal mode: retried until `timeout` runs out.
  core::Status ExecRetryingBusy(std::string_view sql, std::chrono::milliseconds timeout);
  core::Result<SqliteStatement> Prepare(std::string_view sql);
  // True while a transaction is open on this connection.
  bool InTransaction() const;

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace datasync::storage::sqlite
