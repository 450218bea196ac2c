// The compliance suite over the database sinks, against the real servers that scripts/test.sh starts
// (scripts/test-setup.d/10-servers.sh). Each test writes into a schema or database of its own and reads
// back with the independent clients of db_test_support.
#include "db_test_support.hpp"
#include "sink_compliance.hpp"

namespace datasync::storage::testing {

// Every built-in sink that talks to a server (the registration list decides which exist).
SinkRegistry CompliantSinks() {
  SinkRegistry builtin = BuiltinSinks();
  SinkRegistry registry;
  for (const auto& id : ServerSinkIds()) registry.Register(*builtin.Find(id));
  return registry;
}

namespace {

class DbTarget final : public SinkTarget {
 public:
  explicit DbTarget(std::string id) : id_(std::move(id)) {}
  std::string id() const override { return id_; }
  void SetUp(const fs::path&) override {
    server_ = ConnectServer(id_);
    ASSERT_NE(server_, nullptr);
    ASSERT_FALSE(::testing::Test::HasFailure()) << "the " << id_ << " server is not usable";
    ns_ = TestNamespace();
    server_->DropNamespace(ns_);
  }
  void TearDown() override {
    if (server_) server_->DropNamespace(ns_);
  }
  void SetOptions(core::Options& options) const override { server_->SetOptions(options, ns_); }
  std::unique_ptr<SinkReader> Reader() override { return NewDbReader(*server_, ns_); }
  FloatRules Rules() const override {
    FloatRules r;
    if (id_ == "mysql") {
      r.nan_as_null = true;  // MySQL has no NaN or infinities; the sink stores NULL
      r.infinity_as_null = true;
      r.keeps_negative_zero = false;
    }
    return r;
  }
  ValueDomain Domain() const override {
    ValueDomain d;
    if (id_ == "clickhouse") {
      d.dates_before_1970 = false;  // Date and DateTime of ClickHouse 18.16
      d.sub_second_timestamps = false;
    }
    return d;
  }
  std::string required_option() const override { return "url"; }
  void ExpectClean() override {
    for (const auto& t : server_->Tables(ns_)) {
      EXPECT_FALSE(t.starts_with("_ds_stage_") || t.starts_with("_ds_old_")) << "left behind: " << t;
    }
  }

 private:
  std::string id_;
  std::unique_ptr<DbServer> server_;
  std::string ns_;
};

}  // namespace

bool IsTargetOption(const std::string&) {
  return false;
}

std::unique_ptr<SinkTarget> MakeTarget(const std::string& id, const Variant&) {
  return std::make_unique<DbTarget>(id);
}

INSTANTIATE_TEST_SUITE_P(DatabaseSinks, SinkComplianceTest, ::testing::ValuesIn(ServerSinkIds()), ParamName);

}  // namespace datasync::storage::testing
