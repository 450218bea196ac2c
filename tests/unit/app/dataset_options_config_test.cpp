// A provider's own per-dataset settings (ProviderInfo::dataset_options) and lists of maps (kRecordList), as
// config loading reads them: the keys sit in the dataset's map beside the common ones, every problem is
// reported at its line and column, and the settings are kept with the dataset's stored spec and its diff.
#include <gtest/gtest.h>

#include "app/config.hpp"
#include "app/specs.hpp"
#include "datasource/dataset_diff.hpp"

namespace datasync::app {
namespace {

using core::OptionSpec;
using core::OptionType;

std::span<const OptionSpec> RuleFields() {
  static const std::vector<OptionSpec> t = {
      {.name = "status", .type = OptionType::kInt, .description = "HTTP status"},
      {.name = "class",
       .type = OptionType::kEnum,
       .required = true,
       .description = "what the error is",
       .allowed = {"RATE_LIMITED", "PERMISSION"}},
      {.name = "wait_secs", .type = OptionType::kInt, .default_value = "30", .description = "cool-down"},
  };
  return t;
}

std::span<const OptionSpec> SourceTable() {
  static const std::vector<OptionSpec> t = {
      {.name = "error_rules", .type = OptionType::kRecordList, .description = "rules", .fields = RuleFields},
  };
  return t;
}

std::span<const OptionSpec> DatasetTable() {
  static const std::vector<OptionSpec> t = {
      {.name = "path", .type = OptionType::kString, .required = true, .description = "the URL path"},
      {.name = "paginate",
       .type = OptionType::kEnum,
       .default_value = "none",
       .description = "paging",
       .allowed = {"none", "cursor"}},
      {.name = "cursor_path", .type = OptionType::kString, .description = "where the next cursor is"},
  };
  return t;
}

constexpr const char* kHead = R"yaml(version: 1
sources:
  api:
    provider: fake
    error_rules:
      - {status: 429, class: RATE_LIMITED}
      - {status: 403, class: PERMISSION, wait_secs: 0}
datasets:
  items:
    source: api
    fields: [{name: id, type: int64}, {name: name, type: string}]
    primary_key: [id]
)yaml";  // 12 lines

class DatasetOptionsConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    datasource::ProviderInfo info;
    info.id = "fake";
    info.description = "a provider with per-dataset settings";
    info.default_endpoint = "http://127.0.0.1:1";
    info.options = SourceTable();
    info.dataset_options = DatasetTable();
    info.validate_dataset = [](const datasource::Dataset& ds, const datasource::DataSource&) {
      core::OptionProblems problems;
      if (ds.options.GetString("paginate") == "cursor" && !ds.options.Has("cursor_path")) {
        problems.push_back({"paginate", "cursor paging needs cursor_path (where the response holds the next cursor)"});
      }
      return problems;
    };
    providers_.Register(std::move(info));
  }
  ConfigResult Load(const std::string& dataset_keys, const std::string& head = kHead) {
    return ConfigLoader(providers_, sinks_).LoadString(head + dataset_keys, "datasync.yaml", "/proj");
  }
  static std::vector<std::string> Errors(const ConfigResult& r) {
    std::vector<std::string> errors;
    for (const auto& i : r.issues) {
      if (!i.warning) errors.push_back(FormatIssue(i));
    }
    return errors;
  }
  datasource::ProviderRegistry providers_;
  storage::SinkRegistry sinks_;
};

TEST_F(DatasetOptionsConfigTest, TheProvidersKeysAreReadBesideTheCommonOnes) {
  auto r = Load("    path: /v1/items\n    paginate: cursor\n    cursor_path: meta.next\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  const auto& ds = r.config->datasets.at(0);
  EXPECT_EQ(ds.options.GetString("path"), "/v1/items");
  EXPECT_EQ(ds.options.GetString("paginate"), "cursor");
  EXPECT_EQ(ds.options.GetString("cursor_path"), "meta.next");

  const auto& rules = r.config->sources.at(0).options.values().at("error_rules");
  const auto& records = std::get<core::OptionRecords>(rules);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].at("status"), "429");
  EXPECT_EQ(records[1].at("wait_secs"), "0");
  auto first = core::RecordOptions(records[0], RuleFields(), "sources.api.error_rules[0]");
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(first->GetInt("status"), 429);
  EXPECT_EQ(first->GetString("class"), "RATE_LIMITED");
  EXPECT_EQ(first->GetInt("wait_secs"), 30);  // the field's default
}

