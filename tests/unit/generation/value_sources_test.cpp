// The sources that read local data, windows, checkpoints, now/today, formats and groups, with a fake
// DatasetReader standing in for a storage.
#include <gtest/gtest.h>

#include <map>

#include "core/dates.hpp"
#include "core/time_zone.hpp"
#include "generation/argument_generator.hpp"
#include "generation/date_format.hpp"
#include "generation/value_sources.hpp"

namespace datasync::generation {
namespace {

using Kind = ParamSource::Kind;
using Row = std::map<std::string, core::Value>;

int32_t D(const char* yyyymmdd) { return *core::ParseDate(yyyymmdd); }

// Rows per dataset; answers like a storage would (distinct, ascending, equality on text, date bounds).
class FakeReader : public storage::DatasetReader {
 public:
  std::map<std::string, std::vector<Row>> data;
  std::vector<storage::ReadQuery> queries;

  core::Result<std::vector<core::Value>> DistinctValues(const storage::ReadQuery& q) override {
    queries.push_back(q);
    auto it = data.find(q.dataset);
    if (it == data.end()) return core::Fail(core::ErrorKind::kConfig, "no table '" + q.dataset + "'");
    std::map<std::string, core::Value> out;  // keyed by sortable text
    for (const auto& row : it->second) {
      bool match = true;
      for (const auto& [col, want] : q.equals) match = match && row.count(col) && Text(row.at(col)) == want;
      if (!match || !row.count(q.column) || row.at(q.column).is_null()) continue;
      const core::Value& v = row.at(q.column);
      if (q.min && Text(v) < *q.min) continue;
      if (q.max && Text(v) > *q.max) continue;
      out.emplace(Text(v), v);
    }
    std::vector<core::Value> values;
    for (auto& [k, v] : out) values.push_back(v);
    return values;
  }
  core::Result<std::optional<core::Value>> MaxValue(const std::string&, const std::string&) override {
    return std::optional<core::Value>();
  }
  static std::string Text(const core::Value& v) { return v.ToString(); }
};

// An SSE-like calendar: weekdays open except the listed holidays.
std::vector<Row> Calendar(const char* from, const char* to, std::vector<const char*> holidays = {}) {
  std::vector<Row> rows;
  for (int32_t d = D(from); d <= D(to); ++d) {
    bool open = core::Weekday(d) != 0 && core::Weekday(d) != 6;
    for (const char* h : holidays) open = open && d != D(h);
    rows.push_back({{"exchange", core::Value::String("SSE")},
                    {"cal_date", core::Value::Date(d)},
                    {"is_open", core::Value::Int32(open ? 1 : 0)}});
  }
  return rows;
}

struct Fixture {
  std::shared_ptr<FakeReader> reader = std::make_shared<FakeReader>();
  std::optional<int32_t> checkpoint;
  core::ManualClock clock{core::FromEpochMicros(*core::ParseTimestamp("2024-03-15 02:30:00"))};  // 10:30 Shanghai
  core::TimeZone tz = *core::TimeZone::Load("Asia/Shanghai");
  std::vector<std::pair<std::string, std::string>> opened;

