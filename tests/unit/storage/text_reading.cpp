#include "text_reading.hpp"

#include <charconv>
#include <climits>
#include <cmath>

#include "core/dates.hpp"
#include "core/strings.hpp"

namespace datasync::storage::testing {

using core::LogicalType;
using core::TypeId;
using core::Value;

std::optional<Value> DecimalValue(std::string_view text, const LogicalType& type) {
  auto v = core::ParseDecimal128(text, type.scale);
  if (!v || !core::FitsDecimalPrecision(*v, type.precision)) return std::nullopt;
  if (type.IsWideDecimal()) return Value{*v, type};
  return Value{static_cast<int64_t>(*v), type};
}

std::optional<Value> ParseTyped(std::string_view text, const LogicalType& type) {
  switch (type.id) {
    case TypeId::kBool:
      if (text == "true") return Value::Bool(true);
      if (text == "false") return Value::Bool(false);
      return std::nullopt;
    case TypeId::kInt32: {
      auto v = core::ParseInt64(text);
      if (!v || *v < INT32_MIN || *v > INT32_MAX) return std::nullopt;
      return Value::Int32(static_cast<int32_t>(*v));
    }
    case TypeId::kInt64: {
      auto v = core::ParseInt64(text);
      if (!v) return std::nullopt;
      return Value::Int64(*v);
    }
    case TypeId::kFloat64: {
      if (text == "NaN") return Value::Float64(std::nan(""));
      if (text == "Infinity") return Value::Float64(INFINITY);
      if (text == "-Infinity") return Value::Float64(-INFINITY);
      double d = 0;
      auto res = std::from_chars(text.data(), text.data() + text.size(), d);
      if (res.ec != std::errc{} || res.ptr != text.data() + text.size()) return std::nullopt;
      return Value::Float64(d);
    }
    case TypeId::kString: return Value::String(std::string(text));
    case TypeId::kDate: {
      // Only the ISO form: the sinks promise YYYY-MM-DD.
      if (text.size() != 10 || text[4] != '-') return std::nullopt;
      auto d = core::ParseDate(text);
      if (!d) return std::nullopt;
      return Value::Date(*d);
    }
    case TypeId::kTimestamp: {
      if (text.size() < 19 || text[10] != ' ') return std::nullopt;
      auto t = core::ParseTimestamp(text);
      if (!t) return std::nullopt;
      return Value::Timestamp(*t);
    }
    case TypeId::kDecimal: {
      // Exact text: exactly `scale` fraction digits.
      auto dot = text.find('.');
      if (type.scale > 0 && (dot == std::string_view::npos || text.size() - dot - 1 != type.scale)) return std::nullopt;
      return DecimalValue(text, type);
    }
  }
  return std::nullopt;
}

bool ParseCsv(std::string_view data, char delimiter, std::vector<std::vector<CsvField>>& records, std::string& error) {
  records.clear();
  size_t i = 0;
  const size_t n = data.size();
  auto at_record_end = [&](size_t k) {
    return k >= n || data[k] == '\n' || (data[k] == '\r' && k + 1 < n && data[k + 1] == '\n');
  };
  auto skip_record_end = [&](size_t& k) {
    if (k < n && data[k] == '\r') ++k;
    if (k < n && data[k] == '\n') ++k;
  };
  while (i < n) {
    std::vector<CsvField> record;
    for (;;) {
      CsvField field;
      if (i < n && data[i] == '"') {
        field.quoted = true;
        ++i;
        for (;;) {
          if (i >= n) {
            error = "unterminated quoted field at record " + std::to_string(records.size());
            return false;
          }
          if (data[i] == '"') {
            if (i + 1 < n && data[i + 1] == '"') {
              field.text.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          field.text.push_back(data[i++]);
        }
        if (!(i >= n || data[i] == delimiter || at_record_end(i))) {
          error = "text after a closing quote at byte " + std::to_string(i);
          return false;
        }
      } else {
        while (i < n && data[i] != delimiter && !at_record_end(i)) {
          if (data[i] == '"') {
            error = "quote inside an unquoted field at byte " + std::to_string(i);
            return false;
          }
          if (data[i] == '\r') {
            error = "bare CR in an unquoted field at byte " + std::to_string(i);
            return false;
          }
          field.text.push_back(data[i++]);
        }
      }
      record.push_back(std::move(field));
      if (i < n && data[i] == delimiter) {
        ++i;
        continue;
      }
      skip_record_end(i);
      break;
    }
    records.push_back(std::move(record));
  }
  return true;
}

}  // namespace datasync::storage::testing
