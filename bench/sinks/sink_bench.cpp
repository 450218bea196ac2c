// Throughput of each sink for a Tushare `daily`-shaped stream: 11 columns (ts_code, trade_date and nine
// floats), 5000 rows per unit (about one vendor call), one Commit per unit, as the engine will drive it.
// items_per_second is rows/s; bytes_per_second is what the sink reports writing (file bytes for file
// sinks, payload bytes bound for SQLite), both over wall time because fsync is part of the cost.
// Run: build/bench/sinks/sink_bench
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "common/daily_batch.hpp"
#include "core/dates.hpp"
#include "storage/csv/csv_sink.hpp"
#include "storage/jsonl/jsonl_sink.hpp"
#include "storage/sqlite/sqlite_sink.hpp"

namespace datasync::storage {
namespace {

namespace fs = std::filesystem;

constexpr size_t kRowsPerUnit = 5000;


struct Target {
  const char* id;
  WriteMode mode;
  bool partition_by_year;
};

void BM_Sink(benchmark::State& state, Target target) {
  SinkRegistry registry;
  RegisterSqliteSink(registry);
  RegisterCsvSink(registry);
  RegisterJsonlSink(registry);
  std::string tmpl = (fs::temp_directory_path() / "datasync-sink-bench-").string() + std::string(6, 'X');  // mkdtemp template
  fs::path dir = ::mkdtemp(tmpl.data());

  auto schema = datasync::bench::DailySchema();
  int32_t first_day = core::DaysFromCivil({2024, 1, 2});
  std::vector<core::ColumnBatch> batches;
  for (int d = 0; d < 8; ++d) batches.push_back(bench::DailyBatch(schema, first_day + d, kRowsPerUnit));

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
  auto sink = registry.Find(target.id)->create();
  if (!sink->Bind(ctx) || !sink->Migrate() || !sink->Open(RunContext{1})) {
    state.SkipWithError("cannot open the sink");
    return;
  }
  size_t unit = 0;
  for (auto _ : state) {
    const auto& batch = batches[unit % batches.size()];
    // Rewrites of the same 8 units after the first 8 iterations: the idempotent path, as on re-runs.
    if (!sink->Write(batch, "day-" + std::to_string(unit % batches.size())) || !sink->Commit()) {
      state.SkipWithError("write failed");
      break;
    }
    ++unit;
  }
  state.SetItemsProcessed(static_cast<int64_t>(unit * kRowsPerUnit));
  state.SetBytesProcessed(sink->stats().bytes_written);
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
BENCHMARK_CAPTURE(BM_Sink, sqlite_append, Target{"sqlite", WriteMode::kAppend, false})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Sink, sqlite_upsert, Target{"sqlite", WriteMode::kUpsert, false})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace datasync::storage

BENCHMARK_MAIN();
