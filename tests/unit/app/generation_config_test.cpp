// The config forms of argument generation: templates, every parameter source, dependencies derived from
// sources that read other datasets, imported datasets next to the file's, the storage a generator reads,
// the spec round trips apply relies on (and the byte-identical specs of the older forms), YAML printed by
// `dataset import --yaml` loading back, and the schema-check schedule.
#include <gtest/gtest.h>

#include <filesystem>

#include "app/config.hpp"
#include "app/dataset_service.hpp"
#include "app/local_data.hpp"
#include "app/registries.hpp"
#include "app/schema_checks.hpp"
#include "app/specs.hpp"

namespace datasync::app {
namespace {

using Kind = generation::ParamSource::Kind;

class GenerationConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterBuiltinProviders(providers_);
    RegisterBuiltinSinks(sinks_);
  }
  ConfigResult Load(const std::string& body, std::vector<datasource::Dataset> imported = {}) {
    return ConfigLoader(providers_, sinks_, std::move(imported)).LoadString(kHead + body, "datasync.yaml", "/proj");
  }
  // The first error, formatted; "" when valid.
  std::string FirstError(const ConfigResult& r) {
    for (const auto& i : r.issues) {
      if (!i.warning) return FormatIssue(i);
    }
    return "";
  }
  static constexpr const char* kHead = R"yaml(version: 1
sources:
  ts: {provider: tushare, token: "${T}"}
datasets:
  trade_cal: {source: ts}
  stock_basic: {source: ts}
  daily: {source: ts}
storages:
  db: {kind: sqlite, path: data/w.db}
  files: {kind: csv, path: data/csv}
)yaml";
  datasource::ProviderRegistry providers_;
  storage::SinkRegistry sinks_;
};

constexpr const char* kTemplates = R"yaml(templates:
  codes_by_day:
    description: every listed code on every trading day
    params:
      trade_date: {trading_days: {start: "20240101", end: today, exchange: SZSE, step: month, pick: first}}
      ts_code: {column: {dataset: stock_basic, where: {list_status: L}}}
plans:
  cal:
    dataset: trade_cal
    storages: [db, files]
  stocks:
    dataset: stock_basic
    storages: [db]
  bars:
    dataset: daily
    storages: [files]
    template: codes_by_day
    depends_on: [stocks]
  windows:
    dataset: daily
    storages: [db]
    params:
      _board: [SZ, SH]
      _symbol: "000001"
      ts_code: {format: "{{_symbol}}.{{_board}}"}
      window: {windows: {start: "20240101", end: "20240331", months: 1}}
  incremental:
    dataset: daily
    storages: [db]
    params:
      trade_date: {since_checkpoint: {initial: "20240101", lookback: 2, calendar: trade_cal}}
  pairs:
    dataset: daily
    storages: [db]
    params:
      both:
        zip:
          start_date: {dates: {start: "20240101", end: "20241201", step: month}}
          end_date: {dates: {start: "20240131", end: "20241231", step: month}}
      ts_code: {today: -1}
)yaml";

