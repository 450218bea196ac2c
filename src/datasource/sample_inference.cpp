#include "datasource/sample_inference.hpp"

#include <algorithm>
#include <array>
#include <set>

#include "core/dates.hpp"
#include "core/strings.hpp"
#include "datasource/schema_inference.hpp"

namespace datasync::datasource {

namespace {

using Kind = SampleValue::Kind;

bool NameSaysDate(std::string_view name) {
  std::string n = core::ToLower(name);
  return n.find("date") != std::string::npos || n == "day" || n.ends_with("_day") || n.ends_with("_dt");
}

// "2024-01-02" or (when the name says date) "20240102": the forms ParseDate reads.
bool IsDateText(std::string_view s, bool compact_ok) {
  if (s.size() == 10) return s[4] == '-' && s[7] == '-' && core::ParseDate(s).has_value();
  if (s.size() == 8 && compact_ok) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
           core::ParseDate(s).has_value();
  }
  return false;
}

// A day with a time of day, in a form the conformer reads (core::ParseTimestamp).
bool IsTimestampText(std::string_view s) {
  return s.size() > 10 && s[4] == '-' && (s[10] == 'T' || s[10] == ' ') && core::ParseTimestamp(s).has_value();
}

// "-185.6400" -> {integer digits 3, scale 4}; nullopt unless plain decimal text (no exponent, no spaces).
struct DecimalShape {
  int integer_digits = 0;
  int scale = 0;
};
std::optional<DecimalShape> DecimalText(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  DecimalShape d;
  bool digits = false, point = false;
  bool leading = true;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.') {
      if (point) return std::nullopt;
      point = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    digits = true;
    if (point) {
      ++d.scale;
    } else if (!(leading && c == '0')) {
      leading = false;
      ++d.integer_digits;
    }
  }
  if (!digits || !point) return std::nullopt;  // integers in strings stay text (codes like "000001")
  return d;
}

std::string Count(size_t n, std::string_view what) {
  return std::to_string(n) + " " + std::string(what) + (n == 1 ? "" : "s");
}

struct Observed {
  size_t nulls = 0, bools = 0, integers = 0, numbers = 0, strings = 0, nested = 0;
  bool big_integer = false;  // an integer beyond int64
  bool dates = true, compact_dates = true, timestamps = true, decimals = true;
  int integer_digits = 0, scale = 0;
  bool integer_days = true;  // every integer is an 8-digit day (20240102)
};

}  // namespace

