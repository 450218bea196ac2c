// NdlUniverse: the synthetic US-style equity universe behind the Nasdaq Data Link simulator: tickers,
// listing and delisting days, trading days (weekdays from 2015-01-01 to 2024-12-31, minus rare halts) and
// every price, volume and fundamental value, each a pure function of (seed, ticker, day), computed on
// demand so that nothing but the ticker list lives in memory. Built once at start-up, then immutable:
// every const method is thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace datasync::vendorsim::ndl {

struct EquityBar {
  // Prices in 1/10000 of a dollar (four decimals), as the BigDecimal columns carry them.
  int64_t open = 0;
  int64_t high = 0;
  int64_t low = 0;
  int64_t close = 0;
  int64_t volume = 0;
  double adj_close = 0;
};

struct Fundamentals {
  // revenue as an exact decimal: `revenue_units` whole dollars plus `revenue_frac` / 10^12.
  bool has_revenue = false;
  int64_t revenue_units = 0;
  int64_t revenue_frac = 0;
  std::optional<double> eps;
  std::optional<int64_t> shareswa;
  bool is_restated = false;
  int report_day = 0;             // reportperiod
  int64_t last_updated_secs = 0;  // lastupdated, seconds since the epoch (UTC)
};

class NdlUniverse {
 public:
  static constexpr size_t kMaxTickers = 20000;

  NdlUniverse(size_t tickers, uint64_t seed);

  size_t size() const { return tickers_.size(); }
  // Tickers ascending (the primary-key order); index = position in this list.
  const std::string& Ticker(size_t i) const { return tickers_[i].code; }
  std::optional<size_t> Find(std::string_view ticker) const;
  // First index whose ticker is >= text (lower_bound) / > text (upper_bound).
  size_t LowerBound(std::string_view text) const;
  size_t UpperBound(std::string_view text) const;

  // The served calendar: [first_day, last_day] (day numbers since 1970-01-01).
  int first_day() const { return first_day_; }
  int last_day() const { return last_day_; }
  // Trading days of ticker i lie in [ListDay(i), DelistDay(i)): weekdays, minus rare halts.
  int ListDay(size_t i) const { return tickers_[i].list_day; }
  int DelistDay(size_t i) const { return tickers_[i].delist_day; }
  bool Trades(size_t i, int day) const;
  // The first / last trading day of ticker i (its time series' oldest/newest available date).
  int FirstTradingDay(size_t i) const;
  int LastTradingDay(size_t i) const;

  EquityBar Bar(size_t i, int day) const;

  // Fundamentals dimensions, in primary-key (string) order, and their calendar dates for ticker i.
  static const std::vector<std::string>& Dimensions();
  // Calendar dates (quarter ends for quarterly dimensions, year ends for annual ones) within the
  // ticker's listing, ascending.
  std::vector<int> CalendarDates(size_t i, size_t dimension) const;
  Fundamentals Fundamental(size_t i, size_t dimension, int calendar_day) const;

 private:
  struct Entry {
    std::string code;
    int list_day;
    int delist_day;
    uint64_t salt;
    double base_price;
    double drift_phase;
  };
  std::vector<Entry> tickers_;
  uint64_t seed_;
  int first_day_;
  int last_day_;
};

// "2024-01-02" (exactly ten characters, a real date) to a day number.
std::optional<int> ParseIsoDate(std::string_view text);
std::string IsoDate(int day);
// "2024-01-02T21:33:12Z".
std::string IsoDateTime(int64_t epoch_secs);

}  // namespace datasync::vendorsim::ndl
