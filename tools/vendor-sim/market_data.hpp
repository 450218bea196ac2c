// MarketData: the simulator's synthetic A-share universe (stock_basic) and the per-day values of daily,
// adj_factor and daily_basic. The universe is generated once from the seed at start-up; daily values are
// pure functions of (seed, stock, day) computed on demand in O(1), so a daily call for one trade_date
// across thousands of stocks, or for ten years of one stock, needs no precomputed table and the same
// request returns identical values across restarts. Immutable after construction: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "trading_calendar.hpp"

namespace datasync::vendorsim {

// Marks a null cell in the scaled-integer rows below.
inline constexpr int64_t kNullValue = INT64_MIN;

struct Stock {
  // stock_basic columns.
  std::string ts_code;
  std::string symbol;
  std::string name;
  std::string area;
  std::string industry;
  std::string fullname;
  std::string enname;
  std::string cnspell;
  std::string market;
  std::string exchange;
  std::string curr_type;
  std::string list_status;
  std::string is_hs;
  std::optional<std::string> act_name;
  std::optional<std::string> act_ent_type;
  int list_day = 0;
  std::optional<int> delist_day;

  // Generation parameters.
  uint64_t key = 0;
  int first_row_day = 0;  // rows may exist on open days in [first_row_day, last_row_day]
  int last_row_day = -1;
  double log_base = 0, amp1 = 0, freq1 = 0, phase1 = 0, amp2 = 0, freq2 = 0, phase2 = 0, sigma = 0;
  double vol_base = 0;
  int64_t total_share = 0, float_share = 0, free_share = 0;  // 万股 × 10^4
  double eps0 = 0, eps_growth = 0, loss_prob = 0, bps0 = 0, sps0 = 0, payout = 0, payout_prob = 0;
  std::vector<std::pair<int, int64_t>> adj_steps;  // (first day, adj_factor × 10^3), ascending
};

// Prices in fen (2 decimals), pct_chg × 10^4, vol in 手 × 10^2, amount in 千元 × 10^3.
struct DailyRow {
  int64_t open, high, low, close, pre_close, change, pct_chg, vol, amount;
};

// Every value × 10^4; kNullValue for null.
struct DailyBasicRow {
  int64_t close, turnover_rate, turnover_rate_f, volume_ratio, pe, pe_ttm, pb, ps, ps_ttm, dv_ratio, dv_ttm,
      total_share, float_share, free_share, total_mv, circ_mv;
};

class MarketData {
 public:
  // The largest --stocks the code space supports.
  static size_t MaxStocks();

  MarketData(const TradingCalendar& calendar, size_t stock_count, uint64_t seed);

  const TradingCalendar& calendar() const { return calendar_; }
  // Sorted by ts_code.
  const std::vector<Stock>& stocks() const { return stocks_; }
  std::optional<size_t> Find(std::string_view ts_code) const;

  // Whether the stock has a daily/adj_factor/daily_basic row on `day` (open, listed, not suspended).
  bool HasRow(const Stock& stock, int day) const;
  DailyRow Daily(const Stock& stock, int day) const;
  int64_t AdjFactor(const Stock& stock, int day) const;  // × 10^3
  DailyBasicRow DailyBasic(const Stock& stock, int day) const;

 private:
  bool Suspended(const Stock& stock, int day) const;
  // The previous day with a row (ignoring the calendar window), or nullopt on the listing day.
  std::optional<int> PrevRowDay(const Stock& stock, int day) const;
  int64_t CloseFen(const Stock& stock, int day) const;

  const TradingCalendar& calendar_;
  std::vector<Stock> stocks_;
  std::unordered_map<std::string, size_t> by_code_;
};

}  // namespace datasync::vendorsim
