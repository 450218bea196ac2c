// Engine overhead: everything the engine does per task except the vendor call and the storage write
// (plan, persist, claim, quota, decode hand-off, sink queue, ack, ledger), against the real SQLite system
// database. The provider answers from memory with one row and the sink only counts, so what is measured is
// the engine. Prints CPU microseconds per task and the peak RSS.
//
// Usage: engine_bench [TASKS ...]   (default: 100000 1000000)
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "core/dates.hpp"
#include "generation/argument_generator.hpp"
#include "metadata/sqlite/sqlite_backend.hpp"
#include "sync/executor.hpp"
#include "sync/planner.hpp"

namespace ds = datasync;

namespace {

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double PeakRssMiB() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

ds::core::SchemaPtr Schema() {
  return std::make_shared<ds::core::Schema>(
      std::vector<ds::core::Field>{{"k", ds::core::LogicalType::String()}, {"v", ds::core::LogicalType::Float64()}});
}

class MemoryProvider : public ds::datasource::Provider {
 public:
  ds::core::Result<ds::datasource::RawResponse> Fetch(const ds::datasource::FetchRequest&) override {
    return ds::datasource::RawResponse{200, "{}", "", 0};
  }
  ds::core::Result<ds::datasource::Page> Decode(const ds::datasource::FetchRequest& req,
                                                const ds::datasource::RawResponse&) const override {
    ds::datasource::Page page{ds::core::ColumnBatch(schema_)};
    page.batch.column(0).AppendString(req.params.empty() ? "" : req.params[0].second);
    page.batch.column(1).AppendFloat64(1.5);
    return page;
  }

 private:
  ds::core::SchemaPtr schema_ = Schema();
};

class CountingSink : public ds::storage::Sink {
 public:
  ds::storage::SinkCapabilities capabilities() const override {
    ds::storage::SinkCapabilities c;
    c.upsert = true;
    return c;
  }
  int64_t rows = 0;

 protected:
  ds::core::Status BindImpl(const ds::storage::BindContext&) override { return ds::core::Ok(); }
  ds::core::Status MigrateImpl() override { return ds::core::Ok(); }
  ds::core::Status OpenImpl(const ds::storage::RunContext&) override { return ds::core::Ok(); }
  ds::core::Result<int64_t> WriteImpl(const ds::core::ColumnBatch& b, std::string_view) override {
    rows += static_cast<int64_t>(b.num_rows());
    return int64_t{0};
  }
  ds::core::Status CommitImpl() override { return ds::core::Ok(); }
  ds::core::Status AbortImpl() override { return ds::core::Ok(); }
  ds::core::Status CloseImpl() override { return ds::core::Ok(); }
};

int Measure(int64_t tasks) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("ds-engine-bench-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const auto& clock = ds::core::SystemClock::Instance();
  auto db = ds::metadata::sqlite::OpenSqliteSystemDb((dir / "sys.db").string(), clock);
  if (!db) {
    std::fprintf(stderr, "%s\n", db.error().ToString().c_str());
    return 1;
  }
  ds::datasource::DataSource source;
  source.name = "mem";
  source.timezone = "UTC";
  ds::datasource::Dataset dataset;
  dataset.name = "d";
  dataset.source = "mem";
  dataset.api = "d";
  dataset.schema = Schema();
  dataset.primary_key = {"k"};
  ds::sync::SyncPlan plan;
  plan.name = "bench";
  plan.dataset = "d";
  // A date range times a list: the generator enumerates the product lazily.
  ds::generation::ParamSource codes{"ts_code", ds::generation::ParamSource::Kind::kList, {}};
  for (int i = 0; i < 100; ++i) codes.values.push_back(std::to_string(600000 + i) + ".SH");
  ds::generation::ParamSource days;
  days.name = "trade_date";
  days.kind = ds::generation::ParamSource::Kind::kDateRange;
  days.start = "19000101";
  days.end = ds::core::FormatCompactDate(ds::core::DaysFromCivil({1900, 1, 1}) + static_cast<int32_t>(tasks / 100) - 1);
  plan.args.params = {days, codes};

  double cpu0 = CpuSeconds();
  auto t0 = std::chrono::steady_clock::now();
  auto gen = ds::generation::ArgumentGenerator::Make(plan.args, {});
  auto run_id = ds::sync::PlanRun((*db)->runs(), plan, **gen, "bench", clock);
  if (!run_id) {
    std::fprintf(stderr, "%s\n", run_id.error().ToString().c_str());
    return 1;
  }
  double plan_cpu = CpuSeconds() - cpu0;
  double plan_wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  MemoryProvider provider;
  ds::sync::Quota quota(ds::datasource::QuotaLimits{}, clock, ds::core::TimeZone::Utc());
  auto sink = std::make_unique<CountingSink>();
  CountingSink* counter = sink.get();
  ds::storage::BindContext ctx;
  ctx.storage_name = "count";
  ctx.dataset = "d";
  ctx.schema = dataset.schema;
  ctx.primary_key = dataset.primary_key;
  (void)sink->Bind(ctx);
  (void)sink->Migrate();
  ds::sync::ExecutorDeps deps;
  deps.store = &(*db)->runs();
  deps.provider = &provider;
  deps.source = &source;
  deps.dataset = &dataset;
  deps.plan = &plan;
  deps.quota = &quota;
  deps.clock = &clock;
  deps.sinks.push_back({"count", "count", std::move(sink)});
  ds::sync::ExecutorOptions opt;
  opt.fetch_workers = 4;
  ds::sync::Executor executor(std::move(deps), std::move(opt));
  auto run = (*db)->runs().GetRun(*run_id);
  double cpu1 = CpuSeconds();
  auto t1 = std::chrono::steady_clock::now();
  auto report = executor.Execute(**run);
  double exec_cpu = CpuSeconds() - cpu1;
  double exec_wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  if (!report || report->status != "succeeded" || counter->rows != tasks) {
    std::fprintf(stderr, "run did not succeed: %s\n",
                 report ? report->status.c_str() : report.error().ToString().c_str());
    return 1;
  }
  std::printf(
      "%8lld tasks | plan: %.2f s wall, %.2f us CPU/task | execute: %.2f s wall (%.0f tasks/s), %.2f us CPU/task | "
      "peak RSS %.1f MiB\n",
      static_cast<long long>(tasks), plan_wall, plan_cpu * 1e6 / static_cast<double>(tasks), exec_wall,
      static_cast<double>(tasks) / exec_wall, exec_cpu * 1e6 / static_cast<double>(tasks), PeakRssMiB());
  db->reset();
  fs::remove_all(dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int64_t> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::stoll(argv[i]));
  if (sizes.empty()) sizes = {100'000, 1'000'000};
  for (int64_t n : sizes) {
    if (int rc = Measure(n / 100 * 100); rc != 0) return rc;
  }
  return 0;
}
