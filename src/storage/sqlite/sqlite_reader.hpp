// SqliteDatasetReader: the DatasetReader of the sqlite sink's database file (storage/dataset_reader.hpp).
//
// It reads the tables the sink writes (table_prefix + dataset) and the sink's _datasync_columns table for
// the logical type behind each column, so date columns stored as ISO text come back as dates and filter
// values in config spelling ("20240102", "1") are converted before they are bound. The file is opened
// read-only on first use (a reader never creates a database); every identifier is quoted and every value
// bound. Thread-safety: one thread at a time, like every DatasetReader. Other processes may write (WAL).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "storage/dataset_reader.hpp"

namespace datasync::db::sqlite {
class SqliteConnection;
}  // namespace datasync::db::sqlite

namespace datasync::storage {

class SqliteDatasetReader final : public DatasetReader {
 public:
  // Reads the same options as SqliteSink (path, table_prefix, busy_timeout_ms).
  static core::Result<std::unique_ptr<DatasetReader>> Open(const ReaderContext& ctx);
  ~SqliteDatasetReader() override;

  core::Result<std::vector<core::Value>> DistinctValues(const ReadQuery& query) override;
  core::Result<std::optional<core::Value>> MaxValue(const std::string& dataset, const std::string& column) override;
  core::Result<std::vector<KeySpan>> KeySpans(const KeySpanQuery& query) override;
  core::Result<Rows> LatestRows(const RowsQuery& query) override;
  core::Result<std::map<std::string, core::LogicalType>> Describe(const std::string& dataset) override;
  core::Result<std::vector<core::LogicalType>> ScanRows(const ScanQuery& query, const RowVisitor& visit) override;

 private:
  SqliteDatasetReader() = default;
  // False when the file or the table does not exist yet.
  core::Result<bool> Connect(const std::string& table);
  // The dataset's table once it exists; kConfig naming the plan to run first when it was never synced.
  core::Result<std::string> SyncedTable(const std::string& dataset);
  // The logical type of a column of `table` (kConfig naming it when the table lacks it).
  core::Result<core::LogicalType> TypeOfColumn(const std::string& table, const std::string& column);
  std::string Where() const;  // "storage 'warehouse' (/path/data.db)", for messages
  // Whether `table` keeps history (storage/history.hpp).
  core::Result<bool> Versioned(const std::string& table);
  // What a query reads FROM: the table, or the rows of a versioned table current now or at `as_of`.
  core::Result<std::string> Source(const std::string& table, const std::optional<std::string>& as_of);

  std::string storage_;
  std::filesystem::path path_;
  std::string prefix_;
  int busy_timeout_ms_ = 10000;
  std::unique_ptr<db::sqlite::SqliteConnection> db_;  // opened read-only on first use
};

}  // namespace datasync::storage
