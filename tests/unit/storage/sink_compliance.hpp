// The sink compliance suite (CONVENTIONS "Tests" 3), shared by two test binaries: storage_test runs it over
// the file and SQLite sinks (sink_compliance_files.cpp), storage_db_test over the database sinks against
// real servers (sink_compliance_db.cpp). The scenarios (sink_compliance_test.cpp) are written once against
// a SinkTarget: what the sink is called in the registry, how a test points it at a fresh place, the
// independent reader of what it stored, and what its store cannot represent.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "sink_test_support.hpp"

namespace datasync::storage::testing {

// Values a store cannot hold, so the shared scenarios write in-range ones instead (the sink's own tests
// check that it refuses the others).
struct ValueDomain {
  bool dates_before_1970 = true;
  bool sub_second_timestamps = true;
};

class SinkTarget {
 public:
  virtual ~SinkTarget() = default;
  virtual std::string id() const = 0;  // the registry id
  // Prepares a fresh place for one test (a temp folder, a database schema of its own); a fatal failure
  // (a server that is not there) stops the test before its body.
  virtual void SetUp(const fs::path& tmp) = 0;
  virtual void TearDown() {}
  // The storage options that point the sink there.
  virtual void SetOptions(core::Options& options) const = 0;
  virtual std::unique_ptr<SinkReader> Reader() = 0;
  virtual FloatRules Rules() const { return {}; }
  virtual ValueDomain Domain() const { return {}; }
  // The option without which Bind must fail with kConfig.
  virtual std::string required_option() const = 0;
  // Nothing left behind: no temp files, no staging tables.
  virtual void ExpectClean() = 0;
};

// The suite's rows of every logical type (ids 1..10), within `domain`.
std::vector<Row> AllTypesRowsFor(const ValueDomain& domain);

std::unique_ptr<SinkTarget> MakeTarget(const std::string& id);  // defined by each binary
SinkRegistry CompliantSinks();                                  // defined by each binary

class SinkComplianceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    registry_ = CompliantSinks();
    info_ = registry_.Find(GetParam());
    ASSERT_NE(info_, nullptr) << GetParam() << " is not registered";
    target_ = MakeTarget(GetParam());
    ASSERT_NE(target_, nullptr);
    ASSERT_NO_FATAL_FAILURE(target_->SetUp(tmp_.path()));
  }
  void TearDown() override {
    if (target_) target_->TearDown();
  }

  fs::path root() const { return tmp_.path() / "root"; }
  std::unique_ptr<Sink> NewSink() { return info_->create(); }

  BindContext Ctx(const std::string& dataset, core::SchemaPtr schema, WriteMode mode = WriteMode::kAppend,
                  std::vector<std::string> pk = {}) {
    BindContext ctx;
    ctx.storage_name = "test_" + GetParam();
    ctx.dataset = dataset;
    ctx.schema = std::move(schema);
    ctx.primary_key = std::move(pk);
    ctx.mode = mode;
    ctx.project_dir = tmp_.path();
    target_->SetOptions(ctx.options);
    return ctx;
  }

  std::unique_ptr<SinkReader> Reader() { return target_->Reader(); }
  std::vector<Row> AllTypesRows() const { return AllTypesRowsFor(target_->Domain()); }
  FloatRules Rules() const { return target_->Rules(); }

  void ExpectStored(const std::string& dataset, const core::Schema& schema, const std::vector<Row>& expected) {
    StoredData got = Reader()->Read(dataset, schema);
    EXPECT_TRUE(got.exists) << "dataset '" << dataset << "' not found";
    EXPECT_EQ(CompareRows(Normalize(expected, Rules()), got.rows, Rules()), "");
  }

  void ExpectCleanTree() { target_->ExpectClean(); }

  TempDir tmp_;
  SinkRegistry registry_;
  const SinkInfo* info_ = nullptr;
  std::unique_ptr<SinkTarget> target_;
};

}  // namespace datasync::storage::testing
