// Throughput of each sink for a Tushare `daily`-shaped stream: 11 columns (ts_code, trade_date and nine
// floats), 5000 rows per unit (about one vendor call), one Commit per unit, as the engine will drive it.
// items_per_second is rows/s; bytes_per_second is what the sink reports writing (file bytes for file
// sinks, payload bytes bound for SQLite), both over wall time because fsync is part of the cost.
// rows_per_cpu_s is rows per second of this process's CPU time (sinks write on one thread: per core),
// and bytes_per_row the stored size, to compare formats (Parquet against CSV) on the same data.
// Run: build/release/bench/sinks/sink_bench
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <string>

#include "common/daily_batch.hpp"
#include "common/temp_dir.hpp"
#include "core/dates.hpp"
#include "storage/csv/csv_format.hpp"
#include "storage/csv/csv_sink.hpp"
#include "storage/json/json_sink.hpp"
#include "storage/jsonl/jsonl_sink.hpp"
#include "storage/parquet/parquet_format.hpp"
#include "storage/parquet/parquet_sink.hpp"
#include "storage/sqlite/sqlite_sink.hpp"
#include "storage/xlsx/xlsx_sink.hpp"

namespace datasync::storage {
namespace {

namespace fs = std::filesystem;
using core::LogicalType;

constexpr size_t kRowsPerUnit = 5000;

using bench::DailySchema;

// One trading day of 5000 stocks, with prices that have realistic digit counts (uniform, independent
// columns: the hardest case for compression).
core::ColumnBatch DailyBatch(const core::SchemaPtr& schema, int32_t day) {
  return bench::DailyBatch(schema, day, kRowsPerUnit);
}

// The same day shaped like the vendor's: log-uniform prices rounded to the cent, open/high/low/close near
// pre_close, change and pct_chg derived from them, volumes in lots and amounts in thousands.
core::ColumnBatch RealisticDailyBatch(const core::SchemaPtr& schema, int32_t day) {
  core::ColumnBatch batch(schema);
  batch.Reserve(kRowsPerUnit);
  std::mt19937_64 rng(static_cast<uint64_t>(day));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);
  auto round_to = [](double v, double scale) { return std::round(v * scale) / scale; };
  for (size_t i = 0; i < kRowsPerUnit; ++i) {
    char code[16];
    std::snprintf(code, sizeof code, "%06zu.%s", i, i % 2 ? "SZ" : "SH");
    double pre = round_to(std::exp(std::log(2.0) + unit(rng) * (std::log(300.0) - std::log(2.0))), 100);
    double pct = std::clamp(normal(rng) * 2.0, -10.0, 10.0);
    double close = round_to(pre * (1 + pct / 100), 100);
    double open = round_to(pre * (1 + normal(rng) / 100), 100);
    double high = round_to(std::max(open, close) * (1 + std::abs(normal(rng)) / 100), 100);
    double low = round_to(std::min(open, close) * (1 - std::abs(normal(rng)) / 100), 100);
    double change = round_to(close - pre, 100);
    double vol = round_to(std::exp(std::log(1000.0) + unit(rng) * (std::log(5e6) - std::log(1000.0))), 100);
    batch.column(0).AppendString(code);
    batch.column(1).AppendInt32(day);
    const double values[] = {open,
                             high,
                             low,
                             close,
                             pre,
                             change,
                             round_to(change / pre * 100, 10000),
                             vol,
                             round_to(vol * close / 10, 1000)};
    for (size_t c = 0; c < 9; ++c) batch.column(2 + c).AppendFloat64(values[c]);
  }
  return batch;
}

struct Target {
  const char* id;
  WriteMode mode;
  bool partition_by_year;
  const char* option = nullptr;  // "key=value" for a variant
  bool realistic = false;        // RealisticDailyBatch instead of DailyBatch
};

double CpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

void BM_Sink(benchmark::State& state, Target target) {
  SinkRegistry registry;
  RegisterSqliteSink(registry);
  RegisterCsvSink(registry);
  RegisterJsonlSink(registry);
  RegisterJsonSink(registry);
  RegisterParquetSink(registry);
  RegisterXlsxSink(registry);
  fs::path dir = bench::MakeTempDir("datasync-sink-bench-");

  auto schema = DailySchema();
  int32_t first_day = core::DaysFromCivil({2024, 1, 2});
  std::vector<core::ColumnBatch> batches;
  for (int d = 0; d < 8; ++d) {
    batches.push_back(target.realistic ? RealisticDailyBatch(schema, first_day + d)
                                       : DailyBatch(schema, first_day + d));
  }

  BindContext ctx;
  ctx.storage_name = "bench";
  ctx.dataset = "daily";
  ctx.schema = schema;
  ctx.mode = target.mode;
  ctx.primary_key = {"ts_code", "trade_date"};
  ctx.options.Set("path", (std::string(target.id) == "sqlite" ? dir / "data.db" : dir / "files").string());
  if (target.partition_by_year) {
    ctx.options.Set("partition_by", std::string("trade_date"));
    ctx.options.Set("partition_granularity", std::string("year"));
  }
  const SinkInfo* info = registry.Find(target.id);
  if (target.option) {
    std::string kv = target.option;
    auto eq = kv.find('=');
    const core::OptionSpec* spec = core::FindOption(info->options, kv.substr(0, eq));
    auto value = spec ? core::ParseOptionScalar(*spec, kv.substr(eq + 1)) : core::Result<core::OptionValue>();
    if (!spec || !value) {
      state.SkipWithError("bad option");
      return;
    }
    ctx.options.Set(kv.substr(0, eq), *value);
  }
  auto sink = info->create();
  if (!sink->Bind(ctx) || !sink->Migrate() || !sink->Open(RunContext{1})) {
    state.SkipWithError("cannot open the sink");
    return;
  }
  size_t unit = 0;
  double cpu_start = CpuSeconds();
  for (auto _ : state) {
    const auto& batch = batches[unit % batches.size()];
    // Rewrites of the same 8 units after the first 8 iterations: the idempotent path, as on re-runs.
    if (!sink->Write(batch, "day-" + std::to_string(unit % batches.size())) || !sink->Commit()) {
      state.SkipWithError("write failed");
      break;
    }
    ++unit;
  }
  double cpu = CpuSeconds() - cpu_start;
  state.SetItemsProcessed(static_cast<int64_t>(unit * kRowsPerUnit));
  state.SetBytesProcessed(sink->stats().bytes_written);
  if (unit > 0) {
    state.counters["rows_per_cpu_s"] = static_cast<double>(unit * kRowsPerUnit) / cpu;
    state.counters["bytes_per_row"] =
        static_cast<double>(sink->stats().bytes_written) / static_cast<double>(unit * kRowsPerUnit);
  }
  (void)sink->Close();
  std::error_code ec;
  fs::remove_all(dir, ec);
}

BENCHMARK_CAPTURE(BM_Sink, csv, Target{"csv", WriteMode::kAppend, false})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Sink, csv_partitioned_year, Target{"csv", WriteMode::kAppend, true})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Sink, jsonl, Target{"jsonl", WriteMode::kAppend, false})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Sink, csv_gzip, Target{"csv", WriteMode::kAppend, false, "compression=gzip"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Sink, json, Target{"json", WriteMode::kAppend, false})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Sink, parquet_zstd, Target{"parquet", WriteMode::kAppend, false})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Sink, parquet_zstd_partitioned_year, Target{"parquet", WriteMode::kAppend, true})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Sink, parquet_snappy, Target{"parquet", WriteMode::kAppend, false, "compression=snappy"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Sink, parquet_uncompressed, Target{"parquet", WriteMode::kAppend, false, "compression=none"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Sink, csv_realistic, Target{"csv", WriteMode::kAppend, false, nullptr, true})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Sink, parquet_zstd_realistic, Target{"parquet", WriteMode::kAppend, false, nullptr, true})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Sink, parquet_zstd1_realistic,
                  Target{"parquet", WriteMode::kAppend, false, "compression_level=1", true})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Sink, xlsx, Target{"xlsx", WriteMode::kAppend, false})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Sink, sqlite_append, Target{"sqlite", WriteMode::kAppend, false})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Sink, sqlite_upsert, Target{"sqlite", WriteMode::kUpsert, false})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// One unit of a million rows (200 Writes of 5000) into one Parquet file in 16 MiB row groups, committed once:
