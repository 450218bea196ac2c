#include "db/sqlite/wal_checkpointer.hpp"

#include <sqlite3.h>

#include "db/sqlite/sqlite_connection.hpp"

namespace datasync::db::sqlite {

WalCheckpointer::WalCheckpointer() : WalCheckpointer(Options{}) {}

WalCheckpointer::WalCheckpointer(Options options) : options_(options) {}

WalCheckpointer::~WalCheckpointer() { Stop(); }

core::Status WalCheckpointer::Start(SqliteConnection& writer, const std::string& path,
                                    const std::string& synchronous, std::chrono::milliseconds busy_timeout) {
  Stop();
  // A passive checkpoint takes only the checkpoint lock and never waits (it leaves the frames that readers
  // still need to the next one); the busy timeout serves the set-up alone.
  auto own = SqliteConnection::Open(
      path, {.description = writer.description(), .busy_timeout = busy_timeout, .role = writer.role()});
  if (!own) return core::Fail(own.error());
  if (auto st = (*own)->Exec("PRAGMA synchronous=" + synchronous, "set the checkpoint's synchronous"); !st) return st;
  own_ = std::move(*own);
  {
    std::lock_guard lock(mu_);
    stop_ = false;
    wanted_ = false;
  }
  writer_ = &writer;
  thread_ = std::thread([this] { Loop(); });
  // Replaces SQLite's automatic checkpoint, which is a WAL hook too (sqlite3_wal_autocheckpoint).
  sqlite3_wal_hook(writer.handle(), &WalCheckpointer::Hook, this);
  return core::Ok();
}

void WalCheckpointer::Stop() {
  if (writer_) {
    // Back to SQLite's own checkpoints in the writer.
    sqlite3_wal_autocheckpoint(writer_->handle(), 1000);
    writer_ = nullptr;
  }
  if (thread_.joinable()) {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  own_.reset();
}

int WalCheckpointer::Hook(void* self, sqlite3* db, const char* schema, int pages) {
  auto* c = static_cast<WalCheckpointer*>(self);
  if (pages >= c->options_.backstop_pages) {
    // The thread fell behind: checkpoint here, as SQLite's own hook would (its result is not the commit's).
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    c->in_writer_.fetch_add(1, std::memory_order_relaxed);
  } else if (pages >= c->options_.threshold_pages) {
    {
      std::lock_guard lock(c->mu_);
      c->wanted_ = true;
    }
    c->cv_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::Loop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || wanted_; });
    if (stop_) return;
    wanted_ = false;
    lock.unlock();
    // A failure (the file went away, a disk error) is the writer's to report at its next commit; the
    // backstop keeps the log bounded meanwhile.
    if (sqlite3_wal_checkpoint_v2(own_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr) ==
        SQLITE_OK) {
      background_.fetch_add(1, std::memory_order_relaxed);
    }
    lock.lock();
  }
}

}  // namespace datasync::db::sqlite
