// SqlDatasetReader: the DatasetReader of a server database sink (storage/dataset_reader.hpp), written once
// for every dialect. It builds the reads (DISTINCT over a column, max, the per-key GROUP BY of coverage, the
// newest rows of the preview) with the dialect's quoting and placeholders, binds every value as text in the
// form the column's type reads (a date in config spelling "20240102" goes as 2024-01-02), and turns the
// text answers back into typed values by the column's logical type. A dialect (PgDatasetReader, ...) says
// how to connect, which columns a table has with their logical types, and how to run one parameterised
// query. Names come from configuration and vendor docs: they are quoted, values are bound, never spliced.
//
// Lifecycle: as every DatasetReader, opened per storage and used by one thread at a time; the connection
// is made on first use.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/dataset_reader.hpp"
#include "storage/schema_diff.hpp"

namespace datasync::storage::sql {

using TextRow = std::vector<std::optional<std::string>>;  // nullopt = NULL

class SqlDatasetReader : public DatasetReader {
 public:
  core::Result<std::vector<core::Value>> DistinctValues(const ReadQuery& query) override;
  core::Result<std::optional<core::Value>> MaxValue(const std::string& dataset, const std::string& column) override;
  core::Result<std::vector<KeySpan>> KeySpans(const KeySpanQuery& query) override;
  core::Result<Rows> LatestRows(const RowsQuery& query) override;
  core::Result<std::map<std::string, core::LogicalType>> Describe(const std::string& dataset) override;
  core::Result<std::vector<core::LogicalType>> ScanRows(const ScanQuery& query, const RowVisitor& visit) override;

  // The value of a column of `type`, from the text the server answered.
  static core::Value FromText(const std::optional<std::string>& text, const core::LogicalType& type);
  // A filter value in config spelling, as text the server reads for a column of `type`.
  static std::string ToText(const std::string& value, const core::LogicalType& type);

 protected:
  // --- the dialect --------------------------------------------------------------------------------------
  virtual std::string Quote(std::string_view identifier) const = 0;
  // `text` (already in the column's form, ParamText) as a value of the query for a column of `type`:
  // appended to `params` and its placeholder returned ("$1"), or, for a client without parameters, returned
  // as a literal the server compares with that column.
  virtual std::string Param(std::vector<std::string>& params, std::string text,
                            const core::LogicalType& type) const = 0;
  // A filter value in config spelling as text for a column of `type`; ToText unless the dialect differs
  // (MySQL's booleans are 1 and 0).
  virtual std::string ParamText(const std::string& value, const core::LogicalType& type) const {
    return ToText(value, type);
  }
  // The dataset's table, quoted and qualified, as the sink names it.
  virtual core::Result<std::string> Table(const std::string& dataset) = 0;
  // The table for a read of only `columns` of a table without history: Table() unless the dialect reads such a
  // query cheaper (ClickHouse: without FINAL when they are all in the sorting key, which rows replaced by a
  // newer version repeat). Asked after Columns.
  virtual core::Result<std::string> TableReading(const std::string& dataset, const std::set<std::string>& columns) {
    (void)columns;
    return Table(dataset);
  }
  // The table's columns with their logical types; nullopt when the table does not exist.
  virtual core::Result<std::optional<std::map<std::string, core::LogicalType>>> Columns(const std::string& dataset) = 0;
  virtual core::Result<std::vector<TextRow>> Query(const std::string& sql, const std::vector<std::string>& params) = 0;

  // --- for the dialects -----------------------------------------------------------------------------------
  // The storage's options with their defaults (`table` is the sink's option table), and the names the
  // reader uses: call both from the dialect's Open.
  static core::Result<core::Options> ReaderOptions(const ReaderContext& ctx, std::span<const core::OptionSpec> table);
  void Name(const ReaderContext& ctx, const core::Options& options, std::string display);
  // The dataset's table, unquoted, from the storage's table_name template.
  core::Result<std::string> TableName(const std::string& dataset) const;
  // An introspected table's columns with their logical types (a type datasync has none for reads as text).
  static std::map<std::string, core::LogicalType> ColumnTypes(const TableShape& shape);
  // A timestamp literal the server compares with a version column (core::FormatTimestamp's text, quoted
  // as a string by default).
  virtual std::string TimestampLiteral(int64_t micros) const;
  // "storage 'pg' (postgres://***:***@host:5432/db)", for messages.
  std::string Where() const;

 private:
  struct Target {
    std::string table;                                 // quoted and qualified
    std::map<std::string, core::LogicalType> columns;  // a versioned table's without its own columns
    bool versioned = false;                            // it keeps history (storage/history.hpp)
  };
  // What a query reads FROM: the table, or the rows of a versioned table current now or at `as_of`.
  core::Result<std::string> Source(const Target& t, const std::optional<std::string>& as_of) const;
  // The same for a query of the current rows that reads only `columns` (TableReading).
  core::Result<std::string> SourceReading(const Target& t, const std::string& dataset,
                                          const std::set<std::string>& columns);
  // The dataset's table once it exists (kConfig naming the plan to run first when it was never synced).
  core::Result<Target> Synced(const std::string& dataset);
  core::Result<core::LogicalType> TypeOf(const Target& t, const std::string& dataset, const std::string& column) const;

  std::string storage_, table_template_, display_;
};

}  // namespace datasync::storage::sql