TEST_F(GenerationConfigTest, TemplatesAndEverySourceForm) {
  ConfigResult r = Load(kTemplates);
  ASSERT_TRUE(r.ok()) << FirstError(r);
  const Config& c = *r.config;
  ASSERT_EQ(c.templates.size(), 1u);
  const auto& t = c.templates[0];
  EXPECT_EQ(t.description, "every listed code on every trading day");
  ASSERT_EQ(t.params.size(), 2u);
  EXPECT_EQ(t.params[0].kind, Kind::kTradingDays);
  EXPECT_EQ(t.params[0].dataset, "trade_cal");
  EXPECT_EQ(t.params[0].column, "cal_date");
  EXPECT_EQ(t.params[0].where,
            (std::vector<std::pair<std::string, std::string>>{{"exchange", "SZSE"}, {"is_open", "1"}}));
  EXPECT_EQ(t.params[0].pick, "first");
  EXPECT_EQ(t.params[1].kind, Kind::kColumn);
  EXPECT_EQ(t.params[1].column, "ts_code");  // defaults to the parameter's name

  // Reading another dataset makes a plan depend on the plans that sync it, after the explicit ones.
  EXPECT_EQ(c.FindPlan("bars")->depends_on, (std::vector<std::string>{"stocks", "cal"}));
  EXPECT_EQ(c.FindPlan("bars")->args.template_name, "codes_by_day");
  EXPECT_EQ(c.FindPlan("incremental")->depends_on, std::vector<std::string>{"cal"});
  EXPECT_TRUE(c.FindPlan("windows")->depends_on.empty());

  const auto& w = c.FindPlan("windows")->args.params;
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[2].kind, Kind::kFormat);
  EXPECT_EQ(w[3].kind, Kind::kWindows);
  EXPECT_EQ(w[3].window_months, 1);
  EXPECT_EQ(w[3].columns, (std::vector<std::string>{"start_date", "end_date"}));
  const auto& inc = c.FindPlan("incremental")->args.params[0];
  EXPECT_EQ(inc.kind, Kind::kSinceCheckpoint);
  EXPECT_EQ(inc.lookback, 2);
  EXPECT_EQ(inc.dataset, "trade_cal");
  const auto& pairs = c.FindPlan("pairs")->args.params;
  EXPECT_EQ(pairs[0].kind, Kind::kZip);
  ASSERT_EQ(pairs[0].children.size(), 2u);
  EXPECT_EQ(pairs[1].kind, Kind::kNow);
  EXPECT_EQ(pairs[1].offset, -1);
  EXPECT_EQ(pairs[1].unit, "day");

  for (const auto& p : c.plans) {
    auto back = PlanFromJson(PlanToJson(p));
    ASSERT_TRUE(back) << back.error().ToString();
    EXPECT_EQ(*back, p) << p.name;
  }
  auto back = TemplateFromJson(TemplateToJson(t));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, t);
}

TEST_F(GenerationConfigTest, OlderFormsKeepTheirStoredSpecsByteForByte) {
  // Specs written before templates and the new sources existed must not change (a change is a version).
  ConfigResult r = Load(R"yaml(plans:
  p:
    dataset: daily
    storages: [db]
    params:
      ts_code: [A, B]
      start_date: "20240101"
      trade_date: {dates: {start: "20240101", end: "20240105"}}
)yaml");
  ASSERT_TRUE(r.ok()) << FirstError(r);
  EXPECT_EQ(
      PlanToJson(*r.config->FindPlan("p")),
      R"({"name":"p","dataset":"daily","storages":["db"],"mode":"upsert","params":[)"
      R"({"name":"ts_code","kind":"list","values":["A","B"]},{"name":"start_date","kind":"constant","values":["20240101"]},)"
      R"({"name":"trade_date","kind":"dates","start":"20240101","end":"20240105","step":"day","format":"YYYYMMDD",)"
      R"("weekdays_only":false}],"schedule":"","depends_on":[],"retry":{"max_attempts":5,"initial_backoff_ms":1000,)"
      R"("max_backoff_ms":60000},"concurrency":0,"max_wait_secs":600,"enabled":true})");
  EXPECT_EQ(DatasetToJson(*r.config->FindDataset("daily")).find("origin"), std::string::npos);
}

