// The sink-writer pool on its own, as a stream runner would use it: opaque tokens in, one ack per token out,
// only after every sink committed the unit; a failed write or commit fails exactly the units it lost.
#include "sync/sink_writer_pool.hpp"

#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "unit/sync/engine_doubles.hpp"

namespace datasync::sync {
namespace {

using namespace test;

std::shared_ptr<const core::ColumnBatch> Batch(const std::string& day, int rows) {
  ScriptedProvider rows_of;
  return std::make_shared<const core::ColumnBatch>(rows_of.Rows({{"day", day}}, rows).batch);
}

std::unique_ptr<storage::Sink> OpenSink(SinkLog& log, const std::string& name) {
  auto sink = std::make_unique<RecordingSink>(log);
  storage::BindContext ctx;
  ctx.storage_name = name;
  ctx.dataset = "ds";
  ctx.schema = Schema();
  ctx.primary_key = {"day", "n"};
  EXPECT_TRUE(sink->Bind(ctx));
  EXPECT_TRUE(sink->Migrate());
  EXPECT_TRUE(sink->Open(storage::RunContext{1}));
  return sink;
}

struct Acks {
  std::mutex mu;
  std::map<int64_t, int> count;
  std::map<int64_t, std::optional<core::Error>> error;
  std::map<int64_t, bool> durable_everywhere;  // at ack time, every sink had committed the unit

