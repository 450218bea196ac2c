// The Binance simulator's fixed symbol universe and its markets. Each symbol has a listing day per market
// (its first archive file) and the scales of its synthetic data: a base price, the exchange's price tick and
// quantity step (the 8-decimal text of a real file carries values on those grids), a typical volume per
// minute and a typical trade size. Immutable tables: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace datasync::vendorsim::binance {

enum class Market { kSpot, kFuturesUm };

struct SymbolSpec {
  std::string_view name;
  int spot_listing_day;      // day number (see civil_date.hpp)
  int futures_listing_day;   // of the USDⓈ-M perpetual
  double base_price;         // USDT, the centre of the synthetic price path
  int64_t tick_e8;           // price tick in 1e-8 units (0.01 = 1'000'000)
  int64_t step_e8;           // quantity step in 1e-8 units
  double volume_per_minute;  // base asset, spot; futures trade about 2.5 times as much
  double trade_quote;        // USDT per trade on average (drives `count`)
};

const SymbolSpec* FindSymbol(std::string_view name);
int ListingDay(const SymbolSpec& symbol, Market market);

// "spot" / "futures/um", as in the path.
std::string_view MarketPath(Market market);

// The kline intervals the simulator publishes (the archive's 1s, 3d, 1w and 1mo are not simulated).
struct IntervalSpec {
  std::string_view name;
  int64_t ms;
};
std::optional<IntervalSpec> FindInterval(std::string_view name);

}  // namespace datasync::vendorsim::binance
