// A rest source and its datasets as config loading reads them through the registered provider: a valid
// description loads with every setting typed, and each mistake is reported at its file:line:column, an error
// rule's fields included.
#include <gtest/gtest.h>

#include "app/config.hpp"
#include "app/registries.hpp"

namespace datasync::app {
namespace {

constexpr const char* kHead = R"yaml(version: 1
sources:
  ndl:
    provider: rest
    endpoint: https://data.nasdaq.com
    auth: api_key
    api_key: ${NDL_API_KEY}
    timezone: America/New_York
    limits: {windows: [{every_secs: 10, limit: 300}, {every_secs: 600, limit: 2000}], per_day: 50000, concurrency: 1, scope: per_credential}
    error_rules:
      - {status: 202, class: TRANSIENT, wait_secs: 30}
      - {code_path: quandl_error.code, code_match: "^QELx0[1-3]$", class: QUOTA_EXHAUSTED}
datasets:
  prices:
    source: ndl
    fields: [{name: ticker, type: string}, {name: date, type: date}, {name: close, type: "decimal(18,4)"}]
    primary_key: [ticker, date]
)yaml";  // 17 lines

class RestConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterBuiltinProviders(providers_);
    RegisterBuiltinSinks(sinks_);
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
  static std::string With(std::string head, const std::string& from, const std::string& to) {
    head.replace(head.find(from), from.size(), to);
    return head;
  }
  datasource::ProviderRegistry providers_;
  storage::SinkRegistry sinks_;
};

constexpr const char* kPrices = R"yaml(    path: /api/v3/datatables/{table}.json
    rows: datatable.data
    columns: datatable.columns
    paginate: cursor
    cursor_path: meta.next_cursor_id
    cursor_param: qopts.cursor_id
)yaml";

TEST_F(RestConfigTest, ANasdaqDataLinkDescriptionLoadsWithItsLimitsAndSettings) {
  auto r = Load(kPrices);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  const auto& src = r.config->sources.at(0);
  EXPECT_EQ(src.provider, "rest");
  EXPECT_EQ(src.timezone, "America/New_York");
  EXPECT_EQ(src.limits.per_day, std::optional<int64_t>(50000));
  EXPECT_EQ(src.limits.windows.size(), 2u);
  EXPECT_EQ(src.limits.concurrency, std::optional<int64_t>(1));
  const auto& ds = r.config->datasets.at(0);
  EXPECT_EQ(ds.options.GetString("cursor_param"), "qopts.cursor_id");
  EXPECT_EQ(ds.options.GetString("rows"), "datatable.data");
}

TEST_F(RestConfigTest, DatasetMistakesAreReportedAtTheirValue) {
  EXPECT_EQ(Errors(Load("    path: /x\n    records: data..items\n")),
            (std::vector<std::string>{"datasync.yaml:19:14: datasets.prices.records: an empty key in 'data..items' "
                                      "(write keys joined by dots, e.g. data.items or errors[0].code)"}));
  EXPECT_EQ(Errors(Load("    path: /x\n    records: data\n    rows: r\n")),
            (std::vector<std::string>{"datasync.yaml:19:14: datasets.prices.records: records (an array of objects) "
                                      "and rows/columns (arrays with a column list) exclude each other: keep one"}));
  EXPECT_EQ(Errors(Load("    path: x?y=1\n    records: data\n")),
            (std::vector<std::string>{"datasync.yaml:18:11: datasets.prices.path: must start with '/' and hold no "
                                      "query or spaces (put fixed parameters under query), got 'x?y=1'"}));
  EXPECT_EQ(Errors(Load("    path: /x\n    records: data\n    paginate: offset\n")),
            (std::vector<std::string>{"datasync.yaml:20:15: datasets.prices.paginate: offset paging needs page_size "
                                      "(the rows per page; a shorter page is the last)"}));
  EXPECT_EQ(Errors(Load("    path: /x\n")),
            (std::vector<std::string>{"datasync.yaml:18:11: datasets.prices.path: say where the records are: "
                                      "records: PATH (an array of objects, $ for the whole body), or rows: PATH and "
                                      "columns: PATH"}));
}

