#include "core/dates.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <limits>

namespace datasync::core {

// Days from civil date, proleptic Gregorian (the well-known era-based algorithm, written out here).
int32_t DaysFromCivil(CivilDate d) {
  int32_t y = d.year - (d.month <= 2 ? 1 : 0);
  const int32_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<uint32_t>(y - era * 400);
  const uint32_t doy = (153 * (d.month + (d.month > 2 ? -3 : 9)) + 2) / 5 + d.day - 1;
  const uint32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int32_t>(doe) - 719468;
}

CivilDate CivilFromDays(int32_t z) {
  z += 719468;
  const int32_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<uint32_t>(z - era * 146097);
  const uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int32_t y = static_cast<int32_t>(yoe) + era * 400;
  const uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const uint32_t mp = (5 * doy + 2) / 153;
  const uint32_t d = doy - (153 * mp + 2) / 5 + 1;
  const uint32_t m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2 ? 1 : 0), m, d};
}

uint32_t DaysInMonth(int32_t year, uint32_t month) {
  static constexpr uint32_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2) {
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return leap ? 29 : 28;
  }
  return kDays[month - 1];
}

bool IsValidCivil(CivilDate d) {
  return d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= DaysInMonth(d.year, d.month);
}

uint32_t Weekday(int32_t days) {
  return static_cast<uint32_t>(days >= -4 ? (days + 4) % 7 : (days + 5) % 7 + 6);
}

namespace {

bool Digits(std::string_view s, size_t pos, size_t n, uint32_t& out) {
  if (pos + n > s.size()) return false;
  uint32_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  out = v;
  return true;
}

// Parses the date part at the start of s; sets `used` to the characters consumed.
std::optional<int32_t> ParseDatePrefix(std::string_view s, size_t& used) {
  uint32_t y, m, d;
  if (s.size() >= 10 && s[4] == '-' && s[7] == '-') {
    if (!Digits(s, 0, 4, y) || !Digits(s, 5, 2, m) || !Digits(s, 8, 2, d)) return std::nullopt;
    used = 10;
  } else if (s.size() >= 8) {
    if (!Digits(s, 0, 4, y) || !Digits(s, 4, 2, m) || !Digits(s, 6, 2, d)) return std::nullopt;
    used = 8;
  } else {
    return std::nullopt;
  }
  CivilDate c{static_cast<int32_t>(y), m, d};
  if (!IsValidCivil(c)) return std::nullopt;
  return DaysFromCivil(c);
}

}  // namespace

std::optional<int32_t> ParseDate(std::string_view s) {
  size_t used = 0;
  auto d = ParseDatePrefix(s, used);
  if (!d || used != s.size()) return std::nullopt;
  return d;
}

std::string FormatIsoDate(int32_t days) {
  std::string out;
  AppendIsoDate(out, days);
  return out;
}

void AppendIsoDate(std::string& out, int32_t days) {
  CivilDate c = CivilFromDays(days);
  if (c.year < 0 || c.year > 9999) {  // rare: printf's sign and width rules
    char buf[24];
    int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", c.year, c.month, c.day);
    out.append(buf, static_cast<size_t>(n));
    return;
  }
  // The files' and databases' hot path: one date per row.
  auto y = static_cast<unsigned>(c.year);
  const char text[10] = {static_cast<char>('0' + y / 1000),
                         static_cast<char>('0' + y / 100 % 10),
                         static_cast<char>('0' + y / 10 % 10),
                         static_cast<char>('0' + y % 10),
                         '-',
                         static_cast<char>('0' + c.month / 10),
                         static_cast<char>('0' + c.month % 10),
                         '-',
                         static_cast<char>('0' + c.day / 10),
                         static_cast<char>('0' + c.day % 10)};
  out.append(text, sizeof text);
}

std::string FormatCompactDate(int32_t days) {
  CivilDate c = CivilFromDays(days);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", c.year, c.month, c.day);
  return buf;
}

std::optional<int64_t> ParseTimestamp(std::string_view s) {
  size_t used = 0;
  auto day = ParseDatePrefix(s, used);
  if (!day) return std::nullopt;
  int64_t micros = int64_t{*day} * 86400 * 1000000;
  std::string_view rest = s.substr(used);
  if (rest.empty()) return micros;
  uint32_t hh, mm, ss = 0;
  size_t p = 0;
  if (rest[0] == ' ' || rest[0] == 'T') p = 1;
  if (!Digits(rest, p, 2, hh)) return std::nullopt;
  p += 2;
  if (p < rest.size() && rest[p] == ':') ++p;
  if (!Digits(rest, p, 2, mm)) return std::nullopt;
  p += 2;
  if (p < rest.size() && (rest[p] == ':' || std::isdigit(static_cast<unsigned char>(rest[p])))) {
    if (rest[p] == ':') ++p;
    if (!Digits(rest, p, 2, ss)) return std::nullopt;
    p += 2;
  }
  if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  int64_t frac = 0;
  if (p < rest.size() && rest[p] == '.') {
    ++p;
    int digits = 0;
    while (p < rest.size() && rest[p] >= '0' && rest[p] <= '9') {
      if (digits < 6) {
        frac = frac * 10 + (rest[p] - '0');
        ++digits;
      }
      ++p;
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 6; ++digits) frac *= 10;
  }
  if (p < rest.size() && rest[p] == 'Z') ++p;
  if (p != rest.size()) return std::nullopt;
  return micros + (int64_t{hh} * 3600 + int64_t{mm} * 60 + ss) * 1000000 + frac;
}

