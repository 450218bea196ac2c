#include "core/column_batch.hpp"

#include <cassert>

#include "core/dates.hpp"
#include "core/strings.hpp"

namespace datasync::core {

Column::Column(LogicalType type) : type_(type) {
  if (type_.id == TypeId::kString) offsets_.push_back(0);
}

void Column::Reserve(size_t rows, size_t string_bytes) {
  switch (type_.id) {
    case TypeId::kBool: u8_.reserve(rows); break;
    case TypeId::kInt32:
    case TypeId::kDate: i32_.reserve(rows); break;
    case TypeId::kInt64:
    case TypeId::kTimestamp: i64_.reserve(rows); break;
    case TypeId::kDecimal:
      if (type_.IsWideDecimal()) i128_.reserve(rows);
      else i64_.reserve(rows);
      break;
    case TypeId::kFloat64: f64_.reserve(rows); break;
    case TypeId::kString:
      offsets_.reserve(rows + 1);
      arena_.reserve(string_bytes);
      break;
  }
}

void Column::Clear() {
  size_ = null_count_ = 0;
  validity_.clear();
  u8_.clear();
  i32_.clear();
  i64_.clear();
  i128_.clear();
  f64_.clear();
  offsets_.clear();
  arena_.clear();
  if (type_.id == TypeId::kString) offsets_.push_back(0);
}

void Column::MarkValid() {
  if (!validity_.empty()) {
    if ((size_ >> 6) >= validity_.size()) validity_.push_back(0);
    validity_[size_ >> 6] |= uint64_t{1} << (size_ & 63);
  }
  ++size_;
}

void Column::MarkNull() {
  if (validity_.empty()) {
    // First null: materialize the bitmap with every earlier row valid.
    validity_.assign((size_ >> 6) + 1, ~uint64_t{0});
    if ((size_ & 63) != 0) validity_.back() = (uint64_t{1} << (size_ & 63)) - 1;
    else validity_.back() = 0;
  } else if ((size_ >> 6) >= validity_.size()) {
    validity_.push_back(0);
  }
  validity_[size_ >> 6] &= ~(uint64_t{1} << (size_ & 63));
  ++null_count_;
  ++size_;
}

void Column::AppendNull() {
  switch (type_.id) {
    case TypeId::kBool: u8_.push_back(0); break;
    case TypeId::kInt32:
    case TypeId::kDate: i32_.push_back(0); break;
    case TypeId::kInt64:
    case TypeId::kTimestamp: i64_.push_back(0); break;
    case TypeId::kDecimal:
      if (type_.IsWideDecimal()) i128_.push_back(0);
      else i64_.push_back(0);
      break;
    case TypeId::kFloat64: f64_.push_back(0); break;
    case TypeId::kString: offsets_.push_back(static_cast<uint32_t>(arena_.size())); break;
  }
  MarkNull();
}

void Column::AppendBool(bool v) {
  assert(type_.id == TypeId::kBool);
  u8_.push_back(v ? 1 : 0);
  MarkValid();
}

void Column::AppendInt32(int32_t v) {
  assert(type_.id == TypeId::kInt32 || type_.id == TypeId::kDate);
  i32_.push_back(v);
  MarkValid();
}

void Column::AppendInt64(int64_t v) {
  assert(type_.id == TypeId::kInt64 || type_.id == TypeId::kTimestamp ||
         (type_.id == TypeId::kDecimal && !type_.IsWideDecimal()));
  i64_.push_back(v);
  MarkValid();
}

void Column::AppendInt128(Int128 v) {
  assert(type_.IsWideDecimal());
  i128_.push_back(v);
  MarkValid();
}

std::string Column::DecimalText(size_t i) const {
  return FormatDecimal128(GetDecimal(i), type_.scale);
}

void Column::AppendFloat64(double v) {
  assert(type_.id == TypeId::kFloat64);
  f64_.push_back(v);
  MarkValid();
}

void Column::AppendString(std::string_view v) {
  assert(type_.id == TypeId::kString);
  arena_.append(v);
  offsets_.push_back(static_cast<uint32_t>(arena_.size()));
  MarkValid();
}

Value Column::GetValue(size_t i) const {
  if (!IsValid(i)) return Value::Null(type_);
  switch (type_.id) {
    case TypeId::kBool: return Value::Bool(GetBool(i));
    case TypeId::kInt32: return Value::Int32(GetInt32(i));
    case TypeId::kDate: return Value::Date(GetInt32(i));
    case TypeId::kInt64: return Value::Int64(GetInt64(i));
    case TypeId::kTimestamp: return Value::Timestamp(GetInt64(i));
    case TypeId::kDecimal:
      if (type_.IsWideDecimal()) return Value{GetInt128(i), type_};
      return Value{GetInt64(i), type_};
    case TypeId::kFloat64: return Value::Float64(GetFloat64(i));
    case TypeId::kString: return Value::String(std::string(GetString(i)));
  }
  return Value::Null(type_);
}

Status Column::AppendValue(const Value& val) {
  if (val.is_null()) {
    AppendNull();
    return Ok();
  }
  auto mismatch = [&]() {
    return Fail(ErrorKind::kInvalidInput, "cannot store a " + val.type.ToString() + " value '" + val.ToString() +
                                              "' in a " + type_.ToString() + " column");
  };
  switch (type_.id) {
    case TypeId::kBool:
      if (auto* b = std::get_if<bool>(&val.v)) {
        AppendBool(*b);
        return Ok();
      }
      return mismatch();
    case TypeId::kInt32:
    case TypeId::kDate:
      if (auto* x = std::get_if<int32_t>(&val.v)) {
        AppendInt32(*x);
        return Ok();
      }
      return mismatch();
    case TypeId::kDecimal: {
      // Unscaled values at the column's scale; a value must fit the column's precision.
      std::optional<Int128> x;
      if (auto* a = std::get_if<int64_t>(&val.v)) x = *a;
      if (auto* b = std::get_if<Int128>(&val.v)) x = *b;
      if (!x) return mismatch();
      if (!FitsDecimalPrecision(*x, type_.precision)) {
        return Fail(ErrorKind::kInvalidInput, "the value '" + val.ToString() + "' has more digits than a " +
                                                  type_.ToString() + " column holds");
      }
      AppendDecimal(*x);
      return Ok();
    }
    case TypeId::kInt64:
    case TypeId::kTimestamp:
      if (auto* x = std::get_if<int64_t>(&val.v)) {
        AppendInt64(*x);
        return Ok();
      }
      if (auto* x = std::get_if<int32_t>(&val.v); x && type_.id == TypeId::kInt64) {
        AppendInt64(*x);
        return Ok();
      }
      return mismatch();
    case TypeId::kFloat64:
      if (auto* x = std::get_if<double>(&val.v)) {
        AppendFloat64(*x);
        return Ok();
      }
      if (auto* x = std::get_if<int64_t>(&val.v)) {
        AppendFloat64(static_cast<double>(*x));
        return Ok();
      }
      if (auto* x = std::get_if<int32_t>(&val.v)) {
        AppendFloat64(*x);
        return Ok();
      }
      return mismatch();
    case TypeId::kString:
      if (auto* s = std::get_if<std::string>(&val.v)) {
        AppendString(*s);
        return Ok();
      }
      return mismatch();
  }
  return mismatch();
}

size_t Column::ByteSize() const {
  return validity_.size() * 8 + u8_.size() + i32_.size() * 4 + i64_.size() * 8 + i128_.size() * 16 + f64_.size() * 8 +
         offsets_.size() * 4 + arena_.size();
}

ColumnBatch::ColumnBatch(SchemaPtr schema) : schema_(std::move(schema)) {
  columns_.reserve(schema_->size());
  for (const auto& f : schema_->fields()) columns_.emplace_back(f.type);
}

void ColumnBatch::Reserve(size_t rows) {
  for (auto& c : columns_) c.Reserve(rows, c.type().id == TypeId::kString ? rows * 8 : 0);
}

Status ColumnBatch::Validate() const {
  if (columns_.size() != schema_->size()) {
    return Fail(ErrorKind::kInternal, "batch has " + std::to_string(columns_.size()) + " columns, schema has " +
                                          std::to_string(schema_->size()));
  }
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].type() != schema_->field(i).type) {
      return Fail(ErrorKind::kInternal, "column '" + schema_->field(i).name + "' is " +
                                            columns_[i].type().ToString() + ", schema says " +
                                            schema_->field(i).type.ToString());
    }
    if (columns_[i].size() != num_rows()) {
      return Fail(ErrorKind::kInternal, "column '" + schema_->field(i).name + "' has " +
                                            std::to_string(columns_[i].size()) + " rows, expected " +
                                            std::to_string(num_rows()));
    }
  }
  return Ok();
}

