#include "binance/symbols.hpp"

#include <array>

#include "civil_date.hpp"

namespace datasync::vendorsim::binance {
namespace {

struct Listing {
  int year, month, day;
};

struct SymbolRow {
  std::string_view name;
  Listing spot;
  Listing futures;
  double base_price;
  int64_t tick_e8;
  int64_t step_e8;
  double volume_per_minute;
  double trade_quote;
};

// Spot listing days are the real ones; the USDⓈ-M perpetuals' are approximate (BTCUSDT opened the
// futures market in September 2019) [sim].
constexpr std::array<SymbolRow, 5> kRows = {{
    {"BTCUSDT", {2017, 8, 17}, {2019, 9, 8}, 30000.0, 1'000'000, 1'000, 15.0, 600.0},
    {"ETHUSDT", {2017, 8, 17}, {2019, 11, 27}, 2000.0, 1'000'000, 10'000, 200.0, 500.0},
    {"BNBUSDT", {2017, 11, 6}, {2020, 2, 10}, 300.0, 1'000'000, 100'000, 400.0, 300.0},
    {"SOLUSDT", {2020, 8, 11}, {2020, 9, 14}, 60.0, 1'000'000, 100'000, 3000.0, 300.0},
    {"DOGEUSDT", {2019, 7, 5}, {2020, 7, 10}, 0.12, 1'000, 100'000'000, 2'000'000.0, 200.0},
}};

const std::array<SymbolSpec, kRows.size()>& Table() {
  static const std::array<SymbolSpec, kRows.size()> table = [] {
    std::array<SymbolSpec, kRows.size()> out{};
    for (size_t i = 0; i < kRows.size(); ++i) {
      const SymbolRow& r = kRows[i];
      out[i] = SymbolSpec{r.name,
                          DaysFromCivil(r.spot.year, r.spot.month, r.spot.day),
                          DaysFromCivil(r.futures.year, r.futures.month, r.futures.day),
                          r.base_price,
                          r.tick_e8,
                          r.step_e8,
                          r.volume_per_minute,
                          r.trade_quote};
    }
    return out;
  }();
  return table;
}

constexpr int64_t kMinuteMs = 60'000;
constexpr std::array<IntervalSpec, 12> kIntervals = {{
    {"1m", kMinuteMs},
    {"3m", 3 * kMinuteMs},
    {"5m", 5 * kMinuteMs},
    {"15m", 15 * kMinuteMs},
    {"30m", 30 * kMinuteMs},
    {"1h", 60 * kMinuteMs},
    {"2h", 120 * kMinuteMs},
    {"4h", 240 * kMinuteMs},
    {"6h", 360 * kMinuteMs},
    {"8h", 480 * kMinuteMs},
    {"12h", 720 * kMinuteMs},
    {"1d", 1440 * kMinuteMs},
}};

}  // namespace

const SymbolSpec* FindSymbol(std::string_view name) {
  for (const SymbolSpec& s : Table()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

int ListingDay(const SymbolSpec& symbol, Market market) {
  return market == Market::kSpot ? symbol.spot_listing_day : symbol.futures_listing_day;
}

std::string_view MarketPath(Market market) {
  return market == Market::kSpot ? "spot" : "futures/um";
}

std::optional<IntervalSpec> FindInterval(std::string_view name) {
  for (const IntervalSpec& i : kIntervals) {
    if (i.name == name) return i;
  }
  return std::nullopt;
}

}  // namespace datasync::vendorsim::binance
