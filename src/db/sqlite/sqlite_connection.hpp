// The SQLite client shared by the system database (metadata/sqlite) and the sqlite sink (storage/sqlite).
//
// SqliteConnection: one connection to a SQLite file (multi-thread mode, extended result codes, a busy
// timeout), a cache of prepared statements, and errors classified by sqlite_error.hpp for the file's role.
// Journal mode, synchronous and foreign keys are the owner's choice (PRAGMAs through Exec/ExecRetryingBusy).
// SqliteStatement is a prepared statement: borrowed from the cache for one use (it resets itself when it goes
// out of scope, so that no statement keeps a WAL read snapshot open) or owned (finalized when it goes away).
// SqliteTransaction is BEGIN IMMEDIATE ... COMMIT with rollback on scope exit.
//
// Lifecycle: Open() -> Prepare()/Exec() any number of times -> destruction finalizes every cached statement
// and closes the file. Owned statements must be destroyed before their connection.
//
// Thread-safety: none. The connection is opened without SQLite's per-connection mutex (SQLITE_OPEN_NOMUTEX)
// because every owner serialises its use (SqliteSystemDb behind one mutex, a Sink by contract); two threads
// must never use one SqliteConnection at the same time. Several connections (threads or processes) may share
// one file; they coordinate through SQLite's file locks and the busy timeout.
//
// sqlite3.h stays inside the .cpp files of this folder; the types are forward-declared here. Code that needs
// the raw C API for a hot loop (the sink binding a batch) takes handle()/get() and reports failures through
// MakeError.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/error.hpp"
#include "db/sqlite/sqlite_error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace datasync::db::sqlite {

// "name" with embedded double quotes doubled: safe for any text without a NUL byte.
std::string QuoteIdent(std::string_view name);
// 'text' with embedded single quotes doubled.
std::string QuoteText(std::string_view text);

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
  // Copies the text (callers bind temporaries that die before Step()).
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

  sqlite3_stmt* get() const { return stmt_; }

 private:
  SqliteConnection* connection_;
  sqlite3_stmt* stmt_;
  bool owned_;  // finalize on destruction (uncached statements) instead of reset
  std::string what_;
  int bind_rc_ = 0;
};

struct SqliteOpenOptions {
  // Starts every error message ("sqlite:/abs/path"); empty: messages start with what failed, and a failed
  // open names the file.
  std::string description;
  std::chrono::milliseconds busy_timeout{10'000};
  Role role = Role::kSystemDb;
  bool read_only = false;  // open an existing file for reading; never creates one
};

class SqliteConnection {
 public:
  // Opens (creating it unless read_only) the SQLite file at `path`. Does not create parent folders and sets no
  // PRAGMA: the owner chooses its journal mode and durability.
  static core::Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path, SqliteOpenOptions options);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // A statement from the cache (prepared once per connection). `what` names the operation in errors
  // ("claim tasks").
  core::Result<SqliteStatement> Prepare(std::string_view sql, std::string_view what);
  // A statement prepared for one use: for SQL built at run time whose variants are not worth caching.
  core::Result<SqliteStatement> PrepareOnce(std::string_view sql, std::string_view what);
  // An owned statement the caller keeps and runs many times (the sink's INSERT of a run).
  core::Result<SqliteStatement> PrepareOwned(std::string_view sql, std::string_view what);
  // Runs one or more statements, ignoring any rows (DDL, PRAGMAs, BEGIN/COMMIT).
  core::Status Exec(std::string_view sql, std::string_view what);
  // Runs one statement through the statement cache, ignoring any rows: for the statements a connection runs
  // again and again (BEGIN IMMEDIATE, COMMIT), which Exec would parse each time.
  core::Status RunCached(std::string_view sql, std::string_view what);
  // Exec for a statement that needs a lock SQLite refuses at once, without the busy handler (switching a
  // new file to WAL while another connection opens it: SQLite will not deadlock, it answers SQLITE_BUSY):
  // retried every 10 ms until `timeout` runs out.
  core::Status ExecRetryingBusy(std::string_view sql, std::string_view what, std::chrono::milliseconds timeout);

  // Puts the file in journal mode `mode` (wal, delete, ...), switching it at most once: the mode in effect
  // is read first (a read, which waits with the busy handler), and only a file in another mode is switched,
  // under an exclusive flock on the file's folder, so that connections opening one new file at once (parallel
  // plans binding one storage, a CLI beside the daemon) switch it one after another and the later ones find
  // it switched. The switch needs SQLite's exclusive lock, which SQLite refuses at once, without the busy
  // handler, to a connection that already reads, so it goes through ExecRetryingBusy. `timeout` bounds the
  // wait for the folder lock and the switch each. Returns the mode in effect afterwards: SQLite keeps another
  // one when it cannot switch (an in-memory database stays "memory"), and the caller decides whether that
  // is an error. A folder that cannot be flocked (some network file systems) is switched without the lock.
  core::Result<std::string> SetJournalMode(std::string_view mode, std::chrono::milliseconds timeout);
  // The first column of the first row of `sql` as text ("" when there is no row): PRAGMA queries.
  core::Result<std::string> QueryText(std::string_view sql, std::string_view what);

  int64_t LastInsertRowId() const;
  int64_t Changes() const;  // rows changed by the last INSERT/UPDATE/DELETE
  bool InTransaction() const;
  // SQLite's message for the last failure on this connection ("UNIQUE constraint failed: t.k").
  std::string LastMessage() const;

  // The SQLite result `rc` of `what` as a classified core::Error (sqlite_error.hpp), after the description.
  core::Error MakeError(int rc, std::string_view what) const;

  const std::string& description() const { return options_.description; }
  Role role() const { return options_.role; }
  sqlite3* handle() const { return db_; }

 private:
  SqliteConnection(sqlite3* db, SqliteOpenOptions options);
  core::Result<SqliteStatement> PrepareWithFlags(std::string_view sql, std::string_view what, unsigned flags,
                                                 bool owned);

  sqlite3* db_;
  SqliteOpenOptions options_;
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
  std::string_view what_;  // a string literal: outlives the transaction
  bool open_ = true;
};

}  // namespace datasync::db::sqlite
