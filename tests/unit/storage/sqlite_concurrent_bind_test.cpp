// Several plans binding one new SQLite database at once (issue 17 §15): `datasync run cal stocks` into a
// fresh `warehouse` once failed with `SQL failed (PRAGMA journal_mode=wal): database is locked`. Each round
// starts 8 sinks, one per dataset as 8 plans would, on a file that does not exist yet, released together
// (each a few milliseconds apart from the next, so that the opens, the journal-mode switch and the first
// transactions overlap in every order), and each must Bind, Migrate and commit one row; 100 rounds. A suite
// of its own, so ctest runs it beside the others.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "sink_test_support.hpp"
#include "storage/sqlite/sqlite_sink.hpp"

namespace datasync::storage::testing {
namespace {

using core::LogicalType;

constexpr int kPlans = 8;
constexpr int kRounds = 100;

// Releases every waiting thread at once, so that the opens and PRAGMAs really overlap.
class StartLine {
 public:
  explicit StartLine(int expected) : expected_(expected) {}
  void ArriveAndWait() {
    std::unique_lock lock(mutex_);
    if (++arrived_ == expected_) {
      cv_.notify_all();
      return;
    }
    cv_.wait(lock, [&] { return arrived_ == expected_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int expected_;
  int arrived_ = 0;
};

// The first column of the first row of `sql` on a connection of its own ("" when none).
std::string QueryOne(const fs::path& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  std::string out;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(handle, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(handle);
  return out;
}

std::string JournalMode(const fs::path& db) {
  return QueryOne(db, "PRAGMA journal_mode");
}

int Count(const fs::path& db, const std::string& table) {
  std::string n = QueryOne(db, "SELECT count(*) FROM \"" + table + "\"");
  return n.empty() ? -1 : std::stoi(n);
}

TEST(SqliteConcurrentBindStressTest, EightPlansBindOneNewDatabaseAtOnce) {
  auto schema = MakeSchema({{"k", LogicalType::String()}, {"v", LogicalType::Int64()}});
  TempDir tmp;
  int failed_rounds = 0;
  std::string first_error;
  for (int round = 0; round < kRounds; ++round) {
    fs::path db = tmp.path() / ("round-" + std::to_string(round)) / "warehouse.db";
    StartLine start(kPlans);
    std::atomic<int> failures{0};
    std::mutex error_mutex;
    std::vector<std::thread> plans;
    for (int p = 0; p < kPlans; ++p) {
      plans.emplace_back([&, p] {
        BindContext ctx;
        ctx.storage_name = "warehouse";
        ctx.dataset = "dataset_" + std::to_string(p);
        ctx.schema = schema;
        ctx.mode = WriteMode::kUpsert;
        ctx.primary_key = {"k"};
        ctx.options.Set("path", db.string());
        SqliteSink sink;
        start.ArriveAndWait();
        std::this_thread::sleep_for(std::chrono::microseconds((p * 7919 + round * 104729) % 30000));
        core::Status st = sink.Bind(ctx);
        if (st) st = sink.Migrate();
        if (st) st = sink.Open(RunContext{1});
        auto batch = MakeBatch(schema, {{core::Value::String("a"), core::Value::Int64(p)}});
        if (st) st = sink.Write(batch, "u");
        if (st) st = sink.Commit();
        if (st) st = sink.Finish();
        if (!st) {
          ++failures;
          std::lock_guard lock(error_mutex);
          if (first_error.empty()) first_error = st.error().message();
        }
        (void)sink.Close();
      });
    }
    for (auto& t : plans) t.join();
    if (failures > 0) ++failed_rounds;
    EXPECT_EQ(JournalMode(db), "wal") << "round " << round;
    for (int p = 0; p < kPlans && failures == 0; ++p) {
      EXPECT_EQ(Count(db, "dataset_" + std::to_string(p)), 1) << "round " << round << " plan " << p;
    }
  }
  EXPECT_EQ(failed_rounds, 0) << failed_rounds << " of " << kRounds
                              << " rounds had a plan fail; the first: " << first_error;
}

}  // namespace
}  // namespace datasync::storage::testing
