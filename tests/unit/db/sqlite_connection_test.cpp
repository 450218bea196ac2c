// The SQLite client shared by the system database and the sqlite sink: how failures are classified for
// each role, statements, transactions and quoting.
#include "db/sqlite/sqlite_connection.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <string>

#include "unit/db/sqlite_test_util.hpp"

namespace datasync::db::sqlite {
namespace {

using core::ErrorKind;

using testing::RawDb;
using testing::TempDir;

SqliteOpenOptions SystemDb(const std::string& path) {
  return {.description = "sqlite:" + path, .busy_timeout = std::chrono::milliseconds(50), .role = Role::kSystemDb};
}

TEST(SqliteConnectionTest, LockHeldPastTheBusyTimeoutIsTransient) {
  TempDir dir;
  std::string path = dir.File("busy.db");
  auto conn = SqliteConnection::Open(path, SystemDb(path));
  ASSERT_TRUE(conn) << conn.error().ToString();
  ASSERT_TRUE((*conn)->Exec("CREATE TABLE t (x INTEGER)", "create"));

  RawDb other(path);
  other.Exec("BEGIN IMMEDIATE");
  other.Exec("INSERT INTO t VALUES (1)");
  auto write = (*conn)->Exec("INSERT INTO t VALUES (2)", "insert into t");
  ASSERT_FALSE(write);
  EXPECT_EQ(write.error().kind(), ErrorKind::kTransient);
  EXPECT_EQ(write.error().code(), "SQLITE_BUSY");
  EXPECT_NE(write.error().message().find("sqlite:" + path + ": insert into t: database is locked"), std::string::npos)
      << write.error().message();
  other.Exec("COMMIT");
  EXPECT_TRUE((*conn)->Exec("INSERT INTO t VALUES (2)", "insert into t"));
}

TEST(SqliteConnectionTest, Classification) {
  TempDir dir;
  std::string path = dir.File("c.db");
  auto conn = SqliteConnection::Open(path, SystemDb(path));
  ASSERT_TRUE(conn);
  auto& c = **conn;
  EXPECT_EQ(c.MakeError(SQLITE_FULL, "add tasks").kind(), ErrorKind::kTransient);
  EXPECT_EQ(c.MakeError(SQLITE_IOERR_WRITE, "add tasks").kind(), ErrorKind::kTransient);
  EXPECT_EQ(c.MakeError(SQLITE_IOERR_WRITE, "add tasks").code(),
            "SQLITE_IOERR (" + std::to_string(SQLITE_IOERR_WRITE) + ")");
  EXPECT_EQ(c.MakeError(SQLITE_LOCKED, "x").kind(), ErrorKind::kTransient);
  EXPECT_EQ(c.MakeError(SQLITE_CORRUPT, "x").kind(), ErrorKind::kConfig);
  EXPECT_EQ(c.MakeError(SQLITE_NOTADB, "x").kind(), ErrorKind::kConfig);
  EXPECT_EQ(c.MakeError(SQLITE_READONLY, "x").kind(), ErrorKind::kConfig);
  EXPECT_EQ(c.MakeError(SQLITE_CANTOPEN, "x").kind(), ErrorKind::kConfig);

  // Anything else is our bug: kInternal with SQLite's own text.
  auto bad = c.Exec("SELECT no_such_column FROM sqlite_master", "inspect");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), ErrorKind::kInternal);
  EXPECT_EQ(bad.error().code(), "SQLITE_ERROR");
  EXPECT_NE(bad.error().message().find("no such column: no_such_column"), std::string::npos) << bad.error().message();
}

