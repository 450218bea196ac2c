// Issue 17 §6: the sqlite sink's commit is on disk before Commit returns (so before the engine marks the
// units' tasks done in the system database, another file), and the system database itself stays at
// synchronous=NORMAL by decision (sqlite_system_db.cpp says why). A power cut cannot be staged in a unit
// test; what can be checked without strace is which fsyncs SQLite asks for: a VFS of our own, registered
// as the default, forwards everything to the real one and counts xSync per kind of file.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cstring>
#include <string>

#include "core/clock.hpp"
#include "metadata/sqlite/sqlite_system_db.hpp"
#include "sink_test_support.hpp"
#include "storage/sqlite/sqlite_sink.hpp"

namespace datasync::storage::testing {
namespace {

using core::LogicalType;

// Counts the fsyncs SQLite requests on WAL files and on database files, through every connection opened
// while it is installed.
class SyncCountingVfs {
 public:
  SyncCountingVfs() {
    real_ = sqlite3_vfs_find(nullptr);
    vfs_ = *real_;
    vfs_.zName = "datasync_sync_counting";
    vfs_.szOsFile = static_cast<int>(sizeof(File)) + real_->szOsFile;
    vfs_.pAppData = this;
    vfs_.xOpen = &Open;
    methods_ = {};
    sqlite3_vfs_register(&vfs_, /*makeDflt=*/1);
  }
  ~SyncCountingVfs() {
    sqlite3_vfs_unregister(&vfs_);
    sqlite3_vfs_register(real_, 1);
  }
  SyncCountingVfs(const SyncCountingVfs&) = delete;
  SyncCountingVfs& operator=(const SyncCountingVfs&) = delete;

  int wal_syncs() const { return wal_syncs_; }
  int db_syncs() const { return db_syncs_; }
  void Reset() {
    wal_syncs_ = 0;
    db_syncs_ = 0;
  }

 private:
  // Our file header, followed by the real VFS's file object.
  struct File {
    sqlite3_file base;
    SyncCountingVfs* owner;
    bool wal;
    bool main_db;
    sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
  };
  static File* Of(sqlite3_file* f) { return reinterpret_cast<File*>(f); }

  static int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
    auto* self = static_cast<SyncCountingVfs*>(vfs->pAppData);
    File* f = Of(file);
    std::memset(f, 0, sizeof(File));
    int rc = self->real_->xOpen(self->real_, name, f->real(), flags, out_flags);
    if (f->real()->pMethods == nullptr) return rc;  // nothing to close
    f->owner = self;
    f->wal = (flags & SQLITE_OPEN_WAL) != 0;
    f->main_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
    self->Methods(f->real()->pMethods);
    f->base.pMethods = &self->methods_;
    return rc;
  }

  // Every method forwards to the real file's; xSync counts first.
  void Methods(const sqlite3_io_methods* real) {
    if (methods_.iVersion != 0) return;
    methods_.iVersion = real->iVersion;
    methods_.xClose = [](sqlite3_file* f) { return Of(f)->real()->pMethods->xClose(Of(f)->real()); };
    methods_.xRead = [](sqlite3_file* f, void* p, int n, sqlite3_int64 o) {
      return Of(f)->real()->pMethods->xRead(Of(f)->real(), p, n, o);
    };
    methods_.xWrite = [](sqlite3_file* f, const void* p, int n, sqlite3_int64 o) {
      return Of(f)->real()->pMethods->xWrite(Of(f)->real(), p, n, o);
    };
    methods_.xTruncate = [](sqlite3_file* f, sqlite3_int64 size) {
      return Of(f)->real()->pMethods->xTruncate(Of(f)->real(), size);
    };
    methods_.xSync = [](sqlite3_file* f, int flags) {
      File* file = Of(f);
      if (file->wal) ++file->owner->wal_syncs_;
      if (file->main_db) ++file->owner->db_syncs_;
      return file->real()->pMethods->xSync(file->real(), flags);
    };
    methods_.xFileSize = [](sqlite3_file* f, sqlite3_int64* size) {
      return Of(f)->real()->pMethods->xFileSize(Of(f)->real(), size);
    };
    methods_.xLock = [](sqlite3_file* f, int l) { return Of(f)->real()->pMethods->xLock(Of(f)->real(), l); };
    methods_.xUnlock = [](sqlite3_file* f, int l) { return Of(f)->real()->pMethods->xUnlock(Of(f)->real(), l); };
    methods_.xCheckReservedLock = [](sqlite3_file* f, int* out) {
      return Of(f)->real()->pMethods->xCheckReservedLock(Of(f)->real(), out);
    };
    methods_.xFileControl = [](sqlite3_file* f, int op, void* arg) {
      return Of(f)->real()->pMethods->xFileControl(Of(f)->real(), op, arg);
    };
    methods_.xSectorSize = [](sqlite3_file* f) { return Of(f)->real()->pMethods->xSectorSize(Of(f)->real()); };
    methods_.xDeviceCharacteristics = [](sqlite3_file* f) {
      return Of(f)->real()->pMethods->xDeviceCharacteristics(Of(f)->real());
    };
    methods_.xShmMap = [](sqlite3_file* f, int page, int size, int extend, void volatile** out) {
      return Of(f)->real()->pMethods->xShmMap(Of(f)->real(), page, size, extend, out);
    };
    methods_.xShmLock = [](sqlite3_file* f, int offset, int n, int flags) {
      return Of(f)->real()->pMethods->xShmLock(Of(f)->real(), offset, n, flags);
    };
    methods_.xShmBarrier = [](sqlite3_file* f) { Of(f)->real()->pMethods->xShmBarrier(Of(f)->real()); };
    methods_.xShmUnmap = [](sqlite3_file* f, int del) {
      return Of(f)->real()->pMethods->xShmUnmap(Of(f)->real(), del);
    };
    methods_.xFetch = [](sqlite3_file* f, sqlite3_int64 o, int n, void** p) {
      return Of(f)->real()->pMethods->xFetch(Of(f)->real(), o, n, p);
    };
    methods_.xUnfetch = [](sqlite3_file* f, sqlite3_int64 o, void* p) {
      return Of(f)->real()->pMethods->xUnfetch(Of(f)->real(), o, p);
    };
  }

