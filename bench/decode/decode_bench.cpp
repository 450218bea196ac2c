// How fast a Tushare response becomes columns, next to the floor set by simdjson itself.
//
//   BM_SimdjsonDomParse      simdjson DOM parse of the body (validates, parses every number)
//   BM_SimdjsonOndemandWalk  simdjson On Demand reading every cell once, discarding the values
//   BM_DecodeDaily           DecodeResponse: parse + map fields + convert into a typed ColumnBatch
//
// The body is a realistic `daily` answer at the vendor's row cap: 6000 rows x 11 columns, compact
// JSON as the current server sends it, about 600 KB.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>

#include "core/time_zone.hpp"
#include "datasource/tushare/catalog.hpp"
#include "datasource/tushare/response_decoder.hpp"

namespace {

using namespace datasync;

constexpr int kRows = 6000;

// Deterministic prices and volumes with the vendor's precision (2 decimals for prices, 4 for pct_chg,
// 2 for vol, 3 for amount), over 300 stocks x 20 trading days.
std::string MakeDailyBody() {
  uint64_t seed = 0x9E3779B97F4A7C15ULL;
  auto next = [&] {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
  };
  std::string body =
      R"({"request_id":"6d1e4c4a2f8b11ef9e3b0242ac110002","code":0,"msg":"","data":{"fields":["ts_code",)"
      R"("trade_date","open","high","low","close","pre_close","change","pct_chg","vol","amount"],"items":[)";
  char row[256];
  for (int i = 0; i < kRows; ++i) {
    int stock = i % 300, day = i / 300;
    const char* exchange = stock % 2 ? "SZ" : "SH";
    int code = stock % 2 ? stock : 600000 + stock;
    double pre = 5.0 + static_cast<double>(next() % 49500) / 100.0;
    double close = pre * (0.9 + static_cast<double>(next() % 2000) / 10000.0);
    double open = pre * (0.97 + static_cast<double>(next() % 600) / 10000.0);
    double high = std::max(open, close) * (1.0 + static_cast<double>(next() % 300) / 10000.0);
    double low = std::min(open, close) * (1.0 - static_cast<double>(next() % 300) / 10000.0);
    double vol = static_cast<double>(next() % 3000000000) / 100.0;
    double amount = vol * close / 10.0;
    int n = std::snprintf(
        row, sizeof row, "%s[\"%06d.%s\",\"202401%02d\",%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.4f,%.2f,%.3f]", i ? "," : "",
        code, exchange, day + 1, open, high, low, close, pre, close - pre, (close - pre) / pre * 100.0, vol, amount);
    body.append(row, static_cast<size_t>(n));
  }
  body += R"(],"has_more":false,"count":6000}})";
  // Spare capacity, as HttpClient leaves it, so every variant parses in place.
  body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  return body;
}

const std::string& Body() {
  static const std::string body = MakeDailyBody();
  return body;
}

void BM_SimdjsonDomParse(benchmark::State& state) {
  const std::string& body = Body();
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element doc;
    if (parser.parse(body).get(doc) != simdjson::SUCCESS) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(doc);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.SetItemsProcessed(state.iterations() * kRows);
}

void BM_SimdjsonOndemandWalk(benchmark::State& state) {
  const std::string& body = Body();
  simdjson::ondemand::parser parser;
  simdjson::padded_string_view view(body.data(), body.size(), body.capacity());
  for (auto _ : state) {
    simdjson::ondemand::document doc;
    if (parser.iterate(view).get(doc) != simdjson::SUCCESS) state.SkipWithError("iterate failed");
    simdjson::ondemand::array items;
    if (doc["data"]["items"].get_array().get(items) != simdjson::SUCCESS) state.SkipWithError("no items");
    double sum = 0;
    size_t chars = 0;
    for (auto row : items) {
      int column = 0;
      for (auto cell : row.get_array()) {
        if (column++ < 2) {
          std::string_view s;
          if (cell.get_string().get(s) == simdjson::SUCCESS) chars += s.size();
        } else {
          double d;
          if (cell.get_double().get(d) == simdjson::SUCCESS) sum += d;
        }
      }
    }
    benchmark::DoNotOptimize(sum);
    benchmark::DoNotOptimize(chars);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.SetItemsProcessed(state.iterations() * kRows);
}

void BM_DecodeDaily(benchmark::State& state) {
  const std::string& body = Body();
  datasource::Dataset daily;
  for (auto& d : datasource::tushare::BuiltinDatasets("tushare")) {
    if (d.api == "daily") daily = d;
  }
  core::TimeZone tz = *core::TimeZone::Load("Asia/Shanghai");
  datasource::tushare::DecodeContext ctx;
  ctx.dataset = &daily;
  ctx.tz = &tz;
  ctx.errors.api = daily.api;
  ctx.errors.tz = &tz;
  size_t rows = 0;
  for (auto _ : state) {
    auto page = datasource::tushare::DecodeResponse(body, ctx);
    if (!page) {
      state.SkipWithError(page.error().ToString().c_str());
      break;
    }
    rows = page->batch.num_rows();
    benchmark::DoNotOptimize(page->batch.column(5).float64s().data());
  }
  if (rows != kRows) state.SkipWithError("decoded the wrong number of rows");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.SetItemsProcessed(state.iterations() * kRows);
  state.counters["body_bytes"] = static_cast<double>(body.size());
}

BENCHMARK(BM_SimdjsonDomParse)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SimdjsonOndemandWalk)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DecodeDaily)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
