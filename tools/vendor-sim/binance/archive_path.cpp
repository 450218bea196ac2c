#include "binance/archive_path.hpp"

#include <cstdio>

#include "civil_date.hpp"
#include "sim_clock.hpp"

namespace datasync::vendorsim::binance {
namespace {

constexpr std::string_view kChecksumSuffix = ".CHECKSUM";
constexpr std::string_view kZipSuffix = ".zip";

bool ConsumePrefix(std::string_view& s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

bool ConsumeSuffix(std::string_view& s, std::string_view suffix) {
  if (s.size() < suffix.size() || s.substr(s.size() - suffix.size()) != suffix) return false;
  s.remove_suffix(suffix.size());
  return true;
}

// The next path segment (up to '/'), consumed with its slash.
std::optional<std::string_view> Segment(std::string_view& s) {
  const size_t slash = s.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  const std::string_view out = s.substr(0, slash);
  s.remove_prefix(slash + 1);
  return out;
}

bool Digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// "YYYY-MM-DD" (daily) or "YYYY-MM" (monthly), strictly, a real calendar date from 1970 on.
std::optional<int> ParseDate(std::string_view text, Period period) {
  int year, month, day = 1;
  const size_t size = period == Period::kDaily ? 10 : 7;
  if (text.size() != size || !Digits(text, 0, 4, year) || text[4] != '-' || !Digits(text, 5, 2, month)) {
    return std::nullopt;
  }
  if (period == Period::kDaily && (text[7] != '-' || !Digits(text, 8, 2, day))) return std::nullopt;
  if (year < 1970 || !IsValidCivil(year, month, day)) return std::nullopt;
  return DaysFromCivil(year, month, day);
}

int NextMonthFirstDay(int first_day) {
  const CivilDate c = CivilFromDays(first_day);
  return c.month == 12 ? DaysFromCivil(c.year + 1, 1, 1) : DaysFromCivil(c.year, c.month + 1, 1);
}

}  // namespace

int64_t ArchivePath::StartMs() const {
  return static_cast<int64_t>(first_day) * kMsPerDay;
}

int64_t ArchivePath::EndMs() const {
  const int end_day = period == Period::kDaily ? first_day + 1 : NextMonthFirstDay(first_day);
  return static_cast<int64_t>(end_day) * kMsPerDay;
}

int64_t ArchivePath::ListingMs() const {
  return static_cast<int64_t>(ListingDay(*symbol, market)) * kMsPerDay;
}

std::string ArchivePath::DateText() const {
  const CivilDate c = CivilFromDays(first_day);
  char buf[16];
  if (period == Period::kDaily) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", c.year, c.month, c.day);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d", c.year, c.month);
  }
  return buf;
}

std::string ArchivePath::Stem() const {
  std::string out(symbol->name);
  out.append("-").append(interval.name).append("-").append(DateText());
  return out;
}

std::string ArchivePath::ZipPath() const {
  std::string out = "/data/";
  out.append(MarketPath(market))
      .append(period == Period::kDaily ? "/daily" : "/monthly")
      .append("/klines/")
      .append(symbol->name)
      .append("/")
      .append(interval.name)
      .append("/")
      .append(Stem())
      .append(kZipSuffix);
  return out;
}

std::optional<ArchivePath> ParseArchivePath(std::string_view path) {
  ArchivePath out;
  std::string_view s = path;
  if (!ConsumePrefix(s, "/data/")) return std::nullopt;
  if (ConsumePrefix(s, "spot/")) {
    out.market = Market::kSpot;
  } else if (ConsumePrefix(s, "futures/um/")) {
    out.market = Market::kFuturesUm;
  } else {
    return std::nullopt;
  }
  if (ConsumePrefix(s, "daily/klines/")) {
    out.period = Period::kDaily;
  } else if (ConsumePrefix(s, "monthly/klines/")) {
    out.period = Period::kMonthly;
  } else {
    return std::nullopt;
  }
  const std::optional<std::string_view> symbol = Segment(s);
  const std::optional<std::string_view> interval = Segment(s);
  if (!symbol || !interval) return std::nullopt;
  out.symbol = FindSymbol(*symbol);
  const std::optional<IntervalSpec> spec = FindInterval(*interval);
  if (!out.symbol || !spec) return std::nullopt;
  out.interval = *spec;
  // The file name: SYMBOL-INTERVAL-DATE.zip[.CHECKSUM], naming the same symbol and interval as the folders.
  out.checksum = ConsumeSuffix(s, kChecksumSuffix);
  if (!ConsumeSuffix(s, kZipSuffix)) return std::nullopt;
  if (!ConsumePrefix(s, *symbol) || !ConsumePrefix(s, "-") || !ConsumePrefix(s, *interval) || !ConsumePrefix(s, "-")) {
    return std::nullopt;
  }
  const std::optional<int> day = ParseDate(s, out.period);
  if (!day) return std::nullopt;
  out.first_day = *day;
  return out;
}

}  // namespace datasync::vendorsim::binance
