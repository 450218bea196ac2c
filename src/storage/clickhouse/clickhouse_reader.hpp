// ClickHouseDatasetReader: the DatasetReader of the clickhouse sink, so that a ClickHouse storage can feed
// argument generators, coverage, repair and the web app's preview. It connects as the sink does
// (ClickHouseTargetOf: the HTTP endpoint, credentials in headers), reads the tables the sink writes
// (table_name in the URL's database) with their types from system.columns, and leaves the reads to
// sql::SqlDatasetReader. A table whose engine replaces rows by key (ReplacingMergeTree, the sink's upsert) is
// read with FINAL, so a row written twice counts once before the merge; a query that reads only columns of its
// sorting key (the days of a key, the keys' spans, a maximum day: coverage) does without, as a replaced row
// repeats those values and only a ReplacingMergeTree with no is_deleted column is read so (FINAL merges
// every part of the table again, seconds on a decade of bars). The HTTP interface takes the values
// as literals of the column's type (ClickHouse compares a number only with a number): numbers bare, booleans
// (UInt8) as 1 and 0, dates as toDate('...'), text quoted with its backslash escapes. A NULL comes back as
// \N, so a text value that is exactly \N reads as NULL.
// Thread-safety: one thread at a time, like every DatasetReader.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

#include "net/http_client.hpp"
#include "storage/clickhouse/clickhouse_client.hpp"
#include "storage/sql/sql_dataset_reader.hpp"

namespace datasync::storage {

class ClickHouseDatasetReader final : public sql::SqlDatasetReader {
 public:
  // Reads the same options as ClickHouseSink.
  static core::Result<std::unique_ptr<DatasetReader>> Open(const ReaderContext& ctx);

 protected:
  std::string Quote(std::string_view identifier) const override;
  std::string Param(std::vector<std::string>& params, std::string text, const core::LogicalType& type) const override;
  std::string ParamText(const std::string& value, const core::LogicalType& type) const override;
  // Version columns are DateTime('UTC'): whole seconds (the time's fraction is dropped, which compares the
  // same against them).
  std::string TimestampLiteral(int64_t micros) const override;
  core::Result<std::string> Table(const std::string& dataset) override;
  core::Result<std::string> TableReading(const std::string& dataset, const std::set<std::string>& columns) override;
  core::Result<std::optional<std::map<std::string, core::LogicalType>>> Columns(const std::string& dataset) override;
  core::Result<std::vector<sql::TextRow>> Query(const std::string& sql,
                                                const std::vector<std::string>& params) override;

 private:
  ClickHouseDatasetReader() = default;

  std::string database_;
  std::unique_ptr<net::HttpClient> http_;
  std::unique_ptr<clickhouse::ClickHouseClient> client_;
  std::map<std::string, bool> final_;  // table -> read with FINAL (its engine replaces rows)
  // table -> its sorting key's columns, for a ReplacingMergeTree whose only merge rule is the key (TableReading)
  std::map<std::string, std::set<std::string>> plain_key_reads_;
};

}  // namespace datasync::storage