TEST_F(GenerationConfigTest, MistakesAreReportedWhereTheyAreWritten) {
  struct Case {
    const char* body;
    const char* error;
  };
  const Case cases[] = {
      {"plans:\n  b:\n    dataset: daily\n    storages: [db]\n    params:\n      trade_date: {trading_days: {start: "
       "\"20240101\"}}\n",
       "datasync.yaml:16:7: plans.b.params.trade_date: reads dataset 'trade_cal': no plan syncs dataset 'trade_cal' "
       "(add a plan with dataset: trade_cal, or name a storage that holds it with storage:)"},
      {"plans:\n  b:\n    dataset: daily\n    storages: [db]\n    template: nope\n",
       "datasync.yaml:15:15: plans.b.template: unknown template 'nope' (defined: none)"},
      {"plans:\n  b:\n    dataset: daily\n    storages: [db]\n    params:\n      ts_code: {format: \"{{code}}.SZ\"}\n",
       "datasync.yaml:16:7: plans.b.params.ts_code: format uses {{code}}, which no parameter or _variable of this plan "
       "defines"},
      {"plans:\n  c:\n    dataset: trade_cal\n    storages: [files]\n  b:\n    dataset: daily\n    storages: [db]\n"
       "    params:\n      trade_date: {trading_days: {start: \"20240101\"}}\n",
       "datasync.yaml:19:7: plans.b.params.trade_date: reads dataset 'trade_cal': plan 'c' stores dataset 'trade_cal' "
       "only where datasync cannot read it back (readable kinds: sqlite, parquet, postgres, mysql, clickhouse); add "
       "such a storage to the plan"},
      {"plans:\n  b:\n    dataset: stock_basic\n    storages: [db]\n    params:\n      ts_code: {since_checkpoint: "
       "{initial: \"20240101\"}}\n",
       "datasync.yaml:16:7: plans.b: since_checkpoint needs dataset 'stock_basic' to have a date_key (the column whose "
       "newest value is the checkpoint)"},
      {"plans:\n  b:\n    dataset: daily\n    storages: [files]\n    params:\n      trade_date: {since_checkpoint: "
       "{initial: \"20240101\"}}\n",
       "datasync.yaml:16:7: plans.b: since_checkpoint reads the plan's newest synced value, but plan 'b' has no "
       "storage datasync can read back (readable kinds: sqlite, parquet, postgres, mysql, clickhouse)"},
      {"plans:\n  b:\n    dataset: daily\n    storages: [db]\n    params:\n      trade_date: {trading_days: {start: "
       "\"20240101\", is_open: 2}}\n",
       "datasync.yaml:16:63: plans.b.params.trade_date.trading_days.is_open: '2' is not allowed (allowed: 1, 0, any)"},
      {"plans:\n  b:\n    dataset: daily\n    storages: [db]\n    params:\n      trade_date: {windows: {start: "
       "\"20240101\", days: 7, format: YYYYMMDDD}}\n",
       "datasync.yaml:16:29: plans.b.params.trade_date: param 'trade_date': date format 'YYYYMMDDD' has 'D' at "
       "position 9 (use YYYY, MM, DD, hh, mm, ss and the separators - / . : _ T or a space)"},
      {"plans:\n  b:\n    dataset: daily\n    storages: [db]\n    params:\n      start_date: \"20240101\"\n"
       "      w: {windows: {start: \"20240101\", days: 7}}\n",
       "datasync.yaml:16:7: plans.b.params: 'start_date' is defined twice (a window or group defines it too)"},
      {"plans:\n  b:\n    dataset: daily\n    storages: [db]\n    params:\n      g: {zip: {ts_code: {format: x}}}\n",
       "datasync.yaml:16:16: plans.b.params.g: param 'ts_code': format is allowed only at the top level, not in a "
       "group"},
      {"plans:\n  b:\n    dataset: daily\n    storages: [db]\n    params:\n      ts_code: {column: {dataset: "
       "stock_basic, column: code}}\n",
       "datasync.yaml:16:7: plans.b.params.ts_code: dataset 'stock_basic' has no field 'code' (fields: ts_code, "
       "symbol, name, area, industry, fullname, enname, cnspell, market, exchange, curr_type, list_status, list_date, "
       "delist_date, is_hs, act_name, act_ent_type)"},
      {"plans:\n  b:\n    dataset: daily\n    storages: [db]\n    params:\n      ts_code: {dates: {start: x}, today: "
       "1}\n",
       "datasync.yaml:16:16: plans.b.params.ts_code: give one source, not several (dates, today)"},
      {"plans:\n  b:\n    dataset: daily\n    storages: [db]\n    params:\n      ts_code: {tomorrow: 1}\n",
       "datasync.yaml:16:17: unknown key 'tomorrow' in plans.b.params.ts_code (allowed: dates, trading_days, column, "
       "windows, since_checkpoint, today, now, format, zip, product)"},
  };
  for (const auto& c : cases) {
    ConfigResult r = Load(c.body);
    EXPECT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(FirstError(r), c.error) << c.body;
  }
}

