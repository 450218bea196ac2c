// ArchivePath: one kline file of the Binance public archive (data.binance.vision), parsed from its URL
// path, e.g. /data/spot/daily/klines/BTCUSDT/1h/BTCUSDT-1h-2024-01-02.zip or
// /data/futures/um/monthly/klines/ETHUSDT/1d/ETHUSDT-1d-2024-01.zip.CHECKSUM. Parsing checks the shape, the
// symbol, the interval and the date text; whether the file exists yet (listing, publication) is the
// caller's question. A plain value: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "binance/symbols.hpp"

namespace datasync::vendorsim::binance {

enum class Period { kDaily, kMonthly };

struct ArchivePath {
  Market market = Market::kSpot;
  Period period = Period::kDaily;
  const SymbolSpec* symbol = nullptr;
  IntervalSpec interval{};
  int first_day = 0;  // the day, or the first day of the month (day number, UTC)
  bool checksum = false;

  // The file's period: [start, end) in epoch ms, UTC.
  int64_t StartMs() const;
  int64_t EndMs() const;
  // The symbol's listing on this market, 00:00 UTC of its listing day (epoch ms): the file has rows from
  // max(StartMs(), ListingMs()), and exists at all only when its period ends after it.
  int64_t ListingMs() const;
  bool Listed() const { return EndMs() > ListingMs(); }
  // "2024-01-02" or "2024-01".
  std::string DateText() const;
  // "BTCUSDT-1h-2024-01-02" (the zip is that + ".zip", its entry that + ".csv").
  std::string Stem() const;
  // "/data/spot/daily/klines/BTCUSDT/1h/BTCUSDT-1h-2024-01-02.zip": the zip's path, also for a CHECKSUM.
  std::string ZipPath() const;
};

// Nothing when the path is not a kline file of a known symbol and interval with a valid date.
std::optional<ArchivePath> ParseArchivePath(std::string_view path);

}  // namespace datasync::vendorsim::binance
