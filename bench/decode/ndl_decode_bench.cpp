// How fast a Nasdaq Data Link answer becomes columns, next to simdjson's own parse of the same bytes
// (decode_bench.cpp holds the Tushare side and main()).
//
//   BM_NdlTableSimdjsonDomParse  simdjson DOM parse of a full Tables API page
//   BM_NdlDecodeTable            DecodeResponse on it: parse + map columns + convert into a typed ColumnBatch
//   BM_NdlSeriesSimdjsonDomParse simdjson DOM parse of a time-series answer
//   BM_NdlDecodeSeries           DecodeResponse on it
//   BM_NdlQuoteLongNumbers       the long-number scan a decimal schema runs before parsing (json_long_numbers.hpp),
//                                on the table page (no long number: nothing copied) and on the same page with
//                                every price longer than a double holds, as BigDecimal columns may send them
//
// The table page is at the vendor's page size, 10,000 rows x 9 columns of an end-of-day price table
// (ticker String, date Date, open/high/low/close BigDecimal(34,12) stored as decimal(18,6), volume Integer,
// dividend and split double), with a next_cursor_id, compact as the vendor sends it, about 1 MB. The time
// series is 10,000 days x 6 columns of WIKI-style prices.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "core/dates.hpp"
#include "datasource/json_long_numbers.hpp"
#include "datasource/nasdaq/response_decoder.hpp"

