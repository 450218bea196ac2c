#include "storage/files/part_versions.hpp"

#include <cstring>

#include "core/strings.hpp"

namespace datasync::storage::files {

namespace {

constexpr std::string_view kVersionMark = ".v";
constexpr size_t kStampDigits = 16;
constexpr size_t kDigestDigits = 16;

// splitmix64's finaliser: every input bit moves about half the output bits.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t Combine(uint64_t h, uint64_t v) {
  return Mix(h ^ Mix(v));
}

bool AllDigits(std::string_view s, bool hex) {
  for (char c : s) {
    bool ok = (c >= '0' && c <= '9') || (hex && c >= 'a' && c <= 'f');
    if (!ok) return false;
  }
  return !s.empty();
}

}  // namespace

std::string VersionedUnitName(std::string_view unit, int64_t stamp_us, uint64_t digest) {
  std::string stamp = std::to_string(stamp_us < 0 ? 0 : stamp_us);
  if (stamp.size() < kStampDigits) stamp.insert(0, kStampDigits - stamp.size(), '0');
  return std::string(unit) + std::string(kVersionMark) + stamp + "-" + core::Hex64(digest);
}

std::optional<PartVersion> ParseVersionedUnit(std::string_view name) {
  const size_t tail = kVersionMark.size() + kStampDigits + 1 + kDigestDigits;
  if (name.size() <= tail) return std::nullopt;
  std::string_view rest = name.substr(name.size() - tail);
  if (!rest.starts_with(kVersionMark) || rest[kVersionMark.size() + kStampDigits] != '-') return std::nullopt;
  std::string_view stamp = rest.substr(kVersionMark.size(), kStampDigits);
  std::string_view digest = rest.substr(kVersionMark.size() + kStampDigits + 1);
  if (!AllDigits(stamp, false) || !AllDigits(digest, true)) return std::nullopt;
  PartVersion v;
  v.unit = std::string(name.substr(0, name.size() - tail));
  v.stamp_us = std::stoll(std::string(stamp));
  v.digest = std::stoull(std::string(digest), nullptr, 16);
  return v;
}

void RowsDigest::Add(const core::ColumnBatch& batch, size_t row) {
  uint64_t h = 0x243f6a8885a308d3ULL;
  for (size_t c = 0; c < batch.num_columns(); ++c) {
    const core::Column& col = batch.column(c);
    h = Combine(h, c);
    if (!col.IsValid(row)) {
      h = Combine(h, 0x6e756c6cULL);  // NULL differs from every value, 0 and "" too
      continue;
    }
    using core::TypeId;
    switch (col.type().id) {
      case TypeId::kBool: h = Combine(h, col.GetBool(row) ? 2 : 1); break;
      case TypeId::kInt32:
      case TypeId::kDate: h = Combine(h, static_cast<uint64_t>(static_cast<int64_t>(col.GetInt32(row)))); break;
      case TypeId::kInt64:
      case TypeId::kTimestamp: h = Combine(h, static_cast<uint64_t>(col.GetInt64(row))); break;
      case TypeId::kDecimal: {
        core::Int128 v = col.GetDecimal(row);
        h = Combine(Combine(h, static_cast<uint64_t>(v)), static_cast<uint64_t>(v >> 64));
        break;
      }
      case TypeId::kFloat64: {
        double d = col.GetFloat64(row);
        if (d == 0) d = 0;  // -0.0 equals 0.0
        uint64_t bits;
        std::memcpy(&bits, &d, sizeof bits);
        h = Combine(h, bits);
        break;
      }
      case TypeId::kString: {
        std::string_view s = col.GetString(row);
        h = Combine(h, core::Fnv1a64(s) ^ s.size());
        break;
      }
    }
  }
  sum_ += h;
  ++rows_;
}

}  // namespace datasync::storage::files