  GenerationContext Ctx() {
    GenerationContext ctx;
    ctx.clock = &clock;
    ctx.tz = &tz;
    ctx.open_reader = [this](const std::string& dataset, const std::string& storage)
        -> core::Result<std::shared_ptr<storage::DatasetReader>> {
      opened.emplace_back(dataset, storage);
      return std::shared_ptr<storage::DatasetReader>(reader);
    };
    ctx.checkpoint = [this]() -> core::Result<std::optional<int32_t>> { return checkpoint; };
    return ctx;
  }
};

ParamSource TradingDays(const char* start, const char* end) {
  ParamSource p;
  p.name = "trade_date";
  p.kind = Kind::kTradingDays;
  p.dataset = "trade_cal";
  p.column = "cal_date";
  p.where = {{"exchange", "SSE"}, {"is_open", "1"}};
  p.start = start;
  p.end = end;
  return p;
}

std::vector<std::string> Values(Fixture& f, const ParamSource& p) {
  auto r = ExpandParam(p, f.Ctx());
  EXPECT_TRUE(r) << r.error().ToString();
  return r ? *r : std::vector<std::string>{};
}

std::vector<std::string> Cells(Fixture& f, const ParamSource& p) {
  auto r = ExpandSource(p, f.Ctx());
  EXPECT_TRUE(r) << r.error().ToString();
  return r ? r->cells : std::vector<std::string>{};
}

std::vector<std::string> All(ArgumentGenerator& gen) {
  std::vector<std::string> out;
  datasource::Params p;
  while (gen.Next(p)) {
    std::string s;
    for (const auto& [k, v] : p) s += (s.empty() ? "" : " ") + k + "=" + v;
    out.push_back(s);
  }
  return out;
}

TEST(DateFormatTest, TokensSeparatorsAndTypos) {
  EXPECT_EQ(FormatDay(D("20240229"), "YYYYMMDD"), "20240229");
  EXPECT_EQ(FormatDay(D("20240229"), "YYYY-MM-DD"), "2024-02-29");
  EXPECT_EQ(FormatDay(D("19691231"), "YYYY/MM/DD"), "1969/12/31");
  EXPECT_EQ(FormatWallTime(*core::ParseTimestamp("2024-01-02 09:05:07"), "YYYY-MM-DD hh:mm:ss"),
            "2024-01-02 09:05:07");
  EXPECT_EQ(FormatWallTime(*core::ParseTimestamp("2024-01-02 09:05:07"), "YYYYMMDDThhmmss"), "20240102T090507");
  EXPECT_TRUE(CheckDateFormat("YYYY-MM-DD hh:mm"));
  auto typo = CheckDateFormat("YYYYMMDDD");
  ASSERT_FALSE(typo);
  EXPECT_EQ(typo.error().message(),
            "date format 'YYYYMMDDD' has 'D' at position 9 (use YYYY, MM, DD, hh, mm, ss and the separators - / . : "
            "_ T or a space)");
  EXPECT_FALSE(CheckDateFormat(""));
  EXPECT_FALSE(CheckDateFormat("--"));
}

TEST(StepDateTest, MonthEndsAndLeapYears) {
  EXPECT_EQ(StepDate(D("20240131"), 1, "month", 31), D("20240229"));
  EXPECT_EQ(StepDate(D("20230131"), 1, "month", 31), D("20230228"));
  EXPECT_EQ(StepDate(D("20240229"), 1, "month", 31), D("20240331"));  // the anchor, not Feb's 29, decides
  EXPECT_EQ(StepDate(D("20240229"), 1, "year", 29), D("20250228"));
  EXPECT_EQ(StepDate(D("20240229"), 4, "year", 29), D("20280229"));
  EXPECT_EQ(StepDate(D("20241130"), 1, "quarter", 30), D("20250228"));
  EXPECT_EQ(StepDate(D("20240301"), -1, "month", 1), D("20240201"));
  EXPECT_EQ(StepDate(D("20240105"), -2, "week", 5), D("20231222"));
  EXPECT_FALSE(CheckStep("fortnight"));
}

TEST(TradingDaysTest, OpenDaysSkipWeekendsAndHolidays) {
  Fixture f;
  f.reader->data["trade_cal"] = Calendar("20240201", "20240229", {"20240209", "20240212", "20240213", "20240214",
                                                                  "20240215", "20240216"});
  EXPECT_EQ(Values(f, TradingDays("20240207", "20240220")),
            (std::vector<std::string>{"20240207", "20240208", "20240219", "20240220"}));
  ASSERT_EQ(f.reader->queries.size(), 1u);
  EXPECT_EQ(f.reader->queries[0].min, "2024-02-07");
  EXPECT_EQ(f.reader->queries[0].max, "2024-02-20");
  EXPECT_EQ(f.reader->queries[0].equals, (std::vector<std::pair<std::string, std::string>>{{"exchange", "SSE"},
                                                                                          {"is_open", "1"}}));
  EXPECT_EQ(f.opened, (std::vector<std::pair<std::string, std::string>>{{"trade_cal", ""}}));
  // A range inside a holiday week has no trading days: zero tasks, not an error.
  EXPECT_TRUE(Values(f, TradingDays("20240210", "20240218")).empty());
}

TEST(TradingDaysTest, EmptyCalendarYieldsNothingAndAMissingOneIsAnError) {
  Fixture f;
  f.reader->data["trade_cal"] = {};
  auto gen = ArgumentGenerator::FromSources(std::vector<ParamSource>{TradingDays("20240101", "20241231")}, f.Ctx());
  ASSERT_TRUE(gen);
  EXPECT_EQ((*gen)->Count(), 0u);
  datasource::Params p;
  EXPECT_FALSE((*gen)->Next(p));

  Fixture none;
  auto missing = ExpandParam(TradingDays("20240101", "20241231"), none.Ctx());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(), "param 'trade_date': no table 'trade_cal'");

