// Civil (proleptic Gregorian) dates as day numbers since 1970-01-01, and the YYYYMMDD text form the
// Tushare wire uses. Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace datasync::vendorsim {

struct CivilDate {
  int year;
  int month;  // 1..12
  int day;    // 1..31
};

// Day number of a civil date (1970-01-01 is 0). Howard Hinnant's days_from_civil.
int DaysFromCivil(int year, int month, int day);
CivilDate CivilFromDays(int days);
// 0 = Sunday … 6 = Saturday.
int Weekday(int days);
bool IsValidCivil(int year, int month, int day);

// Strict "YYYYMMDD" (8 digits, a real calendar date) to a day number.
std::optional<int> ParseYmd(std::string_view text);
// Writes exactly 8 characters.
void FormatYmd(int days, char* out);
std::string YmdString(int days);

}  // namespace datasync::vendorsim
