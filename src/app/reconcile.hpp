// Reconcile (`datasync reconcile DATASET --storages a,b`): whether two storages hold the same rows of a
// dataset, e.g. the SQLite file a researcher queries and the ClickHouse table the desk reads. Per partition of
// the date key (year, month or day) it compares row counts and an order-independent checksum of the rows
// (app/row_compare.hpp: each value's canonical text under the dataset's declared type, so the same number
// read back from SQLite and from ClickHouse agrees). A partition that differs is narrowed to its days, and
// the first days that differ are compared row by row on the primary key: rows only in one storage, and rows
// whose values differ, by field, with examples.
//
// Both storages are read through their DatasetReader (ScanRows) a year at a time into one digest per day
// (SQLite streams; a server's answer holds a year's rows), so memory stays bounded by a year and a day's rows,
// whatever the table's size; the partitions only group the days. Only the dataset's fields that
// both storages hold are compared; the others are listed. A dataset without a date key is one partition.
//
// Runs on the caller's thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/app.hpp"
#include "app/row_compare.hpp"
#include "core/error.hpp"

namespace datasync::app {

enum class PartitionBy : uint8_t { kYear, kMonth, kDay };
std::optional<PartitionBy> ParsePartitionBy(std::string_view s);  // "year", "month", "day"
std::string_view PartitionByName(PartitionBy by);

struct ReconcileOptions {
  std::string dataset;
  std::string left, right;      // storage names
  std::optional<int32_t> from;  // days since the epoch, inclusive; default: every stored day
  std::optional<int32_t> to;
  PartitionBy by = PartitionBy::kMonth;
  size_t max_days = 5;      // days that differ compared row by row (the first of them)
  size_t max_examples = 5;  // examples per kind and day
};

struct DayDiff {
  int32_t day = 0;
  int64_t left_rows = 0, right_rows = 0;
  std::optional<RowDiff> rows;  // for the first max_days days that differ, when the dataset has a key
};

struct PartitionDiff {
  std::string label;  // "2024", "2024-03", "2024-03-05"; "all" without a date key
  int64_t left_rows = 0, right_rows = 0;
  bool same = true;           // equal counts and checksums
  std::vector<DayDiff> days;  // the days that differ (with a date key)
};

struct ReconcileReport {
  std::string dataset, left, right, date_key;
  PartitionBy by = PartitionBy::kMonth;
  std::optional<int32_t> from, to;  // the days compared (the stored ones when not given)
  std::vector<std::string> fields;  // compared
  std::vector<std::string> only_left_fields, only_right_fields;
  int64_t left_rows = 0, right_rows = 0;
  std::vector<PartitionDiff> partitions;  // every partition either storage holds, oldest first
  int64_t partitions_differ = 0;
  int64_t days_differ = 0;
  bool same() const { return partitions_differ == 0; }
};

core::Result<ReconcileReport> Reconcile(App& app, const ReconcileOptions& options);

}  // namespace datasync::app
