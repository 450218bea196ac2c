#include "storage/sql/text_rows.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

#include "core/dates.hpp"
#include "core/double_text.hpp"

namespace datasync::storage::sql {

using core::TypeId;

namespace {

bool NeedsEscape(char c) {
  return c == '\\' || c == '\t' || c == '\n' || c == '\r' || c == '\0';
}

template <class Int>
void AppendInt(std::string& out, Int v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, p);
}

void AppendDigits(std::string& out, int64_t v, int width) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0 || n < width);
  while (n > 0) out.push_back(buf[--n]);
}

// YYYY-MM-DD for years 1..9999 (callers check the range).
void AppendDate(std::string& out, int32_t days) {
  core::CivilDate d = core::CivilFromDays(days);
  AppendDigits(out, d.year, 4);
  out.push_back('-');
  AppendDigits(out, d.month, 2);
  out.push_back('-');
  AppendDigits(out, d.day, 2);
}

void AppendTimestamp(std::string& out, int64_t micros) {
  int64_t secs = micros >= 0 ? micros / 1000000 : (micros - 999999) / 1000000;
  int64_t frac = micros - secs * 1000000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t sod = secs - days * 86400;
  AppendDate(out, static_cast<int32_t>(days));
  out.push_back(' ');
  AppendDigits(out, sod / 3600, 2);
  out.push_back(':');
  AppendDigits(out, sod / 60 % 60, 2);
  out.push_back(':');
  AppendDigits(out, sod % 60, 2);
  if (frac != 0) {
    out.push_back('.');
    AppendDigits(out, frac, 6);
  }
}

// Days of 0001-01-01 and 9999-12-31: the years every SQL date type here can spell without era markers.
constexpr int32_t kFirstDay = -719162;
constexpr int32_t kLastDay = 2932896;

core::Error Refused(const core::ColumnBatch& batch, size_t col, size_t row, std::string why) {
  core::Value v = batch.column(col).GetValue(row);
  return core::Error(core::ErrorKind::kInvalidInput, "column '" + batch.schema().field(col).name + "' row " +
                                                         std::to_string(row + 1) + " value " + v.ToString() + ": " +
                                                         std::move(why));
}

}  // namespace

void AppendTextValue(std::string& out, std::string_view s, TextFormat format) {
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    const char* run = p;
    while (p < end && !NeedsEscape(*p)) ++p;
    out.append(run, static_cast<size_t>(p - run));
    if (p == end) break;
    switch (*p) {
      case '\\': out.append("\\\\"); break;
      case '\t': out.append("\\t"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      default:
        if (format != TextFormat::kPostgresCopy) out.append("\\0");
        break;
    }
    ++p;
  }
}

core::Status AppendTextBatch(const core::ColumnBatch& batch, TextFormat format, bool with_unit, std::string_view unit,
                             std::string& out) {
  std::string suffix;
  if (with_unit) {
    suffix = "\t";
    AppendTextValue(suffix, unit, format);
  }
  return AppendTextRows(batch, 0, batch.num_rows(), format, suffix, out);
}

core::Status AppendTextRows(const core::ColumnBatch& batch, size_t begin, size_t end, TextFormat format,
                            std::string_view suffix, std::string& out) {
  const size_t ncols = batch.num_columns();
  const bool pg = format == TextFormat::kPostgresCopy;
  for (size_t r = begin; r < end; ++r) {
    for (size_t c = 0; c < ncols; ++c) {
      if (c) out.push_back('\t');
      const core::Column& col = batch.column(c);
      if (!col.IsValid(r)) {
        out.append("\\N");
        continue;
      }
      switch (col.type().id) {
        case TypeId::kBool: out.push_back(col.GetBool(r) ? (pg ? 't' : '1') : (pg ? 'f' : '0')); break;
        case TypeId::kInt32: AppendInt(out, col.GetInt32(r)); break;
        case TypeId::kInt64: AppendInt(out, col.GetInt64(r)); break;
        case TypeId::kFloat64: {
          double v = col.GetFloat64(r);
          if (std::isfinite(v)) {
            core::AppendShortestDouble(out, v);
          } else if (format == TextFormat::kMysqlLoadData) {
            out.append("\\N");
          } else if (std::isnan(v)) {
            out.append("NaN");
          } else {
            out.append(v > 0 ? "Infinity" : "-Infinity");
          }
          break;
        }
        case TypeId::kString: {
          std::string_view s = col.GetString(r);
          if (pg && std::memchr(s.data(), '\0', s.size()) != nullptr) {
            return core::Fail(Refused(batch, c, r, "PostgreSQL text cannot hold a NUL byte"));
          }
          AppendTextValue(out, s, format);
          break;
        }
        case TypeId::kDate: {
          int32_t d = col.GetInt32(r);
          if (d < kFirstDay || d > kLastDay) {
            return core::Fail(Refused(batch, c, r, "dates must fall in the years 1 to 9999"));
          }
          AppendDate(out, d);
          break;
        }
        case TypeId::kTimestamp: {
          int64_t t = col.GetInt64(r);
          if (t < int64_t{kFirstDay} * 86400000000LL || t >= (int64_t{kLastDay} + 1) * 86400000000LL) {
            return core::Fail(Refused(batch, c, r, "timestamps must fall in the years 1 to 9999"));
          }
          AppendTimestamp(out, t);
          break;
        }
        case TypeId::kDecimal: out.append(col.DecimalText(r)); break;
      }
    }
    out.append(suffix);
    out.push_back('\n');
  }
  return core::Ok();
}

}  // namespace datasync::storage::sql