TEST_F(RestConfigTest, MaxPagesIsAPositiveNumberCheckedAtItsValue) {
  auto r = Load("    path: /x\n    records: data\n    paginate: page_number\n    max_pages: 50\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_EQ(r.config->datasets.at(0).options.GetInt("max_pages"), 50);
  EXPECT_EQ(Errors(Load("    path: /x\n    records: data\n    max_pages: 0\n")),
            (std::vector<std::string>{"datasync.yaml:20:16: datasets.prices.max_pages: must be a positive number of "
                                      "pages, got 0"}));
  EXPECT_EQ(Errors(Load("    path: /x\n    records: data\n    max_pages: many\n")).size(), 1u);
}

TEST_F(RestConfigTest, ARestartPagingRuleLoads) {
  auto r = Load(kPrices, With(kHead, "class: TRANSIENT, wait_secs: 30}",
                              "class: TRANSIENT, wait_secs: 30}\n      - {code_path: quandl_error.code, code_match: "
                              "\"^QESx06$\", class: RESTART_PAGING}"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
}

TEST_F(RestConfigTest, ADatasetWithoutFieldsIsToldToListThem) {
  std::string head = kHead;
  head.replace(head.find("    fields: ["), head.find("    primary_key") - head.find("    fields: ["), "");
  head.replace(head.find("    primary_key: [ticker, date]\n"), 31, "");
  EXPECT_EQ(Errors(Load("    path: /x\n    records: d\n", head)),
            (std::vector<std::string>{"datasync.yaml:14:3: datasets.prices: a rest dataset lists its fields under "
                                      "'fields' (name and type of each; see docs/providers/rest.md); `datasync "
                                      "dataset sample prices --param NAME=VALUE...` infers them from one call and "
                                      "writes them here"}));
}

TEST_F(RestConfigTest, TheDatasetBeingSampledLoadsWithoutFieldsAndOnlyThatOne) {
  std::string head = kHead;
  head.replace(head.find("    fields: ["), head.find("    primary_key") - head.find("    fields: ["), "");
  const std::string keys = "    path: /x\n    records: d\n    date_key: date\n";
  LoadOptions sampling;
  sampling.sampling = "prices";
  ConfigResult r = ConfigLoader(providers_, sinks_, {}, sampling).LoadString(head + keys, "datasync.yaml", "/proj");
  ASSERT_TRUE(r.ok()) << (r.issues.empty() ? "" : FormatIssue(r.issues[0]));
  const datasource::Dataset* ds = r.config->FindDataset("prices");
  ASSERT_NE(ds, nullptr);
  EXPECT_EQ(ds->schema->size(), 0u);
  EXPECT_EQ(ds->primary_key, (std::vector<std::string>{"ticker", "date"}));  // kept for the sample to respect
  EXPECT_EQ(ds->options.GetString("records"), "d");
  // Another dataset's missing fields are still an error while one is sampled.
  sampling.sampling = "other";
  r = ConfigLoader(providers_, sinks_, {}, sampling).LoadString(head + keys, "datasync.yaml", "/proj");
  EXPECT_FALSE(r.ok());
}

TEST_F(RestConfigTest, ErrorRuleMistakesAreReportedAtTheRuleField) {
  EXPECT_EQ(Errors(Load("    path: /x\n    records: d\n",
                        With(kHead, "code_match: \"^QELx0[1-3]$\"", "code_match: \"(QEL\""))),
            (std::vector<std::string>{"datasync.yaml:12:52: sources.ndl.error_rules[1].code_match: '(QEL' is not a "
                                      "valid regular expression (Mismatched '(' and ')' in regular expression)"}));
  EXPECT_EQ(Errors(Load("    path: /x\n    records: d\n", With(kHead, "{status: 202, class", "{class"))),
            (std::vector<std::string>{"datasync.yaml:11:17: sources.ndl.error_rules[0].class: a rule needs at least "
                                      "one of status, code_path or message_path to match on"}));
  EXPECT_EQ(Errors(Load("    path: /x\n    records: d\n", With(kHead, "class: TRANSIENT", "class: SLOW"))),
            (std::vector<std::string>{"datasync.yaml:11:30: sources.ndl.error_rules[0].class: 'SLOW' is not allowed "
                                      "(allowed: RATE_LIMITED, QUOTA_EXHAUSTED, PERMISSION, INVALID_INPUT, TRANSIENT, "
                                      "TRUNCATED, PERMANENT, RESTART_PAGING)"}));
}

TEST_F(RestConfigTest, SourceMistakesAreReportedAtTheirValue) {
  EXPECT_EQ(Errors(Load("    path: /x\n    records: d\n", With(kHead, "    api_key: ${NDL_API_KEY}\n", ""))),
            (std::vector<std::string>{"datasync.yaml:6:11: sources.ndl.auth: auth api_key needs api_key (e.g. "
                                      "api_key: ${API_KEY})"}));
  EXPECT_EQ(
      Errors(Load("    path: /x\n    records: d\n",
                  With(kHead, "endpoint: https://data.nasdaq.com", "endpoint: https://data.nasdaq.com?x=1"))),
      (std::vector<std::string>{"datasync.yaml:5:15: sources.ndl.endpoint: must be a base URL without a query "
                                "or fragment (e.g. https://api.example.com), got 'https://data.nasdaq.com?x=1'"}));
  EXPECT_EQ(
      Errors(Load("    path: /x\n    records: d\n", With(kHead, "    auth: api_key\n", "    auth: bearer\n"))),
      (std::vector<std::string>{
          "datasync.yaml:6:11: sources.ndl.auth: auth bearer needs token (e.g. token: ${API_TOKEN})",
          "datasync.yaml:7:14: sources.ndl.api_key: is never sent with auth bearer (remove it, or set auth to the "
          "kind that uses it)"}));
}

}  // namespace
}  // namespace datasync::app
