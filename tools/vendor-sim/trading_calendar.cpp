#include "trading_calendar.hpp"

#include <algorithm>

#include "civil_date.hpp"

namespace datasync::vendorsim {
namespace {

struct MonthDay {
  int month;
  int day;
};

// Lunar-calendar holidays of 1990–2030 (Gregorian dates). Years outside fall back to an approximation.
constexpr int kTableFirstYear = 1990;
constexpr MonthDay kSpringFestival[] = {{1, 27}, {2, 15}, {2, 4},  {1, 23}, {2, 10}, {1, 31}, {2, 19}, {2, 7},  {1, 28},
                                        {2, 16}, {2, 5},  {1, 24}, {2, 12}, {2, 1},  {1, 22}, {2, 9},  {1, 29}, {2, 18},
                                        {2, 7},  {1, 26}, {2, 14}, {2, 3},  {1, 23}, {2, 10}, {1, 31}, {2, 19}, {2, 8},
                                        {1, 28}, {2, 16}, {2, 5},  {1, 25}, {2, 12}, {2, 1},  {1, 22}, {2, 10}, {1, 29},
                                        {2, 17}, {2, 6},  {1, 26}, {2, 13}, {2, 3}};
// Dragon Boat and Mid-Autumn from 2008 (when they became public holidays) to 2030.
constexpr int kLunarHolidayFirstYear = 2008;
constexpr MonthDay kDragonBoat[] = {{6, 8},  {5, 28}, {6, 16}, {6, 6}, {6, 23}, {6, 12}, {6, 2}, {6, 20},
                                    {6, 9},  {5, 30}, {6, 18}, {6, 7}, {6, 25}, {6, 14}, {6, 3}, {6, 22},
                                    {6, 10}, {5, 31}, {6, 19}, {6, 9}, {5, 28}, {6, 16}, {6, 5}};
constexpr MonthDay kMidAutumn[] = {{9, 14}, {10, 3}, {9, 22}, {9, 12}, {9, 30}, {9, 19}, {9, 8},  {9, 27},
                                   {9, 15}, {10, 4}, {9, 24}, {9, 13}, {10, 1}, {9, 21}, {9, 10}, {9, 29},
                                   {9, 17}, {10, 6}, {9, 25}, {9, 15}, {10, 3}, {9, 22}, {9, 12}};

int SpringFestival(int year) {
  const int i = year - kTableFirstYear;
  if (i >= 0 && i < static_cast<int>(std::size(kSpringFestival))) {
    return DaysFromCivil(year, kSpringFestival[i].month, kSpringFestival[i].day);
  }
  return DaysFromCivil(year, 2, 5);
}

int LunarHoliday(const MonthDay* table, size_t size, int year, int fallback_offset) {
  const int i = year - kLunarHolidayFirstYear;
  if (i >= 0 && i < static_cast<int>(size)) return DaysFromCivil(year, table[i].month, table[i].day);
  return SpringFestival(year) + fallback_offset;
}

// A one-day holiday also closes the weekday that bridges it to a weekend, as the State Council's
// schedules usually do: Saturday → the next Monday, Sunday → Monday, Tuesday → the Monday before,
// Thursday → the Friday after.
bool InOneDayHoliday(int day, int holiday) {
  if (day == holiday) return true;
  switch (Weekday(holiday)) {
    case 6: return day == holiday + 2;
    case 0: return day == holiday + 1;
    case 2: return day == holiday - 1;
    case 4: return day == holiday + 1;
    default: return false;
  }
}

bool IsHoliday(int day) {
  const CivilDate c = CivilFromDays(day);
  // New Year: Jan 1, or the Monday after when it falls on a weekend.
  const int new_year = DaysFromCivil(c.year, 1, 1);
  if (day == new_year) return true;
  if (Weekday(new_year) == 6 && day == new_year + 2) return true;
  if (Weekday(new_year) == 0 && day == new_year + 1) return true;
  // Spring Festival week: the eve through the sixth day.
  const int spring = SpringFestival(c.year);
  if (day >= spring - 1 && day <= spring + 6) return true;
  // National Day week.
  if (c.month == 10 && c.day <= 7) return true;
  if (c.year < kLunarHolidayFirstYear) {
    return c.month == 5 && c.day <= 7;  // the old May Day golden week
  }
  if (c.month == 5 && c.day <= 3) return true;
  const int qingming = DaysFromCivil(c.year, 4, (c.year % 4 <= 1) ? 4 : 5);
  if (InOneDayHoliday(day, qingming)) return true;
  if (InOneDayHoliday(day, LunarHoliday(kDragonBoat, std::size(kDragonBoat), c.year, 121))) return true;
  return InOneDayHoliday(day, LunarHoliday(kMidAutumn, std::size(kMidAutumn), c.year, 222));
}

}  // namespace

bool TradingCalendar::IsOpenByRule(int day) {
  const int wd = Weekday(day);
  if (wd == 0 || wd == 6) return false;
  return !IsHoliday(day);
}

TradingCalendar::TradingCalendar(int first_day, int last_day)
    : first_day_(first_day), last_day_(last_day), table_first_(DaysFromCivil(1989, 1, 1)) {
  const int table_last = std::max(last_day, table_first_) + 400;
  open_.resize(static_cast<size_t>(table_last - table_first_ + 1));
  rank_.resize(open_.size());
  int rank = 0;
  for (int d = table_first_; d <= table_last; ++d) {
    const size_t i = static_cast<size_t>(d - table_first_);
    open_[i] = IsOpenByRule(d) ? 1 : 0;
    rank_[i] = rank;
    rank += open_[i];
  }
  for (int d = first_day; d <= last_day; ++d) {
    if (IsOpen(d)) open_days_.push_back(d);
  }
}

bool TradingCalendar::IsOpen(int day) const {
  const long i = static_cast<long>(day) - table_first_;
  if (i >= 0 && i < static_cast<long>(open_.size())) return open_[static_cast<size_t>(i)] != 0;
  return IsOpenByRule(day);
}

int TradingCalendar::OpenRank(int day) const {
  const long i = static_cast<long>(day) - table_first_;
  if (i < 0) return 0;
  if (i < static_cast<long>(rank_.size())) return rank_[static_cast<size_t>(i)];
  // Beyond the table (never needed for served data): about 5 open days a week.
  return rank_.back() + static_cast<int>((i - static_cast<long>(rank_.size())) * 5 / 7);
}

int TradingCalendar::PrevOpen(int day) const {
  int d = day - 1;
  while (!IsOpen(d)) --d;
  return d;
}

int TradingCalendar::NextOpenOrSame(int day) const {
  int d = day;
  while (!IsOpen(d)) ++d;
  return d;
}

}  // namespace datasync::vendorsim