TEST_F(GenerationConfigTest, ANamedStorageNeedsNoPlanAndIsNotADependency) {
  ConfigResult r = Load(R"yaml(plans:
  b:
    dataset: daily
    storages: [db]
    params:
      trade_date: {trading_days: {start: "20240101", storage: db}}
)yaml");
  ASSERT_TRUE(r.ok()) << FirstError(r);
  EXPECT_TRUE(r.config->FindPlan("b")->depends_on.empty());
  ConfigResult csv = Load(R"yaml(plans:
  b:
    dataset: daily
    storages: [db]
    params:
      trade_date: {trading_days: {start: "20240101", storage: files}}
)yaml");
  EXPECT_EQ(FirstError(csv),
            "datasync.yaml:16:7: plans.b.params.trade_date: reads dataset 'trade_cal': storage 'files' is of kind csv, "
            "which datasync cannot read back (readable kinds: sqlite, parquet, postgres, mysql, clickhouse)");
}

datasource::Dataset Imported() {
  datasource::Dataset d;
  d.name = "doc_bars";
  d.source = "ts";
  d.api = "daily";
  d.title = "日线";
  d.doc_url = "http://127.0.0.1:1/document/2?doc_id=27";
  d.params = {{"trade_date", "str", false, "交易日期"}, {"ts_code", "str", false, "代码 \"quoted\": yes"}};
  d.schema = std::make_shared<core::Schema>(
      std::vector<core::Field>{{"ts_code", core::LogicalType::String(), true, "代码: 'x' #1"},
                               {"trade_date", core::LogicalType::Date(), true, ""},
                               {"vwap", core::LogicalType::Float64(), true, "成交均价（元）"}});
  d.primary_key = {"ts_code", "trade_date"};
  d.date_key = "trade_date";
  d.row_cap = 6000;
  d.points = 120;
  d.paging = "offset";
  d.default_fields = {"ts_code", "trade_date"};
  d.origin = datasource::DatasetOrigin::kImport;
  return d;
}

TEST_F(GenerationConfigTest, PlansMayUseImportedDatasetsAndTheFileWinsANameClash) {
  ConfigResult r = Load(
      "plans:\n  b:\n    dataset: doc_bars\n    storages: [db]\n    params:\n      trade_date: "
      "\"20240102\"\n",
      {Imported()});
  ASSERT_TRUE(r.ok()) << FirstError(r);
  ConfigResult unknown =
      Load("plans:\n  b:\n    dataset: doc_bars\n    storages: [db]\n    params:\n      adj: x\n", {Imported()});
  EXPECT_EQ(FirstError(unknown),
            "datasync.yaml:16:7: plans.b.params: dataset 'doc_bars' has no request parameter 'adj' (allowed: "
            "trade_date, ts_code; names starting with _ are variables that are not sent)");
  datasource::Dataset clash = Imported();
  clash.name = "daily";
  ConfigResult shadow = Load("", {clash});
  ASSERT_TRUE(shadow.ok());
  ASSERT_EQ(shadow.issues.size(), 1u);
  EXPECT_TRUE(shadow.issues[0].warning);
  EXPECT_EQ(shadow.config->FindDataset("daily")->origin, datasource::DatasetOrigin::kConfig);
}

