#include "datasource/json_conform.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "core/dates.hpp"
#include "core/excerpt.hpp"
#include "core/strings.hpp"
#include "datasource/json_long_numbers.hpp"
#include "datasource/untrusted_text.hpp"

namespace datasync::datasource {

namespace {

using core::ErrorKind;
using core::TypeId;
using simdjson::dom::element;
using simdjson::dom::element_type;

std::string_view Str(element e) {
  return e.get_string().value_unsafe();
}

// Vendor text rarely has surrounding spaces; checking the ends first keeps the common case off the
// locale-aware isspace calls that core::Trim makes (measurable at 6000 dates per response).
std::string_view Trimmed(std::string_view s) {
  if (!s.empty() && static_cast<unsigned char>(s.front()) > ' ' && static_cast<unsigned char>(s.back()) > ' ') return s;
  return core::Trim(s);
}

void AppendIntText(core::Column& c, int64_t v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  c.AppendString(std::string_view(buf, static_cast<size_t>(p - buf)));
}

// A double as a decimal at `scale`, when that is certainly what the vendor's text gives. The parser kept only
// the nearest double: its shortest text is what the vendor wrote when it has at most 15 significant digits.
// A longer one (which decoders normally quote first, json_long_numbers.hpp) is taken only when both
// neighbouring doubles round to the same value at the scale, so the digits the parser dropped cannot matter
// ("1234.5600000000002" at scale 2); otherwise nullopt, never a guess.
std::optional<core::Int128> DecimalOfDouble(double d, uint8_t scale) {
  std::string text = core::FormatDouble(d);
  auto v = core::ParseDecimal128(text, scale);
  if (!v || SignificantDigits(text) <= 15) return v;
  auto below = core::ParseDecimal128(core::FormatDouble(std::nextafter(d, -HUGE_VAL)), scale);
  auto above = core::ParseDecimal128(core::FormatDouble(std::nextafter(d, HUGE_VAL)), scale);
  if (below != v || above != v) return std::nullopt;
  return v;
}

std::string IntText(element e) {
  return e.type() == element_type::UINT64 ? std::to_string(e.get_uint64().value_unsafe())
                                          : std::to_string(e.get_int64().value_unsafe());
}

// An integer value of any JSON representation, when it is exactly one.
std::optional<int64_t> AsInteger(element e) {
  switch (e.type()) {
    case element_type::INT64: return e.get_int64().value_unsafe();
    case element_type::UINT64: return std::nullopt;  // above INT64_MAX
    case element_type::DOUBLE: {
      double d = e.get_double().value_unsafe();
      if (std::nearbyint(d) != d || std::abs(d) > 9.0e18) return std::nullopt;
      return static_cast<int64_t>(d);
    }
    case element_type::STRING: {
      std::string_view s = Trimmed(Str(e));
      if (auto v = core::ParseInt64(s)) return v;
      auto d = core::ParseDouble(s);
      if (!d || std::nearbyint(*d) != *d || std::abs(*d) > 9.0e18) return std::nullopt;
      return static_cast<int64_t>(*d);
    }
    default: return std::nullopt;
  }
}

constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8, 1e9,
                             1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};

// An integer at `scale` (unscaled: v * 10^scale) when it fits; the same as ParseDecimal of its text.
std::optional<int64_t> ScaledInteger(int64_t v, uint8_t scale) {
  if (scale > 18) return std::nullopt;
  int64_t factor = 1;
  for (uint8_t i = 0; i < scale; ++i) factor *= 10;
  if (v > std::numeric_limits<int64_t>::max() / factor || v < std::numeric_limits<int64_t>::min() / factor) {
    return std::nullopt;
  }
  return v * factor;
}

// A JSON number read as a double, at `scale`, without going through text: n = round(d * 10^scale) is the
// answer when n / 10^scale (one correctly rounded division of exact values) is d again and |n| < 10^15.
// Decimals of at most 15 significant digits map to distinct doubles, so n * 10^-scale is then the only
// such decimal that reads as d, and the shortest text of d (what the slow path parses) has its value:
// the result equals ParseDecimal(FormatDouble(d), scale). nullopt: take the slow path. Decimal price
// columns are most of a Nasdaq Data Link page, and the text round trip tripled their decoding time.
std::optional<int64_t> ScaledDouble(double d, uint8_t scale) {
  if (scale > 18 || !std::isfinite(d)) return std::nullopt;
  const double scaled = d * kPow10[scale];
  if (!(std::abs(scaled) < 1e15)) return std::nullopt;
  const double rounded = std::nearbyint(scaled);
  if (rounded / kPow10[scale] != d) return std::nullopt;
  return static_cast<int64_t>(rounded);
}

// Appends one cell converted to the column's type; false when the value cannot be represented.
// NULL and, for every type but string, the empty string become NULL: the vendor sends "" for "no value"
// in some text-typed columns that a dataset stores as numbers or dates.
bool AppendCell(core::Column& col, TypeId type, uint8_t scale, element e, const core::TimeZone& tz) {
  const element_type jt = e.type();
  if (jt == element_type::NULL_VALUE) {
    col.AppendNull();
    return true;
  }
  if (jt == element_type::STRING && type != TypeId::kString && Trimmed(Str(e)).empty()) {
    col.AppendNull();
    return true;
  }
  switch (type) {
    case TypeId::kFloat64:
      switch (jt) {
        case element_type::DOUBLE: col.AppendFloat64(e.get_double().value_unsafe()); return true;
        case element_type::INT64: col.AppendFloat64(static_cast<double>(e.get_int64().value_unsafe())); return true;
        case element_type::UINT64: col.AppendFloat64(static_cast<double>(e.get_uint64().value_unsafe())); return true;
        case element_type::STRING:
          if (auto v = core::ParseDouble(Trimmed(Str(e)))) {
            col.AppendFloat64(*v);
            return true;
          }
          return false;
        default: return false;
      }
    case TypeId::kString:
      switch (jt) {
        case element_type::STRING: col.AppendString(Str(e)); return true;
        case element_type::INT64: AppendIntText(col, e.get_int64().value_unsafe()); return true;
        case element_type::UINT64: col.AppendString(std::to_string(e.get_uint64().value_unsafe())); return true;
        case element_type::DOUBLE: col.AppendString(core::FormatDouble(e.get_double().value_unsafe())); return true;
        case element_type::BOOL: col.AppendString(e.get_bool().value_unsafe() ? "true" : "false"); return true;
        default: return false;
      }
    case TypeId::kDate:
      switch (jt) {
        case element_type::STRING:
          if (auto d = core::ParseDate(Trimmed(Str(e)))) {
            col.AppendInt32(*d);
            return true;
          }
          return false;
        case element_type::INT64: {
          int64_t v = e.get_int64().value_unsafe();
          if (v < 10000101 || v > 99991231) return false;
          if (auto d = core::ParseDate(std::to_string(v))) {
            col.AppendInt32(*d);
            return true;
          }
          return false;
        }
        default: return false;
      }
    case TypeId::kInt32:
    case TypeId::kInt64: {
      auto v = AsInteger(e);
      if (!v) return false;
      if (type == TypeId::kInt32) {
        if (*v < std::numeric_limits<int32_t>::min() || *v > std::numeric_limits<int32_t>::max()) return false;
        col.AppendInt32(static_cast<int32_t>(*v));
      } else {
        col.AppendInt64(*v);
      }
      return true;
    }
    case TypeId::kBool:
      switch (jt) {
        case element_type::BOOL: col.AppendBool(e.get_bool().value_unsafe()); return true;
        case element_type::INT64: {
          int64_t v = e.get_int64().value_unsafe();
          if (v != 0 && v != 1) return false;
          col.AppendBool(v == 1);
          return true;
        }
        case element_type::STRING: {
          std::string s = core::ToLower(Trimmed(Str(e)));
          if (s == "y" || s == "1" || s == "true" || s == "t" || s == "yes") {
            col.AppendBool(true);
            return true;
          }
          if (s == "n" || s == "0" || s == "false" || s == "f" || s == "no") {
            col.AppendBool(false);
            return true;
          }
          return false;
        }
        default: return false;
      }
    case TypeId::kTimestamp: {
      std::optional<int64_t> local;
      if (jt == element_type::STRING)
        local = core::ParseTimestamp(Trimmed(Str(e)));
      else if (jt == element_type::INT64)
        local = core::ParseTimestamp(IntText(e));
      if (!local) return false;
      col.AppendInt64(tz.LocalToUtc(*local));
      return true;
    }
    case TypeId::kDecimal: {
      // Exact: the number's text is parsed at the column's scale (never through a double), and a value with
      // more digits than the column's precision is refused, never rounded to fit. Integers and short doubles
      // take a direct route that gives the same value without the text round trip (ScaledInteger,
      // ScaledDouble).
      std::optional<core::Int128> v;
      std::optional<int64_t> fast;
      if (jt == element_type::STRING) {
        v = core::ParseDecimal128(Trimmed(Str(e)), scale);
      } else if (jt == element_type::INT64 && (fast = ScaledInteger(e.get_int64().value_unsafe(), scale))) {
        v = *fast;
      } else if (jt == element_type::INT64 || jt == element_type::UINT64) {
        v = core::ParseDecimal128(IntText(e), scale);
      } else if (jt == element_type::DOUBLE && (fast = ScaledDouble(e.get_double().value_unsafe(), scale))) {
        v = *fast;
      } else if (jt == element_type::DOUBLE) {
        v = DecimalOfDouble(e.get_double().value_unsafe(), scale);
      }
      if (!v || !core::FitsDecimalPrecision(*v, col.type().precision)) return false;
      col.AppendDecimal(*v);
      return true;
    }
  }
  return false;
}

// Why a decimal cell was refused, when it is one of the decimal-specific reasons.
std::optional<std::string> DecimalRefusal(const core::LogicalType& type, element e) {
  std::string text;
  if (e.type() == element_type::DOUBLE) {
    text = core::FormatDouble(e.get_double().value_unsafe());
    if (core::ParseDecimal128(text, type.scale) && !DecimalOfDouble(e.get_double().value_unsafe(), type.scale)) {
      return "the number has more significant digits than a float64 keeps, so the digits the vendor wrote are "
             "lost (a defect of the provider's decoder: it must pass the body through QuoteLongNumbers)";
    }
  } else if (e.type() == element_type::STRING) {
    text = std::string(Trimmed(Str(e)));
  } else if (e.type() == element_type::INT64 || e.type() == element_type::UINT64) {
    text = IntText(e);
  }
  // A well-formed decimal (sign, digits, at most one point) that still did not fit: too many digits.
  size_t start = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
  bool well_formed = text.find_first_not_of(".0123456789", start) == std::string::npos &&
                     text.find_first_of("0123456789") != std::string::npos &&
                     std::count(text.begin(), text.end(), '.') <= 1;
  if (well_formed) {
    return "the value has more digits than " + type.ToString() + " holds (" +
           std::to_string(type.precision - type.scale) +
           " before the point); widen the field's type (decimal precision goes up to 38)";
  }
  return std::nullopt;
}

core::Status Failure(std::string_view code, std::string message) {
  core::Error e(ErrorKind::kPermanent, std::move(message));
  e.WithCode(std::string(code));
  return tl::unexpected<core::Error>(std::move(e));
}

}  // namespace

