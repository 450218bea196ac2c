// The synthetic klines of the Binance simulator and the CSV text of an archive file. Every value is a pure
// function of (seed, symbol, market, interval, open time, revision): the price follows a smooth multi-scale
// random path of the open time (the same path for every interval, so a 1h bar's open is the first 1m bar's
// open), and the bar's own noise (high/low reach, volume, trades) is drawn from a hash of its interval and
// open time. A revision (the archive regenerated a file) moves every row's close by at least one tick and
// raises its volume by at least one step; open times and row counts never change. Pure functions,
// thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "binance/archive_path.hpp"

namespace datasync::vendorsim::binance {

// One bar; prices and quantities in units of 1e-8 (the files' 8 decimals).
struct Kline {
  int64_t open_ms;
  int64_t open, high, low, close;
  int64_t volume, quote_volume;
  int64_t count;
  int64_t taker_buy_base_volume, taker_buy_quote_volume;
};

Kline MakeKline(uint64_t seed, const SymbolSpec& symbol, Market market, const IntervalSpec& interval, int64_t open_ms,
                int revision);

// Spot files dated from 2025-01-01 give open_time/close_time in microseconds; older spot files and every
// futures file in milliseconds.
bool UsesMicroseconds(const ArchivePath& file);

// The file's CSV: one row per interval from the later of the period's start and the symbol's listing day
// (00:00 UTC) to the period's end, ascending, "\n" line ends; a header row on futures files only.
std::string KlineCsv(const ArchivePath& file, uint64_t seed, int revision);

}  // namespace datasync::vendorsim::binance
