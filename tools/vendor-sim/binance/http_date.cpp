#include "binance/http_date.hpp"

#include <array>
#include <cstdio>

#include "civil_date.hpp"
#include "sim_clock.hpp"

namespace datasync::vendorsim::binance {
namespace {

constexpr std::array<const char*, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 7> kLongWeekdays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                      "Thursday", "Friday", "Saturday"};
constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Reads exactly `n` digits at `pos`.
bool Digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

int Month(std::string_view s, size_t pos) {
  if (pos + 3 > s.size()) return 0;
  for (size_t m = 0; m < kMonths.size(); ++m) {
    if (s.substr(pos, 3) == kMonths[m]) return static_cast<int>(m) + 1;
  }
  return 0;
}

// "HH:MM:SS" at `pos`.
bool Clock(std::string_view s, size_t pos, int& h, int& m, int& sec) {
  return Digits(s, pos, 2, h) && pos + 8 <= s.size() && s[pos + 2] == ':' && Digits(s, pos + 3, 2, m) &&
         s[pos + 5] == ':' && Digits(s, pos + 6, 2, sec) && h <= 23 && m <= 59 && sec <= 60;
}

std::optional<int64_t> Epoch(int year, int month, int day, int h, int m, int s) {
  if (!IsValidCivil(year, month, day)) return std::nullopt;
  return static_cast<int64_t>(DaysFromCivil(year, month, day)) * 86400 + h * 3600 + m * 60 + s;
}

// "Tue, 02 Jan 2024 08:00:00 GMT"
std::optional<int64_t> ParseImf(std::string_view s) {
  int day, year, h, m, sec;
  if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s.substr(25) != " GMT" || !Digits(s, 5, 2, day) || !Digits(s, 12, 4, year) || !Clock(s, 17, h, m, sec)) {
    return std::nullopt;
  }
  const int month = Month(s, 8);
  return month ? Epoch(year, month, day, h, m, sec) : std::nullopt;
}

// "Tuesday, 02-Jan-24 08:00:00 GMT"; a two-digit year that looks more than 50 years in the future is in the
// past century (RFC 9110 §5.6.7) — for the dates this simulator sees, 70…99 → 19xx, else 20xx.
std::optional<int64_t> ParseRfc850(std::string_view s) {
  const size_t comma = s.find(", ");
  if (comma == std::string_view::npos) return std::nullopt;
  bool weekday = false;
  for (const char* w : kLongWeekdays) weekday = weekday || s.substr(0, comma) == w;
  const std::string_view rest = s.substr(comma + 2);
  int day, yy, h, m, sec;
  if (!weekday || rest.size() != 22 || rest[2] != '-' || rest[6] != '-' || rest[9] != ' ' ||
      rest.substr(18) != " GMT" || !Digits(rest, 0, 2, day) || !Digits(rest, 7, 2, yy) || !Clock(rest, 10, h, m, sec)) {
    return std::nullopt;
  }
  const int month = Month(rest, 3);
  return month ? Epoch(yy >= 70 ? 1900 + yy : 2000 + yy, month, day, h, m, sec) : std::nullopt;
}

// "Tue Jan  2 08:00:00 2024"
std::optional<int64_t> ParseAsctime(std::string_view s) {
  int day, year, h, m, sec;
  if (s.size() != 24 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[19] != ' ' || !Clock(s, 11, h, m, sec) ||
      !Digits(s, 20, 4, year)) {
    return std::nullopt;
  }
  if (s[8] == ' ') {
    if (!Digits(s, 9, 1, day)) return std::nullopt;
  } else if (!Digits(s, 8, 2, day)) {
    return std::nullopt;
  }
  const int month = Month(s, 4);
  return month ? Epoch(year, month, day, h, m, sec) : std::nullopt;
}

}  // namespace

std::string FormatHttpDate(int64_t epoch_secs) {
  const int64_t days = FloorDiv(epoch_secs, 86400);
  const int64_t sod = epoch_secs - days * 86400;
  const CivilDate c = CivilFromDays(static_cast<int>(days));
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kWeekdays[Weekday(static_cast<int>(days))],
                c.day, kMonths[c.month - 1], c.year, static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60),
                static_cast<int>(sod % 60));
  return buf;
}

std::optional<int64_t> ParseHttpDate(std::string_view text) {
  if (auto t = ParseImf(text)) return t;
  if (auto t = ParseRfc850(text)) return t;
  return ParseAsctime(text);
}

}  // namespace datasync::vendorsim::binance
