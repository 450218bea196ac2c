// SqliteConnection: one connection to a SQLite file with datasync's settings (WAL, synchronous=NORMAL,
// foreign keys, a busy timeout), a cache of prepared statements, and the mapping of SQLite result codes to
// core::Error kinds. SqliteStatement is a prepared statement borrowed from that cache for one use; it
// resets itself when it goes out of scope so that no statement keeps a WAL read snapshot open.
// SqliteTransaction is BEGIN IMMEDIATE ... COMMIT with rollback on scope exit.
//
// Lifecycle: Open() -> Prepare()/Exec() any number of times -> destruction finalizes every statement and
// closes the file.
//
// Thread-safety: none. The connection is opened in SQLite's multi-thread mode (no internal mutex) because
// its owner (SqliteSystemDb) serialises every use behind one mutex; two threads must never use one
// SqliteConnection at the same time. Several connections (threads or processes) may share one file.
//
// sqlite3.h stays inside the .cpp files of this folder; the types are forward-declared here.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace datasync::metadata {

class SqliteConnection;

class SqliteStatement {
 public:
  SqliteStatement(SqliteConnection& connection, sqlite3_stmt* stmt, bool owned, std::string_view what);
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  ~SqliteStatement();

  // Parameters are 1-based, as in SQL (?1, ?2, ...). A failed bind is reported by the next Step().
  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& Bind(int index, std::string_view value);

  // true: a row is available; false: the statement finished.
  core::Result<bool> Step();
  // Steps to completion, ignoring rows (INSERT/UPDATE/DELETE without RETURNING).
  core::Status Run();
  // Clears the bindings and rewinds, for executing the same statement again (batches).
  void Reset();

  int64_t Int64(int column) const;
  std::string Text(int column) const;
  bool IsNull(int column) const;

 private:
  SqliteConnection* connection_;
  sqlite3_stmt* stmt_;
  bool owned_;  // finalize on destruction (uncached statements) instead of reset
  std::string_view what_;
  int bind_rc_ = 0;
};

class SqliteConnection {
 public:
  // Opens (creating if needed) the SQLite file at `path` and applies the connection settings. `description`
  // ("sqlite:/abs/path") prefixes every error message. Does not create parent folders.
  static core::Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path, std::string description,
                                                              std::chrono::milliseconds busy_timeout);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // A statement from the cache (prepared once per connection). `what` names the operation in errors
  // ("claim tasks") and must outlive the statement (a string literal).
  core::Result<SqliteStatement> Prepare(std::string_view sql, std::string_view what);
  // A statement prepared for one use: for SQL built at run time whose variants are not worth caching.
  core::Result<SqliteStatement> PrepareOnce(std::string_view sql, std::string_view what);
  // Runs one or more statements that return no rows (DDL, BEGIN/COMMIT).
  core::Status Exec(const std::string& sql, std::string_view what);

  int64_t LastInsertRowId() const;
  int64_t Changes() const;  // rows changed by the last INSERT/UPDATE/DELETE
  bool InTransaction() const;

  // The SQLite result `rc` of `what` as a core::Error (kind, message with this database's description and
  // SQLite's explanation, code "SQLITE_BUSY"...).
  core::Error MakeError(int rc, std::string_view what) const;

  const std::string& description() const { return description_; }
  sqlite3* handle() const { return db_; }

 private:
  SqliteConnection(sqlite3* db, std::string description);

  sqlite3* db_;
  std::string description_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// BEGIN IMMEDIATE takes the database's write lock up front (waiting up to the busy timeout), so a
// read-then-write transaction can never fail half-way because another connection wrote in between
// (SQLITE_BUSY_SNAPSHOT in WAL mode). Rolls back on destruction unless committed.
class SqliteTransaction {
 public:
  static core::Result<SqliteTransaction> Begin(SqliteConnection& connection, std::string_view what);
  SqliteTransaction(SqliteTransaction&& other) noexcept;
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(SqliteTransaction&&) = delete;
  ~SqliteTransaction();

  core::Status Commit();

 private:
  SqliteTransaction(SqliteConnection& connection, std::string_view what) : connection_(&connection), what_(what) {}
  SqliteConnection* connection_;
  std::string_view what_;
  bool open_ = true;
};

}  // namespace datasync::metadata
