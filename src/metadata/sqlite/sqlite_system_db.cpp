#include "metadata/sqlite/sqlite_system_db.hpp"

#include <chrono>
#include <filesystem>
#include <system_error>

#include "metadata/sqlite/sqlite_migrations.hpp"

namespace datasync::metadata::sqlite {

namespace {

// Long enough to outlast any one transaction of another process (the largest is AddTasks of a whole plan,
// a few seconds for a million tasks), short enough that a stuck process is reported instead of hanging.
constexpr std::chrono::milliseconds kBusyTimeout{10'000};

}  // namespace

SqliteSystemDb::SqliteSystemDb(std::unique_ptr<SqliteConnection> connection, const core::Clock& clock,
                               int schema_version, std::string description)
    : db_(std::move(connection), clock),
      catalog_(db_),
      runs_(db_),
      quotas_(db_),
      slots_(db_),
      plan_leases_(db_),
      migrations_(db_),
      access_(db_),
      app_objects_(db_),
      alert_log_(db_),
      schema_version_(schema_version),
      description_(std::move(description)) {}

core::Result<std::unique_ptr<SqliteSystemDb>> SqliteSystemDb::Open(const std::string& path, const core::Clock& clock) {
  namespace fs = std::filesystem;
  std::string file_name = path;  // what SQLite opens: the absolute path, as in the description
  std::string description = "sqlite:" + path;
  if (path != ":memory:") {
    std::error_code ec;
    fs::path file = fs::absolute(fs::path(path), ec).lexically_normal();
    if (ec) file = fs::path(path);
    file_name = file.string();
    description = "sqlite:" + file_name;
    if (file.has_parent_path() && !fs::exists(file.parent_path(), ec)) {
      fs::create_directories(file.parent_path(), ec);
      if (ec) {
        return core::Fail(core::ErrorKind::kConfig, description + ": cannot create the folder " +
                                                        file.parent_path().string() + ": " + ec.message() +
                                                        "; create it or point system_db at a writable path");
      }
    }
    if (fs::is_directory(file, ec)) {
      return core::Fail(core::ErrorKind::kConfig, description +
                                                      ": is a folder; system_db must name a file (for example " +
                                                      (file / "datasync.db").string() + ")");
    }
  }

  auto connection = SqliteConnection::Open(
      file_name, {.description = description, .busy_timeout = kBusyTimeout, .role = db::sqlite::Role::kSystemDb});
  if (!connection) return core::Fail(connection.error());
  // The first statement reads the file header, so a file that is not a database fails here (SQLITE_NOTADB).
  // WAL lets readers (the CLI, the dashboard) run while a daemon writes, and makes commits cheap. Switching a
  // new file to WAL is refused at once when another process opens the same new file (a `datasync runs` while
  // a `datasync run` creates the project's database), hence SetJournalMode's lock and retry. (":memory:"
  // stays in journal mode memory.)
  if (auto mode = (*connection)->SetJournalMode("wal", kBusyTimeout); !mode) return core::Fail(mode.error());
  // synchronous=NORMAL in WAL mode survives process crashes; a power cut may lose the last commits, and what
  // survives is always a prefix of them (WAL frames carry chained checksums). That only ever moves the
  // ledger back in time, which is harmless because every storage's commit is durable before its task is
  // marked done here (the sqlite sink's synchronous=full; the file sinks' fsyncs; PostgreSQL's and MySQL's
  // commits with their default settings; ClickHouse acknowledges inserts before they are on disk unless the
  // server is configured to fsync them, which its docs page says): a lost "done" re-runs a task whose unit rewrites
  // itself (idempotent units), a lost "succeeded" resumes a run whose replace was recorded in the storage
  // (_datasync_runs, the run marker), and lost quota calls undercount the vendor's window until it pushes back (a 429
  // the engine handles). FULL here would fsync each claim, lease renewal and call record for nothing.
  // journal_size_limit: one large transaction (AddTasks of a whole plan) grows the WAL to its size; without a
  // limit the file keeps that size on disk for as long as any connection stays open.
  if (auto s = (*connection)
                   ->Exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                          "PRAGMA journal_size_limit=67108864;",
                          "configure connection");
      !s) {
    return core::Fail(s.error());
  }
  auto version = ApplySqliteMigrations(**connection, clock);
  if (!version) return core::Fail(version.error());
  return std::unique_ptr<SqliteSystemDb>(
      new SqliteSystemDb(std::move(*connection), clock, *version, std::move(description)));
}

}  // namespace datasync::metadata::sqlite
