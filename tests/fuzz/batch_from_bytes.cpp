#include "batch_from_bytes.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <variant>

#include "core/dates.hpp"

namespace datasync::fuzz {

using core::LogicalType;
using core::TypeId;
using core::Value;

uint64_t ByteSource::Bytes(int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= uint64_t{Byte()} << (8 * i);
  return v;
}

std::string ByteSource::Text(size_t n) {
  std::string s;
  for (size_t i = 0; i < n && !empty(); ++i) s.push_back(static_cast<char>(Byte()));
  return s;
}

namespace {

LogicalType TypeFromBytes(ByteSource& in) {
  switch (in.Byte() % 8) {
    case 0: return LogicalType::Bool();
    case 1: return LogicalType::Int32();
    case 2: return LogicalType::Int64();
    case 3: return LogicalType::Float64();
    case 4: return LogicalType::String();
    case 5: return LogicalType::Date();
    case 6: return LogicalType::Timestamp();
    default: {
      auto precision = static_cast<uint8_t>(1 + in.Byte() % 38);
      auto scale = static_cast<uint8_t>(in.Byte() % (precision + 1));
      return LogicalType::Decimal(precision, scale);
    }
  }
}

// v mapped into [lo, hi].
int64_t Within(uint64_t v, int64_t lo, int64_t hi) {
  const auto span = static_cast<uint64_t>(hi - lo) + 1;
  return lo + static_cast<int64_t>(v % span);
}

Value ValueFromBytes(ByteSource& in, const LogicalType& type, const BatchLimits& limits) {
  static const int64_t kMinDay = core::DaysFromCivil({1, 1, 1});
  static const int64_t kMaxDay = core::DaysFromCivil({9999, 12, 31});
  constexpr int64_t kDayUs = int64_t{86400} * 1'000'000;
  switch (type.id) {
    case TypeId::kBool: return Value::Bool(in.Byte() & 1);
    case TypeId::kInt32: return Value::Int32(static_cast<int32_t>(in.Bytes(4)));
    case TypeId::kInt64: return Value::Int64(static_cast<int64_t>(in.Bytes(8)));
    case TypeId::kFloat64: {
      uint64_t bits = in.Bytes(8);
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return Value::Float64(d);
    }
    case TypeId::kString: return Value::String(in.Text(in.Byte() % 48));
    case TypeId::kDate: {
      uint64_t v = in.Bytes(4);
      return Value::Date(limits.iso_calendar ? static_cast<int32_t>(Within(v, kMinDay, kMaxDay))
                                             : static_cast<int32_t>(v));
    }
    case TypeId::kTimestamp: {
      uint64_t v = in.Bytes(8);
      return Value::Timestamp(limits.iso_calendar ? Within(v, kMinDay * kDayUs, (kMaxDay + 1) * kDayUs - 1)
                                                  : static_cast<int64_t>(v));
    }
    case TypeId::kDecimal: {
      if (type.IsWideDecimal()) {
        // Any value within the precision, both signs: 16 bytes reduced modulo 10^precision.
        const core::Int128 bound = core::Pow10Int128(type.precision);
        auto u = (static_cast<unsigned __int128>(in.Bytes(8)) << 64) | in.Bytes(8);
        core::Int128 v = static_cast<core::Int128>(u % static_cast<unsigned __int128>(bound));
        return Value{(in.Byte() & 1) ? -v : v, type};
      }
      int64_t bound = 1;
      for (int i = 0; i < type.precision; ++i) bound *= 10;
      return Value{Within(in.Bytes(8), -(bound - 1), bound - 1), type};
    }
  }
  return Value::Null(type);
}

bool SameCell(const Value& a, const Value& b) {
  if (a.type != b.type || a.is_null() != b.is_null()) return false;
  if (a.type.id == TypeId::kFloat64 && !a.is_null()) {
    double x = std::get<double>(a.v), y = std::get<double>(b.v);
    if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y);
    return std::memcmp(&x, &y, sizeof x) == 0;
  }
  return a == b;
}

std::string Show(const Value& v) {
  if (v.is_null()) return "NULL";
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "NULL";
        } else if constexpr (std::is_same_v<T, std::string>) {
          std::string out = "'";
          for (unsigned char c : x) {
            if (c < 0x20 || c >= 0x7f) {
              char buf[8];
              std::snprintf(buf, sizeof buf, "\\x%02x", c);
              out += buf;
            } else {
              out.push_back(static_cast<char>(c));
            }
          }
          return out + "'";
        } else if constexpr (std::is_same_v<T, double>) {
          char buf[40];
          std::snprintf(buf, sizeof buf, "%.17g", x);
          return buf;
        } else if constexpr (std::is_same_v<T, core::Int128>) {
          return core::FormatDecimal128(x, 0);
        } else {
          return std::to_string(x);
        }
      },
      v.v);
}

}  // namespace

FuzzBatch BatchFromBytes(ByteSource& in, const BatchLimits& limits) {
  std::vector<core::Field> fields;
  const size_t ncols = 1 + in.Byte() % 8;
  for (size_t c = 0; c < ncols; ++c) fields.push_back({"c" + std::to_string(c), TypeFromBytes(in), true, ""});
  auto schema = std::make_shared<const core::Schema>(std::move(fields));
  FuzzBatch out{schema, core::ColumnBatch(schema), {}};
  while (!in.empty() && out.rows.size() < limits.max_rows) {
    std::vector<Value> row;
    for (size_t c = 0; c < ncols; ++c) {
      const LogicalType& type = out.schema->field(c).type;
      row.push_back(in.Byte() % 5 == 0 ? Value::Null(type) : ValueFromBytes(in, type, limits));
      if (auto st = out.batch.column(c).AppendValue(row.back()); !st) std::abort();
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

std::string CompareCells(const std::vector<std::vector<Value>>& expected,
                         const std::vector<std::vector<Value>>& actual) {
  if (expected.size() != actual.size()) {
    return "wrote " + std::to_string(expected.size()) + " rows, read back " + std::to_string(actual.size());
  }
  for (size_t r = 0; r < expected.size(); ++r) {
    if (expected[r].size() != actual[r].size()) {
      return "row " + std::to_string(r) + ": wrote " + std::to_string(expected[r].size()) + " cells, read back " +
             std::to_string(actual[r].size());
    }
    for (size_t c = 0; c < expected[r].size(); ++c) {
      if (!SameCell(expected[r][c], actual[r][c])) {
        return "row " + std::to_string(r) + " column " + std::to_string(c) + " (" + expected[r][c].type.ToString() +
               "): wrote " + Show(expected[r][c]) + ", read back " + Show(actual[r][c]);
      }
    }
  }
  return "";
}

}  // namespace datasync::fuzz
