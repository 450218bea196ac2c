// Column and ColumnBatch: the in-memory, columnar unit of data that flows from a provider to the sinks.
//
// A Column holds one logical type; its values live in one contiguous typed buffer (see logical_type.hpp for
// the physical representation), strings as uint32 offsets into one byte arena, and validity as a bitmap
// that is only allocated once the first null arrives. Appending never allocates per cell.
// A ColumnBatch is a schema plus one column per field, all of the same length.
// Not thread-safe for writing; a finished batch may be read from many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/schema.hpp"
#include "core/value.hpp"

namespace datasync::core {

class Column {
 public:
  explicit Column(LogicalType type);

  LogicalType type() const { return type_; }
  size_t size() const { return size_; }
  size_t null_count() const { return null_count_; }
  bool IsValid(size_t i) const {
    return validity_.empty() || ((validity_[i >> 6] >> (i & 63)) & 1U);
  }

  void Reserve(size_t rows, size_t string_bytes = 0);
  void Clear();

  // Appends must match the column's physical type (checked in debug builds).
  void AppendNull();
  void AppendBool(bool v);
  void AppendInt32(int32_t v);  // kInt32, kDate
  void AppendInt64(int64_t v);  // kInt64, kTimestamp, kDecimal with precision <= 18 (unscaled)
  void AppendInt128(Int128 v);  // kDecimal with precision > 18 (unscaled)
  // A decimal's unscaled value in either width; for precision <= 18 it must fit int64 (the caller's check).
  void AppendDecimal(Int128 unscaled) {
    if (type_.IsWideDecimal()) AppendInt128(unscaled);
    else AppendInt64(static_cast<int64_t>(unscaled));
  }
  void AppendFloat64(double v);
  void AppendString(std::string_view v);

  bool GetBool(size_t i) const { return u8_[i] != 0; }
  int32_t GetInt32(size_t i) const { return i32_[i]; }
  int64_t GetInt64(size_t i) const { return i64_[i]; }
  Int128 GetInt128(size_t i) const { return i128_[i]; }
  // A decimal's unscaled value in either width.
  Int128 GetDecimal(size_t i) const { return type_.IsWideDecimal() ? i128_[i] : Int128{i64_[i]}; }
  // A decimal's exact text ("-12.340"), at the column's scale.
  std::string DecimalText(size_t i) const;
  double GetFloat64(size_t i) const { return f64_[i]; }
  std::string_view GetString(size_t i) const {
    return std::string_view(arena_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
  }

  // Slow, generic access for tests, previews and error messages.
  Value GetValue(size_t i) const;
  // Appends a Value, converting numbers/strings where lossless; fails on a type mismatch.
  Status AppendValue(const Value& v);

  // Raw buffers for sinks that write whole columns at once.
  std::span<const uint8_t> bools() const { return u8_; }
  std::span<const int32_t> int32s() const { return i32_; }
  std::span<const int64_t> int64s() const { return i64_; }
  std::span<const Int128> int128s() const { return i128_; }  // wide decimals only
  std::span<const double> float64s() const { return f64_; }
  std::span<const uint32_t> offsets() const { return offsets_; }  // size() + 1 entries
  std::string_view arena() const { return arena_; }
  std::span<const uint64_t> validity_bits() const { return validity_; }  // empty: all valid

  // Bytes of payload held (values + arena + bitmap), for reports and back-pressure.
  size_t ByteSize() const;

 private:
  void MarkValid();
  void MarkNull();

  LogicalType type_;
  size_t size_ = 0;
  size_t null_count_ = 0;
  std::vector<uint64_t> validity_;
  std::vector<uint8_t> u8_;
  std::vector<int32_t> i32_;
  std::vector<int64_t> i64_;
  std::vector<Int128> i128_;  // only wide decimals use it
  std::vector<double> f64_;
  std::vector<uint32_t> offsets_;
  std::string arena_;
};

class ColumnBatch {
 public:
  explicit ColumnBatch(SchemaPtr schema);

  const Schema& schema() const { return *schema_; }
  const SchemaPtr& schema_ptr() const { return schema_; }
  size_t num_columns() const { return columns_.size(); }
  size_t num_rows() const { return columns_.empty() ? 0 : columns_[0].size(); }
  Column& column(size_t i) { return columns_[i]; }
  const Column& column(size_t i) const { return columns_[i]; }

  void Reserve(size_t rows);
  // Checks that every column has the same length and the schema's type.
  Status Validate() const;
  size_t ByteSize() const;

  // A batch with the rows [begin, end) copied, for splitting and tests.
  ColumnBatch Slice(size_t begin, size_t end) const;

 private:
  SchemaPtr schema_;
  std::vector<Column> columns_;
};

}  // namespace datasync::core
