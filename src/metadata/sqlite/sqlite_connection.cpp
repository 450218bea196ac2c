#include "metadata/sqlite/sqlite_connection.hpp"

#include <sqlite3.h>

#include <chrono>
#include <limits>
#include <thread>
#include <utility>

#include "core/sqlite_codes.hpp"

namespace datasync::metadata {

namespace {

// SQLite's own explanation of `rc`: the connection's message when it describes this failure (it names the
// table, column or constraint), otherwise the generic text of the code.
std::string Explanation(sqlite3* db, int rc) {
  if (db != nullptr && sqlite3_extended_errcode(db) == rc) return sqlite3_errmsg(db);
  return sqlite3_errstr(rc);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// SqliteConnection

SqliteConnection::SqliteConnection(sqlite3* db, std::string description)
    : db_(db), description_(std::move(description)) {}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  // sqlite3_close_v2 defers the close until the last statement is finalized instead of failing with
  // SQLITE_BUSY; every statement is finalized above, so this closes now.
  sqlite3_close_v2(db_);
}

core::Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path, std::string description,
                                                                       std::chrono::milliseconds busy_timeout) {
  sqlite3* db = nullptr;
  // NOMUTEX: the owner serialises access (see the header), so SQLite's per-connection mutex is redundant.
  int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<SqliteConnection> connection(new SqliteConnection(db, std::move(description)));
  if (rc != SQLITE_OK) return core::Fail(connection->MakeError(rc, "open"));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));

  // The first statement reads the file header, so a file that is not a database fails here (SQLITE_NOTADB).
  // WAL lets readers (the CLI, the dashboard) run while a daemon writes, and makes commits cheap.
  // Switching a new file to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at once, without the
  // busy handler, when two connections opening the same new file both hold a shared lock (it refuses to
  // deadlock). Another process doing exactly that is normal (a `datasync runs` while a `datasync run`
  // creates the project's database), so retry for up to the busy timeout.
  auto deadline = std::chrono::steady_clock::now() + busy_timeout;
  while (true) {
    auto mode = connection->PrepareOnce("PRAGMA journal_mode=WAL", "set journal_mode=WAL");
    if (!mode) return core::Fail(mode.error());
    auto row = mode->Step();
    if (row) break;
    bool busy = row.error().code() == "SQLITE_BUSY" || row.error().code() == "SQLITE_LOCKED";
    if (!busy || std::chrono::steady_clock::now() >= deadline) return core::Fail(row.error());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // synchronous=NORMAL in WAL mode is durable across process crashes and loses at most the last commits on
  // power loss; a task redone after a power cut is harmless (ARCHITECTURE §3: ack after durable write).
  // journal_size_limit: one large transaction (AddTasks of a whole plan) grows the WAL to its size; without a
  // limit the file keeps that size on disk for as long as any connection stays open.
  if (auto s = connection->Exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                                "PRAGMA journal_size_limit=67108864;",
                                "configure connection");
      !s) {
    return core::Fail(s.error());
  }
  return connection;
}

core::Result<SqliteStatement> SqliteConnection::Prepare(std::string_view sql, std::string_view what) {
  std::string key(sql);
  if (auto it = cache_.find(key); it != cache_.end()) return SqliteStatement(*this, it->second, false, what);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return core::Fail(MakeError(rc, what));
  cache_.emplace(std::move(key), stmt);
  return SqliteStatement(*this, stmt, false, what);
}

core::Result<SqliteStatement> SqliteConnection::PrepareOnce(std::string_view sql, std::string_view what) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return core::Fail(MakeError(rc, what));
  return SqliteStatement(*this, stmt, true, what);
}

core::Status SqliteConnection::Exec(const std::string& sql, std::string_view what) {
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return core::Fail(MakeError(rc, what));
  return core::Ok();
}

int64_t SqliteConnection::LastInsertRowId() const {
  return sqlite3_last_insert_rowid(db_);
}
int64_t SqliteConnection::Changes() const {
  return sqlite3_changes64(db_);
}
bool SqliteConnection::InTransaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

