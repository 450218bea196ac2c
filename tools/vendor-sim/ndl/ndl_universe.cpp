#include "ndl/ndl_universe.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "civil_date.hpp"
#include "ndl/ndl_hash.hpp"
#include "sim_random.hpp"

namespace datasync::vendorsim::ndl {
namespace {

constexpr double kTwoPi = 6.283185307179586;
constexpr double kHaltChance = 0.002;
// Tickers every universe of at least this size contains, so docs and tests can name real-looking ones.
constexpr size_t kWellKnownFrom = 20;
const char* const kWellKnown[] = {"AAPL", "GE", "IBM", "KO", "MSFT"};

std::string RandomTicker(SplitMix64& rng) {
  static constexpr int kLengthWeights[] = {2, 12, 36, 40, 10};  // 1..5 letters, in percent
  int pick = static_cast<int>(rng.Between(0, 99));
  int length = 1;
  for (int w : kLengthWeights) {
    if (pick < w) break;
    pick -= w;
    ++length;
  }
  std::string code;
  for (int k = 0; k < length; ++k) code.push_back(static_cast<char>('A' + rng.Between(0, 25)));
  return code;
}

bool IsWeekday(int day) {
  const int w = Weekday(day);
  return w != 0 && w != 6;
}

}  // namespace

NdlUniverse::NdlUniverse(size_t tickers, uint64_t seed)
    : seed_(seed), first_day_(DaysFromCivil(2015, 1, 1)), last_day_(DaysFromCivil(2024, 12, 31)) {
  tickers = std::clamp<size_t>(tickers, 1, kMaxTickers);
  SplitMix64 rng(Hash3(seed, 0x4e444c, 1));
  std::set<std::string> codes;
  std::set<std::string> full_range;
  if (tickers >= kWellKnownFrom) {
    for (const char* code : kWellKnown) {
      codes.emplace(code);
      full_range.emplace(code);
    }
  }
  while (codes.size() < tickers) codes.insert(RandomTicker(rng));
  tickers_.reserve(codes.size());
  const int span = last_day_ - first_day_;
  for (const std::string& code : codes) {
    Entry e;
    e.code = code;
    e.salt = Hash3(seed, HashText(code), 0x7a);
    SplitMix64 r(e.salt);
    e.list_day = first_day_;
    e.delist_day = last_day_ + 1;
    if (full_range.count(code) == 0) {
      // About 30 % list during the decade and about 8 % delist before its end.
      if (r.Chance(0.3)) e.list_day = first_day_ + static_cast<int>(r.Between(1, span - 90));
      if (r.Chance(0.08)) e.delist_day = e.list_day + 60 + static_cast<int>(r.Between(0, last_day_ - e.list_day - 60));
    }
    e.base_price = std::exp(r.Uniform(std::log(3.0), std::log(600.0)));
    e.drift_phase = r.Uniform(0, kTwoPi);
    tickers_.push_back(std::move(e));
  }
}

std::optional<size_t> NdlUniverse::Find(std::string_view ticker) const {
  const size_t i = LowerBound(ticker);
  if (i < tickers_.size() && tickers_[i].code == ticker) return i;
  return std::nullopt;
}

size_t NdlUniverse::LowerBound(std::string_view text) const {
  return static_cast<size_t>(
      std::lower_bound(tickers_.begin(), tickers_.end(), text,
                       [](const Entry& e, std::string_view t) { return std::string_view(e.code) < t; }) -
      tickers_.begin());
}

size_t NdlUniverse::UpperBound(std::string_view text) const {
  return static_cast<size_t>(
      std::upper_bound(tickers_.begin(), tickers_.end(), text,
                       [](std::string_view t, const Entry& e) { return t < std::string_view(e.code); }) -
      tickers_.begin());
}

bool NdlUniverse::Trades(size_t i, int day) const {
  const Entry& e = tickers_[i];
  if (day < e.list_day || day >= e.delist_day || day < first_day_ || day > last_day_ || !IsWeekday(day)) return false;
  return Unit3(e.salt, static_cast<uint64_t>(day), 7) >= kHaltChance;
}

int NdlUniverse::FirstTradingDay(size_t i) const {
  int day = tickers_[i].list_day;
  while (!Trades(i, day)) ++day;  // a listing spans at least 60 days, so a trading day exists
  return day;
}

int NdlUniverse::LastTradingDay(size_t i) const {
  int day = std::min(tickers_[i].delist_day - 1, last_day_);
  while (!Trades(i, day)) --day;
  return day;
}

EquityBar NdlUniverse::Bar(size_t i, int day) const {
  const Entry& e = tickers_[i];
  const double t = day - first_day_;
  const double p1 = 700.0 + static_cast<double>(e.salt % 900);
  const double p2 = 90.0 + static_cast<double>((e.salt >> 12) % 120);
  const uint64_t d = static_cast<uint64_t>(day);
  const double log_close = std::log(e.base_price) + 0.35 * std::sin(kTwoPi * t / p1 + e.drift_phase) +
                           0.2 * std::sin(kTwoPi * t / p2 + 2 * e.drift_phase) + 0.03 * (Unit3(e.salt, d, 1) - 0.5);
  const double close = std::max(1.0, std::exp(log_close));
  const double open = close * (1 + 0.02 * (Unit3(e.salt, d, 2) - 0.5));
  const double high = std::max(open, close) * (1 + 0.015 * Unit3(e.salt, d, 3));
  const double low = std::min(open, close) * (1 - 0.015 * Unit3(e.salt, d, 4));
  EquityBar bar;
  bar.close = std::llround(close * 1e4);
  bar.open = std::llround(open * 1e4);
  bar.high = std::llround(high * 1e4);
  bar.low = std::llround(low * 1e4);
  bar.volume = static_cast<int64_t>(1e5 * std::exp(6.0 * Unit3(e.salt, d, 5)));
  // Dividend adjustment: older prices shrink by about 1.5 % a year.
  bar.adj_close = static_cast<double>(bar.close) / 1e4 * std::pow(0.985, (last_day_ - day) / 365.0);
  return bar;
}

const std::vector<std::string>& NdlUniverse::Dimensions() {
  static const std::vector<std::string> kDimensions{"ARQ", "ARY", "MRQ"};
  return kDimensions;
}

std::vector<int> NdlUniverse::CalendarDates(size_t i, size_t dimension) const {
  const Entry& e = tickers_[i];
  const bool annual = Dimensions()[dimension] == "ARY";
  std::vector<int> out;
  const CivilDate first = CivilFromDays(first_day_);
  const CivilDate last = CivilFromDays(last_day_);
  for (int year = first.year; year <= last.year; ++year) {
    static constexpr int kMonths[] = {3, 6, 9, 12};
    static constexpr int kDays[] = {31, 30, 30, 31};
    for (int q = annual ? 3 : 0; q < 4; ++q) {
      const int day = DaysFromCivil(year, kMonths[q], kDays[q]);
      if (day >= e.list_day && day < e.delist_day && day <= last_day_) out.push_back(day);
    }
  }
  return out;
}

Fundamentals NdlUniverse::Fundamental(size_t i, size_t dimension, int calendar_day) const {
  const Entry& e = tickers_[i];
  const uint64_t key = Hash3(e.salt, dimension, static_cast<uint64_t>(calendar_day));
  const auto unit = [key](uint64_t salt) { return Unit3(key, salt, 0x5f); };
  Fundamentals f;
  const bool annual = Dimensions()[dimension] == "ARY";
  const double scale = std::exp(std::log(2e6) + (std::log(4e10) - std::log(2e6)) * UnitFromHash(Mix64(e.salt)));
  f.has_revenue = unit(1) >= 0.05;
  if (f.has_revenue) {
    f.revenue_units = static_cast<int64_t>(scale * (annual ? 4.0 : 1.0) * (0.8 + 0.4 * unit(2)));
    // Most revenues are whole cents; about one in ten uses all twelve decimals of BigDecimal(34,12), more
    // digits than a double holds, so a client that parses decimals as doubles is caught.
    f.revenue_frac = unit(3) < 0.1 ? static_cast<int64_t>(Hash3(key, 4, 0) % 1000000000000ULL)
                                   : static_cast<int64_t>(Hash3(key, 5, 0) % 100) * 10000000000LL;
  }
  if (unit(6) >= 0.06) f.eps = (unit(7) - 0.25) * 8.0;
  if (unit(8) >= 0.05)
    f.shareswa = static_cast<int64_t>(std::exp(std::log(1e6) + 9.0 * UnitFromHash(Mix64(e.salt + 1))));
  f.is_restated = unit(9) < 0.1;
  f.report_day = calendar_day - static_cast<int>(e.salt % 3) * 30;
  f.last_updated_secs =
      (static_cast<int64_t>(calendar_day) + 35 + static_cast<int64_t>(Hash3(key, 10, 0) % 40)) * 86400 +
      static_cast<int64_t>(Hash3(key, 11, 0) % 86400);
  return f;
}

std::optional<int> ParseIsoDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int parts[3] = {0, 0, 0};
  const size_t starts[3] = {0, 5, 8};
  const size_t lengths[3] = {4, 2, 2};
  for (int p = 0; p < 3; ++p) {
    for (size_t k = starts[p]; k < starts[p] + lengths[p]; ++k) {
      if (text[k] < '0' || text[k] > '9') return std::nullopt;
      parts[p] = parts[p] * 10 + (text[k] - '0');
    }
  }
  if (!IsValidCivil(parts[0], parts[1], parts[2])) return std::nullopt;
  return DaysFromCivil(parts[0], parts[1], parts[2]);
}

std::string IsoDate(int day) {
  const CivilDate c = CivilFromDays(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", c.year, c.month, c.day);
  return buf;
}

std::string IsoDateTime(int64_t epoch_secs) {
  const int64_t days = epoch_secs / 86400;
  const int64_t secs = epoch_secs % 86400;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", IsoDate(static_cast<int>(days)).c_str(),
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
  return buf;
}

}  // namespace datasync::vendorsim::ndl
