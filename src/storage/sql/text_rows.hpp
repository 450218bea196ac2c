// Tab-separated text rows for the database bulk paths: PostgreSQL's COPY text format and MySQL's LOAD DATA
// (FIELDS TERMINATED BY '\t' ESCAPED BY '\\' LINES TERMINATED BY '\n'). Both use backslash escapes and \N
// for NULL; they differ in how booleans, non-finite floats and NUL bytes are spelled or refused:
//
//   value          postgres          mysql
//   bool           t / f             1 / 0
//   NaN, ±inf      NaN, ±Infinity    \N (MySQL has no non-finite values)
//   NUL in text    refused           \0
//   date           years 1..9999     years 1..9999
//   timestamp      microseconds      microseconds
//
// (ClickHouse gets RowBinary instead: clickhouse/row_binary.hpp.)
// A refused value fails the batch with kInvalidInput naming the column and the row. Appends to a caller's
// buffer without per-cell allocation. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/column_batch.hpp"
#include "core/error.hpp"

namespace datasync::storage::sql {

enum class TextFormat : uint8_t { kPostgresCopy, kMysqlLoadData };

// Appends rows [begin, end) of batch, each followed by `suffix` (already encoded, e.g. "\tunit-7") and '\n'.
core::Status AppendTextRows(const core::ColumnBatch& batch, size_t begin, size_t end, TextFormat format,
                            std::string_view suffix, std::string& out);

// Appends every row of batch, each ending with the unit id as one more field when `with_unit` (the hidden
// _ds_unit column).
core::Status AppendTextBatch(const core::ColumnBatch& batch, TextFormat format, bool with_unit, std::string_view unit,
                             std::string& out);

// Appends one string value, escaped for the format (MySQL gets NUL as \0; PostgreSQL drops it, so its
// callers must not pass one).
void AppendTextValue(std::string& out, std::string_view s, TextFormat format);

}  // namespace datasync::storage::sql
