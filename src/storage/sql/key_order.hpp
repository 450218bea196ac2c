// KeyOrder: the rows of several batches in the order of their key columns, for a database sink that inserts
// a whole commit at once. Inserting in key order makes each B-tree page take its rows one after another (a
// backfill by date otherwise visits every code's page once per day of the commit).
//
// The order compares each key column in turn, nulls first: integers, dates and timestamps as numbers,
// floats numerically (NaN last), strings bytewise (SQLite's BINARY collation and C collation), decimals by
// their unscaled value. It is stable: rows with equal keys keep the order they were written in, so an upsert
// still ends with the last written value.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/column_batch.hpp"

namespace datasync::storage::sql {

struct RowRef {
  uint32_t batch;  // index into the batches given
  uint32_t row;
};

// Every row of `batches`, ordered by the columns `key` (indices into each batch's schema; every batch has
// the same schema).
std::vector<RowRef> OrderByKey(std::span<const core::ColumnBatch* const> batches, std::span<const size_t> key);

}  // namespace datasync::storage::sql