// the size a unit test once wrote under ASan (tests/unit/storage/parquet_test.cpp now proves the byte-bounded
// split with 100 KiB groups). items_per_second is rows/s over wall time, the fsync included.
void BM_ParquetMillionRowUnit(benchmark::State& state) {
  constexpr size_t kWrites = 200;
  auto schema = DailySchema();
  int32_t first_day = core::DaysFromCivil({2024, 1, 2});
  std::vector<core::ColumnBatch> batches;
  for (int d = 0; d < 8; ++d) batches.push_back(DailyBatch(schema, first_day + d));
  fs::path dir = bench::MakeTempDir("datasync-parquet-million-");
  BindContext ctx;
  ctx.storage_name = "bench";
  ctx.dataset = "daily";
  ctx.schema = schema;
  ctx.mode = WriteMode::kAppend;
  ctx.options.Set("path", (dir / "files").string());
  ctx.options.Set("row_group_size_bytes", int64_t{16} << 20);
  int64_t rows = 0, bytes = 0;
  double cpu_start = CpuSeconds();
  for (auto _ : state) {
    ParquetSink sink;
    if (!sink.Bind(ctx) || !sink.Migrate() || !sink.Open(RunContext{1})) {
      state.SkipWithError("cannot open the sink");
      break;
    }
    for (size_t w = 0; w < kWrites; ++w) {
      if (!sink.Write(batches[w % batches.size()], "all")) state.SkipWithError("write failed");
    }
    if (!sink.Commit() || !sink.Close()) state.SkipWithError("commit failed");
    rows += static_cast<int64_t>(kWrites * kRowsPerUnit);
    bytes = sink.stats().bytes_written;
  }
  state.SetItemsProcessed(rows);
  state.counters["rows_per_cpu_s"] = static_cast<double>(rows) / (CpuSeconds() - cpu_start);
  state.counters["file_bytes"] = static_cast<double>(bytes);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

BENCHMARK(BM_ParquetMillionRowUnit)->Unit(benchmark::kMillisecond)->UseRealTime();

// The formats alone, without files, fsync or renames: 8 days (40,000 rows) encoded into one in-memory file
// per iteration, so rows_per_cpu_s is the encoder's own speed per core.
void BM_Encode(benchmark::State& state, const char* format, bool realistic) {
  auto schema = DailySchema();
  int32_t first_day = core::DaysFromCivil({2024, 1, 2});
  std::vector<core::ColumnBatch> batches;
  for (int d = 0; d < 8; ++d) {
    batches.push_back(realistic ? RealisticDailyBatch(schema, first_day + d) : DailyBatch(schema, first_day + d));
  }
  std::vector<uint32_t> rows(kRowsPerUnit);
  for (uint32_t i = 0; i < kRowsPerUnit; ++i) rows[i] = i;
  std::unique_ptr<files::RowFormat> fmt;
  if (std::string(format) == "parquet") {
    fmt = std::make_unique<parquet::ParquetFormat>(parquet::ParquetSettings{});
  } else {
    fmt = std::make_unique<csv::CsvFormat>(csv::CsvSettings{});
  }
  int64_t bytes = 0, total_rows = 0;
  double cpu_start = CpuSeconds();
  for (auto _ : state) {
    std::string out;
    auto writer = fmt->NewWriter(*schema);
    if (!writer->Begin(out)) state.SkipWithError("begin");
    for (const auto& b : batches) {
      if (!writer->WriteRows(b, rows, out)) state.SkipWithError("write");
    }
    if (!writer->End(out)) state.SkipWithError("end");
    bytes += static_cast<int64_t>(out.size());
    total_rows += static_cast<int64_t>(batches.size() * kRowsPerUnit);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(total_rows);
  state.SetBytesProcessed(bytes);
  state.counters["rows_per_cpu_s"] = static_cast<double>(total_rows) / (CpuSeconds() - cpu_start);
  state.counters["bytes_per_row"] = static_cast<double>(bytes) / static_cast<double>(total_rows);
}

BENCHMARK_CAPTURE(BM_Encode, csv, "csv", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, parquet_zstd, "parquet", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, csv_realistic, "csv", true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, parquet_zstd_realistic, "parquet", true)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace datasync::storage

BENCHMARK_MAIN();
