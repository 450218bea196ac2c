// The calendar mapping in datasync.yaml: `calendar: {date, open, open_value, exchange}` on a dataset, the
// built-in one of Tushare's trade_cal, what schedules and the trading_days argument source read through it,
// the mistakes reported where they are written, and the stored dataset spec (older specs without the key
// load; a dataset of the built-in calendar stores no mapping, so existing catalogs see no new version).
#include <gtest/gtest.h>

#include "app/config.hpp"
#include "app/registries.hpp"
#include "app/specs.hpp"

namespace datasync::app {
namespace {

using Where = std::vector<std::pair<std::string, std::string>>;

class CalendarConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterBuiltinProviders(providers_);
    RegisterBuiltinSinks(sinks_);
  }
  // kHead (14 lines) + body: the body's first line is line 15 of the file.
  ConfigResult Load(const std::string& body) {
    return ConfigLoader(providers_, sinks_).LoadString(kHead + body, "datasync.yaml", "/proj");
  }
  static std::string FirstError(const ConfigResult& r) {
    for (const auto& i : r.issues) {
      if (!i.warning) return FormatIssue(i);
    }
    return "";
  }
  static constexpr const char* kHead = R"yaml(version: 1
sources:
  ts: {provider: tushare, token: "${T}"}
storages:
  db: {kind: sqlite, path: data/w.db}
datasets:
  trade_cal: {source: ts}
  daily: {source: ts}
  stock_basic: {source: ts}
  venue_days:
    source: ts
    api: venue_days
    fields: [{name: d, type: date}, {name: trading, type: str}, {name: mic, type: str}]
    primary_key: [mic, d]
)yaml";
  datasource::ProviderRegistry providers_;
  storage::SinkRegistry sinks_;
};

// A dataset with differently named columns, declared a calendar, and the plans that sync and read it.
constexpr const char* kMyCal = R"yaml(  my_cal:
    source: ts
    api: venue_days
    fields: [{name: d, type: date}, {name: trading, type: str}, {name: mic, type: str}]
    primary_key: [mic, d]
    calendar: {date: d, open: trading, open_value: "Y", exchange: mic}
plans:
  cal: {dataset: my_cal, storages: [db]}
  bars:
    dataset: daily
    storages: [db]
    schedule: {cron: "30 17 * * *", calendar: my_cal, exchange: XNYS}
    params:
      trade_date: {trading_days: {calendar: my_cal, exchange: XNYS, start: "20240101"}}
  closed:
    dataset: daily
    storages: [db]
    params:
      trade_date: {trading_days: {calendar: my_cal, exchange: any, is_open: 0, start: "20240101"}}
)yaml";

TEST_F(CalendarConfigTest, ADeclaredMappingIsReadBySchedulesAndTradingDays) {
  ConfigResult r = Load(kMyCal);
  ASSERT_TRUE(r.ok()) << FirstError(r);
  const datasource::Dataset* cal = r.config->FindDataset("my_cal");
  ASSERT_TRUE(cal && cal->calendar);
  EXPECT_EQ(*cal->calendar, (datasource::CalendarMapping{"d", "trading", "Y", "mic"}));
  EXPECT_FALSE(r.config->FindDataset("venue_days")->calendar);

  const sync::SyncPlan* bars = r.config->FindPlan("bars");
  EXPECT_EQ(bars->schedule.calendar, "my_cal");
  ASSERT_EQ(bars->args.params.size(), 1u);
  const auto& days = bars->args.params[0];
  EXPECT_EQ(days.dataset, "my_cal");
  EXPECT_EQ(days.column, "d");
  EXPECT_EQ(days.where, (Where{{"mic", "XNYS"}, {"trading", "Y"}}));
  EXPECT_EQ(bars->depends_on, (std::vector<std::string>{"cal"}));
  // is_open: 0 asks for the closed days; exchange: any filters no exchange.
  EXPECT_EQ(r.config->FindPlan("closed")->args.params[0].where, (Where{{"trading", "0"}}));
}

TEST_F(CalendarConfigTest, OpenValueDefaultsToOne) {
  ConfigResult r = Load(
      "  my_cal:\n    source: ts\n    api: venue_days\n"
      "    fields: [{name: d, type: date}, {name: open, type: int}, {name: x, type: str}]\n"
      "    calendar: {date: d, open: open, exchange: x}\n");
  ASSERT_TRUE(r.ok()) << FirstError(r);
  EXPECT_EQ(*r.config->FindDataset("my_cal")->calendar, (datasource::CalendarMapping{"d", "open", "1", "x"}));
}