TEST(SqliteConnectionTest, TransactionRollsBackUnlessCommitted) {
  TempDir dir;
  std::string path = dir.File("t.db");
  auto conn = SqliteConnection::Open(path, SystemDb(path));
  ASSERT_TRUE(conn);
  auto& c = **conn;
  ASSERT_TRUE(c.Exec("CREATE TABLE t (x INTEGER)", "create"));
  {
    auto txn = SqliteTransaction::Begin(c, "test");
    ASSERT_TRUE(txn);
    ASSERT_TRUE(c.Exec("INSERT INTO t VALUES (1)", "insert"));
  }
  EXPECT_FALSE(c.InTransaction());
  {
    auto txn = SqliteTransaction::Begin(c, "test");
    ASSERT_TRUE(txn);
    ASSERT_TRUE(c.Exec("INSERT INTO t VALUES (2)", "insert"));
    ASSERT_TRUE(txn->Commit());
  }
  RawDb raw(path);
  EXPECT_EQ(raw.Query("SELECT group_concat(x) FROM t"), "2");
}

TEST(SqliteConnectionTest, ExecRetryingBusyGivesUpAfterTheTimeout) {
  TempDir dir;
  std::string path = dir.File("wal.db");
  auto conn = SqliteConnection::Open(path, SystemDb(path));
  ASSERT_TRUE(conn);
  RawDb other(path);
  other.Exec("CREATE TABLE t (x INTEGER)");
  other.Exec("BEGIN EXCLUSIVE");
  // Held past the timeout: the busy error comes back classified, naming what was tried.
  auto refused =
      (*conn)->ExecRetryingBusy("PRAGMA journal_mode=WAL", "set journal_mode=WAL", std::chrono::milliseconds(30));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), ErrorKind::kTransient);
  EXPECT_TRUE(refused.error().code().starts_with("SQLITE_BUSY")) << refused.error().code();
  EXPECT_NE(refused.error().message().find("set journal_mode=WAL"), std::string::npos) << refused.error().message();
  other.Exec("COMMIT");
  EXPECT_TRUE(
      (*conn)->ExecRetryingBusy("PRAGMA journal_mode=WAL", "set journal_mode=WAL", std::chrono::milliseconds(30)));
  EXPECT_EQ(RawDb(path).Query("PRAGMA journal_mode"), "wal");
}

// Issue 17 §15: the switch of a new file to WAL happens once, under a lock on the file's folder, so that
// connections opening one new file at once switch it one after another.
TEST(SqliteConnectionTest, SetJournalModeSwitchesUnderTheFolderLockAndOnlyOnce) {
  TempDir dir;
  std::string path = dir.File("new.db");
  auto first = SqliteConnection::Open(path, SystemDb(path));
  ASSERT_TRUE(first);
  {
    // Another connection switching a file of this folder: the switch waits for it, then gives up.
    int fd = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::flock(fd, LOCK_EX), 0);
    auto refused = (*first)->SetJournalMode("wal", std::chrono::milliseconds(50));
    ::close(fd);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().kind(), ErrorKind::kTransient);
    EXPECT_NE(refused.error().message().find("sqlite:" + path), std::string::npos) << refused.error().message();
    EXPECT_EQ(RawDb(path).Query("PRAGMA journal_mode"), "delete");
  }
  auto switched = (*first)->SetJournalMode("WAL", std::chrono::milliseconds(50));
  ASSERT_TRUE(switched) << switched.error().ToString();
  EXPECT_EQ(*switched, "wal");
  EXPECT_EQ(RawDb(path).Query("PRAGMA journal_mode"), "wal");

  // A file already in the mode is not switched again: no lock is needed, not even the folder's, and a
  // writer holding the database does not stand in the way.
  int fd = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  RawDb writer(path);
  writer.Exec("BEGIN IMMEDIATE");
  auto second = SqliteConnection::Open(path, SystemDb(path));
  ASSERT_TRUE(second);
  auto again = (*second)->SetJournalMode("wal", std::chrono::milliseconds(50));
  ::close(fd);
  writer.Exec("ROLLBACK");
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(*again, "wal");

  // SQLite keeps another mode when it cannot switch; the caller sees which.
  auto memory = SqliteConnection::Open(":memory:", {.role = Role::kSystemDb});
  ASSERT_TRUE(memory);
  auto kept = (*memory)->SetJournalMode("wal", std::chrono::milliseconds(50));
  ASSERT_TRUE(kept);
  EXPECT_EQ(*kept, "memory");
}

