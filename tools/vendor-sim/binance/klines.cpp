#include "binance/klines.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include "civil_date.hpp"
#include "sim_clock.hpp"
#include "sim_random.hpp"

namespace datasync::vendorsim::binance {
namespace {

constexpr double kE8 = 1e8;
constexpr int64_t kMinuteMs = 60'000;
constexpr const char* kFuturesHeader =
    "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,"
    "ignore\n";

// Octaves of the price path: value noise with smoothstep between hashed knots `scale` apart, each adding
// up to ±amplitude to the log price. The long scales give the trends, the short ones the bar-to-bar moves.
struct Octave {
  int64_t scale_ms;
  double amplitude;
};
constexpr std::array<Octave, 10> kOctaves = {{
    {365 * kMsPerDay, 0.70},
    {90 * kMsPerDay, 0.30},
    {21 * kMsPerDay, 0.15},
    {5 * kMsPerDay, 0.07},
    {kMsPerDay, 0.03},
    {6 * 60 * kMinuteMs, 0.012},
    {60 * kMinuteMs, 0.005},
    {15 * kMinuteMs, 0.0025},
    {4 * kMinuteMs, 0.0012},
    {kMinuteMs, 0.0006},
}};

uint64_t TextKey(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a: stable across standard libraries, unlike std::hash
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

// A uniform value in [-1, 1).
double Signed(uint64_t h) {
  return 2 * UnitFromHash(h) - 1;
}

double LogLevel(uint64_t key, int64_t t_ms) {
  double sum = 0;
  for (size_t i = 0; i < kOctaves.size(); ++i) {
    const int64_t scale = kOctaves[i].scale_ms;
    const int64_t k = FloorDiv(t_ms, scale);
    const double frac = static_cast<double>(t_ms - k * scale) / static_cast<double>(scale);
    const double smooth = frac * frac * (3 - 2 * frac);
    const double a = Signed(Hash3(key, i, static_cast<uint64_t>(k)));
    const double b = Signed(Hash3(key, i, static_cast<uint64_t>(k + 1)));
    sum += kOctaves[i].amplitude * (a + (b - a) * smooth);
  }
  return sum;
}

int64_t RoundTo(double value_e8, int64_t unit_e8) {
  return std::max<int64_t>(1, std::llround(value_e8 / static_cast<double>(unit_e8))) * unit_e8;
}

double Units(int64_t e8) {
  return static_cast<double>(e8) / kE8;
}

// Quote volume, taker volumes: derived from the volume and the bar's typical price, so a revision that
// changes the close or the volume keeps them consistent.
void DeriveQuote(Kline& k, int64_t step_e8, double taker_fraction) {
  const double typical = (Units(k.open) + Units(k.high) + Units(k.low) + Units(k.close)) / 4;
  k.quote_volume = std::llround(Units(k.volume) * typical * kE8);
  k.taker_buy_base_volume =
      static_cast<int64_t>(std::floor(Units(k.volume) * taker_fraction * kE8 / static_cast<double>(step_e8))) * step_e8;
  k.taker_buy_base_volume = std::min(k.taker_buy_base_volume, k.volume);
  k.taker_buy_quote_volume = std::llround(Units(k.taker_buy_base_volume) * typical * kE8);
}

void AppendDecimal8(std::string& out, int64_t e8) {
  char buf[32];
  if (e8 < 0) {
    out.push_back('-');
    e8 = -e8;
  }
  auto r = std::to_chars(buf, buf + sizeof buf, e8 / 100'000'000);
  out.append(buf, r.ptr);
  out.push_back('.');
  int64_t frac = e8 % 100'000'000;
  char digits[8];
  for (int i = 7; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  out.append(digits, 8);
}

void AppendInt(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

Kline MakeKline(uint64_t seed, const SymbolSpec& symbol, Market market, const IntervalSpec& interval, int64_t open_ms,
                int revision) {
  // The price path is the symbol's (both markets trade at the same price here); the bar's noise is its
  // market's and interval's.
  const uint64_t path_key = Hash3(seed, TextKey(symbol.name), 0x70617468);
  const uint64_t bar_key = Hash3(path_key, Hash3(static_cast<uint64_t>(market), static_cast<uint64_t>(interval.ms), 1),
                                 static_cast<uint64_t>(open_ms));
  const double minutes = static_cast<double>(interval.ms) / kMinuteMs;

  const double open = symbol.base_price * std::exp(LogLevel(path_key, open_ms));
  const double close = symbol.base_price * std::exp(LogLevel(path_key, open_ms + interval.ms));
  const double reach = std::min(0.04, 0.0006 * std::sqrt(minutes));
  const double high = std::max(open, close) * (1 + reach * UnitFromHash(Hash3(bar_key, 1, 0)));
  const double low = std::min(open, close) * (1 - reach * UnitFromHash(Hash3(bar_key, 2, 0)));
  const double tick = static_cast<double>(symbol.tick_e8);

  Kline k{};
  k.open_ms = open_ms;
  k.open = RoundTo(open * kE8, symbol.tick_e8);
  k.close = RoundTo(close * kE8, symbol.tick_e8);
  // Outward rounding keeps low <= min(open, close) <= max(open, close) <= high on the tick grid.
  k.high = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(high * kE8 / tick))) * symbol.tick_e8;
  k.low = std::max<int64_t>(1, static_cast<int64_t>(std::floor(low * kE8 / tick))) * symbol.tick_e8;
  k.high = std::max({k.high, k.open, k.close});
  k.low = std::min({k.low, k.open, k.close});

  const double activity = std::exp(0.5 * Signed(Hash3(bar_key, 3, 0)));
  const double volume = symbol.volume_per_minute * minutes * activity * (market == Market::kFuturesUm ? 2.5 : 1.0);
  k.volume = RoundTo(volume * kE8, symbol.step_e8);
  const double typical = (Units(k.open) + Units(k.high) + Units(k.low) + Units(k.close)) / 4;
  k.count = std::max<int64_t>(1, std::llround(Units(k.volume) * typical / symbol.trade_quote *
                                              (0.7 + 0.6 * UnitFromHash(Hash3(bar_key, 4, 0)))));
  const double taker_fraction = 0.35 + 0.3 * UnitFromHash(Hash3(bar_key, 5, 0));

  // Each revision moves the close by 1 … ~0.05 % of ticks (either way) and adds 1 step … ~1 % to the volume,
  // cumulatively, so every row differs from the previous revision.
  for (int r = 1; r <= revision; ++r) {
    const uint64_t h = Hash3(bar_key, 6, static_cast<uint64_t>(r));
    const int64_t close_ticks = k.close / symbol.tick_e8;
    const int64_t delta = 1 + static_cast<int64_t>(h % static_cast<uint64_t>(std::max<int64_t>(1, close_ticks / 2000)));
    const bool down = ((h >> 40) & 1) != 0 && close_ticks > delta;
    k.close += (down ? -delta : delta) * symbol.tick_e8;
    k.high = std::max(k.high, k.close);
    k.low = std::min(k.low, k.close);
    const int64_t steps = k.volume / symbol.step_e8;
    const uint64_t g = Hash3(bar_key, 7, static_cast<uint64_t>(r));
    k.volume +=
        (1 + static_cast<int64_t>(g % static_cast<uint64_t>(std::max<int64_t>(1, steps / 100)))) * symbol.step_e8;
  }
  DeriveQuote(k, symbol.step_e8, taker_fraction);
  return k;
}

bool UsesMicroseconds(const ArchivePath& file) {
  static const int kFirstMicrosDay = DaysFromCivil(2025, 1, 1);
  return file.market == Market::kSpot && file.first_day >= kFirstMicrosDay;
}

std::string KlineCsv(const ArchivePath& file, uint64_t seed, int revision) {
  const int64_t from = std::max(file.StartMs(), file.ListingMs());
  const int64_t to = file.EndMs();
  const int64_t unit = UsesMicroseconds(file) ? 1000 : 1;
  std::string out;
  if (from < to) out.reserve(static_cast<size_t>((to - from) / file.interval.ms + 1) * 140);
  if (file.market == Market::kFuturesUm) out.append(kFuturesHeader);
  for (int64_t t = from; t < to; t += file.interval.ms) {
    const Kline k = MakeKline(seed, *file.symbol, file.market, file.interval, t, revision);
    AppendInt(out, t * unit);
    out.push_back(',');
    AppendDecimal8(out, k.open);
    out.push_back(',');
    AppendDecimal8(out, k.high);
    out.push_back(',');
    AppendDecimal8(out, k.low);
    out.push_back(',');
    AppendDecimal8(out, k.close);
    out.push_back(',');
    AppendDecimal8(out, k.volume);
    out.push_back(',');
    AppendInt(out, (t + file.interval.ms) * unit - 1);
    out.push_back(',');
    AppendDecimal8(out, k.quote_volume);
    out.push_back(',');
    AppendInt(out, k.count);
    out.push_back(',');
    AppendDecimal8(out, k.taker_buy_base_volume);
    out.push_back(',');
    AppendDecimal8(out, k.taker_buy_quote_volume);
    out.append(",0\n");
  }
  return out;
}

}  // namespace datasync::vendorsim::binance