std::string FormatTimestamp(int64_t micros) {
  int64_t secs = micros >= 0 ? micros / 1000000 : (micros - 999999) / 1000000;
  int64_t frac = micros - secs * 1000000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t sod = secs - days * 86400;
  std::string out = FormatIsoDate(static_cast<int32_t>(days));
  char buf[24];
  std::snprintf(buf, sizeof buf, " %02d:%02d:%02d", static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60),
                static_cast<int>(sod % 60));
  out += buf;
  if (frac != 0) {
    std::snprintf(buf, sizeof buf, ".%06d", static_cast<int>(frac));
    out += buf;
  }
  return out;
}

__int128 Pow10Int128(int n) {
  // 10^0 .. 10^38, computed once: FitsDecimalPrecision asks for one per decimal cell read.
  static const auto kPowers = [] {
    std::array<__int128, 39> p{};
    p[0] = 1;
    for (size_t k = 1; k < p.size(); ++k) p[k] = p[k - 1] * 10;
    return p;
  }();
  if (n <= 0) return 1;
  return kPowers[static_cast<size_t>(std::min(n, 38))];
}

bool FitsDecimalPrecision(__int128 unscaled, int precision) {
  const __int128 limit = Pow10Int128(std::min(precision, 38));
  return unscaled < limit && unscaled > -limit;
}

std::optional<__int128> ParseDecimal128(std::string_view s, uint8_t scale) {
  static const __int128 kLimit = Pow10Int128(38);  // exclusive bound of |unscaled| for decimal(38,s)
  static const __int128 kTenth = Pow10Int128(37);  // v * 10 + digit reaches kLimit exactly when v >= kTenth
  if (s.empty() || scale > 38) return std::nullopt;
  bool neg = false;
  size_t i = 0;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    i = 1;
  }
  __int128 v = 0;
  int frac_digits = -1;
  bool any = false, round_up = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.') {
      if (frac_digits >= 0) return std::nullopt;
      frac_digits = 0;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    any = true;
    if (frac_digits >= 0) {
      if (frac_digits == scale) {
        if (!round_up && c >= '5') round_up = true;
        frac_digits = scale + 1;  // remaining digits only matter for the first rounding digit
        continue;
      }
      if (frac_digits > scale) continue;
      ++frac_digits;
    }
    if (v >= kTenth) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (!any) return std::nullopt;
  int have = frac_digits < 0 ? 0 : std::min<int>(frac_digits, scale);
  for (int k = have; k < scale; ++k) {
    if (v >= kTenth) return std::nullopt;
    v *= 10;
  }
  if (round_up) v += 1;
  if (v >= kLimit) return std::nullopt;
  return neg ? -v : v;
}

std::optional<int64_t> ParseDecimal(std::string_view s, uint8_t scale) {
  auto v = ParseDecimal128(s, scale);
  if (!v || *v > INT64_MAX || *v < INT64_MIN) return std::nullopt;
  return static_cast<int64_t>(*v);
}

std::string FormatDecimal128(__int128 unscaled, uint8_t scale) {
  bool neg = unscaled < 0;
  // Two's complement negation in unsigned arithmetic, so the minimum value is safe as well.
  unsigned __int128 mag =
      neg ? ~static_cast<unsigned __int128>(unscaled) + 1 : static_cast<unsigned __int128>(unscaled);
  char buf[48];
  char* end = buf + sizeof buf;
  char* p = end;
  // 128-bit division is a library call per digit; the high digits go that way only while the value needs
  // more than 64 bits, the rest with 64-bit arithmetic (market data's decimals never leave it).
  while (mag > std::numeric_limits<uint64_t>::max()) {
    *--p = static_cast<char>('0' + static_cast<int>(mag % 10));
    mag /= 10;
  }
  uint64_t low = static_cast<uint64_t>(mag);
  do {
    *--p = static_cast<char>('0' + static_cast<int>(low % 10));
    low /= 10;
  } while (low);
  while (static_cast<size_t>(end - p) <= scale) *--p = '0';
  std::string out;
  size_t n = static_cast<size_t>(end - p);
  out.reserve(n + 2);
  if (neg) out.push_back('-');
  out.append(p, n - scale);
  if (scale) out.append(".").append(p + (n - scale), scale);
  return out;
}

std::string FormatDecimal(int64_t unscaled, uint8_t scale) {
  return FormatDecimal128(unscaled, scale);
}

}  // namespace datasync::core
