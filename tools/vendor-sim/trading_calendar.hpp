// TradingCalendar: the simulator's SSE trading calendar (SZSE and BSE share it, as they do in reality).
// Weekdays are open except an approximate, deterministic holiday table: New Year, the Spring Festival
// week, Qingming, May Day, Dragon Boat, Mid-Autumn and the National Day week (the three traditional
// single-day holidays only from 2008, when they became public holidays). Built once at start-up, then
// immutable: every const method is thread-safe.
#pragma once

#include <vector>

namespace datasync::vendorsim {

class TradingCalendar {
 public:
  // first_day/last_day (day numbers) bound what trade_cal and the daily datasets serve. Open/closed is
  // defined for any day; a table covers 1989 to a year past last_day so lookups stay O(1).
  TradingCalendar(int first_day, int last_day);

  // The holiday rule itself, for any day.
  static bool IsOpenByRule(int day);

  bool IsOpen(int day) const;
  // The latest open day strictly before `day` (pretrade_date).
  int PrevOpen(int day) const;
  // `day` if open, else the next open day.
  int NextOpenOrSame(int day) const;
  // The number of open days before `day` since 1989: a trading-time axis on which weekends and
  // holidays take no room.
  int OpenRank(int day) const;

  int first_day() const { return first_day_; }
  int last_day() const { return last_day_; }
  // Open days within [first_day, last_day], ascending.
  const std::vector<int>& open_days() const { return open_days_; }

 private:
  int first_day_;
  int last_day_;
  int table_first_;
  std::vector<unsigned char> open_;  // indexed by day - table_first_
  std::vector<int> rank_;            // indexed by day - table_first_
  std::vector<int> open_days_;
};

}  // namespace datasync::vendorsim