  GenerationContext no_storage;
  auto unreadable = ExpandParam(TradingDays("20240101", "20241231"), no_storage);
  ASSERT_FALSE(unreadable);
  EXPECT_EQ(unreadable.error().kind(), core::ErrorKind::kConfig);
}

TEST(TradingDaysTest, LastOrFirstOpenDayOfEachPeriod) {
  Fixture f;
  // 2024-03-29 (Good Friday in some markets) closed: March's last open day is the 28th.
  f.reader->data["trade_cal"] = Calendar("20240101", "20240630", {"20240101", "20240329"});
  ParamSource month_ends = TradingDays("20240101", "20240630");
  month_ends.step = "month";
  EXPECT_EQ(Values(f, month_ends), (std::vector<std::string>{"20240131", "20240229", "20240328", "20240430",
                                                              "20240531", "20240628"}));
  ParamSource quarter_starts = TradingDays("20240101", "20240630");
  quarter_starts.step = "quarter";
  quarter_starts.pick = "first";
  quarter_starts.format = "YYYY-MM-DD";
  EXPECT_EQ(Values(f, quarter_starts), (std::vector<std::string>{"2024-01-02", "2024-04-01"}));
  ParamSource weeks = TradingDays("20240325", "20240407");
  weeks.step = "week";
  EXPECT_EQ(Values(f, weeks), (std::vector<std::string>{"20240328", "20240405"}));
}

TEST(ColumnSourceTest, DistinctValuesOfAnotherDatasetWithAFilter) {
  Fixture f;
  f.reader->data["stock_basic"] = {
      {{"ts_code", core::Value::String("600000.SH")}, {"list_status", core::Value::String("L")}},
      {{"ts_code", core::Value::String("000001.SZ")}, {"list_status", core::Value::String("L")}},
      {{"ts_code", core::Value::String("000003.SZ")}, {"list_status", core::Value::String("D")}},
      {{"ts_code", core::Value::String("000001.SZ")}, {"list_status", core::Value::String("L")}},
  };
  ParamSource p;
  p.name = "ts_code";
  p.kind = Kind::kColumn;
  p.dataset = "stock_basic";
  p.column = "ts_code";
  p.storage = "warehouse";
  p.where = {{"list_status", "L"}};
  EXPECT_EQ(Values(f, p), (std::vector<std::string>{"000001.SZ", "600000.SH"}));
  EXPECT_EQ(f.opened.back(), (std::pair<std::string, std::string>{"stock_basic", "warehouse"}));

  f.reader->data["stock_basic"].push_back({{"list_date", core::Value::Date(D("19910403"))}});
  p.column = "list_date";
  p.where.clear();
  p.format = "YYYY-MM-DD";
  EXPECT_EQ(Values(f, p), (std::vector<std::string>{"1991-04-03"}));
}

TEST(WindowsTest, DayWindowsAlignedToTheEpochOrTheStart) {
  Fixture f;
  ParamSource w;
  w.name = "window";
  w.kind = Kind::kWindows;
  w.start = "20240101";
  w.end = "20240120";
  w.window_days = 7;
  // 2024-01-01 is day 19723 = 7 * 2817 + 4: epoch-aligned windows start on days that are multiples of 7.
  EXPECT_EQ(Cells(f, w), (std::vector<std::string>{"20240101", "20240103", "20240104", "20240110", "20240111",
                                                   "20240117", "20240118", "20240120"}));
  w.align = "start";
  EXPECT_EQ(Cells(f, w), (std::vector<std::string>{"20240101", "20240107", "20240108", "20240114", "20240115",
                                                   "20240120"}));
  // The same windows whatever the start, so re-runs of a moving range keep their task keys.
  w.align = "epoch";
  w.start = "20240105";
  EXPECT_EQ(Cells(f, w)[2], "20240111");
}

TEST(WindowsTest, MonthWindowsFollowMonthEndsAndLeapYears) {
  Fixture f;
  ParamSource w;
  w.name = "window";
  w.kind = Kind::kWindows;
  w.start = "20240115";
  w.end = "20240410";
  w.window_months = 1;
  w.columns = {"begin", "finish"};
  auto t = ExpandSource(w, f.Ctx());
  ASSERT_TRUE(t);
  EXPECT_EQ(t->columns, (std::vector<std::string>{"begin", "finish"}));
  EXPECT_EQ(t->cells, (std::vector<std::string>{"20240115", "20240131", "20240201", "20240229", "20240301",
                                                "20240331", "20240401", "20240410"}));
  w.window_months = 3;
  w.start = "20230201";
  w.end = "20231231";
  EXPECT_EQ(Cells(f, w), (std::vector<std::string>{"20230201", "20230331", "20230401", "20230630", "20230701",
                                                   "20230930", "20231001", "20231231"}));
  w.window_months = 0;
  auto neither = ExpandSource(w, f.Ctx());
  ASSERT_FALSE(neither);
  EXPECT_EQ(neither.error().message(),
            "param 'window': windows need exactly one of days or months (a positive number)");
}

ParamSource Since(int64_t lookback, const char* initial = "") {
  ParamSource p;
  p.name = "trade_date";
  p.kind = Kind::kSinceCheckpoint;
  p.lookback = lookback;
  p.initial = initial;
  p.end = "20240315";
  return p;
}

TEST(SinceCheckpointTest, DaysAfterTheCheckpointWithALookback) {
  Fixture f;
  f.checkpoint = D("20240312");
  EXPECT_EQ(Values(f, Since(0)), (std::vector<std::string>{"20240313", "20240314", "20240315"}));
  EXPECT_EQ(Values(f, Since(2)),
            (std::vector<std::string>{"20240311", "20240312", "20240313", "20240314", "20240315"}));
  // A checkpoint at the end of the range: nothing left to fetch unless a lookback asks for it.
  f.checkpoint = D("20240315");
  EXPECT_TRUE(Values(f, Since(0)).empty());
  EXPECT_EQ(Values(f, Since(1)), (std::vector<std::string>{"20240315"}));
  // Monthly data: month ends after the checkpoint, keeping the anchor through February.
  f.checkpoint = D("20231130");
  ParamSource monthly = Since(0);
  monthly.step = "month";
  monthly.end = "20240401";
  EXPECT_EQ(Values(f, monthly), (std::vector<std::string>{"20231230", "20240130", "20240229", "20240330"}));
}

TEST(SinceCheckpointTest, InitialBeforeAnythingIsSyncedAndTradingDayLookback) {
  Fixture f;
  EXPECT_EQ(Values(f, Since(3, "20240314")), (std::vector<std::string>{"20240314", "20240315"}));
  auto no_initial = ExpandParam(Since(0), f.Ctx());
  ASSERT_FALSE(no_initial);
  EXPECT_EQ(no_initial.error().message(),
            "param 'trade_date': nothing is synced yet and since_checkpoint has no 'initial' date");

  f.reader->data["trade_cal"] = Calendar("20240301", "20240331");
  ParamSource trading = Since(2);
  trading.dataset = "trade_cal";
  trading.column = "cal_date";
  trading.where = {{"is_open", "1"}};
  f.checkpoint = D("20240310");  // a Sunday: the two open days before it are the 7th and 8th
  EXPECT_EQ(Values(f, trading),
            (std::vector<std::string>{"20240307", "20240308", "20240311", "20240312", "20240313", "20240314",
                                      "20240315"}));
  f.checkpoint = D("20240315");
  trading.lookback = 0;
  EXPECT_TRUE(Values(f, trading).empty());
}

TEST(NowTest, TodayAndNowInTheSourcesZoneWithOffsets) {
  Fixture f;  // 2024-03-15 02:30 UTC = 10:30 in Shanghai
  ParamSource today;
  today.name = "trade_date";
  today.kind = Kind::kNow;
  EXPECT_EQ(Values(f, today), (std::vector<std::string>{"20240315"}));
  today.offset = -15;
  EXPECT_EQ(Values(f, today), (std::vector<std::string>{"20240229"}));
  ParamSource now;
  now.name = "since";
  now.kind = Kind::kNow;
  now.unit = "minute";
  now.offset = -45;
  now.format = "YYYY-MM-DD hh:mm:ss";
  EXPECT_EQ(Values(f, now), (std::vector<std::string>{"2024-03-15 09:45:00"}));
  f.clock.Set(core::FromEpochMicros(*core::ParseTimestamp("2024-03-15 17:00:00")));  // 01:00 on the 16th
  EXPECT_EQ(Values(f, today), (std::vector<std::string>{"20240301"}));
  now.unit = "fortnight";
  EXPECT_FALSE(ExpandParam(now, f.Ctx()));
}

ParamSource List(std::string name, std::vector<std::string> values) {
  ParamSource p;
  p.name = std::move(name);
  p.kind = Kind::kList;
  p.values = std::move(values);
  return p;
}

ParamSource Format(std::string name, std::string text) {
  ParamSource p;
  p.name = std::move(name);
  p.kind = Kind::kFormat;
  p.text = std::move(text);
  return p;
}

TEST(GeneratorTest, FormatsRenderOtherValuesAndVariablesAreNotSent) {
  Fixture f;
  // A format may use a variable declared after it; only other formats must come first.
  std::vector<ParamSource> sources = {List("_symbol", {"000001", "600000"}), Format("ts_code", "{{_symbol}}.{{_board}}"),
                                      List("_board", {"SZ"}), List("adj", {"qfq"})};
  auto gen = ArgumentGenerator::FromSources(sources, f.Ctx());
  ASSERT_TRUE(gen) << gen.error().ToString();
  EXPECT_EQ(All(**gen), (std::vector<std::string>{"ts_code=000001.SZ adj=qfq", "ts_code=600000.SZ adj=qfq"}));

  auto undefined = ArgumentGenerator::FromSources(std::vector<ParamSource>{Format("ts_code", "{{code}}.SZ")}, f.Ctx());
  ASSERT_FALSE(undefined);
  EXPECT_EQ(undefined.error().message(),
            "param 'ts_code': format uses {{code}}, which no parameter or _variable of this plan defines");
  auto later = ArgumentGenerator::FromSources(
      std::vector<ParamSource>{Format("a", "{{b}}"), Format("b", "x")}, f.Ctx());
  ASSERT_FALSE(later);
  auto twice = ArgumentGenerator::FromSources(std::vector<ParamSource>{List("a", {"1"}), List("a", {"2"})}, f.Ctx());
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().message(), "param 'a' is defined twice");
  auto broken = ArgumentGenerator::FromSources(std::vector<ParamSource>{Format("a", "{{#x}}")}, f.Ctx());
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().kind(), core::ErrorKind::kConfig);
}

