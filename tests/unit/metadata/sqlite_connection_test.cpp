// SqliteConnection: how SQLite failures are classified for the engine.
#include "metadata/sqlite/sqlite_connection.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "metadata_test_util.hpp"

namespace datasync::metadata {
namespace {

using testing::RawDb;
using testing::TempDir;

TEST(SqliteConnectionTest, LockHeldPastTheBusyTimeoutIsTransient) {
  TempDir dir;
  std::string path = dir.File("busy.db");
  auto conn = SqliteConnection::Open(path, "sqlite:" + path, std::chrono::milliseconds(50));
  ASSERT_TRUE(conn) << conn.error().ToString();
  ASSERT_TRUE((*conn)->Exec("CREATE TABLE t (x INTEGER)", "create"));

  RawDb other(path);
  other.Exec("BEGIN IMMEDIATE");
  other.Exec("INSERT INTO t VALUES (1)");
  auto write = (*conn)->Exec("INSERT INTO t VALUES (2)", "insert into t");
  ASSERT_FALSE(write);
  EXPECT_EQ(write.error().kind(), core::ErrorKind::kTransient);
  EXPECT_EQ(write.error().code(), "SQLITE_BUSY");
  EXPECT_NE(write.error().message().find("sqlite:" + path + ": insert into t: database is locked"), std::string::npos)
      << write.error().message();
  other.Exec("COMMIT");
  EXPECT_TRUE((*conn)->Exec("INSERT INTO t VALUES (2)", "insert into t"));
}

TEST(SqliteConnectionTest, Classification) {
  TempDir dir;
  std::string path = dir.File("c.db");
  auto conn = SqliteConnection::Open(path, "sqlite:" + path, std::chrono::milliseconds(50));
  ASSERT_TRUE(conn);
  auto& c = **conn;
  EXPECT_EQ(c.MakeError(SQLITE_FULL, "add tasks").kind(), core::ErrorKind::kTransient);
  EXPECT_EQ(c.MakeError(SQLITE_IOERR_WRITE, "add tasks").kind(), core::ErrorKind::kTransient);
  EXPECT_EQ(c.MakeError(SQLITE_IOERR_WRITE, "add tasks").code(), "SQLITE_IOERR");
  EXPECT_EQ(c.MakeError(SQLITE_LOCKED, "x").kind(), core::ErrorKind::kTransient);
  EXPECT_EQ(c.MakeError(SQLITE_CORRUPT, "x").kind(), core::ErrorKind::kConfig);
  EXPECT_EQ(c.MakeError(SQLITE_NOTADB, "x").kind(), core::ErrorKind::kConfig);
  EXPECT_EQ(c.MakeError(SQLITE_READONLY, "x").kind(), core::ErrorKind::kConfig);
  EXPECT_EQ(c.MakeError(SQLITE_CANTOPEN, "x").kind(), core::ErrorKind::kConfig);

  // Anything else is our bug: kInternal with SQLite's own text.
  auto bad = c.Exec("SELECT no_such_column FROM sqlite_master", "inspect");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), core::ErrorKind::kInternal);
  EXPECT_EQ(bad.error().code(), "SQLITE_ERROR");
  EXPECT_NE(bad.error().message().find("no such column: no_such_column"), std::string::npos) << bad.error().message();
}

TEST(SqliteConnectionTest, TransactionRollsBackUnlessCommitted) {
  TempDir dir;
  std::string path = dir.File("t.db");
  auto conn = SqliteConnection::Open(path, "sqlite:" + path, std::chrono::milliseconds(50));
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

}  // namespace
}  // namespace datasync::metadata
