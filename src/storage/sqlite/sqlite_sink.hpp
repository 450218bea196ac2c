// SqliteSink (plugin id "sqlite"): writes a dataset into one table of a SQLite database file; a dialect of
// the database-sink base (storage/sql/database_sink.hpp), which owns the protocol (names, migration flow,
// unit-idempotent writes, staged replace). The connection is db/sqlite's SqliteConnection.
//
// - Bind opens the connection (journal_mode, synchronous and busy timeout from the options) and checks the
//   names: the table is table_prefix + dataset, every identifier is double-quoted in SQL.
// - Migrate, in one BEGIN IMMEDIATE transaction, creates the table (INTEGER for bool/int32/int64, REAL for
//   float64, TEXT for string, ISO date, timestamp and exact decimal text; PRIMARY KEY when the dataset has
//   one) or evolves it additively from PRAGMA table_info (EvolveTable, SQLite's migration policy): missing
//   columns are added; a changed type is absorbed by SQLite's dynamic typing and only recorded
//   (migration_notes() and the _datasync_columns table, which also tells readers the logical type behind
//   each TEXT column); a changed primary key is kConfig (it needs a table rebuild). It is not a
//   SchemaMigrator: `datasync migrate` has nothing to apply to it.
// - Write runs prepared statements inside one transaction per Commit (BEGIN IMMEDIATE at the first Write
//   after a Commit; COMMIT in Commit; ROLLBACK in Abort or when the sink goes away uncommitted). A Write
//   or Commit that fails rolls the whole transaction back, as Abort would: every unit written since the
//   last Commit must be written again (in full), which is also what SQLite itself does after disk-full
//   and I/O errors.
//   upsert: INSERT ... ON CONFLICT(pk) DO UPDATE every other column; Write holds the batches back and
//   Commit inserts the whole group in key order (storage/sql/key_order.hpp), so a constraint the rows
//   violate shows at Commit (the writer pool then commits the group's units one by one to find the unit). append: a
//   hidden, indexed _ds_unit column holds the unit id and a unit's earlier rows are deleted before it is written again,
//   so re-runs never duplicate. replace: rows go to <table>__staging_<run id>, which survives a crash and is refilled
//   by a restarted run with the same id; Finish swaps it in within one transaction and records the run in
//   _datasync_runs so a repeated Finish after a crash does not publish an empty table. SweepStaging drops
//   the staging tables of runs that are over (a table name ending in __staging_<digits> is refused in Bind,
//   so no dataset's table looks like one).
// - SQLite cannot store NaN (it becomes NULL) nor tell -0.0 from 0.0 in a REAL column.
// Thread-safety: one thread at a time, like every Sink. Other processes may read (WAL) while it writes.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/options.hpp"
#include "storage/sql/database_sink.hpp"

namespace datasync::db::sqlite {
class SqliteConnection;
class SqliteStatement;
class WalCheckpointer;
}  // namespace datasync::db::sqlite

namespace datasync::storage {

std::span<const core::OptionSpec> SqliteSinkOptions();

namespace sqlite {
inline constexpr core::OptionKey<std::string> kPath{"path", SqliteSinkOptions};
inline constexpr core::OptionKey<std::string> kJournalMode{"journal_mode", SqliteSinkOptions};
inline constexpr core::OptionKey<std::string> kSynchronous{"synchronous", SqliteSinkOptions};
inline constexpr core::OptionKey<int64_t> kBusyTimeoutMs{"busy_timeout_ms", SqliteSinkOptions};
inline constexpr core::OptionKey<int64_t> kCacheMib{"cache_mb", SqliteSinkOptions};
inline constexpr core::OptionKey<std::string> kTablePrefix{"table_prefix", SqliteSinkOptions};
}  // namespace sqlite

// The rules of those options (the table's: PRAGMA values, busy timeout; beyond it: a non-empty path, a
// table_prefix that is not SQLite's own): SinkInfo::validate and Bind.
core::OptionProblems CheckSqliteSinkOptions(const core::Options& options);

class SqliteSink final : public sql::DatabaseSink {
 public:
  SqliteSink();
  ~SqliteSink() override;

