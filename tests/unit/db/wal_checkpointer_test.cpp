// WalCheckpointer: a WAL file's checkpoints run on a thread of their own, the log stays bounded (by the
// thread, or by the writer's backstop when the thread does not run), and every committed row is in the file.
#include "db/sqlite/wal_checkpointer.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "db/sqlite/sqlite_connection.hpp"
#include "unit/db/sqlite_test_util.hpp"

namespace datasync::db::sqlite {
namespace {

using testing::RawDb;
using testing::TempDir;

constexpr int kCommits = 60;
constexpr int kRowsPerCommit = 40;  // 40 rows of 1,000 bytes: about 10 pages per commit

std::unique_ptr<SqliteConnection> OpenWriter(const std::string& path) {
  auto conn = SqliteConnection::Open(path, {.description = "sqlite:" + path, .role = Role::kDataStore});
  EXPECT_TRUE(conn) << conn.error().ToString();
  auto mode = (*conn)->SetJournalMode("wal", std::chrono::seconds(5));
  EXPECT_TRUE(mode && *mode == "wal");
  EXPECT_TRUE((*conn)->Exec("PRAGMA synchronous=normal; CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)", "create"));
  return std::move(*conn);
}

// Commits kCommits transactions of kRowsPerCommit rows; returns the largest size the log reached.
uintmax_t WriteAll(SqliteConnection& writer, const std::string& path) {
  uintmax_t largest = 0;
  for (int c = 0; c < kCommits; ++c) {
    EXPECT_TRUE(writer.Exec("BEGIN IMMEDIATE", "begin"));
    for (int r = 0; r < kRowsPerCommit; ++r) {
      EXPECT_TRUE(writer.Exec("INSERT INTO t (v) VALUES (zeroblob(1000))", "insert"));
    }
    EXPECT_TRUE(writer.Exec("COMMIT", "commit"));
    std::error_code ec;
    largest = std::max(largest, std::filesystem::file_size(path + "-wal", ec));
  }
  return largest;
}

TEST(WalCheckpointerTest, TheThreadCheckpointsAndTheWriterDoesNot) {
  TempDir dir;
  std::string path = dir.File("bg.db");
  auto writer = OpenWriter(path);
  WalCheckpointer checkpointer({.threshold_pages = 20, .backstop_pages = 100000});
  ASSERT_TRUE(checkpointer.Start(*writer, path, "normal", std::chrono::seconds(5)));
  WriteAll(*writer, path);
  // The thread runs when it is woken: wait for it, bounded.
  for (int i = 0; i < 500 && checkpointer.stats().background == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GT(checkpointer.stats().background, 0);
  EXPECT_EQ(checkpointer.stats().in_writer, 0);
  checkpointer.Stop();
  writer.reset();
  RawDb check(path);
  EXPECT_EQ(check.Query("SELECT count(*) FROM t"), std::to_string(kCommits * kRowsPerCommit));
  EXPECT_EQ(check.Query("PRAGMA integrity_check"), "ok");
}

TEST(WalCheckpointerTest, TheWritersBackstopBoundsTheLogWhenTheThreadDoesNotRun) {
  TempDir dir;
  std::string path = dir.File("backstop.db");
  auto writer = OpenWriter(path);
  // The thread is never woken (its threshold is beyond the backstop): only the writer checkpoints.
  WalCheckpointer checkpointer({.threshold_pages = 1000000, .backstop_pages = 50});
  ASSERT_TRUE(checkpointer.Start(*writer, path, "normal", std::chrono::seconds(5)));
  uintmax_t largest = WriteAll(*writer, path);
  EXPECT_GT(checkpointer.stats().in_writer, 0);
  EXPECT_EQ(checkpointer.stats().background, 0);
  // 60 commits of about 10 pages would make a log of 600 pages without checkpoints; restarted after each
  // backstop checkpoint it stays near 50 pages plus one commit.
  EXPECT_LT(largest, 100u * 4096u) << "the log grew to " << largest << " bytes";
  checkpointer.Stop();
  writer.reset();
  RawDb check(path);
  EXPECT_EQ(check.Query("SELECT count(*) FROM t"), std::to_string(kCommits * kRowsPerCommit));
}

TEST(WalCheckpointerTest, WithoutItTheLogGrowsPastTheBackstop) {
  // The control for the test above: the same writes with SQLite's checkpoints off grow the log.
  TempDir dir;
  std::string path = dir.File("none.db");
  auto writer = OpenWriter(path);
  sqlite3_wal_autocheckpoint(writer->handle(), 0);
  EXPECT_GT(WriteAll(*writer, path), 400u * 4096u);
}

TEST(WalCheckpointerTest, StopGivesTheWriterSqlitesOwnCheckpointsBack) {
  TempDir dir;
  std::string path = dir.File("stop.db");
  auto writer = OpenWriter(path);
  {
    WalCheckpointer checkpointer({.threshold_pages = 1000000, .backstop_pages = 1000000});
    ASSERT_TRUE(checkpointer.Start(*writer, path, "normal", std::chrono::seconds(5)));
  }
  // The hook no longer points at the checkpointer that went (ASan would see it), and SQLite's automatic
  // checkpoint at 1,000 pages is back: 1,800 pages of commits keep the log near 1,000 pages.
  uintmax_t largest = 0;
  for (int i = 0; i < 3; ++i) largest = std::max(largest, WriteAll(*writer, path));
  EXPECT_LT(largest, 1200u * 4096u) << "the log grew to " << largest << " bytes";
}

}  // namespace
}  // namespace datasync::db::sqlite
