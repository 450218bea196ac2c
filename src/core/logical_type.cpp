#include "core/logical_type.hpp"

#include <charconv>

#include "core/strings.hpp"

namespace datasync::core {

size_t LogicalType::FixedWidth() const {
  switch (id) {
    case TypeId::kBool: return 1;
    case TypeId::kInt32:
    case TypeId::kDate: return 4;
    case TypeId::kInt64:
    case TypeId::kFloat64:
    case TypeId::kTimestamp: return 8;
    case TypeId::kDecimal: return IsWideDecimal() ? 16 : 8;
    case TypeId::kString: return 0;
  }
  return 0;
}

std::string LogicalType::ToString() const {
  switch (id) {
    case TypeId::kBool: return "bool";
    case TypeId::kInt32: return "int32";
    case TypeId::kInt64: return "int64";
    case TypeId::kFloat64: return "float64";
    case TypeId::kString: return "string";
    case TypeId::kDate: return "date";
    case TypeId::kTimestamp: return "timestamp";
    case TypeId::kDecimal:
      return "decimal(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
  }
  return "?";
}

std::optional<LogicalType> LogicalType::Parse(std::string_view raw) {
  std::string name = ToLower(Trim(raw));
  if (name == "bool" || name == "boolean") return Bool();
  if (name == "int32" || name == "int" || name == "integer") return Int32();
  if (name == "int64" || name == "bigint" || name == "long") return Int64();
  if (name == "float64" || name == "float" || name == "double" || name == "number") return Float64();
  if (name == "string" || name == "str" || name == "text") return String();
  if (name == "date") return Date();
  if (name == "timestamp" || name == "datetime") return Timestamp();
  if (name.starts_with("decimal(") && name.ends_with(")")) {
    std::string_view inner(name.data() + 8, name.size() - 9);
    auto comma = inner.find(',');
    if (comma == std::string_view::npos) return std::nullopt;
    int p = 0, s = 0;
    auto a = Trim(inner.substr(0, comma));
    auto b = Trim(inner.substr(comma + 1));
    if (std::from_chars(a.data(), a.data() + a.size(), p).ec != std::errc{} ||
        std::from_chars(b.data(), b.data() + b.size(), s).ec != std::errc{}) {
      return std::nullopt;
    }
    if (p < 1 || p > kMaxDecimalPrecision || s < 0 || s > p) return std::nullopt;
    return Decimal(static_cast<uint8_t>(p), static_cast<uint8_t>(s));
  }
  return std::nullopt;
}

std::string_view LogicalTypeNames() {
  return "bool, int32, int64, float64, string, date, timestamp, decimal(P,S) with 1<=P<=38 and 0<=S<=P";
}

}  // namespace datasync::core