  // The pool's OnDurable: counts each token's acks and keeps its error.
  SinkWriterPool::OnDurable Recorder() {
    return [this](int64_t token, const std::optional<core::Error>& e) {
      std::lock_guard lock(mu);
      count[token]++;
      error[token] = e;
    };
  }
};

TEST(SinkWriterPoolTest, EveryUnitIsAckedOnceAfterEverySinkCommittedIt) {
  SinkLog a, b;
  auto sa = OpenSink(a, "a");
  auto sb = OpenSink(b, "b");
  Acks acks;
  SinkWriterPool pool({{"a", sa.get()}, {"b", sb.get()}}, {2, 4}, [&](int64_t token, const auto& error) {
    std::string unit = "u" + std::to_string(token);
    bool everywhere;
    {
      std::scoped_lock logs(a.mu, b.mu);
      everywhere = a.committed_rows.count(unit) && b.committed_rows.count(unit);
    }
    std::lock_guard lock(acks.mu);
    acks.count[token]++;
    acks.error[token] = error;
    acks.durable_everywhere[token] = everywhere;
  });
  EXPECT_EQ(pool.sinks(), 2u);
  pool.Start();
  for (int i = 0; i < 20; ++i) pool.Submit(i, "u" + std::to_string(i), Batch("d" + std::to_string(i), 3));
  pool.Close();
  ASSERT_EQ(acks.count.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(acks.count[i], 1) << i;
    EXPECT_FALSE(acks.error[i]) << i;
    EXPECT_TRUE(acks.durable_everywhere[i]) << i;
    EXPECT_EQ(a.commits_of_unit["u" + std::to_string(i)], 1);
    EXPECT_EQ(b.commits_of_unit["u" + std::to_string(i)], 1);
  }
  EXPECT_EQ(pool.queued(), 0u);
}

// A plan that lists one argument set twice makes two tasks of one key. A sink appends a unit's batches until
// its commit, so both would be kept (a part file would hold the rows twice): the second starts a new group.
TEST(SinkWriterPoolTest, TwoTasksOfOneKeyAreNeverCommittedTogether) {
  SinkLog log;
  auto sink = OpenSink(log, "a");
  Acks acks;
  SinkWriterPool pool({{"a", sink.get()}}, {8, 32}, acks.Recorder());
  const std::vector<std::string> keys = {"u0", "u1", "u0", "u2", "u0", "u1"};
  // Queued before the writer starts, so that it finds them all at once: without the rule, one group.
  for (size_t i = 0; i < keys.size(); ++i) pool.Submit(static_cast<int64_t>(i), keys[i], Batch("d" + keys[i], 2));
  pool.Start();
  pool.Close();
  ASSERT_EQ(acks.count.size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(acks.count[static_cast<int64_t>(i)], 1) << i;
    EXPECT_FALSE(acks.error[static_cast<int64_t>(i)]) << i;
  }
  EXPECT_EQ(log.unit_twice_in_a_commit, 0);
  EXPECT_EQ(log.commits_of_unit["u0"], 3);
  EXPECT_EQ(log.commits_of_unit["u1"], 2);
  EXPECT_EQ(log.commits_of_unit["u2"], 1);
}

TEST(SinkWriterPoolTest, AFailedWriteFailsOnlyItsUnitAndItsNeighboursAreWrittenAgain) {
  SinkLog log;
  log.fail_write_days = {"d3"};
  auto sink = OpenSink(log, "a");
  Acks acks;
  SinkWriterPool pool({{"a", sink.get()}}, {8, 32}, acks.Recorder());
  pool.Start();
  for (int i = 0; i < 8; ++i) pool.Submit(i, "u" + std::to_string(i), Batch("d" + std::to_string(i), 2));
  pool.Close();
  ASSERT_EQ(acks.count.size(), 8u);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(acks.count[i], 1) << i;
    EXPECT_EQ(static_cast<bool>(acks.error[i]), i == 3) << i;
    EXPECT_EQ(log.committed_rows.count("u" + std::to_string(i)), i == 3 ? 0u : 1u) << i;
  }
  EXPECT_EQ(acks.error[3]->kind(), core::ErrorKind::kInvalidInput);
}

TEST(SinkWriterPoolTest, AFailedCommitFailsEveryUnitOfItsGroupAndNoOther) {
  SinkLog log;
  log.fail_next_commits = 1;
  auto sink = OpenSink(log, "a");
  Acks acks;
  SinkWriterPool pool({{"a", sink.get()}}, {8, 3}, acks.Recorder());
  pool.Start();
  for (int i = 0; i < 9; ++i) pool.Submit(i, "u" + std::to_string(i), Batch("d" + std::to_string(i), 1));
  pool.Close();
  ASSERT_EQ(acks.count.size(), 9u);
  int failed = 0;
  for (int i = 0; i < 9; ++i) {
    EXPECT_EQ(acks.count[i], 1) << i;
    bool committed = log.committed_rows.count("u" + std::to_string(i)) > 0;
    EXPECT_NE(static_cast<bool>(acks.error[i]), committed) << i;
    if (acks.error[i]) failed++;
  }
  EXPECT_GE(failed, 1);
  EXPECT_LE(failed, 3);  // one group of at most commit_every_batches units
}

TEST(SinkWriterPoolTest, RowsRefusedAtCommitFailOnlyTheirUnit) {
  // A sink that checks rows at Commit (the sqlite sink inserts an upsert group in key order there) cannot say
  // which unit was bad: the pool commits the group's units one by one, and only that unit fails.
  SinkLog log;
  log.fail_commit_days = {"d5"};
  auto sink = OpenSink(log, "a");
  Acks acks;
  SinkWriterPool pool({{"a", sink.get()}}, {16, 64}, acks.Recorder());
  // Queued before the writer starts, so that the twelve are one group.
  for (int i = 0; i < 12; ++i) pool.Submit(i, "u" + std::to_string(i), Batch("d" + std::to_string(i), 2));
  pool.Start();
  pool.Close();
  ASSERT_EQ(acks.count.size(), 12u);
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(acks.count[i], 1) << i;
    EXPECT_EQ(static_cast<bool>(acks.error[i]), i == 5) << i;
    EXPECT_EQ(log.committed_rows.count("u" + std::to_string(i)), i == 5 ? 0u : 1u) << i;
    EXPECT_EQ(log.commits_of_unit["u" + std::to_string(i)], i == 5 ? 0 : 1) << i;
  }
  ASSERT_TRUE(acks.error[5]);
  EXPECT_EQ(acks.error[5]->kind(), core::ErrorKind::kInvalidInput);
  EXPECT_NE(acks.error[5]->message().find("constraint violated by u5"), std::string::npos) << acks.error[5]->message();
  EXPECT_EQ(log.failed_commits, 2);  // the group's, then the bad unit's own
}

TEST(SinkWriterPoolTest, WithoutSinksNothingIsWrittenOrAcked) {
  int acked = 0;
  SinkWriterPool pool({}, {}, [&](int64_t, const auto&) { acked++; });
  pool.Start();
  pool.Submit(1, "u1", Batch("d1", 1));
  pool.Close();
  EXPECT_EQ(pool.sinks(), 0u);
  EXPECT_EQ(acked, 0);
}

}  // namespace
}  // namespace datasync::sync
