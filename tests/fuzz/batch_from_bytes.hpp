// Shared by the file-format round-trip fuzz targets: a ColumnBatch (schema and rows) built from fuzz input
// bytes, the same rows as Values for comparison, and a cell-by-cell comparison. Test code; not thread-safe
// (a fuzz target runs one input at a time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/column_batch.hpp"
#include "core/schema.hpp"
#include "core/value.hpp"

namespace datasync::fuzz {

// Reads the input front to back; past its end every byte reads as 0.
class ByteSource {
 public:
  ByteSource(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint64_t Bytes(int n);  // little-endian
  std::string Text(size_t n);

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

struct FuzzBatch {
  core::SchemaPtr schema;
  core::ColumnBatch batch;
  std::vector<std::vector<core::Value>> rows;  // the batch's cells, row by row
};

struct BatchLimits {
  // Dates and timestamps within years 0001..9999, the range of the ISO text forms (YYYY-MM-DD); else any
  // int32 day and int64 microsecond.
  bool iso_calendar = false;
  size_t max_rows = 200;
};

// 1-8 columns named c0.. of any logical type (decimals of precision 1-18), then rows until the input ends:
// each cell NULL or a value from the next bytes (strings of any bytes, doubles of any bit pattern,
// decimals within their precision).
FuzzBatch BatchFromBytes(ByteSource& in, const BatchLimits& limits);

// "" when the cells are equal (doubles bit for bit, any NaN equal to any NaN), else where they differ.
std::string CompareCells(const std::vector<std::vector<core::Value>>& expected,
                         const std::vector<std::vector<core::Value>>& actual);

}  // namespace datasync::fuzz
