// The compliance suite over the sinks that need no server: SQLite, CSV and JSON Lines, each writing under
// the test's temp folder and read back by the readers of sink_test_support.
#include "sink_compliance.hpp"
#include "storage/csv/csv_sink.hpp"
#include "storage/jsonl/jsonl_sink.hpp"
#include "storage/sqlite/sqlite_sink.hpp"

namespace datasync::storage::testing {

SinkRegistry CompliantSinks() {
  SinkRegistry registry;
  RegisterSqliteSink(registry);
  RegisterCsvSink(registry);
  RegisterJsonlSink(registry);
  return registry;
}

namespace {

class FileTarget final : public SinkTarget {
 public:
  explicit FileTarget(std::string id) : id_(std::move(id)) {}
  std::string id() const override { return id_; }
  void SetUp(const fs::path& tmp) override { tmp_ = tmp; }
  // Relative paths on purpose: they must resolve against project_dir.
  void SetOptions(core::Options& options) const override {
    options.Set("path", std::string(id_ == "sqlite" ? "root/data.db" : "root"));
  }
  std::unique_ptr<SinkReader> Reader() override {
    if (id_ == "sqlite") return NewSqliteReader(tmp_ / "root" / "data.db");
    if (id_ == "csv") return NewCsvReader(tmp_ / "root");
    return NewJsonlReader(tmp_ / "root");
  }
  FloatRules Rules() const override {
    FloatRules r;
    if (id_ == "sqlite") {
      r.nan_as_null = true;           // SQLite stores NaN as NULL
      r.keeps_negative_zero = false;  // and -0.0 as 0.0 in a REAL column
    } else if (id_ == "jsonl") {
      r.nan_as_null = true;  // JSON has no NaN or Infinity
      r.infinity_as_null = true;
    }
    return r;
  }
  std::string required_option() const override { return "path"; }
  // No temp files anywhere, and nothing outside root.
  void ExpectClean() override {
    for (const auto& f : ListTree(tmp_)) {
      EXPECT_TRUE(f.starts_with("root/")) << "written outside the root: " << f;
      EXPECT_EQ(f.find(".tmp"), std::string::npos) << "temp file left behind: " << f;
    }
  }

 private:
  std::string id_;
  fs::path tmp_;
};

}  // namespace

std::unique_ptr<SinkTarget> MakeTarget(const std::string& id) {
  return std::make_unique<FileTarget>(id);
}

INSTANTIATE_TEST_SUITE_P(AllSinks, SinkComplianceTest, ::testing::Values("sqlite", "csv", "jsonl"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(SinkRegistryTest, ListsTheThreeSinks) {
  SinkRegistry registry = CompliantSinks();
  EXPECT_EQ(registry.Ids(), (std::vector<std::string>{"sqlite", "csv", "jsonl"}));
}

}  // namespace datasync::storage::testing
