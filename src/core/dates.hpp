// Calendar arithmetic on the physical date/timestamp representations (see logical_type.hpp), and the
// text forms vendors and stores use. Pure functions; no time zones here (see time_zone.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace datasync::core {

struct CivilDate {
  int32_t year;
  uint32_t month;  // 1..12
  uint32_t day;    // 1..31
  friend bool operator==(const CivilDate&, const CivilDate&) = default;
};

int32_t DaysFromCivil(CivilDate d);
CivilDate CivilFromDays(int32_t days);
bool IsValidCivil(CivilDate d);
uint32_t DaysInMonth(int32_t year, uint32_t month);
// 0 = Sunday .. 6 = Saturday.
uint32_t Weekday(int32_t days);

// "20240102" (Tushare) and "2024-01-02" (ISO) both parse; anything else is nullopt.
std::optional<int32_t> ParseDate(std::string_view s);
std::string FormatIsoDate(int32_t days);             // "2024-01-02"
void AppendIsoDate(std::string& out, int32_t days);  // FormatIsoDate without a string of its own
std::string FormatCompactDate(int32_t days);         // "20240102"

// "2024-01-02 09:30:00", "2024-01-02T09:30:00[.ffffff][Z]", "20240102 09:30:00", "20240102093000":
// microseconds since the epoch, reading the wall time as UTC.
std::optional<int64_t> ParseTimestamp(std::string_view s);
std::string FormatTimestamp(int64_t micros);  // "2024-01-02 09:30:00" (+ ".ffffff" when non-zero)

// Decimal text <-> unscaled int64 with the given scale ("12.3" at scale 2 -> 1230). Rounds half away
// from zero when the text has more fraction digits than the scale; nullopt when the value does not fit.
std::optional<int64_t> ParseDecimal(std::string_view s, uint8_t scale);
std::string FormatDecimal(int64_t unscaled, uint8_t scale);
// The same for wide decimals (precision up to 38): nullopt unless |unscaled| < 10^38, the range of
// decimal(38,s), so no text with more than 38 significant digits at the scale is ever accepted.
std::optional<__int128> ParseDecimal128(std::string_view s, uint8_t scale);
std::string FormatDecimal128(__int128 unscaled, uint8_t scale);
// 10^n for n in 0..38.
__int128 Pow10Int128(int n);
// True when |unscaled| has at most `precision` digits.
bool FitsDecimalPrecision(__int128 unscaled, int precision);

}  // namespace datasync::core