TEST(GeneratorTest, ZipStopsAtTheShortestAndProductGroupsNest) {
  Fixture f;
  ParamSource zip;
  zip.name = "_pairs";
  zip.kind = Kind::kZip;
  zip.children = {List("start_date", {"20240101", "20240201", "20240301"}), List("end_date", {"20240131", "20240229"})};
  ParamSource codes = List("ts_code", {"A", "B"});
  auto gen = ArgumentGenerator::FromSources(std::vector<ParamSource>{zip, codes}, f.Ctx());
  ASSERT_TRUE(gen);
  EXPECT_EQ((*gen)->Count(), 4u);
  EXPECT_EQ(All(**gen), (std::vector<std::string>{
                            "start_date=20240101 end_date=20240131 ts_code=A",
                            "start_date=20240101 end_date=20240131 ts_code=B",
                            "start_date=20240201 end_date=20240229 ts_code=A",
                            "start_date=20240201 end_date=20240229 ts_code=B",
                        }));
  ParamSource product;
  product.name = "_grid";
  product.kind = Kind::kProduct;
  product.children = {List("x", {"1", "2"}), List("y", {"a", "b"})};
  ParamSource outer;
  outer.name = "_outer";
  outer.kind = Kind::kZip;
  outer.children = {product, List("z", {"p", "q", "r", "s", "t"})};
  auto nested = ArgumentGenerator::FromSources(std::vector<ParamSource>{outer}, f.Ctx());
  ASSERT_TRUE(nested);
  EXPECT_EQ(All(**nested), (std::vector<std::string>{"x=1 y=a z=p", "x=1 y=b z=q", "x=2 y=a z=r", "x=2 y=b z=s"}));
}

