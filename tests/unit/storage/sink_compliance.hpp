// The sink compliance suite (CONVENTIONS "Tests" 3), shared by two test binaries: storage_test runs it over
// the file and SQLite sinks (sink_compliance_files.cpp), storage_db_test over the database sinks against
// real servers (sink_compliance_db.cpp). The scenarios (sink_compliance_test.cpp) are written once against
// a SinkTarget: what the sink is called in the registry, how a test points it at a fresh place, the
// independent reader of what it stored, and what its store cannot represent.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/strings.hpp"
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

// A variant of a sink: storage options of the test parameter "csv:compression=gzip,quoting=all", in order.
// A target may take pseudo-options of its own (the file sinks' oracle=hyparquet picks Parquet's reader).
using Variant = std::vector<std::pair<std::string, std::string>>;

std::unique_ptr<SinkTarget> MakeTarget(const std::string& id, const Variant& variant);  // defined by each binary
SinkRegistry CompliantSinks();                                                          // defined by each binary
bool IsTargetOption(const std::string& key);  // a pseudo-option of the binary's targets, not the sink's

// The gtest name of a parameter such as "csv:compression=gzip": its letters and digits, the rest as '_'.
std::string ParamName(const ::testing::TestParamInfo<std::string>& info);

class SinkComplianceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string param = GetParam();
    auto colon = param.find(':');
    id_ = param.substr(0, colon);
    if (colon != std::string::npos) {
      for (const auto& kv : core::Split(param.substr(colon + 1), ',')) {
        auto eq = kv.find('=');
        variant_.emplace_back(kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1));
      }
    }
    registry_ = CompliantSinks();
    info_ = registry_.Find(id_);
    ASSERT_NE(info_, nullptr) << id_ << " is not registered";
    target_ = MakeTarget(id_, variant_);
    ASSERT_NE(target_, nullptr);
    ASSERT_NO_FATAL_FAILURE(target_->SetUp(tmp_.path()));
  }
  void TearDown() override {
    if (target_) target_->TearDown();
  }

  const std::string& Id() const { return id_; }
  fs::path root() const { return tmp_.path() / "root"; }
  std::unique_ptr<Sink> NewSink() { return info_->create(); }

  BindContext Ctx(const std::string& dataset, core::SchemaPtr schema, WriteMode mode = WriteMode::kAppend,
                  std::vector<std::string> pk = {}) {
    BindContext ctx;
    ctx.storage_name = "test_" + Id();
    ctx.dataset = dataset;
    ctx.schema = std::move(schema);
    ctx.primary_key = std::move(pk);
    ctx.mode = mode;
    ctx.project_dir = tmp_.path();
    target_->SetOptions(ctx.options);
    for (const auto& [k, v] : variant_) {
      if (IsTargetOption(k)) continue;
      const core::OptionSpec* spec = core::FindOption(info_->options, k);
      EXPECT_NE(spec, nullptr) << k << " is not an option of " << Id();
      if (!spec) continue;
      auto value = core::ParseOptionScalar(*spec, v);
      EXPECT_TRUE(value) << k << "=" << v;
      if (value) ctx.options.Set(k, *value);
    }
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
  std::string id_;
  Variant variant_;
  SinkRegistry registry_;
  const SinkInfo* info_ = nullptr;
  std::unique_ptr<SinkTarget> target_;
};

}  // namespace datasync::storage::testing