TEST(SqliteConnectionTest, ReadOnlyNeverCreatesAFile) {
  TempDir dir;
  std::string path = dir.File("missing.db");
  auto conn = SqliteConnection::Open(path, {.role = Role::kDataStore, .read_only = true});
  ASSERT_FALSE(conn);
  EXPECT_NE(conn.error().message().find("cannot open database file '" + path + "'"), std::string::npos)
      << conn.error().message();
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(SqliteConnectionTest, QuotesIdentifiersAndText) {
  EXPECT_EQ(QuoteIdent("plain"), "\"plain\"");
  EXPECT_EQ(QuoteIdent("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(QuoteIdent("\"; DROP TABLE t; --"), "\"\"\"; DROP TABLE t; --\"");
  EXPECT_EQ(QuoteText("it's"), "'it''s'");
}

// The sqlite sink's files hold vendor rows: a constraint violation is bad input, a damaged file fails the
// storage's write, and nothing is kConfig (which would stop the whole run).
TEST(SqliteErrorTest, DataStoreRole) {
  auto kind = [](int rc) { return MakeError(nullptr, rc, "x", Role::kDataStore).kind(); };
  EXPECT_EQ(kind(SQLITE_BUSY), ErrorKind::kTransient);
  EXPECT_EQ(kind(SQLITE_LOCKED), ErrorKind::kTransient);
  EXPECT_EQ(kind(SQLITE_FULL), ErrorKind::kTransient);
  EXPECT_EQ(kind(SQLITE_IOERR_FSYNC), ErrorKind::kTransient);
  EXPECT_EQ(kind(SQLITE_CONSTRAINT_PRIMARYKEY), ErrorKind::kInvalidInput);
  EXPECT_EQ(kind(SQLITE_CORRUPT), ErrorKind::kPermanent);
  EXPECT_EQ(kind(SQLITE_CANTOPEN), ErrorKind::kPermanent);
  EXPECT_EQ(kind(SQLITE_ERROR), ErrorKind::kPermanent);
  EXPECT_EQ(MakeError(nullptr, SQLITE_IOERR_FSYNC, "x", Role::kDataStore).code(),
            "SQLITE_IOERR (" + std::to_string(SQLITE_IOERR_FSYNC) + ")");
  EXPECT_NE(MakeError(nullptr, SQLITE_BUSY, "x", Role::kDataStore).message().find("busy_timeout_ms"),
            std::string::npos);
}

// The system database is datasync's own: a damaged or unwritable file is the operator's configuration, and
// anything unexpected (a constraint included) is our bug.
TEST(SqliteErrorTest, SystemDbRole) {
  auto kind = [](int rc) { return MakeError(nullptr, rc, "x", Role::kSystemDb).kind(); };
  EXPECT_EQ(kind(SQLITE_BUSY), ErrorKind::kTransient);
  EXPECT_EQ(kind(SQLITE_IOERR_FSYNC), ErrorKind::kTransient);
  EXPECT_EQ(kind(SQLITE_NOTADB), ErrorKind::kConfig);
  EXPECT_EQ(kind(SQLITE_PERM), ErrorKind::kConfig);
  EXPECT_EQ(kind(SQLITE_CONSTRAINT_PRIMARYKEY), ErrorKind::kInternal);
  EXPECT_EQ(kind(SQLITE_MISUSE), ErrorKind::kInternal);
  EXPECT_EQ(MakeError(nullptr, SQLITE_NOTADB, "x", Role::kSystemDb).code(), "SQLITE_NOTADB");
  EXPECT_EQ(PrimaryCodeName(SQLITE_BUSY_SNAPSHOT), "SQLITE_BUSY");
  EXPECT_TRUE(IsBusy(SQLITE_BUSY_SNAPSHOT));
  EXPECT_TRUE(IsBusy(SQLITE_LOCKED));
  EXPECT_FALSE(IsBusy(SQLITE_FULL));
}

}  // namespace
}  // namespace datasync::db::sqlite
