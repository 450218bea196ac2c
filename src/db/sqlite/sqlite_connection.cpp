#include "db/sqlite/sqlite_connection.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <optional>
#include <thread>
#include <utility>

namespace datasync::db::sqlite {

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

// ---------------------------------------------------------------------------------------------------------
// SqliteConnection

SqliteConnection::SqliteConnection(sqlite3* db, SqliteOpenOptions options) : db_(db), options_(std::move(options)) {}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  // sqlite3_close_v2 defers the close until the last statement is finalized instead of failing with
  // SQLITE_BUSY. Closing with an open transaction rolls it back, which is what an uncommitted write must
  // become.
  sqlite3_close_v2(db_);
}

namespace {

// SQLite's process-wide settings, made once before its first connection initialises the library. No bulk
// page-cache allocation per cache: every statement that needs a temporary b-tree (an IN list, a sorter,
// RETURNING) opens a page cache of its own, and the default 20-page bulk (about 90 KB) per cache was malloc'd,
// touched and trimmed back to the kernel each time, which cost page faults on every task claim (issue 19).
// Pages are then allocated one at a time as a cache grows, as SQLite does past the bulk anyway.
void ConfigureLibraryOnce() {
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_PAGECACHE, nullptr, 0, 0);
    return true;
  }();
  (void)configured;
}

}  // namespace

core::Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path,
                                                                       SqliteOpenOptions options) {
  ConfigureLibraryOnce();
  sqlite3* db = nullptr;
  // NOMUTEX: the owner serialises access (see the header), so SQLite's per-connection mutex is redundant.
  int flags =
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  std::unique_ptr<SqliteConnection> connection(new SqliteConnection(db, std::move(options)));
  if (rc != SQLITE_OK) {
    if (connection->description().empty()) {
      return core::Fail(sqlite::MakeError(db, rc, "cannot open database file '" + path + "'", connection->role()));
    }
    return core::Fail(connection->MakeError(rc, "open"));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(connection->options_.busy_timeout.count()));
  return connection;
}

core::Result<SqliteStatement> SqliteConnection::PrepareWithFlags(std::string_view sql, std::string_view what,
                                                                 unsigned flags, bool owned) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), flags, &stmt, nullptr);
  if (rc != SQLITE_OK) return core::Fail(MakeError(rc, what));
  return SqliteStatement(*this, stmt, owned, what);
}

core::Result<SqliteStatement> SqliteConnection::Prepare(std::string_view sql, std::string_view what) {
  std::string key(sql);
  if (auto it = cache_.find(key); it != cache_.end()) return SqliteStatement(*this, it->second, false, what);
  auto stmt = PrepareWithFlags(sql, what, SQLITE_PREPARE_PERSISTENT, false);
  if (stmt) cache_.emplace(std::move(key), stmt->get());
  return stmt;
}

core::Result<SqliteStatement> SqliteConnection::PrepareOnce(std::string_view sql, std::string_view what) {
  return PrepareWithFlags(sql, what, 0, true);
}

core::Result<SqliteStatement> SqliteConnection::PrepareOwned(std::string_view sql, std::string_view what) {
  return PrepareWithFlags(sql, what, SQLITE_PREPARE_PERSISTENT, true);
}

core::Status SqliteConnection::Exec(std::string_view sql, std::string_view what) {
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return core::Fail(MakeError(rc, what));
  return core::Ok();
}

core::Status SqliteConnection::RunCached(std::string_view sql, std::string_view what) {
  auto stmt = Prepare(sql, what);
  if (!stmt) return core::Fail(stmt.error());
  return stmt->Run();
}

