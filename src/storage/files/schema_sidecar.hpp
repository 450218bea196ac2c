// The schema sidecar: `_schema.json` in every file dataset's folder, so readers know each column's logical
// type (text formats cannot say that a column of "12.30" is decimal(12,2), or that "2024-01-02" is a date)
// and how to parse the files (delimiter, null marker). It is also what Migrate compares against to evolve a
// dataset: added fields are fine (older part files simply lack them), fields that disappear are kept as
// retired_fields (older part files still hold them), and a type may only change where the old text still
// parses as the new type. Every change of the fields is kept as a new entry in `versions`. Plain data plus
// pure functions; thread-safe.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/schema.hpp"

namespace datasync::storage::files {

inline constexpr std::string_view kSchemaSidecarName = "_schema.json";

// One schema a dataset has had: version 1 is the first Migrate's; every Migrate that changes the fields
// (added, removed, widened) appends the next one, so readers can tell which parts may lack a column.
struct SchemaVersion {
  int64_t version = 1;
  std::vector<core::Field> fields;
  friend bool operator==(const SchemaVersion&, const SchemaVersion&) = default;
};

struct SchemaSidecar {
  std::string dataset;
  std::string format;  // "csv", "jsonl"
  std::vector<core::Field> fields;
  std::vector<core::Field> retired_fields;  // in older part files, no longer in the dataset
  std::vector<std::string> primary_key;
  std::string partition_by;           // empty: not partitioned
  std::string partition_granularity;  // "value", "year", ...
  std::string partition_key;          // the folder key
  std::vector<std::pair<std::string, std::string>> format_settings;
  std::vector<SchemaVersion> versions;  // oldest first; the last one equals `fields`
  // Every part file is one version of a unit (history: true; files/part_versions.hpp), carrying the columns
  // _ds_unit and _valid_from beyond `fields`.
  bool history = false;

  friend bool operator==(const SchemaSidecar&, const SchemaSidecar&) = default;
};

std::string RenderSidecar(const SchemaSidecar& sidecar);
core::Result<SchemaSidecar> ParseSidecar(std::string_view json);

// nullopt when the folder has no sidecar yet.
core::Result<std::optional<SchemaSidecar>> ReadSidecar(const std::filesystem::path& dir);
core::Status WriteSidecar(const std::filesystem::path& dir, const SchemaSidecar& sidecar);

// True when every text the `from` type writes also parses as `to` with the same value (int32 -> int64,
// integers -> float64, anything -> string, a decimal with at least as many integer and fraction digits).
bool IsTextCompatibleChange(const core::LogicalType& from, const core::LogicalType& to);

// The sidecar to write when `next` replaces `previous` on a folder that keeps its older part files.
// kConfig naming the field when a type changes incompatibly (rewrite the data with mode replace instead).
core::Result<SchemaSidecar> EvolveSidecar(const SchemaSidecar& previous, SchemaSidecar next);

}  // namespace datasync::storage::files
