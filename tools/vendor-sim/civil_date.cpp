#include "civil_date.hpp"

namespace datasync::vendorsim {

int DaysFromCivil(int year, int month, int day) {
  const int y = year - (month <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int mp = (month + 9) % 12;
  const int doy = (153 * mp + 2) / 5 + day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDate CivilFromDays(int days) {
  const int z = days + 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const int doe = z - era * 146097;
  const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int mp = (5 * doy + 2) / 153;
  const int d = doy - (153 * mp + 2) / 5 + 1;
  const int m = mp < 10 ? mp + 3 : mp - 9;
  return CivilDate{yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

int Weekday(int days) {
  return days >= -4 ? (days + 4) % 7 : (days + 5) % 7 + 6;
}

bool IsValidCivil(int year, int month, int day) {
  if (month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int max_day = month == 2 && leap ? 29 : kDays[month - 1];
  return day <= max_day;
}

std::optional<int> ParseYmd(std::string_view text) {
  if (text.size() != 8) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  const int year = value / 10000;
  const int month = value / 100 % 100;
  const int day = value % 100;
  if (year < 1900 || !IsValidCivil(year, month, day)) return std::nullopt;
  return DaysFromCivil(year, month, day);
}

void FormatYmd(int days, char* out) {
  const CivilDate c = CivilFromDays(days);
  int y = c.year;
  for (int i = 3; i >= 0; --i) {
    out[i] = static_cast<char>('0' + y % 10);
    y /= 10;
  }
  out[4] = static_cast<char>('0' + c.month / 10);
  out[5] = static_cast<char>('0' + c.month % 10);
  out[6] = static_cast<char>('0' + c.day / 10);
  out[7] = static_cast<char>('0' + c.day % 10);
}

std::string YmdString(int days) {
  std::string s(8, '0');
  FormatYmd(days, s.data());
  return s;
}

}  // namespace datasync::vendorsim
