// The compliance suite over the sinks that need no server: SQLite and the file sinks (CSV, JSON Lines, JSON,
// Parquet, Excel), each writing under the test's temp folder and read back by the independent readers of
// sink_test_support (DuckDB or hyparquet for Parquet, openpyxl for Excel).
#include "sink_compliance.hpp"

namespace datasync::storage::testing {

// Every built-in sink that stores under a local path (the registration list decides which exist).
SinkRegistry CompliantSinks() {
  SinkRegistry builtin = BuiltinSinks();
  SinkRegistry registry;
  for (const auto& id : LocalSinkIds()) registry.Register(*builtin.Find(id));
  return registry;
}

// oracle=hyparquet reads a Parquet variant with hyparquet instead of DuckDB.
bool IsTargetOption(const std::string& key) {
  return key == "oracle";
}

namespace {

class FileTarget final : public SinkTarget {
 public:
  FileTarget(std::string id, const Variant& variant) : id_(std::move(id)) {
    for (const auto& [k, v] : variant) {
      if (k == "oracle") oracle_ = v;
    }
  }
  std::string id() const override { return id_; }
  void SetUp(const fs::path& tmp) override { tmp_ = tmp; }
  // Relative paths on purpose: they must resolve against project_dir.
  void SetOptions(core::Options& options) const override {
    options.Set("path", std::string(id_ == "sqlite" ? "root/data.db" : "root"));
  }
  std::unique_ptr<SinkReader> Reader() override {
    fs::path root = tmp_ / "root";
    if (id_ == "sqlite") return NewSqliteReader(root / "data.db");
    if (id_ == "csv") return NewCsvReader(root);
    if (id_ == "json") return NewJsonReader(root);
    if (id_ == "xlsx") return NewXlsxReader(root);
    if (id_ == "parquet") return NewParquetReader(root, oracle_);
    return NewJsonlReader(root);
  }
  FloatRules Rules() const override {
    FloatRules r;
    if (id_ == "sqlite") {
      r.nan_as_null = true;           // SQLite stores NaN as NULL
      r.keeps_negative_zero = false;  // and -0.0 as 0.0 in a REAL column
    } else if (id_ == "xlsx") {
      r.nan_as_null = true;  // Excel has no NaN, Infinity or -0.0, and keeps milliseconds
      r.infinity_as_null = true;
      r.keeps_negative_zero = false;
      r.timestamp_millis = true;
      r.empty_string_as_null = true;
    } else if (id_ == "jsonl" || id_ == "json") {
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
  std::string oracle_ = "duckdb";
  fs::path tmp_;
};

}  // namespace

std::unique_ptr<SinkTarget> MakeTarget(const std::string& id, const Variant& variant) {
  return std::make_unique<FileTarget>(id, variant);
}

// Each local sink with its default options, then variants of the sinks this build has.
std::vector<std::string> LocalVariants() {
  std::vector<std::string> out = LocalSinkIds();
  for (auto& v :
       BuiltIds({"csv:compression=gzip", "csv:compression=zstd,quoting=all,null_marker=NULL",
                 "csv:quoting=strings,delimiter=|", "parquet:compression=snappy,dictionary=false,oracle=hyparquet",
                 "parquet:compression=none,row_group_rows=3,data_page_size_bytes=1024"})) {
    out.push_back(std::move(v));
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(AllSinks, SinkComplianceTest, ::testing::ValuesIn(LocalVariants()), ParamName);

// Every sink of the registration list runs one of the two compliance passes: here (a local path) or in
// storage_db_test (a server URL), never neither.
TEST(SinkRegistryTest, ListsEveryFileSink) {
  std::vector<std::string> covered = LocalSinkIds();
  for (const auto& id : ServerSinkIds()) covered.push_back(id);
  std::sort(covered.begin(), covered.end());
  std::vector<std::string> all = BuiltinSinks().Ids();
  std::sort(all.begin(), all.end());
  EXPECT_EQ(covered, all);
  std::vector<std::string> local = LocalSinkIds();
  for (const char* id : {"sqlite", "csv", "jsonl", "json"}) {
    EXPECT_NE(std::find(local.begin(), local.end(), id), local.end()) << id;
  }
  EXPECT_EQ(BuiltIds({"parquet", "xlsx"}).size() + 4, local.size());
}

}  // namespace datasync::storage::testing