JsonConformer::JsonConformer(core::SchemaPtr schema, const core::TimeZone* tz, ConformLabels labels)
    : schema_(std::move(schema)),
      utc_(core::TimeZone::Utc()),
      tz_(tz ? tz : &utc_),
      labels_(std::move(labels)),
      page_{core::ColumnBatch(schema_)},
      mapped_(schema_->size(), false) {}

JsonConformer::~JsonConformer() = default;

void JsonConformer::AddField(std::string_view name) {
  page_.vendor_fields.emplace_back(name);
  Target t;
  if (auto idx = schema_->IndexOf(name); idx && !mapped_[*idx]) {
    mapped_[*idx] = true;
    t.column = static_cast<int>(*idx);
    t.type = schema_->field(*idx).type.id;
    t.scale = schema_->field(*idx).type.scale;
  } else {
    page_.extra_fields.push_back(EscapeControls(name));
  }
  targets_.push_back(t);
}

void JsonConformer::ReserveRows(size_t rows) {
  page_.batch.Reserve(rows);
}

core::Status JsonConformer::BadValue(const Target& t, size_t vendor_field, const element& cell) {
  failed_cell_ = Cell{rows_, vendor_field};
  const core::Field& field = schema_->field(static_cast<size_t>(t.column));
  std::string why = "the vendor's data does not match the dataset's schema (check the field's type)";
  if (field.type.id == TypeId::kDecimal) why = DecimalRefusal(field.type, cell).value_or(why);
  return Failure("bad_value", RowName() + " field '" + field.name + "': cannot read " +
                                  core::Excerpt(simdjson::minify(cell)) + " as " + field.type.ToString() + "; " + why);
}

