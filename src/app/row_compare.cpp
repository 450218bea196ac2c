#include "app/row_compare.hpp"

#include <cmath>

#include "core/dates.hpp"
#include "core/strings.hpp"

namespace datasync::app {

using core::TypeId;

namespace {

constexpr char kNullText[] = "\x01";

std::optional<double> NumberOf(const core::Value& v) {
  struct Visitor {
    std::optional<double> operator()(std::monostate) const { return std::nullopt; }
    std::optional<double> operator()(bool b) const { return b ? 1.0 : 0.0; }
    std::optional<double> operator()(int32_t x) const { return static_cast<double>(x); }
    std::optional<double> operator()(int64_t x) const { return static_cast<double>(x); }
    std::optional<double> operator()(double x) const { return x; }
    std::optional<double> operator()(const std::string& s) const { return core::ParseDouble(core::Trim(s)); }
    std::optional<double> operator()(core::Int128 x) const { return static_cast<double>(x); }
  };
  if (v.type.id == TypeId::kDecimal) return core::ParseDouble(v.ToString());
  return std::visit(Visitor{}, v.v);
}

// 64-bit FNV-1a, then a finaliser (splitmix64) so that sums of row hashes mix well.
uint64_t Fnv(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::string NumberTextOf(double x) {
  if (std::isfinite(x) && std::trunc(x) == x && std::fabs(x) < 1e15) return std::to_string(static_cast<int64_t>(x));
  return core::FormatDouble(x);
}

std::string CanonicalText(const core::Value& v, const core::LogicalType& declared) {
  if (v.is_null()) return kNullText;
  switch (declared.id) {
    case TypeId::kBool: {
      if (auto* b = std::get_if<bool>(&v.v)) return *b ? "1" : "0";
      std::string t = core::ToLower(v.ToString());
      if (t == "true" || t == "t" || t == "1") return "1";
      if (t == "false" || t == "f" || t == "0") return "0";
      return t;
    }
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kFloat64:
      if (auto x = NumberOf(v)) return NumberTextOf(*x);
      break;
    case TypeId::kDecimal: {
      std::string text = v.ToString();
      if (declared.precision <= 18) {
        if (auto d = core::ParseDecimal(text, declared.scale)) return core::FormatDecimal(*d, declared.scale);
      } else if (auto d = core::ParseDecimal128(text, declared.scale)) {
        return core::FormatDecimal128(*d, declared.scale);
      }
      if (auto x = NumberOf(v)) return NumberTextOf(*x);
      break;
    }
    case TypeId::kDate: {
      if (v.type.id == TypeId::kDate) return core::FormatCompactDate(std::get<int32_t>(v.v));
      if (auto d = core::ParseDate(core::Trim(v.ToString()))) return core::FormatCompactDate(*d);
      break;
    }
    case TypeId::kTimestamp: {
      if (v.type.id == TypeId::kTimestamp) return std::to_string(std::get<int64_t>(v.v));
      if (auto t = core::ParseTimestamp(v.ToString())) return std::to_string(*t);
      break;
    }
    case TypeId::kString: break;
  }
  return v.ToString();
}

uint64_t RowHash(const std::vector<core::Value>& row, const CompareColumns& columns) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < columns.fields.size(); ++i) {
    static const core::Value kMissing{};
    const core::Value& v = i < row.size() ? row[i] : kMissing;
    // The common types without building their text: the same bytes CanonicalText would give.
    const TypeId declared = columns.types[i].id;
    if (v.is_null()) {
      h = Fnv(h, kNullText);
    } else if (declared == TypeId::kString && v.type.id == TypeId::kString) {
      h = Fnv(h, std::get<std::string>(v.v));
    } else {
      h = Fnv(h, CanonicalText(v, columns.types[i]));
    }
    h = Fnv(h, std::string_view("\x00\x1f", 2));
  }
  return Mix(h);
}

std::string ShowCanonical(const std::string& canon) {
  return canon == kNullText ? "NULL" : canon;
}

KeyedDiff::KeyedDiff(CompareColumns columns, size_t max_examples)
    : columns_(std::move(columns)), max_examples_(max_examples) {}

std::string KeyedDiff::KeyText(const std::vector<std::string>& canon) const {
  std::string out;
  for (size_t k : columns_.key) {
    if (!out.empty()) out += ' ';
    out += columns_.fields[k] + "=" + ShowCanonical(canon[k]);
  }
  return out;
}

std::string KeyedDiff::RowText(const std::vector<std::string>& canon) const {
  std::string out;
  for (size_t i = 0; i < canon.size(); ++i) {
    if (!out.empty()) out += ' ';
    out += columns_.fields[i] + "=" + ShowCanonical(canon[i]);
  }
  return out;
}

void KeyedDiff::Example(RowExample e) {
  size_t& n = examples_by_kind_[e.kind];
  if (n >= max_examples_) return;
  ++n;
  diff_.examples.push_back(std::move(e));
}

namespace {

std::vector<std::string> Canon(const std::vector<core::Value>& row, const CompareColumns& columns) {
  std::vector<std::string> out;
  out.reserve(columns.fields.size());
  for (size_t i = 0; i < columns.fields.size(); ++i) {
    out.push_back(i < row.size() ? CanonicalText(row[i], columns.types[i]) : std::string(kNullText));
  }
  return out;
}

}  // namespace

void KeyedDiff::AddLeft(const std::vector<core::Value>& row) {
  ++diff_.left_rows;
  std::vector<std::string> canon = Canon(row, columns_);
  std::string key = KeyText(canon);
  auto [it, inserted] = left_.try_emplace(std::move(key));
  if (!inserted) {
    ++diff_.duplicates;
    return;
  }
  it->second.canon = std::move(canon);
}

void KeyedDiff::AddRight(const std::vector<core::Value>& row) {
  ++diff_.right_rows;
  std::vector<std::string> canon = Canon(row, columns_);
  std::string key = KeyText(canon);
  if (!right_seen_.try_emplace(key, true).second) {
    ++diff_.duplicates;
    return;
  }
  auto it = left_.find(key);
  if (it == left_.end()) {
    ++diff_.only_right;
    Example({RowExample::Kind::kOnlyRight, key, "", "", RowText(canon)});
    return;
  }
  Held& held = it->second;
  held.matched = true;
  bool differs = false;
  for (size_t i = 0; i < canon.size(); ++i) {
    if (canon[i] == held.canon[i]) continue;
    differs = true;
    ++diff_.changed_by_field[columns_.fields[i]];
    Example(
        {RowExample::Kind::kChanged, key, columns_.fields[i], ShowCanonical(held.canon[i]), ShowCanonical(canon[i])});
  }
  ++(differs ? diff_.changed : diff_.same);
}

RowDiff KeyedDiff::Finish() {
  // Oldest key first among the examples of rows only on the left, so a report reads in order.
  std::map<std::string, const Held*> unmatched;
  for (const auto& [key, held] : left_) {
    if (held.matched) continue;
    ++diff_.only_left;
    unmatched.emplace(key, &held);
  }
  for (const auto& [key, held] : unmatched) {
    if (examples_by_kind_[RowExample::Kind::kOnlyLeft] >= max_examples_) break;
    Example({RowExample::Kind::kOnlyLeft, key, "", RowText(held->canon), ""});
  }
  left_.clear();
  right_seen_.clear();
  return std::move(diff_);
}

}  // namespace datasync::app