TEST_F(CalendarConfigTest, TheBuiltinCalendarKeepsItsColumnsAndItsStoredSpec) {
  ConfigResult r = Load(R"yaml(plans:
  cal: {dataset: trade_cal, storages: [db]}
  bars:
    dataset: daily
    storages: [db]
    schedule: {cron: "30 17 * * *", calendar: trade_cal, when: nth_trading_day, n: 1}
    params:
      trade_date: {trading_days: {start: "20240101", exchange: SZSE}}
)yaml");
  ASSERT_TRUE(r.ok()) << FirstError(r);
  const auto& days = r.config->FindPlan("bars")->args.params[0];
  EXPECT_EQ(days.dataset, "trade_cal");
  EXPECT_EQ(days.column, "cal_date");
  EXPECT_EQ(days.where, (Where{{"exchange", "SZSE"}, {"is_open", "1"}}));
  // The mapping stays the provider's: the stored spec is what it was before mappings existed.
  const datasource::Dataset* tc = r.config->FindDataset("trade_cal");
  EXPECT_FALSE(tc->calendar);
  std::string spec = DatasetToJson(*tc);
  EXPECT_EQ(spec.find(R"("calendar":)"), std::string::npos) << spec;
  auto back = DatasetFromJson(spec);
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(*back, *tc);
  EXPECT_EQ(DatasetToJson(*back), spec);
}

TEST_F(CalendarConfigTest, TheStoredSpecCarriesADeclaredMappingAndOlderSpecsLoad) {
  ConfigResult r = Load(kMyCal);
  ASSERT_TRUE(r.ok()) << FirstError(r);
  const datasource::Dataset& cal = *r.config->FindDataset("my_cal");
  std::string spec = DatasetToJson(cal);
  EXPECT_NE(spec.find(R"("calendar":{"date":"d","open":"trading","open_value":"Y","exchange":"mic"})"),
            std::string::npos)
      << spec;
  auto back = DatasetFromJson(spec);
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(*back, cal);
  EXPECT_EQ(DatasetToJson(*back), spec);
  // A different mapping is a different spec (a new version when applied).
  datasource::Dataset other = cal;
  other.calendar->open_value = "1";
  EXPECT_FALSE(other == cal);
  EXPECT_NE(DatasetToJson(other), spec);

  // A spec stored before mappings existed has no key: it loads as no mapping.
  const std::string old =
      R"({"name":"my_cal","source":"ts","api":"venue_days","title":"","description":"","doc_url":"","params":[],)"
      R"("fields":[{"name":"d","type":"date","nullable":true,"description":""}],"primary_key":[],"date_key":"",)"
      R"("row_cap":0})";
  auto older = DatasetFromJson(old);
  ASSERT_TRUE(older) << older.error().ToString();
  EXPECT_FALSE(older->calendar);
  EXPECT_EQ(DatasetToJson(*older), old);
  // A mapping stored without open_value reads the default.
  auto no_value =
      DatasetFromJson(old.substr(0, old.size() - 1) + R"(,"calendar":{"date":"d","open":"o","exchange":"x"}})");
  ASSERT_TRUE(no_value) << no_value.error().ToString();
  EXPECT_EQ(*no_value->calendar, (datasource::CalendarMapping{"d", "o", "1", "x"}));
  // A mapping without its columns is a corrupt spec, not a calendar without columns.
  EXPECT_FALSE(DatasetFromJson(old.substr(0, old.size() - 1) + R"(,"calendar":{"date":"d"}})"));
}