core::Status JsonConformer::AppendArrayRow(const element& row) {
  core::ColumnBatch& batch = page_.batch;
  const size_t width = targets_.size();
  simdjson::dom::array cells;
  if (row.get_array().get(cells) != simdjson::SUCCESS) {
    return Failure("bad_row", RowName() + " is " + core::Excerpt(simdjson::minify(row)) + ", not an array of " +
                                  std::to_string(width) + " values");
  }
  size_t j = 0;
  for (element cell : cells) {
    if (j >= width) break;
    const Target& t = targets_[j];
    if (t.column >= 0 && !AppendCell(batch.column(static_cast<size_t>(t.column)), t.type, t.scale, cell, *tz_)) {
      return BadValue(t, j, cell);
    }
    ++j;
  }
  if (j != width || cells.size() != width) {
    return Failure("bad_row", RowName() + " has " + std::to_string(cells.size()) + " values but " + labels_.fields +
                                  " names " + std::to_string(width));
  }
  ++rows_;
  return core::Ok();
}

core::Status JsonConformer::AppendObjectRow(const element& row) {
  simdjson::dom::object object;
  if (row.get_object().get(object) != simdjson::SUCCESS) {
    return Failure("bad_row", RowName() + " is " + core::Excerpt(simdjson::minify(row)) + ", not an object");
  }
  if (targets_.empty()) {
    for (auto [key, value] : object) AddField(key);
  }
  for (size_t j = 0; j < targets_.size(); ++j) {
    const Target& t = targets_[j];
    if (t.column < 0) continue;
    core::Column& col = page_.batch.column(static_cast<size_t>(t.column));
    element cell;
    if (object[page_.vendor_fields[j]].get(cell) != simdjson::SUCCESS) {
      col.AppendNull();
    } else if (!AppendCell(col, t.type, t.scale, cell, *tz_)) {
      return BadValue(t, j, cell);
    }
  }
  ++rows_;
  return core::Ok();
}

std::string JsonConformer::RowName() const {
  return labels_.prefix + labels_.rows + "[" + std::to_string(rows_) + "]";
}

Page JsonConformer::Finish() && {
  for (size_t i = 0; i < schema_->size(); ++i) {
    if (mapped_[i]) continue;
    page_.missing_fields.push_back(schema_->field(i).name);
    core::Column& col = page_.batch.column(i);
    for (size_t r = 0; r < rows_; ++r) col.AppendNull();
  }
  return std::move(page_);
}

std::optional<int64_t> JsonInteger(const element& e) {
  return AsInteger(e);
}

}  // namespace datasync::datasource