// A Nasdaq Data Link table imported from its metadata: filters are params named like the vendor's
// (`ticker`, `date.gte`), which templates send as they are, windows included; other names are refused.
TEST_F(GenerationConfigTest, DottedFilterParamsOfAnImportedTableAreWhatPlansMaySend) {
  datasource::Dataset eq;
  eq.name = "qsim_eq";
  eq.source = "ndl";
  eq.api = "datatables/QSIM/EQ";
  eq.origin = datasource::DatasetOrigin::kImport;
  eq.doc_url = "https://data.nasdaq.com/api/v3/datatables/QSIM/EQ/metadata.json";
  eq.schema = std::make_shared<core::Schema>(
      std::vector<core::Field>{{"ticker", core::LogicalType::String()}, {"date", core::LogicalType::Date()}});
  eq.primary_key = {"ticker", "date"};
  eq.date_key = "date";
  eq.params = {{"ticker", "str"}, {"date", "date"}, {"date.gte", "date"}, {"date.lte", "date"}};
  const std::string ndl = "  ndl: {provider: nasdaq_data_link, api_key: \"${K}\"}\n";
  auto load = [&](const std::string& body) {
    std::string text = kHead;
    text.replace(text.find("datasets:"), 0, ndl);
    return ConfigLoader(providers_, sinks_, {eq}).LoadString(text + body, "datasync.yaml", "/proj");
  };
  ConfigResult ok = load(
      "templates:\n  by_quarter:\n    params:\n      ticker: [\"AAPL,MSFT\", NVDA]\n"
      "      window: {windows: {start: \"2024-01-01\", end: \"2024-12-31\", months: 3, names: [date.gte, date.lte], "
      "format: YYYY-MM-DD}}\n"
      "plans:\n  eq:\n    dataset: qsim_eq\n    storages: [db]\n    template: by_quarter\n");
  ASSERT_TRUE(ok.ok()) << FirstError(ok);
  ConfigResult bad =
      load("plans:\n  eq:\n    dataset: qsim_eq\n    storages: [db]\n    params:\n      date.between: x\n");
  EXPECT_NE(FirstError(bad).find("dataset 'qsim_eq' has no request parameter 'date.between' (allowed: ticker, date, "
                                 "date.gte, date.lte"),
            std::string::npos)
      << FirstError(bad);
  auto back = DatasetFromJson(DatasetToJson(eq));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, eq);
}

TEST_F(GenerationConfigTest, ImportedDatasetSpecsRoundTripAndTheirYamlLoadsBack) {
  datasource::Dataset d = Imported();
  std::string spec = DatasetToJson(d);
  EXPECT_TRUE(IsImportedDatasetSpec(spec));
  auto back = DatasetFromJson(spec);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, d);

  // `dataset import --yaml` prints what datasync.yaml accepts, and it builds the same dataset (from the file).
  std::string yaml = DatasetsYaml({d});
  std::string file = "version: 1\nsources:\n  ts: {provider: tushare, token: \"${T}\"}\n" + yaml;
  ConfigResult r = ConfigLoader(providers_, sinks_).LoadString(file, "datasync.yaml", "/proj");
  ASSERT_TRUE(r.ok()) << yaml << "\n" << FirstError(r);
  const auto* loaded = r.config->FindDataset("doc_bars");
  ASSERT_TRUE(loaded);
  datasource::Dataset expected = d;
  expected.origin = datasource::DatasetOrigin::kConfig;
  EXPECT_EQ(*loaded, expected);
}

TEST(SchemaCheckLogTest, DueAfterTheIntervalAndSurvivesAReload) {
  auto dir = std::filesystem::temp_directory_path() / ("ds-checks-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  SchemaCheckLog log = SchemaCheckLog::Load(dir);
  const int64_t hour = 3'600'000'000LL;
  EXPECT_TRUE(log.Due("a", 100 * hour, 24));
  log.Record("a", 100 * hour);
  EXPECT_FALSE(log.Due("a", 123 * hour, 24));
  EXPECT_TRUE(log.Due("a", 124 * hour, 24));
  EXPECT_FALSE(log.Due("a", 1000 * hour, 0));  // 0: the schedule is off
  ASSERT_TRUE(log.Save());
  SchemaCheckLog again = SchemaCheckLog::Load(dir);
  EXPECT_EQ(again.LastChecked("a"), 100 * hour);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace datasync::app
