#include "datasource/files/text_conform.hpp"

#include <limits>

#include "core/dates.hpp"
#include "core/excerpt.hpp"
#include "core/strings.hpp"
#include "datasource/untrusted_text.hpp"

namespace datasync::datasource::files {

namespace {

using core::TypeId;

std::string_view Trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// An integer written with digits only (and an optional sign): an epoch count rather than a date-time.
bool AllDigits(std::string_view s) {
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

EpochUnit UnitByDigits(std::string_view s) {
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
  while (s.size() > 1 && s.front() == '0') s.remove_prefix(1);
  if (s.size() <= 11) return EpochUnit::kSeconds;  // up to year 5138
  if (s.size() <= 14) return EpochUnit::kMillis;
  if (s.size() <= 17) return EpochUnit::kMicros;
  return EpochUnit::kNanos;
}

std::optional<int64_t> EpochMicros(int64_t v, EpochUnit unit) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  switch (unit) {
    case EpochUnit::kSeconds:
      if (v > kMax / 1'000'000 || v < -kMax / 1'000'000) return std::nullopt;
      return v * 1'000'000;
    case EpochUnit::kMillis:
      if (v > kMax / 1'000 || v < -kMax / 1'000) return std::nullopt;
      return v * 1'000;
    case EpochUnit::kMicros: return v;
    case EpochUnit::kNanos: return v >= 0 ? v / 1'000 : -((-v + 999) / 1'000);
    case EpochUnit::kAuto: break;
  }
  return std::nullopt;
}

core::Status Failure(std::string_view code, std::string message) {
  core::Error e(core::ErrorKind::kPermanent, std::move(message));
  e.WithCode(std::string(code));
  return tl::unexpected<core::Error>(std::move(e));
}

bool Numeric(TypeId t) {
  return t != TypeId::kString;
}

// Appends one cell converted to the column's type; false when the text cannot be read as one. `unit` is the
// column's epoch unit, set from the first epoch integer when it is kAuto.
bool AppendText(core::Column& col, std::string_view raw, EpochUnit& unit, const core::TimeZone& tz) {
  const core::LogicalType type = col.type();
  if (type.id == TypeId::kString) {
    col.AppendString(raw);
    return true;
  }
  const std::string_view s = Trimmed(raw);
  if (s.empty()) {
    col.AppendNull();
    return true;
  }
  switch (type.id) {
    case TypeId::kString: break;
    case TypeId::kFloat64:
      if (auto v = core::ParseDouble(s)) {
        col.AppendFloat64(*v);
        return true;
      }
      return false;
    case TypeId::kDate:
      if (auto d = core::ParseDate(s)) {
        col.AppendInt32(*d);
        return true;
      }
      return false;
    case TypeId::kInt32:
    case TypeId::kInt64: {
      auto v = core::ParseInt64(s);
      if (!v) return false;
      if (type.id == TypeId::kInt32) {
        if (*v < std::numeric_limits<int32_t>::min() || *v > std::numeric_limits<int32_t>::max()) return false;
        col.AppendInt32(static_cast<int32_t>(*v));
      } else {
        col.AppendInt64(*v);
      }
      return true;
    }
    case TypeId::kBool: {
      std::string b = core::ToLower(s);
      if (b == "y" || b == "1" || b == "true" || b == "t" || b == "yes") {
        col.AppendBool(true);
        return true;
      }
      if (b == "n" || b == "0" || b == "false" || b == "f" || b == "no") {
        col.AppendBool(false);
        return true;
      }
      return false;
    }
    case TypeId::kTimestamp: {
      if (AllDigits(s) && s.size() != 8 && s.size() != 14) {  // 8 and 14 digits: YYYYMMDD[hhmmss] text
        auto v = core::ParseInt64(s);
        if (!v) return false;
        if (unit == EpochUnit::kAuto) unit = UnitByDigits(s);
        auto micros = EpochMicros(*v, unit);
        if (!micros) return false;
        col.AppendInt64(*micros);
        return true;
      }
      auto local = core::ParseTimestamp(s);
      if (!local) return false;
      col.AppendInt64(tz.LocalToUtc(*local));
      return true;
    }
    case TypeId::kDecimal: {
      auto v = core::ParseDecimal128(s, type.scale);
      if (!v || !core::FitsDecimalPrecision(*v, type.precision)) return false;
      col.AppendDecimal(*v);
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<EpochUnit> ParseEpochUnit(std::string_view name) {
  if (name == "auto") return EpochUnit::kAuto;
  if (name == "s") return EpochUnit::kSeconds;
  if (name == "ms") return EpochUnit::kMillis;
  if (name == "us") return EpochUnit::kMicros;
  if (name == "ns") return EpochUnit::kNanos;
  return std::nullopt;
}

std::string_view EpochUnitName(EpochUnit unit) {
  switch (unit) {
    case EpochUnit::kAuto: return "auto";
    case EpochUnit::kSeconds: return "s";
    case EpochUnit::kMillis: return "ms";
    case EpochUnit::kMicros: return "us";
    case EpochUnit::kNanos: return "ns";
  }
  return "auto";
}

TextConformer::TextConformer(core::SchemaPtr schema, const core::TimeZone* tz, EpochUnit unit, std::string prefix)
    : schema_(std::move(schema)),
      utc_(core::TimeZone::Utc()),
      tz_(tz ? tz : &utc_),
      unit_(unit),
      prefix_(std::move(prefix)),
      page_{core::ColumnBatch(schema_)},
      mapped_(schema_->size(), false),
      epoch_units_(schema_->size(), unit),
      constants_(schema_->size()) {}

void TextConformer::SetColumns(std::span<const std::string> names) {
  for (const std::string& name : names) {
    page_.vendor_fields.push_back(EscapeControls(name));
    Target t;
    if (name.empty() || name == "_") {
      targets_.push_back(t);
      continue;
    }
    if (auto idx = schema_->IndexOf(name); idx && !mapped_[*idx]) {
      mapped_[*idx] = true;
      t.column = static_cast<int>(*idx);
    } else {
      page_.extra_fields.push_back(EscapeControls(name));
    }
    targets_.push_back(t);
  }
}

core::Status TextConformer::SetConstant(std::string_view field, std::string_view value) {
  auto idx = schema_->IndexOf(field);
  if (!idx || mapped_[*idx]) return core::Ok();
  const core::Field& f = schema_->field(*idx);
  core::Column probe(f.type);
  EpochUnit unit = epoch_units_[*idx];
  if (!AppendText(probe, value, unit, *tz_)) {
    return Failure("bad_value", prefix_ + "field '" + f.name + "' takes the request's param value " +
                                    core::Excerpt(value) + ", which does not read as " + f.type.ToString());
  }
  constants_[*idx] = std::string(value);
  return core::Ok();
}

bool TextConformer::ReadsAsData(std::span<const std::string_view> cells) const {
  for (size_t j = 0; j < cells.size() && j < targets_.size(); ++j) {
    if (targets_[j].column < 0) continue;
    const size_t c = static_cast<size_t>(targets_[j].column);
    const core::LogicalType type = schema_->field(c).type;
    if (!Numeric(type.id) || Trimmed(cells[j]).empty()) continue;
    core::Column probe(type);
    EpochUnit unit = epoch_units_[c];
    if (!AppendText(probe, cells[j], unit, *tz_)) return false;
  }
  return true;
}

core::Status TextConformer::AppendRow(std::span<const std::string_view> cells, size_t line) {
  if (cells.size() != targets_.size()) {
    return Failure("bad_row", prefix_ + "line " + std::to_string(line) + " has " + std::to_string(cells.size()) +
                                  " values but the file's columns are " + std::to_string(targets_.size()) +
                                  " (check the dataset's `columns` and `delimiter`)");
  }
  for (size_t j = 0; j < cells.size(); ++j) {
    if (targets_[j].column < 0) continue;
    const size_t c = static_cast<size_t>(targets_[j].column);
    if (!AppendText(page_.batch.column(c), cells[j], epoch_units_[c], *tz_)) {
      // The row's earlier cells stay appended: the caller drops the whole page with this error.
      const core::Field& f = schema_->field(c);
      return Failure("bad_value", prefix_ + "line " + std::to_string(line) + " field '" + f.name +
                                      "': cannot read \"" + core::Excerpt(cells[j]) + "\" as " + f.type.ToString() +
                                      "; the file does not match the dataset's schema (check the field's type and "
                                      "the dataset's `columns`)");
    }
  }
  ++rows_;
  return core::Ok();
}

std::vector<std::string> TextConformer::EpochUnitsUsed() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < schema_->size(); ++i) {
    if (schema_->field(i).type.id != TypeId::kTimestamp || !mapped_[i] || epoch_units_[i] == EpochUnit::kAuto) {
      continue;
    }
    out.push_back(schema_->field(i).name + ": " + std::string(EpochUnitName(epoch_units_[i])));
  }
  return out;
}

Page TextConformer::Finish() && {
  for (size_t i = 0; i < schema_->size(); ++i) {
    if (mapped_[i]) continue;
    core::Column& col = page_.batch.column(i);
    if (constants_[i]) {
      for (size_t r = 0; r < rows_; ++r) AppendText(col, *constants_[i], epoch_units_[i], *tz_);
      continue;
    }
    page_.missing_fields.push_back(schema_->field(i).name);
    for (size_t r = 0; r < rows_; ++r) col.AppendNull();
  }
  return std::move(page_);
}

}  // namespace datasync::datasource::files
