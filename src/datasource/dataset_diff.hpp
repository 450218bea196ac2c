// DatasetDiff: what changed between two versions of a dataset's definition (a refresh from the vendor's
// doc page, or a re-import): output fields added, removed or retyped, request params added, removed or
// changed, and the other things a sync depends on (api, keys, row cap). Storage migration works from
// the fields (storage/ turns them into DDL per sink); this is the operator's view and the record of a
// schema version. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/schema.hpp"
#include "datasource/dataset.hpp"

namespace datasync::datasource {

struct RetypedField {
  std::string name;
  core::LogicalType from;
  core::LogicalType to;
  bool widening = false;  // every old value fits the new type (int32 -> int64, int -> float64)
};

struct ParamChange {
  std::string name;
  std::string what;  // "type str -> int", "now required", "no longer required"
};

struct DatasetDiff {
  std::vector<core::Field> added_fields;
  std::vector<core::Field> removed_fields;
  std::vector<RetypedField> retyped_fields;
  std::vector<RequestParam> added_params;
  std::vector<RequestParam> removed_params;
  std::vector<ParamChange> changed_params;
  std::vector<std::string> other;  // "row cap 6000 -> 5000", "primary key ts_code,trade_date -> ts_code"

  bool empty() const;
  // Only added fields and widened types: a storage can follow without losing or rewriting data.
  bool additive() const;
};

DatasetDiff DiffDatasets(const Dataset& before, const Dataset& after);

// One line per change: "+ field vwap (float64)", "- field x (string)", "~ field vol: int64 -> float64
// (widening)", "+ param adj (str)", "~ param trade_date: now required", "~ row cap 6000 -> 5000".
std::vector<std::string> DescribeDiff(const DatasetDiff& diff);

bool IsWidening(const core::LogicalType& from, const core::LogicalType& to);

}  // namespace datasync::datasource