  sqlite3_vfs* real_;
  sqlite3_vfs vfs_;
  sqlite3_io_methods methods_;
  std::atomic<int> wal_syncs_{0};
  std::atomic<int> db_syncs_{0};
};

class SqliteDurabilityTest : public ::testing::Test {
 protected:
  BindContext Ctx() {
    BindContext ctx;
    ctx.storage_name = "warehouse";
    ctx.dataset = "daily";
    ctx.schema = MakeSchema({{"k", LogicalType::String()}, {"v", LogicalType::Int64()}});
    ctx.mode = WriteMode::kUpsert;
    ctx.primary_key = {"k"};
    ctx.options.Set("path", (tmp_.path() / "warehouse.db").string());
    return ctx;
  }
  // WAL fsyncs requested by one Commit of one unit, on a sink already bound, migrated and open.
  int WalSyncsOfOneCommit(SqliteSink& sink, const std::string& unit) {
    auto batch = MakeBatch(Ctx().schema, {{core::Value::String(unit), core::Value::Int64(1)}});
    EXPECT_TRUE(sink.Write(batch, unit));
    vfs_.Reset();
    EXPECT_TRUE(sink.Commit());
    return vfs_.wal_syncs();
  }

  TempDir tmp_;
  SyncCountingVfs vfs_;
};

TEST_F(SqliteDurabilityTest, SinkCommitIsOnDiskWhenCommitReturnsByDefault) {
  SqliteSink sink;
  ASSERT_TRUE(sink.Bind(Ctx()));
  ASSERT_TRUE(sink.Migrate());
  ASSERT_TRUE(sink.Open(RunContext{1}));
  // synchronous=full in WAL mode: the WAL is fsynced at every commit, before COMMIT returns.
  EXPECT_GE(WalSyncsOfOneCommit(sink, "day-1"), 1);
  EXPECT_GE(WalSyncsOfOneCommit(sink, "day-2"), 1);
  ASSERT_TRUE(sink.Close());
}

TEST_F(SqliteDurabilityTest, SynchronousNormalIsTheOperatorsChoice) {
  // What the option description warns about: with normal, a commit returns before its WAL frames are on
  // disk, so a power cut may take rows whose tasks the system database already counts as done.
  auto ctx = Ctx();
  ctx.options.Set("synchronous", std::string("normal"));
  SqliteSink sink;
  ASSERT_TRUE(sink.Bind(ctx));
  ASSERT_TRUE(sink.Migrate());
  ASSERT_TRUE(sink.Open(RunContext{1}));
  EXPECT_EQ(WalSyncsOfOneCommit(sink, "day-1"), 0);
  ASSERT_TRUE(sink.Close());
}

TEST_F(SqliteDurabilityTest, SystemDatabaseCommitsWithoutFsyncByDecision) {
  core::SystemClock clock;
  auto db = metadata::sqlite::SqliteSystemDb::Open((tmp_.path() / "datasync.db").string(), clock);
  ASSERT_TRUE(db) << db.error().ToString();
  sync::SyncRun run;
  run.plan = "p";
  run.status = sync::RunStatus::kRunning;
  vfs_.Reset();
  auto id = (*db)->runs().CreateRun(run);
  ASSERT_TRUE(id) << id.error().ToString();
  // synchronous=NORMAL in WAL mode: the commit is in the WAL, fsynced only at checkpoints.
  EXPECT_EQ(vfs_.wal_syncs(), 0);
}

}  // namespace
}  // namespace datasync::storage::testing