TEST(GeneratorTest, WindowsTimesCodesAndSeek) {
  Fixture f;
  ParamSource w;
  w.name = "window";
  w.kind = Kind::kWindows;
  w.start = "20240101";
  w.end = "20240331";
  w.window_months = 1;
  auto gen = ArgumentGenerator::FromSources(std::vector<ParamSource>{List("ts_code", {"A", "B"}), w}, f.Ctx());
  ASSERT_TRUE(gen);
  EXPECT_EQ((*gen)->Count(), 6u);
  (*gen)->Seek(4);
  datasource::Params p;
  ASSERT_TRUE((*gen)->Next(p));
  EXPECT_EQ(p, (datasource::Params{{"ts_code", "B"}, {"start_date", "20240201"}, {"end_date", "20240229"}}));
  (*gen)->Seek(6);
  EXPECT_FALSE((*gen)->Next(p));
}

// Five years of trading days x 5000 codes: the generator holds the two lists (1304 + 5000 values), not
// the 6.5 million argument sets; any of them is computed from its index.
TEST(GeneratorTest, FiveYearsOfTradingDaysTimesFiveThousandCodesStreams) {
  Fixture f;
  f.reader->data["trade_cal"] = Calendar("20190101", "20231231");
  std::vector<Row>& stocks = f.reader->data["stock_basic"];
  for (int i = 0; i < 5000; ++i) {
    stocks.push_back({{"ts_code", core::Value::String(std::to_string(600000 + i) + ".SH")},
                      {"list_status", core::Value::String("L")}});
  }
  ParamSource codes;
  codes.name = "ts_code";
  codes.kind = Kind::kColumn;
  codes.dataset = "stock_basic";
  codes.column = "ts_code";
  codes.where = {{"list_status", "L"}};
  auto gen = ArgumentGenerator::FromSources(std::vector<ParamSource>{TradingDays("20190101", "20231231"), codes},
                                            f.Ctx());
  ASSERT_TRUE(gen);
  const uint64_t days = 1304;  // weekdays in 2019-2023
  ASSERT_EQ((*gen)->Count(), days * 5000);
  datasource::Params p;
  // The first two days in full, in order.
  for (uint64_t n = 0; n < 10000; ++n) {
    ASSERT_TRUE((*gen)->Next(p));
    ASSERT_EQ(p[0].second, n < 5000 ? "20190101" : "20190102");
    ASSERT_EQ(p[1].second, std::to_string(600000 + n % 5000) + ".SH");
  }
  // Anywhere else by index, and the end.
  (*gen)->Seek(5000 * 261 + 17);  // 2019 has 261 weekdays: the first of 2020
  ASSERT_TRUE((*gen)->Next(p));
  EXPECT_EQ(p, (datasource::Params{{"trade_date", "20200101"}, {"ts_code", "600017.SH"}}));
  (*gen)->Seek(days * 5000 - 1);
  ASSERT_TRUE((*gen)->Next(p));
  EXPECT_EQ(p, (datasource::Params{{"trade_date", "20231229"}, {"ts_code", "604999.SH"}}));
  EXPECT_FALSE((*gen)->Next(p));
}

}  // namespace
}  // namespace datasync::generation
