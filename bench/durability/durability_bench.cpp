// What durability costs the sqlite sink (issue 17 §6): the same stream of units written with
// synchronous=normal and synchronous=full (the default: every commit fsynced before the engine marks its
// task done), one Write and one Commit per unit as the engine drives it, in WAL mode, on this machine's
// disk. Prints rows/s and microseconds per task (one unit: Write + Commit) for small units (a per-stock
// call, where the fsync dominates) and vendor-sized ones (5000 rows: a whole-market day). Plain wall-clock
// timing; asserts nothing.
//
//   durability_bench [--units N] [--dir PATH]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/daily_batch.hpp"
#include "common/temp_dir.hpp"
#include "core/dates.hpp"
#include "storage/sqlite/sqlite_sink.hpp"

namespace {

using namespace datasync;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

void Check(const core::Status& st, const char* what) {
  if (st) return;
  std::fprintf(stderr, "%s failed: %s\n", what, st.error().message().c_str());
  std::exit(1);
}

struct Result {
  double rows_per_s;
  double us_per_task;
};

Result Measure(const fs::path& dir, std::string_view synchronous, size_t rows_per_unit, int units) {
  fs::path db = dir / ("bench-" + std::string(synchronous) + "-" + std::to_string(rows_per_unit) + ".db");
  auto schema = bench::DailySchema();
  int32_t first_day = core::DaysFromCivil({2024, 1, 2});
  std::vector<core::ColumnBatch> batches;
  for (int d = 0; d < 8; ++d) batches.push_back(bench::DailyBatch(schema, first_day + d, rows_per_unit));

  storage::BindContext ctx;
  ctx.storage_name = "bench";
  ctx.dataset = "daily";
  ctx.schema = schema;
  ctx.mode = storage::WriteMode::kUpsert;
  ctx.primary_key = {"ts_code", "trade_date"};
  ctx.options.Set("path", db.string());
  ctx.options.Set("synchronous", std::string(synchronous));
  storage::SqliteSink sink;
  Check(sink.Bind(ctx), "bind");
  Check(sink.Migrate(), "migrate");
  Check(sink.Open(storage::RunContext{1}), "open");
  auto start = Clock::now();
  for (int u = 0; u < units; ++u) {
    // New units (new days) for the first 8, then rewrites of them: the upsert path of re-runs.
    Check(sink.Write(batches[static_cast<size_t>(u) % batches.size()], "unit-" + std::to_string(u)), "write");
    Check(sink.Commit(), "commit");
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  Check(sink.Close(), "close");
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
  return {static_cast<double>(rows_per_unit) * units / seconds, seconds * 1e6 / units};
}

}  // namespace

int main(int argc, char** argv) {
  int units = 200;
  fs::path dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view arg = argv[i];
    if (arg == "--units") {
      units = std::atoi(argv[i + 1]);
    } else if (arg == "--dir") {
      dir = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: durability_bench [--units N] [--dir PATH]\n");
      return 2;
    }
  }
  bool own_dir = dir.empty();
  if (own_dir) dir = bench::MakeTempDir("datasync-durability-bench-");
  std::printf("sqlite sink, WAL, %d units per case, in %s\n", units, dir.c_str());
  std::printf("%-12s %14s %14s %16s\n", "synchronous", "rows per unit", "rows/s", "us per task");
  for (size_t rows : {size_t{100}, size_t{5000}}) {
    for (std::string_view sync : {"normal", "full"}) {
      Result r = Measure(dir, sync, rows, units);
      std::printf("%-12s %14zu %14.0f %16.1f\n", std::string(sync).c_str(), rows, r.rows_per_s, r.us_per_task);
    }
  }
  if (own_dir) fs::remove_all(dir);
  return 0;
}
