// The objects made in the app read with datasync.yaml (ConfigLoader's app documents): they build like the
// file's objects and may use them (and be used), their problems are named by object, the file's problems
// keep their lines, and a name both define is the file's. And the YAML/JSON conversions they travel through.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "app/config.hpp"
#include "app/registries.hpp"
#include "app/yaml_json.hpp"

namespace datasync::app {
namespace {

constexpr const char* kFile = R"yaml(version: 1
sources:
  ts:
    provider: tushare
    token: ${TUSHARE_TOKEN}
datasets:
  daily: {source: ts}
storages:
  db: {kind: sqlite, path: data/w.db}
plans:
  d:
    dataset: daily
    storages: [db]
    params: {trade_date: ["20240102"]}
)yaml";

class ConfigAppObjectsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterBuiltinProviders(providers_);
    RegisterBuiltinSinks(sinks_);
  }
  ConfigResult Load(const std::string& text, std::vector<AppDocument> documents) {
    return ConfigLoader(providers_, sinks_, {}, {}, std::move(documents)).LoadString(text, "datasync.yaml", "/proj");
  }
  static std::string Errors(const ConfigResult& r) {
    std::string out;
    for (const auto& i : r.issues) out += FormatIssue(i) + "\n";
    return out;
  }
  datasource::ProviderRegistry providers_;
  storage::SinkRegistry sinks_;
};

TEST_F(ConfigAppObjectsTest, ObjectsMadeInTheAppBuildAndUseTheFilesObjects) {
  auto r = Load(kFile, {{"storages", "files", R"({"kind": "csv", "path": "data/csv"})"},
                        {"plans", "to_files", R"({"dataset": "daily", "storages": ["files", "db"],
                                                   "params": {"trade_date": ["20240103", "20240104"]}})"},
                        {"datasets", "weekly", R"({"source": "ts", "api": "daily"})"}});
  ASSERT_TRUE(r.ok()) << Errors(r);
  const auto& c = *r.config;
  ASSERT_NE(c.FindPlan("to_files"), nullptr);
  EXPECT_EQ(c.FindPlan("to_files")->storages, (std::vector<std::string>{"files", "db"}));
  EXPECT_EQ(c.FindStorage("files")->kind, "csv");
  EXPECT_EQ(c.FindDataset("weekly")->origin, datasource::DatasetOrigin::kApi);
  EXPECT_EQ(c.FindDataset("daily")->origin, datasource::DatasetOrigin::kConfig);
  EXPECT_TRUE(c.MadeInApp("plans", "to_files"));
  EXPECT_TRUE(c.MadeInApp("storages", "files"));
  EXPECT_FALSE(c.MadeInApp("plans", "d"));
  EXPECT_EQ(c.app_made.size(), 3u);
}

TEST_F(ConfigAppObjectsTest, ProblemsAreNamedByObjectAndTheFilesKeepTheirLines) {
  std::string file = kFile;
  file += "  broken: {dataset: nothing, storages: [db]}\n";  // line 15 of the file
  auto r = Load(file, {{"plans", "p", R"({"dataset": "daily", "storages": ["nowhere"], "colour": "red"})"}});
  ASSERT_FALSE(r.ok());
  ASSERT_GE(r.issues.size(), 3u) << Errors(r);
  // The file's first, at their lines; then the app's, by object.
  EXPECT_EQ(r.issues[0].where.file, "datasync.yaml");
  EXPECT_EQ(r.issues[0].where.line, 15);
  EXPECT_NE(r.issues[0].message.find("unknown dataset 'nothing'"), std::string::npos);
  std::string app;
  for (const auto& i : r.issues) {
    if (i.where.file == "datasync.yaml") continue;
    EXPECT_EQ(i.where.file, "plans.p (made in the app)");
    EXPECT_EQ(i.where.line, 0);
    app += i.message + "\n";
  }
  EXPECT_NE(app.find("unknown key 'colour' in plans.p"), std::string::npos) << app;
  EXPECT_NE(app.find("unknown storage 'nowhere'"), std::string::npos) << app;
}

TEST_F(ConfigAppObjectsTest, ANameTheFileDefinesTooIsTheFilesWithAWarning) {
  auto r = Load(kFile, {{"storages", "db", R"({"kind": "csv", "path": "elsewhere"})"}});
  ASSERT_TRUE(r.ok()) << Errors(r);
  EXPECT_EQ(r.config->FindStorage("db")->kind, "sqlite");
  EXPECT_FALSE(r.config->MadeInApp("storages", "db"));
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_TRUE(r.issues[0].warning);
  EXPECT_EQ(r.issues[0].where.file, "storages.db (made in the app)");
  EXPECT_NE(r.issues[0].message.find("datasync.yaml defines it too"), std::string::npos);
}

TEST_F(ConfigAppObjectsTest, StringsStayStringsWhateverTheyHold) {
  // "000001", "yes" and "1.50" travel as JSON strings and reach the parser as the same text.
  auto r = Load(kFile, {{"templates", "t", R"({"description": "yes: no # x", "params": {"flag": "yes"}})"}});
  ASSERT_TRUE(r.ok()) << Errors(r);
  EXPECT_EQ(r.config->FindTemplate("t")->description, "yes: no # x");
}

TEST(YamlJsonTest, PlainScalarsBecomeNumbersOnlyInTheirCanonicalForm) {
  auto j = YamlTextToJson("a: 5\nb: 000001\nc: 1.50\nd: 0.5\ne: true\nf: ~\ng: '5'\nh: 2024-01-02\ni: [x, 7]\n");
  ASSERT_TRUE(j) << j.error().message();
  EXPECT_EQ((*j)["a"], 5);
  EXPECT_EQ((*j)["b"], "000001");
  EXPECT_EQ((*j)["c"], "1.50");
  EXPECT_EQ((*j)["d"], 0.5);
  EXPECT_EQ((*j)["e"], true);
  EXPECT_TRUE((*j)["f"].is_null());
  EXPECT_EQ((*j)["g"], "5");
  EXPECT_EQ((*j)["h"], "2024-01-02");
  EXPECT_EQ((*j)["i"], nlohmann::json::parse(R"(["x", 7])"));
}

TEST(YamlJsonTest, ExportedYamlReadsBackAsTheSameJson) {
  auto doc = nlohmann::json::parse(
      R"({"plans": {"p": {"description": "a: b # c", "empty": "", "code": "000001", "flag": "true", "n": 3,
          "list": ["x", "-y", "[z]"], "nested": {"k": null}, "名": "收盘"}}})");
  std::string yaml = JsonToYaml(doc);
  EXPECT_NE(yaml.find("收盘"), std::string::npos) << "non-ASCII stays readable";
  auto back = YamlTextToJson(yaml);
  ASSERT_TRUE(back) << back.error().message() << "\n" << yaml;
  EXPECT_EQ(*back, doc) << yaml;
}

TEST(YamlJsonTest, BadYamlSaysWhere) {
  auto j = YamlTextToJson("a: 1\nb: [2\n");
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().kind(), core::ErrorKind::kInvalidInput);
  EXPECT_NE(j.error().message().find("line"), std::string::npos);
  EXPECT_FALSE(YamlTextToJson("- a\n"));
  EXPECT_FALSE(YamlTextToJson(std::string(5000, '[')));
}

}  // namespace
}  // namespace datasync::app