size_t ColumnBatch::ByteSize() const {
  size_t n = 0;
  for (const auto& c : columns_) n += c.ByteSize();
  return n;
}

ColumnBatch ColumnBatch::Slice(size_t begin, size_t end) const {
  ColumnBatch out(schema_);
  for (size_t c = 0; c < columns_.size(); ++c) {
    const Column& src = columns_[c];
    Column& dst = out.columns_[c];
    dst.Reserve(end - begin);
    for (size_t r = begin; r < end; ++r) {
      if (!src.IsValid(r)) {
        dst.AppendNull();
        continue;
      }
      switch (src.type().id) {
        case TypeId::kBool: dst.AppendBool(src.GetBool(r)); break;
        case TypeId::kInt32:
        case TypeId::kDate: dst.AppendInt32(src.GetInt32(r)); break;
        case TypeId::kInt64:
        case TypeId::kTimestamp: dst.AppendInt64(src.GetInt64(r)); break;
        case TypeId::kDecimal: dst.AppendDecimal(src.GetDecimal(r)); break;
        case TypeId::kFloat64: dst.AppendFloat64(src.GetFloat64(r)); break;
        case TypeId::kString: dst.AppendString(src.GetString(r)); break;
      }
    }
  }
  return out;
}

std::string Value::ToString() const {
  struct Visitor {
    const LogicalType& t;
    std::string operator()(std::monostate) const { return ""; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int32_t x) const {
      return t.id == TypeId::kDate ? FormatIsoDate(x) : std::to_string(x);
    }
    std::string operator()(int64_t x) const {
      if (t.id == TypeId::kTimestamp) return FormatTimestamp(x);
      if (t.id == TypeId::kDecimal) return FormatDecimal(x, t.scale);
      return std::to_string(x);
    }
    std::string operator()(Int128 x) const { return t.id == TypeId::kDecimal ? FormatDecimal128(x, t.scale) : FormatDecimal128(x, 0); }
    std::string operator()(double x) const { return FormatDouble(x); }
    std::string operator()(const std::string& s) const { return s; }
  };
  return std::visit(Visitor{type}, v);
}

}  // namespace datasync::core