TEST_F(DatasetOptionsConfigTest, EveryProblemIsReportedWhereItIsWritten) {
  EXPECT_EQ(Errors(Load("    path: /v1/items\n    paginat: cursor\n")),
            (std::vector<std::string>{"datasync.yaml:14:5: unknown key 'paginat' in datasets.items (allowed: source, "
                                      "api, title, description, doc_url, primary_key, date_key, row_cap, paging, "
                                      "points, default_fields, params, fields, calendar, quality, path, paginate, "
                                      "cursor_path)"}));
  EXPECT_EQ(Errors(Load("    path: /v1/items\n    paginate: pages\n")),
            (std::vector<std::string>{"datasync.yaml:14:15: datasets.items.paginate: 'pages' is not allowed "
                                      "(allowed: none, cursor)"}));
  EXPECT_EQ(
      Errors(Load("    paginate: none\n")),
      (std::vector<std::string>{"datasync.yaml:9:3: datasets.items: missing required key 'path' (the URL path)"}));
  EXPECT_EQ(Errors(Load("    path: /v1/items\n    paginate: cursor\n")),
            (std::vector<std::string>{"datasync.yaml:14:15: datasets.items.paginate: cursor paging needs "
                                      "cursor_path (where the response holds the next cursor)"}));
}

TEST_F(DatasetOptionsConfigTest, AListOfMapsIsCheckedEntryByEntry) {
  std::string head = kHead;
  auto bad_value = head;
  bad_value.replace(bad_value.find("status: 429"), 11, "status: many");
  EXPECT_EQ(Errors(Load("    path: /x\n", bad_value)),
            (std::vector<std::string>{
                "datasync.yaml:6:18: sources.api.error_rules[0].status: expected an integer, got 'many'"}));
  auto unknown = head;
  unknown.replace(unknown.find("wait_secs: 0"), 12, "wait: 0");
  EXPECT_EQ(Errors(Load("    path: /x\n", unknown)),
            (std::vector<std::string>{"datasync.yaml:7:42: unknown key 'wait' in sources.api.error_rules[1] (allowed: "
                                      "status, class, wait_secs)"}));
  auto missing = head;
  missing.replace(missing.find(", class: RATE_LIMITED"), 21, "");
  EXPECT_EQ(Errors(Load("    path: /x\n", missing)),
            (std::vector<std::string>{"datasync.yaml:6:9: sources.api.error_rules[0]: missing required key 'class' "
                                      "(what the error is)"}));
  // A required field written with a refused value is reported once, at the value, not also as missing.
  auto refused = head;
  refused.replace(refused.find("class: RATE_LIMITED"), 19, "class: SLOW");
  EXPECT_EQ(Errors(Load("    path: /x\n", refused)),
            (std::vector<std::string>{"datasync.yaml:6:30: sources.api.error_rules[0].class: 'SLOW' is not allowed "
                                      "(allowed: RATE_LIMITED, PERMISSION)"}));
  auto not_a_list = head;
  not_a_list.replace(not_a_list.find("\n      - {status: 429"), std::string::npos, " none\n");
  not_a_list += "datasets:\n  items:\n    source: api\n    fields: [{name: id, type: int64}]\n";
  EXPECT_EQ(Errors(Load("    path: /x\n", not_a_list)),
            (std::vector<std::string>{"datasync.yaml:5:18: sources.api.error_rules: expected a list of maps, got a "
                                      "value"}));
}

TEST_F(DatasetOptionsConfigTest, TheSettingsAreStoredWithTheSpecAndShownInItsDiff) {
  auto r = Load("    path: /v1/items\n    paginate: cursor\n    cursor_path: meta.next\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  const auto& ds = r.config->datasets.at(0);
  std::string spec = DatasetToJson(ds);
  EXPECT_NE(spec.find(R"("options":{"cursor_path":"meta.next","paginate":"cursor","path":"/v1/items"})"),
            std::string::npos)
      << spec;
  auto back = DatasetFromJson(spec);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->options, ds.options);
  EXPECT_EQ(DatasetToJson(*back), spec);

  datasource::Dataset moved = ds;
  moved.options.Set("path", std::string("/v2/items"));
  EXPECT_FALSE(moved == ds);
  EXPECT_EQ(datasource::DescribeDiff(datasource::DiffDatasets(ds, moved)),
            (std::vector<std::string>{"~ path /v1/items -> /v2/items"}));

  datasource::Dataset plain = ds;
  plain.options = {};
  EXPECT_EQ(DatasetToJson(plain).find("\"options\""), std::string::npos);  // specs without settings stay as before
}

}  // namespace
}  // namespace datasync::app
