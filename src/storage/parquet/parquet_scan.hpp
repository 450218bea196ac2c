// ParquetScan: the rows of one Parquet dataset folder (files/file_sink.hpp describes the layout) that pass a
// scan's filters, typed by the dataset's schema sidecar, for the Parquet DatasetReader's queries.
//
// Which files: files::DatasetFolder's FilesToRead, so every unit is read once (a unit's own newer part file
// wins over its rows in a compacted file; a compaction's leftover inputs are not read twice), leaving out
// the row groups of a compacted file's superseded units (the footer's unit list, parquet_merger.hpp).
// What is skipped unread: partition folders whose name proves no row passes (a filter on the partition
// field: its value, or its year, month or day), row groups whose min/max statistics prove it, and files
// that lack a filtered column (NULL never passes). Values are converted from a file's own types to the
// sidecar's (older part files of an evolved dataset: int32 -> int64, integers -> float64, a wider decimal,
// anything -> string); a column a file lacks reads as NULL.
// Memory: one row group's decoded columns at a time. The folder is read without a lock: a file a sync or
// compaction renames away meanwhile fails the scan with kTransient (read again).
// Pure functions over the file system; thread-safe.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/logical_type.hpp"
#include "core/value.hpp"
#include "storage/files/schema_sidecar.hpp"

namespace datasync::storage::parquet {

class ParquetFileDecoder;

// A filter value in config spelling ("20240102", "1", "true", "12.30") as a value of `type`; nullopt when the
// text is not one. Also how a value of an older part file becomes the sidecar's type (through its text).
std::optional<core::Value> ValueFromText(std::string_view text, const core::LogicalType& type);

// Orders values of one logical type: NULL first, NaN after every other number, strings by their bytes.
int CompareValues(const core::Value& a, const core::Value& b);
struct ValueLess {
  bool operator()(const core::Value& a, const core::Value& b) const { return CompareValues(a, b) < 0; }
};

// column IS NOT NULL, and within [min, max] where set (values of the column's dataset type).
struct ScanFilter {
  std::string column;
  std::optional<core::Value> min, max;
  bool impossible = false;  // a bound the column's type cannot hold (as text "abc" for an int): no row passes
};

struct ScanSpec {
  std::vector<std::string> columns;      // handed to the visitor in this order
  std::vector<core::LogicalType> types;  // the dataset's types of `columns`
  std::vector<ScanFilter> filters;       // every filter's column must be one of the sidecar's
  // A dataset with history (the sidecar's `history`): each unit is read from its newest version, or from its
  // newest one stamped at or before as_of_us (files::DatasetFolder::VersionsToRead).
  bool versioned = false;
  std::optional<int64_t> as_of_us;
  // Asked before a row group is decoded; true skips it (the query already has what it needs).
  std::function<bool(const ParquetFileDecoder& file, size_t row_group)> skip_row_group;
};

// The type of each column the dataset has had: the sidecar's fields, then its retired fields.
std::optional<core::LogicalType> SidecarType(const files::SchemaSidecar& sidecar, std::string_view column);

// Hands each row of the dataset folder `dir` that passes every filter to `visit`, its values in
// spec.columns order; `visit` returns false to end the scan early.
core::Status ScanDataset(const std::filesystem::path& dir, const files::SchemaSidecar& sidecar, const ScanSpec& spec,
                         const std::function<bool(std::vector<core::Value>& row)>& visit);

}  // namespace datasync::storage::parquet
