// Throughput of the SQLite system database on a plan-sized task ledger: AddTasks of a million tasks,
// the engine's claim/update loop in batches of 64 (one thread and several), CountTasks on the full run,
// and the file size per task. Plain wall-clock timing; prints numbers and asserts nothing.
//
//   metadata_bench [--tasks N] [--threads T] [--dir PATH]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "metadata/sqlite/sqlite_backend.hpp"

namespace {

using namespace datasync;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

void Check(bool ok, const char* what, const std::string& error) {
  if (ok) return;
  std::fprintf(stderr, "%s failed: %s\n", what, error.c_str());
  std::exit(1);
}

std::vector<sync::NewTask> MakeTasks(int64_t n) {
  // Shaped like a real backfill: one stock code per task over a trading date.
  std::vector<sync::NewTask> tasks(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    auto& t = tasks[static_cast<size_t>(i)];
    char code[16];
    std::snprintf(code, sizeof code, "%06lld.SZ", static_cast<long long>(i % 5000));
    t.params = {{"ts_code", code}, {"trade_date", std::to_string(20100101 + i / 5000)}};
    t.key = sync::TaskKey(t.params);
  }
  return tasks;
}

int64_t AddRun(sync::RunStore& runs, const std::vector<sync::NewTask>& tasks, const char* label) {
  sync::SyncRun run;
  run.plan = label;
  auto run_id = runs.CreateRun(run);
  Check(bool(run_id), "CreateRun", run_id ? "" : run_id.error().ToString());
  auto start = Clock::now();
  auto added = runs.AddTasks(*run_id, tasks);
  double secs = Seconds(start);
  Check(bool(added), "AddTasks", added ? "" : added.error().ToString());
  std::printf("AddTasks (%s): %zu tasks in %.2f s = %.0f tasks/s\n", label, tasks.size(), secs,
              static_cast<double>(tasks.size()) / secs);
  return *run_id;
}

struct DrainStats {
  int64_t tasks = 0;
  int64_t batches = 0;
  double claim_secs = 0;
  double update_secs = 0;
};

// The engine's loop: claim up to 64, mark them done.
DrainStats Drain(sync::RunStore& runs, int64_t run_id, int64_t now_us) {
  DrainStats stats;
  std::vector<sync::TaskUpdate> updates;
  while (true) {
    auto start = Clock::now();
    auto batch = runs.ClaimTasks(run_id, 64, now_us);
    stats.claim_secs += Seconds(start);
    Check(bool(batch), "ClaimTasks", batch ? "" : batch.error().ToString());
    if (batch->empty()) return stats;
    updates.clear();
    for (const auto& task : *batch) {
      updates.push_back(
          {.task_id = task.id, .state = sync::TaskState::kDone, .attempts = 1, .rows = 4000, .bytes = 250'000});
    }
    start = Clock::now();
    auto status = runs.UpdateTasks(updates);
    stats.update_secs += Seconds(start);
    Check(bool(status), "UpdateTasks", status ? "" : status.error().ToString());
    stats.tasks += static_cast<int64_t>(batch->size());
    ++stats.batches;
  }
}

void ReportClaim(const char* label, const DrainStats& stats, double secs) {
  auto tasks = static_cast<double>(stats.tasks);
  auto batches = static_cast<double>(stats.batches);
  std::printf(
      "Claim+Update x64 (%s): %lld tasks in %.2f s = %.0f tasks/s, %.1f us/task "
      "(per batch of 64, per caller: ClaimTasks %.0f us, UpdateTasks %.0f us)\n",
      label, static_cast<long long>(stats.tasks), secs, tasks / secs, secs * 1e6 / tasks,
      stats.claim_secs * 1e6 / batches, stats.update_secs * 1e6 / batches);
}

uintmax_t FileSize(const std::filesystem::path& p) {
  std::error_code ec;
  auto size = std::filesystem::file_size(p, ec);
  return ec ? 0 : size;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t n = 1'000'000;
  int threads = 4;
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("datasync-metadata-bench-" + std::to_string(::getpid()));
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    if (flag == "--tasks")
      n = std::atoll(argv[i + 1]);
    else if (flag == "--threads")
      threads = std::atoi(argv[i + 1]);
    else if (flag == "--dir")
      dir = argv[i + 1];
  }
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::filesystem::path file = dir / "datasync.db";
  const auto& clock = core::SystemClock::Instance();
  int64_t now_us = core::ToEpochMicros(clock.Now());

  auto db = metadata::sqlite::OpenSqliteSystemDb(file.string(), clock);
  Check(bool(db), "OpenSystemDb", db ? "" : db.error().ToString());
  auto& runs = (*db)->runs();
  std::printf("system db: %s (schema version %d)\n", (*db)->description().c_str(), (*db)->schema_version());

  auto tasks = MakeTasks(n);
  int64_t run_id = AddRun(runs, tasks, "single");

  auto start = Clock::now();
  auto counts = runs.CountTasks(run_id);
  std::printf("CountTasks on %lld pending: %.0f us\n", static_cast<long long>(n), Seconds(start) * 1e6);
  Check(counts && counts->pending == n, "CountTasks", "wrong pending count");

  start = Clock::now();
  auto listed = runs.ListTasks({.run_id = run_id, .limit = 100});
  std::printf("ListTasks first 100 of %lld: %.0f us\n", static_cast<long long>(n), Seconds(start) * 1e6);
  Check(listed && listed->size() == 100, "ListTasks", "wrong size");

  start = Clock::now();
  DrainStats single = Drain(runs, run_id, now_us);
  ReportClaim("1 thread", single, Seconds(start));
  counts = runs.CountTasks(run_id);
  Check(counts && counts->done == n && counts->rows == n * 4000, "CountTasks", "wrong done count");

  std::printf("file after %lld done tasks: db %.1f MB + wal %.1f MB = %.0f bytes/task\n", static_cast<long long>(n),
              static_cast<double>(FileSize(file)) / 1e6, static_cast<double>(FileSize(file.string() + "-wal")) / 1e6,
              static_cast<double>(FileSize(file) + FileSize(file.string() + "-wal")) / static_cast<double>(n));

  // Several engine threads on one SystemDb, over a second run of the same size.
  int64_t run2 = AddRun(runs, tasks, "threads");
  start = Clock::now();
  std::vector<DrainStats> per_thread(static_cast<size_t>(threads));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] { per_thread[static_cast<size_t>(t)] = Drain(runs, run2, now_us); });
  }
  for (auto& w : workers) w.join();
  double secs = Seconds(start);
  DrainStats total;
  for (const auto& p : per_thread) {
    total.tasks += p.tasks;
    total.batches += p.batches;
    total.claim_secs += p.claim_secs;
    total.update_secs += p.update_secs;
  }
  std::string label = std::to_string(threads) + " threads";
  ReportClaim(label.c_str(), total, secs);
  Check(total.tasks == n, "threads", "tasks processed != tasks added");

  db->reset();
  std::printf("file after both runs (closed): %.1f MB\n",
              static_cast<double>(FileSize(file) + FileSize(file.string() + "-wal")) / 1e6);
  std::filesystem::remove_all(dir);
  return 0;
}
