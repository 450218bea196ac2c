#include "data_modes.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "market_data.hpp"

namespace datasync::vendorsim {
namespace {

// Revised values stay far inside int64 however many revisions compound (the largest values, market caps,
// are about 10^13 scaled units; a scale is at most 1000).
constexpr int64_t kMaxRevised = 100'000'000'000'000'000;  // 10^17

// The scale as an exact decimal (mantissa / 10^exponent) from the shortest spelling that reads back as the
// same double, so 1.01 multiplies as 1.01, as a test computing with decimals expects, not as the binary
// double nearest to it.
void ToDecimal(double scale, int64_t& mantissa, int& exponent) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, scale, std::chars_format::fixed);
  if (r.ec != std::errc()) throw std::invalid_argument("data modes: scale out of range");
  mantissa = 0;
  exponent = 0;
  bool after_point = false;
  for (const char* p = buf; p != r.ptr; ++p) {
    if (*p == '.') {
      after_point = true;
      continue;
    }
    mantissa = mantissa * 10 + (*p - '0');
    if (after_point) ++exponent;
  }
}

__int128 Pow10(int n) {
  __int128 out = 1;
  for (int i = 0; i < n; ++i) out *= 10;
  return out;
}

// num / den rounded half away from zero; den > 0.
__int128 DivideRounded(__int128 num, __int128 den) {
  const __int128 q = num / den;  // truncated towards zero
  const __int128 rest = num < 0 ? -(num % den) : num % den;
  if (rest * 2 < den) return q;
  return num < 0 ? q - 1 : q + 1;
}

}  // namespace

bool RowSelector::Selects(std::string_view ts_code, int day) const {
  if ((first_day && day < *first_day) || (last_day && day > *last_day)) return false;
  return codes.empty() || std::binary_search(codes.begin(), codes.end(), ts_code);
}

BarRowModes::BarRowModes(const DataModes& modes, std::string_view api, const std::vector<std::string_view>& fields,
                         std::span<const int64_t> steps, int64_t now_ms)
    : steps_(steps) {
  const auto column_of = [&](std::string_view field) -> std::optional<size_t> {
    const auto it = std::find(fields.begin(), fields.end(), field);
    if (it == fields.end()) return std::nullopt;
    return static_cast<size_t>(it - fields.begin());
  };
  for (const Hole& hole : modes.holes) {
    if (hole.rows.api == api) holes_.push_back(&hole.rows);
  }
  for (const Revision& revision : modes.revisions) {
    if (revision.rows.api != api || (revision.after_ms && now_ms < *revision.after_ms)) continue;
    ActiveRevision active{&revision.rows, {}, 0, 0, revision.scale > 1};
    for (const std::string& field : revision.fields) {
      if (const std::optional<size_t> c = column_of(field)) active.columns.push_back(*c);
    }
    if (active.columns.empty()) continue;
    ToDecimal(revision.scale, active.mantissa, active.exponent);
    revisions_.push_back(std::move(active));
  }
  for (const BadRow& bad : modes.bad_rows) {
    if (bad.rows.api != api) continue;
    if (const std::optional<size_t> c = column_of(bad.field)) bad_rows_.push_back({&bad, *c});
  }
}

bool BarRowModes::Omits(std::string_view ts_code, int day) const {
  return std::any_of(holes_.begin(), holes_.end(),
                     [&](const RowSelector* rows) { return rows->Selects(ts_code, day); });
}

void BarRowModes::Apply(std::string_view ts_code, int day, BarCells& cells) const {
  for (const ActiveRevision& r : revisions_) {
    if (!r.rows->Selects(ts_code, day)) continue;
    for (size_t c : r.columns) {
      int64_t& value = cells.value[c];
      if (value == kNullValue || value == 0) continue;
      const int64_t step = steps_[c];
      // value × mantissa / 10^exponent, rounded to a whole number of steps.
      int64_t revised =
          static_cast<int64_t>(DivideRounded(static_cast<__int128>(value) * r.mantissa, Pow10(r.exponent) * step)) *
          step;
      if (revised == value) revised += (value > 0) == r.grows ? step : -step;
      value = std::clamp(revised, -kMaxRevised, kMaxRevised);
    }
  }
  for (const ActiveBadRow& b : bad_rows_) {
    if (!b.rule->rows.Selects(ts_code, day)) continue;
    cells.spoiled.set(b.column);
    cells.spoiled_value[b.column] = b.rule->value;
  }
}

}  // namespace datasync::vendorsim