core::Status SqliteConnection::ExecRetryingBusy(std::string_view sql, std::string_view what,
                                                std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string text(sql);
  while (true) {
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) return core::Ok();
    if (!IsBusy(rc) || std::chrono::steady_clock::now() >= deadline) return core::Fail(MakeError(rc, what));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

namespace {

// An exclusive flock on a folder, held while one connection switches a file of that folder to another
// journal mode. flock locks are per open file description, so they exclude threads of this process as well
// as other processes, and they are independent of the POSIX (fcntl) locks SQLite takes on the database file
// itself: this never opens (or closes, which would drop SQLite's locks) the database file.
class FolderLock {
 public:
  // Waits up to `timeout`; held() is false when the folder cannot be locked at all (then the caller goes on
  // without it). A lock still held by another after `timeout` is an error.
  static core::Result<FolderLock> Acquire(const std::filesystem::path& folder, std::chrono::milliseconds timeout) {
    int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return FolderLock(-1);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      if (errno == EINTR) continue;
      if (errno != EWOULDBLOCK) {
        ::close(fd);
        return FolderLock(-1);
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        ::close(fd);
        return core::Fail(core::ErrorKind::kTransient,
                          "another connection kept switching a database file of folder '" + folder.string() +
                              "' to another journal mode for longer than the busy timeout; retry");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return FolderLock(fd);
  }
  FolderLock(FolderLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;
  FolderLock& operator=(FolderLock&&) = delete;
  ~FolderLock() {
    if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
  }

 private:
  explicit FolderLock(int fd) : fd_(fd) {}
  int fd_;
};

std::string Lowered(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

}  // namespace

core::Result<std::string> SqliteConnection::QueryText(std::string_view sql, std::string_view what) {
  auto stmt = PrepareOnce(sql, what);
  if (!stmt) return core::Fail(stmt.error());
  auto row = stmt->Step();
  if (!row) return core::Fail(row.error());
  return *row ? stmt->Text(0) : std::string();
}

core::Result<std::string> SqliteConnection::SetJournalMode(std::string_view mode, std::chrono::milliseconds timeout) {
  const std::string wanted = Lowered(std::string(mode));
  const std::string what = "set journal_mode=" + wanted;
  // Reading the mode reads the file's header (the statement needs the schema), so a file another
  // connection already switched to WAL answers "wal" here, and nothing below runs.
  auto current = QueryText("PRAGMA journal_mode", what);
  if (!current) return core::Fail(current.error());
  if (Lowered(*current) == wanted) return wanted;

  const char* file = sqlite3_db_filename(db_, "main");
  std::optional<FolderLock> lock;
  if (file != nullptr && *file != '\0') {
    auto folder = std::filesystem::path(file).parent_path();
    auto got = FolderLock::Acquire(folder.empty() ? std::filesystem::path(".") : folder, timeout);
    if (!got) {
      if (options_.description.empty()) return core::Fail(got.error());
      return core::Fail(got.error().kind(), options_.description + ": " + got.error().message());
    }
    lock.emplace(std::move(*got));
    // Whoever held the lock may have switched the file meanwhile.
    current = QueryText("PRAGMA journal_mode", what);
    if (!current) return core::Fail(current.error());
    if (Lowered(*current) == wanted) return wanted;
  }
  std::string sql = "PRAGMA journal_mode=" + wanted;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto after = QueryText(sql, what);
    if (after) return Lowered(*after);
    if (!(after.error().code().starts_with("SQLITE_BUSY") || after.error().code().starts_with("SQLITE_LOCKED")) ||
        std::chrono::steady_clock::now() >= deadline) {
      return core::Fail(after.error());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
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
std::string SqliteConnection::LastMessage() const {
  return sqlite3_errmsg(db_);
}

core::Error SqliteConnection::MakeError(int rc, std::string_view what) const {
  if (options_.description.empty()) return sqlite::MakeError(db_, rc, what, options_.role);
  return sqlite::MakeError(db_, rc, options_.description + ": " + std::string(what), options_.role);
}

// ---------------------------------------------------------------------------------------------------------
// SqliteStatement

SqliteStatement::SqliteStatement(SqliteConnection& connection, sqlite3_stmt* stmt, bool owned, std::string_view what)
    : connection_(&connection), stmt_(stmt), owned_(owned), what_(what) {}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : connection_(other.connection_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      owned_(other.owned_),
      what_(std::move(other.what_)),
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
  if (stmt_ == nullptr) return;
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
  if (auto s = connection.RunCached("BEGIN IMMEDIATE", what); !s) return core::Fail(s.error());
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
  auto status = connection_->RunCached("COMMIT", what_);
  // A failed COMMIT leaves the transaction open; the destructor then rolls it back.
  if (status) open_ = false;
  return status;
}

}  // namespace datasync::db::sqlite
