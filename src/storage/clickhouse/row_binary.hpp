// RowBinary: ClickHouse's binary row format, used for inserts because it is exact and cheap. Floats travel
// as their eight bytes: ClickHouse 18.16's text parser rounds some decimal spellings to a neighbouring
// double and flushes subnormals to zero, which the compliance suite caught. Per row, every column in
// order (Nullable: one byte 1 = NULL, else 0 and the value), little-endian:
//   bool UInt8 | Int32 | Int64 | Float64 | String: LEB128 length + bytes | Date: UInt16 days |
//   DateTime: UInt32 seconds | Decimal(P<=9): Int32, Decimal(P<=18): Int64, Decimal(P<=38): Int128 (unscaled)
// Being binary, the bytes must match the table's column types, not the dataset's: where a held migration
// left a wider stored column (a float column the dataset now sends integers to, a string column), values
// are converted to the stored type. Values a type cannot hold (dates outside 1970-01-01..2105-12-31,
// timestamps with fractions of a second or outside 1970..2106, NULL outside Nullable) fail with
// kInvalidInput naming the column and row. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/column_batch.hpp"
#include "core/error.hpp"

namespace datasync::storage::clickhouse {

struct RowBinaryColumn {
  core::LogicalType stored;  // the table column's type
  bool nullable = true;      // declared Nullable(T)
};

struct RowBinaryLayout {
  std::vector<RowBinaryColumn> columns;  // one per batch column, in batch order
  bool with_unit = false;                // each row ends with the version (UInt64) and, if set, the unit (String)
};

// Whether values of `from` can be written into a stored column of type `to`.
bool CanConvert(const core::LogicalType& from, const core::LogicalType& to);

// Appends every row of batch; row r gets version first_version + r.
core::Status AppendRowBinary(const core::ColumnBatch& batch, const RowBinaryLayout& layout, uint64_t first_version,
                             std::string_view unit, std::string& out);

}  // namespace datasync::storage::clickhouse
