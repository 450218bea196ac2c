// SqliteSink (plugin id "sqlite"): writes a dataset into one table of a SQLite database file.
//
// - Bind opens the connection (journal_mode, synchronous and busy timeout from the options) and checks the
//   names: the table is table_prefix + dataset, every identifier is double-quoted in SQL.
// - Migrate creates the table (INTEGER for bool/int32/int64, REAL for float64, TEXT for string, ISO date,
//   timestamp and exact decimal text; PRIMARY KEY when the dataset has one) or evolves it additively from
//   PRAGMA table_info: missing columns are added; a changed type is absorbed by SQLite's dynamic typing
//   and only recorded (migration_notes() and the _datasync_columns table, which also tells readers the
//   logical type behind each TEXT column); a changed primary key is kConfig (it needs a table rebuild).
// - Write runs prepared statements inside one transaction per Commit (BEGIN IMMEDIATE at the first Write
//   after a Commit; COMMIT in Commit; ROLLBACK in Abort or when the sink goes away uncommitted). A Write
//   or Commit that fails rolls the whole transaction back, as Abort would: every unit written since the
//   last Commit must be written again (in full), which is also what SQLite itself does after disk-full
//   and I/O errors.
//   upsert: INSERT ... ON CONFLICT(pk) DO UPDATE every other column. append: a hidden, indexed _ds_unit
//   column holds the unit id and a unit's earlier rows are deleted before it is written again, so re-runs
//   never duplicate. replace: rows go to <table>__staging_<run id>, which survives a crash and is refilled
//   by a restarted run with the same id; Finish swaps it in within one transaction and records the run in
//   _datasync_runs so a repeated Finish after a crash does not publish an empty table.
// - SQLite cannot store NaN (it becomes NULL) nor tell -0.0 from 0.0 in a REAL column.
// Thread-safety: one thread at a time, like every Sink. Other processes may read (WAL) while it writes.
#pragma once

#include <filesystem>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "core/options.hpp"
#include "storage/sink.hpp"

namespace datasync::db::sqlite {
class SqliteConnection;
class SqliteStatement;
}  // namespace datasync::db::sqlite

namespace datasync::storage {

std::span<const core::OptionSpec> SqliteSinkOptions();

namespace sqlite {
inline constexpr core::OptionKey<std::string> kPath{"path", SqliteSinkOptions};
inline constexpr core::OptionKey<std::string> kJournalMode{"journal_mode", SqliteSinkOptions};
inline constexpr core::OptionKey<std::string> kSynchronous{"synchronous", SqliteSinkOptions};
inline constexpr core::OptionKey<int64_t> kBusyTimeoutMs{"busy_timeout_ms", SqliteSinkOptions};
inline constexpr core::OptionKey<std::string> kTablePrefix{"table_prefix", SqliteSinkOptions};
}  // namespace sqlite

// The rules of those options (the table's: PRAGMA values, busy timeout; beyond it: a non-empty path, a
// table_prefix that is not SQLite's own): SinkInfo::validate and Bind.
core::OptionProblems CheckSqliteSinkOptions(const core::Options& options);

class SqliteSink final : public Sink {
 public:
  SqliteSink();
  ~SqliteSink() override;

  SinkCapabilities capabilities() const override;

  // The table this sink owns and the database file, valid after Bind.
  const std::string& table_name() const { return table_; }
  const std::filesystem::path& db_path() const { return db_path_; }
  // What the last Migrate did or noticed, one sentence each ("added column 'x' REAL").
  const std::vector<std::string>& migration_notes() const { return notes_; }

 protected:
  core::Status BindImpl(const BindContext& ctx) override;
  core::Status MigrateImpl() override;
  core::Status OpenImpl(const RunContext& run) override;
  core::Result<int64_t> WriteImpl(const core::ColumnBatch& batch, std::string_view unit_id) override;
  core::Status CommitImpl() override;
  core::Status AbortImpl() override;
  core::Status FinishImpl() override;
  core::Status CloseImpl() override;
  core::Status HealthCheckImpl() override;

 private:
  core::Status EnsureMetaTables();
  core::Status MigrateTable(const std::string& table, bool want_unit_column, bool record_types);
  core::Status PrepareWriteStatements();
  core::Status Begin();
  core::Status RollbackIfOpen();
  core::Status Publish();
  std::string SampleKey(const core::ColumnBatch& batch, size_t row) const;

  std::unique_ptr<db::sqlite::SqliteConnection> db_;  // null until Bind and after Close
  std::unique_ptr<db::sqlite::SqliteStatement> insert_;
  std::unique_ptr<db::sqlite::SqliteStatement> delete_unit_;
  std::filesystem::path db_path_;
  std::string table_;
  std::string write_table_;  // table_, or the staging table in mode replace
  WriteMode mode_ = WriteMode::kUpsert;
  std::vector<std::string> primary_key_;
  int64_t run_id_ = 0;
  bool publish_pending_ = false;
  bool unit_column_ = false;  // write_table_ has _ds_unit
  bool in_transaction_ = false;
  std::set<std::string> units_in_transaction_;
  std::vector<std::string> notes_;
  std::vector<std::string> scratch_;  // per-column text of the row being bound
};

void RegisterSqliteSink(SinkRegistry& registry);

}  // namespace datasync::storage