core::Error SqliteConnection::MakeError(int rc, std::string_view what) const {
  std::string prefix = description_ + ": " + std::string(what) + ": " + Explanation(db_, rc);
  core::ErrorKind kind = core::ErrorKind::kInternal;
  std::string advice;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      kind = core::ErrorKind::kTransient;
      advice =
          " (another connection held the lock longer than the busy timeout; retry, or check for a stuck "
          "datasync process using this file)";
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      kind = core::ErrorKind::kConfig;
      advice =
          " (the file is not a SQLite database or is damaged; point system_db at another path, or move "
          "this file aside and let datasync create a new one, or restore it from a backup)";
      break;
    case SQLITE_FULL:
      kind = core::ErrorKind::kTransient;
      advice = " (the disk is full; free space and retry)";
      break;
    case SQLITE_IOERR:
      kind = core::ErrorKind::kTransient;
      advice = " (I/O error reading or writing the file; check the disk, then retry)";
      break;
    case SQLITE_CANTOPEN:
      kind = core::ErrorKind::kConfig;
      advice = " (check that the path names a file in an existing, writable folder)";
      break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      kind = core::ErrorKind::kConfig;
      advice = " (the file or its folder is not writable by this user; fix the permissions)";
      break;
    default: break;
  }
  return core::Error(kind, prefix + advice).WithCode(std::string(core::SqlitePrimaryCodeName(rc)));
}

// ---------------------------------------------------------------------------------------------------------
// SqliteStatement

SqliteStatement::SqliteStatement(SqliteConnection& connection, sqlite3_stmt* stmt, bool owned, std::string_view what)
    : connection_(&connection), stmt_(stmt), owned_(owned), what_(what) {}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : connection_(other.connection_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      owned_(other.owned_),
      what_(other.what_),
      bind_rc_(other.bind_rc_) {}

SqliteStatement::~SqliteStatement() {
  if (stmt_ == nullptr) return;
  if (owned_) {
    sqlite3_finalize(stmt_);
  } else {
    // A cached statement left mid-way would hold a read snapshot and block WAL checkpoints.
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, std::string_view value) {
  // SQLITE_TRANSIENT copies: callers bind temporaries (encoded params) that die before Step().
  int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

core::Result<bool> SqliteStatement::Step() {
  if (bind_rc_ != SQLITE_OK) return core::Fail(connection_->MakeError(bind_rc_, what_));
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  core::Error error = connection_->MakeError(rc, what_);
  sqlite3_reset(stmt_);
  return core::Fail(std::move(error));
}

core::Status SqliteStatement::Run() {
  while (true) {
    auto row = Step();
    if (!row) return core::Fail(row.error());
    if (!*row) return core::Ok();
  }
}

void SqliteStatement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

int64_t SqliteStatement::Int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string SqliteStatement::Text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (text == nullptr) return {};
  // The byte count, not strlen: text may hold NUL characters (params are arbitrary UTF-8).
  return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool SqliteStatement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

// ---------------------------------------------------------------------------------------------------------
// SqliteTransaction

core::Result<SqliteTransaction> SqliteTransaction::Begin(SqliteConnection& connection, std::string_view what) {
  if (auto s = connection.Exec("BEGIN IMMEDIATE", what); !s) return core::Fail(s.error());
  return SqliteTransaction(connection, what);
}

SqliteTransaction::SqliteTransaction(SqliteTransaction&& other) noexcept
    : connection_(other.connection_), what_(other.what_), open_(std::exchange(other.open_, false)) {}

SqliteTransaction::~SqliteTransaction() {
  // After some errors (SQLITE_FULL, SQLITE_IOERR) SQLite has already rolled back; ROLLBACK would then fail.
  // A failed ROLLBACK has nothing left to undo for us: the error that led here is what the caller reports.
  if (open_ && connection_->InTransaction()) {
    (void)connection_->Exec("ROLLBACK", what_);
  }
}

core::Status SqliteTransaction::Commit() {
  auto status = connection_->Exec("COMMIT", what_);
  // A failed COMMIT leaves the transaction open; the destructor then rolls it back.
  if (status) open_ = false;
  return status;
}

}  // namespace datasync::metadata
