// Test doubles of the engine's edges, shared by the sync tests: a scripted provider (the vendor is the one
// thing we script), a recording sink that can be told to fail a write or a commit, and a sink whose first
// commit blocks until the test releases it.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/column_batch.hpp"
#include "core/error.hpp"
#include "datasource/provider.hpp"
#include "datasource/splitting.hpp"
#include "storage/sink.hpp"
#include "sync/sync_plan.hpp"

namespace datasync::sync::test {

using core::ErrorKind;

inline core::SchemaPtr Schema() {
  return std::make_shared<core::Schema>(
      std::vector<core::Field>{{"day", core::LogicalType::String()}, {"n", core::LogicalType::Int64()}});
}

inline std::string Param(const datasource::Params& p, const std::string& name) {
  for (const auto& [k, v] : p) {
    if (k == name) return v;
  }
  return "";
}

// A folder of the current test's own, emptied: <tmp>/<prefix><pid>-<test name>.
inline std::filesystem::path FreshTestDir(const std::string& prefix) {
  auto dir = std::filesystem::temp_directory_path() / (prefix + std::to_string(::getpid()) + "-" +
                                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  return dir;
}

// What the engine's tests sync: plan "p" of dataset "ds" (day, n; keyed by both; row cap 1000) from source
// "vendor" (UTC), answered by a ScriptedProvider.
inline void DescribeTestTarget(datasource::DataSource& source, datasource::Dataset& dataset, SyncPlan& plan) {
  source.name = "vendor";
  source.timezone = "UTC";
  dataset.name = "ds";
  dataset.source = "vendor";
  dataset.api = "ds";
  dataset.schema = Schema();
  dataset.primary_key = {"day", "n"};
  dataset.row_cap = 1000;
  plan.name = "p";
  plan.dataset = "ds";
}

// Answers each request from a script keyed by the `day` param; by default `rows` rows.
class ScriptedProvider : public datasource::Provider {
 public:
  std::function<core::Result<datasource::Page>(const datasource::Params&, int call)> script;
  core::SchemaPtr schema = Schema();

  core::Result<datasource::RawResponse> Fetch(const datasource::FetchRequest& req) override {
    std::lock_guard lock(mu_);
    calls_[Param(req.params, "day")]++;
    total_calls_++;
    return datasource::RawResponse{200, std::string(100, 'x'), "", 0};
  }
  core::Result<datasource::Page> Decode(const datasource::FetchRequest& req,
                                        const datasource::RawResponse&) const override {
    int call;
    {
      std::lock_guard lock(mu_);
      call = calls_[Param(req.params, "day")];
    }
    return script(req.params, call);
  }
  // Narrows start/end windows, as a provider with a date-window strategy does.
  std::optional<std::vector<datasource::Params>> Split(const datasource::FetchRequest& req) const override {
    return datasource::DateWindowSplitter("start_date", "end_date").Split(req.params);
  }
  int calls(const std::string& day) const {
    std::lock_guard lock(mu_);
    auto it = calls_.find(day);
    return it == calls_.end() ? 0 : it->second;
  }
  int total_calls() const {
    std::lock_guard lock(mu_);
    return total_calls_;
  }

  datasource::Page Rows(const datasource::Params& params, int n) const {
    datasource::Page page{core::ColumnBatch(schema)};
    for (int i = 0; i < n; ++i) {
      page.batch.column(0).AppendString(Param(params, "day") + Param(params, "part"));
      page.batch.column(1).AppendInt64(i);
    }
    return page;
  }

 private:
  mutable std::mutex mu_;
  mutable std::map<std::string, int> calls_;
  int total_calls_ = 0;
};

// Keeps committed units; can fail a Write for a unit whose first cell matches, a Commit of a group that
// holds such a unit (a sink that checks rows at Commit), or the next Commit.
struct SinkLog {
  std::mutex mu;
  std::map<std::string, int64_t> committed_rows;  // unit -> rows
  std::map<std::string, int> commits_of_unit;
  std::set<std::string> fail_write_days;
  std::set<std::string> fail_commit_days;
  int fail_next_commits = 0;
  int failed_commits = 0;
  int unit_twice_in_a_commit = 0;  // commits that held two writes of one unit
};

// What both test sinks share: an upsert sink with idempotent units whose Bind, Migrate, Open and Close do
// nothing; they differ in Write, Commit and Abort.
class UpsertTestSink : public storage::Sink {
 public:
  storage::SinkCapabilities capabilities() const override {
    storage::SinkCapabilities c;
    c.upsert = true;
    c.idempotent_units = true;
    return c;
  }

 protected:
  core::Status BindImpl(const storage::BindContext&) override { return core::Ok(); }
  core::Status MigrateImpl() override { return core::Ok(); }
  core::Status OpenImpl(const storage::RunContext&) override { return core::Ok(); }
  core::Status CloseImpl() override { return core::Ok(); }
};

class RecordingSink : public UpsertTestSink {
 public:
  explicit RecordingSink(SinkLog& log) : log_(log) {}

 protected:
  core::Result<int64_t> WriteImpl(const core::ColumnBatch& batch, std::string_view unit) override {
    std::lock_guard lock(log_.mu);
    if (batch.num_rows() > 0 && log_.fail_write_days.count(std::string(batch.column(0).GetString(0)))) {
      pending_.clear();
      return core::Fail(ErrorKind::kInvalidInput, "constraint violated by " + std::string(unit));
    }
    pending_.emplace_back(unit, batch.num_rows());
    if (batch.num_rows() > 0 && log_.fail_commit_days.count(std::string(batch.column(0).GetString(0)))) {
      bad_unit_ = std::string(unit);
    }
    return static_cast<int64_t>(batch.num_rows()) * 16;
  }
  core::Status CommitImpl() override {
    std::lock_guard lock(log_.mu);
    if (log_.fail_next_commits > 0) {
      log_.fail_next_commits--;
      pending_.clear();
      return core::Fail(ErrorKind::kTransient, "server went away");
    }
    if (!bad_unit_.empty()) {
      log_.failed_commits++;
      pending_.clear();
      return core::Fail(ErrorKind::kInvalidInput, "constraint violated by " + std::exchange(bad_unit_, ""));
    }
    std::set<std::string> units;
    for (const auto& [unit, rows] : pending_) {
      if (!units.insert(unit).second) log_.unit_twice_in_a_commit++;
      log_.committed_rows[unit] = rows;
      log_.commits_of_unit[unit]++;
    }
    pending_.clear();
    return core::Ok();
  }
  core::Status AbortImpl() override {
    pending_.clear();
    bad_unit_.clear();
    return core::Ok();
  }

 private:
  SinkLog& log_;
  std::vector<std::pair<std::string, int64_t>> pending_;
  std::string bad_unit_;  // a pending unit whose rows the next Commit refuses
};

// A second storage whose first Commit blocks until the test releases it, then fails or succeeds as told;
// later commits go through. Sink::Interrupt releases it too, and from then on every write and commit fails
// (a dropped connection). Units it committed are counted like RecordingSink's.
struct CommitGate {
  std::mutex mu;
  std::condition_variable cv;
  bool blocked = false;   // the first Commit is waiting
  bool released = false;  // the test let it go on
  bool fail = false;      // ...with a lost connection
  bool used = false;
  bool interrupted = false;  // Sink::Interrupt ended the wait (it fails the commit)
  std::map<std::string, int> writes_of_unit;
  std::map<std::string, int> commits_of_unit;
};

class BlockingCommitSink : public UpsertTestSink {
 public:
  explicit BlockingCommitSink(CommitGate& gate) : gate_(gate) {}

 protected:
  core::Result<int64_t> WriteImpl(const core::ColumnBatch& batch, std::string_view unit) override {
    std::lock_guard lock(gate_.mu);
    if (gate_.interrupted) return core::Fail(ErrorKind::kTransient, "interrupted");
    gate_.writes_of_unit[std::string(unit)]++;
    pending_.emplace_back(unit);
    return static_cast<int64_t>(batch.num_rows());
  }
  core::Status CommitImpl() override {
    std::unique_lock lock(gate_.mu);
    if (!gate_.used) {
      gate_.used = true;
      gate_.blocked = true;
      gate_.cv.notify_all();
      gate_.cv.wait(lock, [&] { return gate_.released; });
      gate_.blocked = false;
      if (gate_.interrupted) {
        pending_.clear();
        return core::Fail(ErrorKind::kTransient, "interrupted");
      }
      if (gate_.fail) {
        pending_.clear();
        return core::Fail(ErrorKind::kTransient, "server closed the connection");
      }
    }
    if (gate_.interrupted) {
      pending_.clear();
      return core::Fail(ErrorKind::kTransient, "interrupted");
    }
    for (const auto& unit : pending_) gate_.commits_of_unit[unit]++;
    pending_.clear();
    return core::Ok();
  }
  core::Status AbortImpl() override {
    std::lock_guard lock(gate_.mu);
    pending_.clear();
    return core::Ok();
  }
  void InterruptImpl() override {
    std::lock_guard lock(gate_.mu);
    gate_.interrupted = true;
    gate_.released = true;
    gate_.cv.notify_all();
  }

 private:
  CommitGate& gate_;
  std::vector<std::string> pending_;
};

}  // namespace datasync::sync::test