  // The database file, valid after Bind.
  const std::filesystem::path& db_path() const { return db_path_; }
  // What the last Migrate did or noticed, one sentence each ("added column 'x' REAL").
  const std::vector<std::string>& migration_notes() const { return notes_; }

 protected:
  std::span<const core::OptionSpec> OptionTable() const override { return SqliteSinkOptions(); }
  core::OptionProblems CheckOptions(const core::Options& options, const core::OptionCheckContext&) const override {
    return CheckSqliteSinkOptions(options);
  }
  core::Status Configure(const core::Options& options) override;
  core::Result<std::string> TableName(const BindContext& ctx) const override;
  std::string Quote(std::string_view identifier) const override;
  std::string QuoteText(std::string_view text) const override;
  std::string Qualified(std::string_view table) const override { return Quote(table); }
  std::string NativeType(const core::Field& field, bool key) const override;
  core::Result<std::vector<std::string>> CreateTableStatements(const std::string& table, bool with_unit) override;
  core::Status EvolveTable(const std::string& table, bool want_unit, bool main) override;

  core::Status Connect() override;
  core::Status Execute(std::string_view sql) override;
  core::Result<std::optional<TableShape>> Introspect(const std::string& table) override;
  core::Result<std::vector<std::string>> TablesStartingWith(const std::string& prefix) override;
  core::Status EnsureNamespace() override;
  core::Result<bool> RunRecorded(int64_t run_id) override;
  std::vector<std::string> AddUnitColumnStatements(const std::string& table) const override;
  std::vector<std::string> UnitIndexStatements(const std::string& table) const override;
  core::Status EnsureKeyedUpsert(const std::string& table, const TableShape& shape) override;
  core::Status Publish(const std::string& staging) override;
  std::string StagingPrefix() const override;

  std::string NullSafeEqual(const std::string& a, const std::string& b) const override { return a + " IS " + b; }
  // A view's * is expanded when it is read, so the view is created once.
  std::vector<std::string> LatestViewStatements(const std::string& view, const std::string& select) const override {
    return {"CREATE VIEW IF NOT EXISTS " + view + " AS " + select};
  }

  std::string BeginStatement() const override { return "BEGIN IMMEDIATE"; }
  core::Status PrepareWrites() override;
  core::Status DeleteUnitRows(const std::string& unit) override;
  core::Result<int64_t> BulkLoad(const core::ColumnBatch& batch, std::string_view unit_id) override;
  core::Status BeforeCommit() override;
  void OnRollback() override;
  core::Status Rollback() override;
  void Disconnect() override;

  core::Status MigrateImpl() override;
  core::Status HealthCheckImpl() override;

 private:
  core::Status RecordLogicalTypes(const std::string& table);
  // Binds and inserts one row; returns the payload bytes bound.
  core::Result<int64_t> InsertRow(const core::ColumnBatch& batch, size_t row, std::string_view unit_id);
  std::string SampleKey(const core::ColumnBatch& batch, size_t row) const;

  std::unique_ptr<db::sqlite::SqliteConnection> db_;  // null until Bind and after Close
  std::unique_ptr<db::sqlite::SqliteStatement> insert_;
  std::unique_ptr<db::sqlite::SqliteStatement> delete_unit_;
  std::filesystem::path db_path_;
  std::string journal_mode_;
  std::string synchronous_;
  std::chrono::milliseconds busy_timeout_{10'000};
  int64_t cache_kib_ = 64 * 1024;
  std::unique_ptr<db::sqlite::WalCheckpointer> checkpointer_;  // WAL mode: checkpoints off the writer
  std::vector<std::string> notes_;
  std::vector<std::string> scratch_;  // per-column text of the row being bound
  // Upserts by key hold a commit's batches back and insert them in key order at Commit (hold_ is set by
  // PrepareWrites): the caller's shared batch when it shared it, else a copy, with its unit.
  struct Held {
    std::shared_ptr<const core::ColumnBatch> batch;
    std::string unit;
  };
  bool hold_ = false;
  std::vector<size_t> key_columns_;
  std::vector<Held> held_;
};

void RegisterSqliteSink(SinkRegistry& registry);

}  // namespace datasync::storage