TEST_F(CalendarConfigTest, MappingMistakesAreReportedWhereTheyAreWritten) {
  struct Case {
    const char* body;
    const char* error;
  };
  const char* my_cal =
      "  my_cal:\n    source: ts\n    api: venue_days\n"
      "    fields: [{name: d, type: date}, {name: trading, type: str}, {name: mic, type: str}]\n";
  const Case cases[] = {
      {"    calendar: {date: d, exchange: mic}\n",
       "datasync.yaml:19:15: datasets.my_cal.calendar: missing required key 'open' (the column that says whether the "
       "exchange trades that day)"},
      {"    calendar: {open: trading, exchange: mic}\n",
       "datasync.yaml:19:15: datasets.my_cal.calendar: missing required key 'date' (the column of the day)"},
      {"    calendar: {date: d, open: trading}\n",
       "datasync.yaml:19:15: datasets.my_cal.calendar: missing required key 'exchange' (the column of the exchange)"},
      {"    calendar: {date: d, open: trading, exchange: mic, opne_value: Y}\n",
       "datasync.yaml:19:55: unknown key 'opne_value' in datasets.my_cal.calendar (allowed: date, open, open_value, "
       "exchange)"},
      {"    calendar: {date: day, open: trading, exchange: mic}\n",
       "datasync.yaml:19:22: datasets.my_cal.calendar.date: 'day' is not a field (fields: d, trading, mic)"},
      {"    calendar: [d, trading, mic]\n",
       "datasync.yaml:19:15: datasets.my_cal.calendar: expected a mapping (key: value lines), got a list"},
  };
  for (const auto& c : cases) {
    ConfigResult r = Load(std::string(my_cal) + c.body);
    EXPECT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(FirstError(r), c.error) << c.body;
  }
}

TEST_F(CalendarConfigTest, ACalendarWithoutAMappingIsReportedWithWhatToAdd) {
  struct Case {
    const char* body;
    const char* error;
  };
  const Case cases[] = {
      // A schedule's calendar.
      {"plans:\n  s: {dataset: stock_basic, storages: [db]}\n  b:\n    dataset: daily\n    storages: [db]\n"
       "    schedule: {cron: \"30 17 * * *\", calendar: stock_basic}\n",
       "datasync.yaml:20:47: plans.b.schedule.calendar: dataset 'stock_basic' is not a trading calendar; declare its "
       "columns with datasets.stock_basic.calendar: {date, open, exchange} (open_value: the open column's value on a "
       "trading day, default 1)"},
      // The trading_days argument source's.
      {"plans:\n  b:\n    dataset: daily\n    storages: [db]\n    params:\n"
       "      trade_date: {trading_days: {calendar: venue_days, start: \"20240101\"}}\n",
       "datasync.yaml:20:45: plans.b.params.trade_date.trading_days.calendar: dataset 'venue_days' is not a trading "
       "calendar; declare its columns with datasets.venue_days.calendar: {date, open, exchange} (open_value: the open "
       "column's value on a trading day, default 1)"},
      // since_checkpoint's.
      {"plans:\n  b:\n    dataset: daily\n    storages: [db]\n    params:\n"
       "      trade_date: {since_checkpoint: {initial: \"20240101\", calendar: daily}}\n",
       "datasync.yaml:20:70: plans.b.params.trade_date.since_checkpoint.calendar: dataset 'daily' is not a trading "
       "calendar; declare its columns with datasets.daily.calendar: {date, open, exchange} (open_value: the open "
       "column's value on a trading day, default 1)"},
      // A calendar that is no dataset at all.
      {"plans:\n  b:\n    dataset: daily\n    storages: [db]\n    params:\n"
       "      trade_date: {trading_days: {calendar: nope, start: \"20240101\"}}\n",
       "datasync.yaml:20:45: plans.b.params.trade_date.trading_days.calendar: unknown dataset 'nope' (defined: "
       "trade_cal, daily, stock_basic, venue_days)"},
  };
  for (const auto& c : cases) {
    ConfigResult r = Load(c.body);
    EXPECT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(FirstError(r), c.error) << c.body;
  }
}

TEST_F(CalendarConfigTest, TheBuiltinMappingNeedsTheColumnsItNames) {
  // trade_cal's fields replaced by the file: its built-in mapping names columns it no longer has.
  ConfigResult r = Load(R"yaml(  cal2:
    source: ts
    api: trade_cal
    fields: [{name: exchange, type: str}, {name: cal_date, type: date}]
plans:
  c: {dataset: cal2, storages: [db]}
  b: {dataset: daily, storages: [db], schedule: {cron: "30 17 * * *", calendar: cal2}}
)yaml");
  EXPECT_EQ(FirstError(r),
            "datasync.yaml:21:81: plans.b.schedule.calendar: dataset 'cal2' has no field(s) is_open that its calendar "
            "mapping reads; declare datasets.cal2.calendar: {date, open, exchange} with its own columns");
}

}  // namespace
}  // namespace datasync::app
