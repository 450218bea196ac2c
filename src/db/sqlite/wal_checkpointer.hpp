// WalCheckpointer: moves a WAL-mode file's checkpoints off its writer. SQLite checkpoints in the committing
// connection by default (after a commit leaves 1,000 pages or more in the log), so a bulk writer stalls for
// the copy of every page it wrote into the database file and its fsync. The checkpointer replaces that: the
// writer's WAL hook only wakes a thread, which runs a PASSIVE checkpoint on a connection of its own; a passive
// checkpoint takes no lock a writer needs, so the writer goes on committing while it runs, and readers are
// never waited for. If the log still grows past `backstop_pages` (a checkpoint that cannot keep up, or fails),
// the writer checkpoints in its hook as SQLite would, so the log stays bounded. Durability is SQLite's: a
// checkpoint only copies committed frames, and fsyncs the database file per the file's synchronous setting
// (see bench/sinks/sqlite_layout_bench for what it saves).
//
// Lifecycle: Start(writer, path) after the writer is in WAL mode; the destructor (or Stop) unhooks the writer,
// finishes a checkpoint in progress and closes its own connection. It must go before the writer's connection.
// Thread-safety: Start/Stop on the writer's thread; the hook runs in the writer's commit; stats() anywhere.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/error.hpp"

struct sqlite3;

namespace datasync::db::sqlite {

class SqliteConnection;

class WalCheckpointer {
 public:
  struct Options {
    int threshold_pages = 1000;  // wake the thread when a commit leaves at least this many pages in the log
    int backstop_pages = 16000;  // and checkpoint in the writer beyond this (64 MiB with 4 KiB pages)
  };
  struct Stats {
    int64_t background = 0;  // checkpoints run by the thread
    int64_t in_writer = 0;   // checkpoints the writer ran itself (backstop)
  };

  WalCheckpointer();
  explicit WalCheckpointer(Options options);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Hooks `writer` (a connection in WAL mode to `path`) and opens the thread's own connection to `path`
  // with the writer's `synchronous` (a checkpoint fsyncs the database file unless it is off) and busy timeout
  // (for setting it up while another connection changes the file; a passive checkpoint itself never waits).
  core::Status Start(SqliteConnection& writer, const std::string& path, const std::string& synchronous,
                     std::chrono::milliseconds busy_timeout);
  void Stop();

  Stats stats() const { return {background_.load(), in_writer_.load()}; }

 private:
  static int Hook(void* self, ::sqlite3* db, const char* schema, int pages);
  void Loop();

  Options options_;
  SqliteConnection* writer_ = nullptr;
  std::unique_ptr<SqliteConnection> own_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;
  bool stop_ = false;
  std::thread thread_;
  std::atomic<int64_t> background_{0};
  std::atomic<int64_t> in_writer_{0};
};

}  // namespace datasync::db::sqlite