InferredSchema InferSchema(const RecordSample& sample) {
  InferredSchema out;
  std::vector<std::string> kept_names;
  for (size_t f = 0; f < sample.fields.size(); ++f) {
    const std::string& name = sample.fields[f];
    Observed o;
    const bool date_name = NameSaysDate(name);
    for (const auto& row : sample.rows) {
      if (f >= row.size()) {
        ++o.nulls;
        continue;
      }
      const SampleValue& v = row[f];
      switch (v.kind) {
        case Kind::kNull: ++o.nulls; break;
        case Kind::kBool: ++o.bools; break;
        case Kind::kNested: ++o.nested; break;
        case Kind::kInteger:
          ++o.integers;
          if (!core::ParseInt64(v.text)) o.big_integer = true;
          if (!(v.text.size() == 8 && IsDateText(v.text, true))) o.integer_days = false;
          break;
        case Kind::kNumber: ++o.numbers; break;
        case Kind::kString: {
          ++o.strings;
          std::string_view s = core::Trim(v.text);
          if (s.empty()) {  // "" reads as NULL in every non-string type
            --o.strings;
            ++o.nulls;
            break;
          }
          if (!IsDateText(s, false)) o.dates = false;
          if (!IsDateText(s, date_name) || s.size() != 8) o.compact_dates = false;
          if (!IsTimestampText(s)) o.timestamps = false;
          if (auto d = DecimalText(s)) {
            o.integer_digits = std::max(o.integer_digits, d->integer_digits);
            o.scale = std::max(o.scale, d->scale);
          } else {
            o.decimals = false;
          }
          break;
        }
      }
    }
    const size_t values = o.bools + o.integers + o.numbers + o.strings + o.nested;
    core::Field field;
    field.name = name;
    field.type = core::LogicalType::String();
    auto note = [&](std::string text) { out.notes.push_back(name + ": " + std::move(text)); };
    if (o.nested > 0) {
      note("holds nested objects or arrays (" + Count(o.nested, "value") +
           "); left out: datasync stores flat fields (select the nested records with their own dataset's path)");
      continue;
    }
    if (values == 0) {
      note("no value in the sample (" + Count(o.nulls, "null") + "); declared string, check its type");
    } else if (o.bools == values) {
      field.type = core::LogicalType::Bool();
    } else if (o.integers == values) {
      if (o.integer_days && date_name) {
        field.type = core::LogicalType::Date();
      } else if (o.big_integer) {
        field.type = core::LogicalType::Decimal(38, 0);
        note("integers beyond 64 bits; declared decimal(38,0)");
      } else {
        field.type = core::LogicalType::Int64();
      }
    } else if (o.integers + o.numbers == values) {
      field.type = core::LogicalType::Float64();
      note("numbers with a fraction, declared float64; declare decimal(p,s) if exact decimals matter");
    } else if (o.strings == values) {
      if (o.dates) {
        field.type = core::LogicalType::Date();
      } else if (o.compact_dates) {
        field.type = core::LogicalType::Date();
      } else if (o.timestamps) {
        field.type = core::LogicalType::Timestamp();
      } else if (o.decimals) {
        // Room above the widest value seen: 18 digits when that leaves at least 4 spare, else 38.
        const int needed = o.integer_digits + o.scale;
        const int precision = needed + 4 <= core::kMaxInt64DecimalPrecision ? core::kMaxInt64DecimalPrecision
                                                                            : core::kMaxDecimalPrecision;
        if (needed <= core::kMaxDecimalPrecision) {
          field.type = core::LogicalType::Decimal(static_cast<uint8_t>(precision), static_cast<uint8_t>(o.scale));
          note("decimal numbers as text, declared " + field.type.ToString() + " at the widest scale seen (" +
               std::to_string(o.scale) + "); widen the scale if the vendor may send more digits");
        }
      }
    } else {
      std::vector<std::string> kinds;
      for (auto [n, what] : {std::pair{o.bools, "bool"}, std::pair{o.integers, "integer"},
                             std::pair{o.numbers, "number"}, std::pair{o.strings, "string"}}) {
        if (n > 0) kinds.push_back(Count(n, what));
      }
      note("mixed values (" + core::Join(kinds, ", ") + "); declared string");
    }
    out.fields.push_back(std::move(field));
    kept_names.push_back(name);
  }

  // Keys: an id, else a code and a date, as the names say; kept only when unique in the sample.
  static constexpr std::array<std::string_view, 8> kCodes = {"id",     "uuid",   "ts_code", "code",
                                                             "ticker", "symbol", "isin",    "key"};
  static constexpr std::array<std::string_view, 8> kDates = {"date",      "trade_date", "day", "datetime",
                                                             "timestamp", "time",       "ts",  "cal_date"};
  KeyCandidates candidates{kCodes, kDates, {}};
  ProposeKeys(kept_names, candidates, out.primary_key, out.date_key);
  auto type_of = [&](const std::string& n) {
    for (const auto& f : out.fields) {
      if (f.name == n) return f.type.id;
    }
    return core::TypeId::kString;
  };
  if (!out.date_key.empty()) {
    core::TypeId t = type_of(out.date_key);
    if (t != core::TypeId::kDate && t != core::TypeId::kTimestamp) {
      std::erase(out.primary_key, out.date_key);
      out.date_key.clear();
    }
  }
  // An id alone is the key; a date beside it is not part of it.
  if (out.primary_key.size() == 2 && (out.primary_key[0] == "id" || out.primary_key[0] == "uuid")) {
    out.primary_key.resize(1);
  }
  if (!out.primary_key.empty()) {
    std::vector<size_t> index;
    for (const auto& k : out.primary_key) {
      index.push_back(
          static_cast<size_t>(std::find(sample.fields.begin(), sample.fields.end(), k) - sample.fields.begin()));
    }
    std::set<std::string> seen;
    bool unique = true;
    for (const auto& row : sample.rows) {
      std::string key;
      for (size_t i : index) {
        if (i >= row.size() || row[i].kind == Kind::kNull) {
          unique = false;
          break;
        }
        key += row[i].text;
        key.push_back('\x1f');
      }
      if (!unique || !seen.insert(key).second) {
        unique = false;
        break;
      }
    }
    if (!unique) {
      out.notes.push_back("primary key: " + core::Join(out.primary_key, ", ") +
                          " is not unique (or has nulls) in the sample; set primary_key to the fields that identify a "
                          "record");
      out.primary_key.clear();
    }
  } else if (!sample.rows.empty()) {
    out.notes.push_back(
        "primary key: no id, code or date field by name; set primary_key to the fields that identify "
        "a record (without one, re-runs append rows again)");
  }
  return out;
}

}  // namespace datasync::datasource