namespace {

using namespace datasync;

constexpr int kRows = 10000;

uint64_t Next(uint64_t& seed) {
  seed ^= seed << 13;
  seed ^= seed >> 7;
  seed ^= seed << 17;
  return seed;
}

std::string Padded(std::string body) {
  body.reserve(body.size() + simdjson::SIMDJSON_PADDING);  // as HttpClient leaves it
  return body;
}

// 500 tickers x 20 days.
std::string MakeTableBody() {
  uint64_t seed = 0x2545F4914F6CDD1DULL;
  std::string body = R"({"datatable":{"data":[)";
  char row[320];
  for (int i = 0; i < kRows; ++i) {
    int ticker = i % 500, day = i / 500;
    double open = 5.0 + static_cast<double>(Next(seed) % 49500) / 100.0;
    double close = open * (0.95 + static_cast<double>(Next(seed) % 1000) / 10000.0);
    double high = std::max(open, close) * (1.0 + static_cast<double>(Next(seed) % 300) / 10000.0);
    double low = std::min(open, close) * (1.0 - static_cast<double>(Next(seed) % 300) / 10000.0);
    long long volume = static_cast<long long>(Next(seed) % 90000000);
    int n = std::snprintf(row, sizeof row, "%s[\"T%04d\",\"2024-01-%02d\",%.4f,%.4f,%.4f,%.4f,%lld,%.2f,%.1f]",
                          i ? "," : "", ticker, day + 1, open, high, low, close, volume,
                          (Next(seed) % 50 == 0) ? 0.25 : 0.0, 1.0);
    body.append(row, static_cast<size_t>(n));
  }
  body +=
      R"j(],"columns":[{"name":"ticker","type":"String"},{"name":"date","type":"Date"},)j"
      R"j({"name":"open","type":"BigDecimal(34,12)"},{"name":"high","type":"BigDecimal(34,12)"},)j"
      R"j({"name":"low","type":"BigDecimal(34,12)"},{"name":"close","type":"BigDecimal(34,12)"},)j"
      R"j({"name":"volume","type":"Integer"},{"name":"dividend","type":"double"},{"name":"split","type":"double"}]},)j"
      R"j("meta":{"next_cursor_id":"djVfMTAwMDBfMTcwMTcyODAwMA=="}})j";
  return Padded(std::move(body));
}

std::string MakeSeriesBody() {
  uint64_t seed = 0x9E3779B97F4A7C15ULL;
  std::string body = R"({"dataset_data":{"limit":null,"transform":null,"column_index":null,)"
                     R"("column_names":["Date","Open","High","Low","Close","Volume"],"start_date":"1990-01-01",)"
                     R"("end_date":"2017-05-18","frequency":"daily","data":[)";
  char row[200];
  for (int i = 0; i < kRows; ++i) {
    int32_t days = 7305 + i;  // 1990-01-01 onwards
    std::string date = core::FormatIsoDate(days);
    double open = 20.0 + static_cast<double>(Next(seed) % 20000) / 100.0;
    int n = std::snprintf(row, sizeof row, "%s[\"%s\",%.2f,%.2f,%.2f,%.2f,%.1f]", i ? "," : "", date.c_str(), open,
                          open * 1.01, open * 0.99, open * 1.002, static_cast<double>(Next(seed) % 50000000));
    body.append(row, static_cast<size_t>(n));
  }
  body += R"(],"collapse":null,"order":"asc"}})";
  return Padded(std::move(body));
}

const std::string& TableBody() {
  static const std::string body = MakeTableBody();
  return body;
}

const std::string& SeriesBody() {
  static const std::string body = MakeSeriesBody();
  return body;
}

datasource::Dataset TableDataset() {
  using core::LogicalType;
  datasource::Dataset d;
  d.name = "qsim_eod";
  d.api = "datatables/QSIM/EOD";
  d.schema = std::make_shared<const core::Schema>(std::vector<core::Field>{
      {"ticker", LogicalType::String()},
      {"date", LogicalType::Date()},
      {"open", LogicalType::Decimal(18, 6)},
      {"high", LogicalType::Decimal(18, 6)},
      {"low", LogicalType::Decimal(18, 6)},
      {"close", LogicalType::Decimal(18, 6)},
      {"volume", LogicalType::Int64()},
      {"dividend", LogicalType::Float64()},
      {"split", LogicalType::Float64()},
  });
  return d;
}

datasource::Dataset SeriesDataset() {
  using core::LogicalType;
  datasource::Dataset d;
  d.name = "wiki";
  d.api = "datasets/WIKI";
  d.schema = std::make_shared<const core::Schema>(std::vector<core::Field>{{"date", LogicalType::Date()},
                                                                           {"open", LogicalType::Float64()},
                                                                           {"high", LogicalType::Float64()},
                                                                           {"low", LogicalType::Float64()},
                                                                           {"close", LogicalType::Float64()},
                                                                           {"volume", LogicalType::Float64()}});
  return d;
}

void DomParse(benchmark::State& state, const std::string& body) {
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element doc;
    if (parser.parse(body).get(doc) != simdjson::SUCCESS) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(doc);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.SetItemsProcessed(state.iterations() * kRows);
}

void Decode(benchmark::State& state, const std::string& body, const datasource::Dataset& ds) {
  datasource::nasdaq::DecodeContext ctx;
  ctx.dataset = &ds;
  ctx.api = *datasource::nasdaq::ParseApi(ds.api);
  ctx.errors.api = ds.api;
  const datasource::Params params = {{"ticker", "ALL"}};
  ctx.params = &params;
  size_t rows = 0;
  for (auto _ : state) {
    auto page = datasource::nasdaq::DecodeResponse(200, "", body, ctx);
    if (!page) {
      state.SkipWithError(page.error().ToString().c_str());
      break;
    }
    rows = page->batch.num_rows();
    benchmark::DoNotOptimize(page->batch.column(1).int32s().data());
  }
  if (rows != kRows) state.SkipWithError("decoded the wrong number of rows");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.SetItemsProcessed(state.iterations() * kRows);
  state.counters["body_bytes"] = static_cast<double>(body.size());
}

void BM_NdlTableSimdjsonDomParse(benchmark::State& state) {
  DomParse(state, TableBody());
}
void BM_NdlDecodeTable(benchmark::State& state) {
  static const datasource::Dataset ds = TableDataset();
  Decode(state, TableBody(), ds);
}
void BM_NdlSeriesSimdjsonDomParse(benchmark::State& state) {
  DomParse(state, SeriesBody());
}
void BM_NdlDecodeSeries(benchmark::State& state) {
  static const datasource::Dataset ds = SeriesDataset();
  Decode(state, SeriesBody(), ds);
}

// The table page with every price carrying more digits than a double holds (123.4567 -> 123.4567123456789012),
// so that the scan quotes every one of them.
const std::string& LongNumberTableBody() {
  static const std::string body = [] {
    std::string b = TableBody();
    std::string out;
    out.reserve(b.size() * 2);
    for (size_t i = 0; i < b.size(); ++i) {
      out.push_back(b[i]);
      // After a price's 4 decimals (a '.' then 4 digits, then ',' or ']'), add 12 more digits.
      if (b[i] == '.' && i + 5 < b.size() && std::isdigit(static_cast<unsigned char>(b[i + 4])) &&
          (b[i + 5] == ',' || b[i + 5] == ']')) {
        out.append(b, i + 1, 4);
        out.append("123456789012");
        i += 4;
      }
    }
    return Padded(std::move(out));
  }();
  return body;
}

void QuoteScan(benchmark::State& state, const std::string& body) {
  size_t quoted_bytes = 0;
  for (auto _ : state) {
    auto out = datasource::QuoteLongNumbers(body);
    quoted_bytes = out ? out->size() : 0;
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.counters["body_bytes"] = static_cast<double>(body.size());
  state.counters["quoted_bytes"] = static_cast<double>(quoted_bytes);
}
void BM_NdlQuoteLongNumbers_None(benchmark::State& state) {
  QuoteScan(state, TableBody());
}
void BM_NdlQuoteLongNumbers_AllPrices(benchmark::State& state) {
  QuoteScan(state, LongNumberTableBody());
}

BENCHMARK(BM_NdlTableSimdjsonDomParse)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_NdlDecodeTable)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_NdlSeriesSimdjsonDomParse)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_NdlDecodeSeries)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_NdlQuoteLongNumbers_None)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_NdlQuoteLongNumbers_AllPrices)->Unit(benchmark::kMicrosecond);

}  // namespace
