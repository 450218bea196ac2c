// SqliteDatabase: what the stores of one SqliteSystemDb share: the connection, the mutex that serialises
// its use, and the clock that stamps created/updated times.
//
// Why one connection behind a mutex: SQLite allows one writer per file at a time whatever the number of
// connections, and nearly every hot call of the engine (ClaimTasks, UpdateTasks) writes. A pool would
// only let reads overlap, at the price of more WAL snapshots and more busy waiting between our own
// connections. Each call holds the lock for one short statement or transaction (a few hundred
// microseconds to claim or update a batch of 64 tasks; see bench/metadata), so threads queue briefly on
// a mutex instead of sleeping in SQLite's busy handler, which polls in steps of milliseconds. Processes that
// share the file still coordinate through SQLite's file locks and the busy timeout.
//
// Lifecycle: created by SqliteSystemDb after the migrations, destroyed with it.
// Thread-safety: take Lock() before touching connection(); clock() is thread-safe.
#pragma once

#include <memory>
#include <mutex>

#include "core/clock.hpp"
#include "db/sqlite/sqlite_connection.hpp"

namespace datasync::metadata::sqlite {

using db::sqlite::SqliteConnection;
using db::sqlite::SqliteStatement;
using db::sqlite::SqliteTransaction;

class SqliteDatabase {
 public:
  SqliteDatabase(std::unique_ptr<SqliteConnection> connection, const core::Clock& clock)
      : connection_(std::move(connection)), clock_(clock) {}

  [[nodiscard]] std::unique_lock<std::mutex> Lock() { return std::unique_lock<std::mutex>(mutex_); }
  SqliteConnection& connection() { return *connection_; }
  const core::Clock& clock() const { return clock_; }
  int64_t NowMicros() const { return core::ToEpochMicros(clock_.Now()); }

 private:
  std::unique_ptr<SqliteConnection> connection_;
  std::mutex mutex_;
  const core::Clock& clock_;
};

}  // namespace datasync::metadata::sqlite
