// Value: one cell, for the slow generic paths (config defaults, previews, tests, messages).
// Hot paths use Column's typed accessors instead.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "core/logical_type.hpp"

namespace datasync::core {

struct Value {
  // monostate = NULL. Dates are int32 days, timestamps and decimals int64, wide decimals (precision > 18)
  // Int128 (see logical_type.hpp).
  std::variant<std::monostate, bool, int32_t, int64_t, double, std::string, Int128> v;
  LogicalType type = LogicalType::String();

  static Value Null(LogicalType t) { return {std::monostate{}, t}; }
  static Value Bool(bool b) { return {b, LogicalType::Bool()}; }
  static Value Int32(int32_t x) { return {x, LogicalType::Int32()}; }
  static Value Int64(int64_t x) { return {x, LogicalType::Int64()}; }
  static Value Float64(double x) { return {x, LogicalType::Float64()}; }
  static Value String(std::string s) { return {std::move(s), LogicalType::String()}; }
  static Value Date(int32_t days) { return {days, LogicalType::Date()}; }
  static Value Timestamp(int64_t micros) { return {micros, LogicalType::Timestamp()}; }

  bool is_null() const { return std::holds_alternative<std::monostate>(v); }
  // Canonical text: dates "YYYY-MM-DD", timestamps "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC), decimals
  // "12.34", bools "true"/"false", NULL "" (callers decide how to show NULL).
  std::string ToString() const;

  friend bool operator==(const Value&, const Value&) = default;
};

}  // namespace datasync::core
