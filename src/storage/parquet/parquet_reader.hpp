// ParquetDatasetReader: the DatasetReader of the parquet sink (storage/dataset_reader.hpp), so coverage,
// reconcile, verify, repair, checkpoints and the web app's preview can read a parquet storage.
//
// It finds the storage's root folder from its options as the sink does (files::RootFolder), a dataset in
// ROOT/<dataset>/ with the logical types of its _schema.json, and answers every query by scanning the
// dataset's part files (parquet_scan.hpp: every unit once, partition folders and row groups the filters
// exclude skipped unread, one row group decoded at a time). Filter values in config spelling ("20240102",
// "1") are converted to the column's type first; values come back typed as the SQLite reader types them
// (dates as Value::Date, decimals as decimals), so reconcile compares a parquet and a sqlite storage of the
// same rows as equal. A dataset never synced is kConfig naming the plan to run. A dataset with history (its
// sidecar says so; files/part_versions.hpp) reads as its units' newest versions, or as of a time
// (ScanQuery::as_of) as their newest versions then; a dataset without history refuses a read as of a time
// (kInvalidInput).
//
// Lifecycle: opened per storage (SinkInfo::open_reader), queried any number of times, destroyed. It holds no
// file open between queries and takes no lock: what a concurrent sync commits meanwhile may or may not be
// seen (a file renamed away mid-read fails that query with kTransient). Thread-safety: one thread at a time.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/dataset_reader.hpp"
#include "storage/files/schema_sidecar.hpp"

namespace datasync::storage::parquet {

struct ScanSpec;

class ParquetDatasetReader final : public DatasetReader {
 public:
  // Reads the same options as ParquetSink (path; relative to the project folder).
  static core::Result<std::unique_ptr<DatasetReader>> Open(const ReaderContext& ctx);

  core::Result<std::vector<core::Value>> DistinctValues(const ReadQuery& query) override;
  core::Result<std::optional<core::Value>> MaxValue(const std::string& dataset, const std::string& column) override;
  core::Result<std::vector<KeySpan>> KeySpans(const KeySpanQuery& query) override;
  // All keys in one scan, the key column filtered to the keys' range and the days to their windows' union.
  core::Result<std::map<std::string, std::vector<core::Value>>> KeyDays(const KeyDaysQuery& query) override;
  core::Result<Rows> LatestRows(const RowsQuery& query) override;
  core::Result<std::map<std::string, core::LogicalType>> Describe(const std::string& dataset) override;
  core::Result<std::vector<core::LogicalType>> ScanRows(const ScanQuery& query, const RowVisitor& visit) override;

 private:
  struct Dataset {
    std::string name;
    std::filesystem::path dir;
    files::SchemaSidecar sidecar;
  };

  ParquetDatasetReader() = default;
  // The dataset's folder and sidecar; nullopt when it was never synced.
  core::Result<std::optional<Dataset>> Find(const std::string& dataset) const;
  // The same, kConfig naming the plan to run first when it was never synced.
  core::Result<Dataset> Synced(const std::string& dataset) const;
  core::Result<core::LogicalType> TypeOf(const Dataset& ds, const std::string& column) const;
  // A scan of the dataset's current rows (its newest versions, for a dataset with history).
  static ScanSpec NewSpec(const Dataset& ds);
  // Such a scan of a key column and a day column (coverage by key), without filters.
  core::Result<ScanSpec> KeyDayScan(const Dataset& ds, const std::string& key, const std::string& date) const;
  std::string Where() const;  // "storage 'lake' (/path/data/lake)", for messages

  std::string storage_;
  std::filesystem::path root_;
};

}  // namespace datasync::storage::parquet
