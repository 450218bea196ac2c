// LogicalType: the column types datasync moves between vendors and stores.
//
// Each logical type has one physical representation in a ColumnBatch:
//   kBool      uint8_t (0/1)            kInt32   int32_t          kInt64 int64_t
//   kFloat64   double                   kString  offsets + arena (UTF-8)
//   kDate      int32_t days since 1970-01-01
//   kTimestamp int64_t microseconds since 1970-01-01T00:00:00Z (UTC-adjusted)
//   kDecimal   unscaled value with precision (1..38) and scale: int64_t when precision <= 18, and
//              core::Int128 (__int128, two's complement) when 19 <= precision <= 38 ("wide")
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace datasync::core {

// The unscaled value of a wide decimal (GCC and clang).
using Int128 = __int128;
inline constexpr int kMaxDecimalPrecision = 38;
inline constexpr int kMaxInt64DecimalPrecision = 18;

enum class TypeId : uint8_t { kBool, kInt32, kInt64, kFloat64, kString, kDate, kTimestamp, kDecimal };

struct LogicalType {
  TypeId id = TypeId::kString;
  uint8_t precision = 0;  // kDecimal only
  uint8_t scale = 0;      // kDecimal only

  static constexpr LogicalType Bool() { return {TypeId::kBool}; }
  static constexpr LogicalType Int32() { return {TypeId::kInt32}; }
  static constexpr LogicalType Int64() { return {TypeId::kInt64}; }
  static constexpr LogicalType Float64() { return {TypeId::kFloat64}; }
  static constexpr LogicalType String() { return {TypeId::kString}; }
  static constexpr LogicalType Date() { return {TypeId::kDate}; }
  static constexpr LogicalType Timestamp() { return {TypeId::kTimestamp}; }
  static constexpr LogicalType Decimal(uint8_t precision, uint8_t scale) {
    return {TypeId::kDecimal, precision, scale};
  }

  friend bool operator==(const LogicalType&, const LogicalType&) = default;

  // Bytes per value in the fixed-width buffer; 0 for strings.
  size_t FixedWidth() const;
  bool IsInteger() const { return id == TypeId::kInt32 || id == TypeId::kInt64; }
  // A decimal whose unscaled values are Int128 (precision above 18).
  bool IsWideDecimal() const { return id == TypeId::kDecimal && precision > kMaxInt64DecimalPrecision; }

  // "int64", "decimal(12,2)". Parse accepts these names plus common aliases (int, float, double, str,
  // text, datetime, bigint, boolean) and returns nullopt for anything else.
  std::string ToString() const;
  static std::optional<LogicalType> Parse(std::string_view name);
};

// Names accepted by LogicalType::Parse, for error messages.
std::string_view LogicalTypeNames();

}  // namespace datasync::core
