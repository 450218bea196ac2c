// Part versions: how a file dataset with history (history: true) keeps every version of a unit, append-only.
// A commit of a unit whose rows changed writes a new version of the whole unit: one part file
// part-<unit>.v<stamp>-<digest>.<ext> in each partition folder its rows fall into, all with the same stamp:
// - stamp: when datasync learned this version (_valid_from), microseconds since the epoch (UTC), 16 digits so
//   that names sort by time;
// - digest: an order-independent digest of the unit's rows in that folder (RowsDigest), 16 hex digits, so that
//   an unchanged re-fetch is recognised from the newest version's names without reading them. 0 is an empty
//   version (the unit came back without rows): one file in the dataset's folder with one marker row, NULL in
//   every field but the version columns, which readers of the names skip and a query over the rows drops by
//   its NULL key.
// The rows of a unit at a time T are those of its newest version stamped at or before T (in every folder);
// a version's _valid_to is the next version's _valid_from. Every part file also carries the columns _ds_unit
// (the unit's id) and _valid_from, so a query engine over the files (DuckDB) picks the versions itself: the
// rows whose _valid_from is the newest of their _ds_unit and whose key is not NULL, also after compaction
// merged files.
// Pure functions and a value type; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/column_batch.hpp"

namespace datasync::storage::files {

// The version columns every part file of a dataset with history carries after the dataset's fields.
inline constexpr std::string_view kUnitColumn = "_ds_unit";
inline constexpr std::string_view kValidFromColumn = "_valid_from";

// One part file of a version, from its name.
struct PartVersion {
  std::string unit;  // the unit's safe name (SafeFileName)
  int64_t stamp_us = 0;
  uint64_t digest = 0;
};

// One version of a unit: its stamp, and the digest of its rows in each partition folder ("" = the dataset's
// folder) that holds some.
struct UnitVersion {
  int64_t stamp_us = 0;
  std::map<std::string, uint64_t> digests;
  friend bool operator==(const UnitVersion&, const UnitVersion&) = default;
};

// "<unit>.v<stamp>-<digest>": the name a version takes where a unit's safe name goes (part-<this>.<ext>).
std::string VersionedUnitName(std::string_view unit, int64_t stamp_us, uint64_t digest);
// The version a name made by VersionedUnitName holds; nullopt for any other name.
std::optional<PartVersion> ParseVersionedUnit(std::string_view name);

// A set of rows as the sum of their hashes: order-independent, so the same rows fetched in another order
// digest the same. Never 0 once a row was added.
class RowsDigest {
 public:
  void Add(const core::ColumnBatch& batch, size_t row);
  uint64_t value() const { return rows_ == 0 ? 0 : (sum_ == 0 ? 1 : sum_); }

 private:
  uint64_t sum_ = 0;
  int64_t rows_ = 0;
};

}  // namespace datasync::storage::files
