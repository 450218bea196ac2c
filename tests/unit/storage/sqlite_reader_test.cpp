// The sqlite sink's read port: what argument generators read back (trading days with filters and date
// bounds, distinct codes, the checkpoint), typed by the logical types the sink recorded; missing files,
// tables and columns; hostile names.
#include "storage/sqlite/sqlite_reader.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>

#include "sink_test_support.hpp"
#include "storage/sqlite/sqlite_sink.hpp"

namespace datasync::storage::testing {
namespace {

using core::LogicalType;
using core::Value;

class SqliteReaderTest : public ::testing::Test {
 protected:
  ReaderContext Ctx(std::string prefix = "") {
    ReaderContext ctx;
    ctx.storage_name = "warehouse";
    ctx.options.Set("path", "db/data.db");
    if (!prefix.empty()) ctx.options.Set("table_prefix", prefix);
    ctx.project_dir = tmp_.path();
    return ctx;
  }
  void Write(const std::string& dataset, const core::SchemaPtr& schema, const std::vector<Row>& rows,
             std::string prefix = "") {
    SqliteSink sink;
    BindContext ctx;
    ctx.storage_name = "warehouse";
    ctx.dataset = dataset;
    ctx.schema = schema;
    ctx.mode = WriteMode::kAppend;
    ctx.options.Set("path", "db/data.db");
    if (!prefix.empty()) ctx.options.Set("table_prefix", prefix);
    ctx.project_dir = tmp_.path();
    core::ColumnBatch batch = MakeBatch(schema, rows);
    RunSink(sink, ctx, 1, {{"u1", &batch}});
  }
  std::unique_ptr<DatasetReader> Open(std::string prefix = "") {
    auto r = SqliteDatasetReader::Open(Ctx(std::move(prefix)));
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? std::move(*r) : nullptr;
  }
  TempDir tmp_;
};

core::SchemaPtr CalendarSchema() {
  return MakeSchema({{"exchange", LogicalType::String()},
                     {"cal_date", LogicalType::Date()},
                     {"is_open", LogicalType::Int32()},
                     {"pretrade_date", LogicalType::Date()}});
}

Row Cal(const char* exchange, int day, int open) {
  return {Value::String(exchange), DateOf(2024, 2, day), Value::Int32(open), DateOf(2024, 1, 31)};
}

TEST_F(SqliteReaderTest, KeySpansGroupEachKeysFirstLastAndDistinctDaysWithinTheBounds) {
  // The calendar's rows read as (key = exchange, day = cal_date): SSE on the 7th twice, 8, 9, 19, 20.
  Write("trade_cal", CalendarSchema(),
        {Cal("SSE", 8, 1), Cal("SSE", 9, 0), Cal("SSE", 19, 1), Cal("SSE", 20, 1), Cal("SZSE", 7, 1), Cal("SSE", 7, 1),
         Cal("SSE", 7, 1)});
  auto reader = Open();
  KeySpanQuery q{"trade_cal", "exchange", "cal_date", std::nullopt, std::nullopt};
  auto spans = reader->KeySpans(q);
  ASSERT_TRUE(spans) << spans.error().ToString();
  ASSERT_EQ(spans->size(), 2u);
  EXPECT_EQ((*spans)[0].key, "SSE");
  EXPECT_EQ((*spans)[0].first, DateOf(2024, 2, 7));
  EXPECT_EQ((*spans)[0].last, DateOf(2024, 2, 20));
  EXPECT_EQ((*spans)[0].days, 5);  // the 7th counted once
  EXPECT_EQ((*spans)[1].key, "SZSE");
  EXPECT_EQ((*spans)[1].days, 1);
  q.min = "20240208";  // config spelling, as DistinctValues takes it
  q.max = "2024-02-19";
  spans = reader->KeySpans(q);
  ASSERT_TRUE(spans);
  ASSERT_EQ(spans->size(), 1u);
  EXPECT_EQ((*spans)[0].first, DateOf(2024, 2, 8));
  EXPECT_EQ((*spans)[0].last, DateOf(2024, 2, 19));
  EXPECT_EQ((*spans)[0].days, 3);
  auto missing = reader->KeySpans({"trade_cal", "no_such", "cal_date", std::nullopt, std::nullopt});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("has no column"), std::string::npos);
  auto unsynced = reader->KeySpans({"daily", "ts_code", "trade_date", std::nullopt, std::nullopt});
  ASSERT_FALSE(unsynced);
  EXPECT_EQ(unsynced.error().kind(), core::ErrorKind::kConfig);
}

// The web app's preview: the newest rows by a column, of one key value, typed, limited; a missing column
// is named, and a key value is bound, never spliced.
TEST_F(SqliteReaderTest, LatestRowsNewestFirstOfOneKeyTypedAndLimited) {
  Write("trade_cal", CalendarSchema(),
        {Cal("SSE", 8, 1), Cal("SSE", 9, 0), Cal("SSE", 19, 1), Cal("SZSE", 20, 1), Cal("SSE", 7, 1)});
  auto reader = Open();
  RowsQuery q;
  q.dataset = "trade_cal";
  q.columns = {"cal_date", "is_open", "exchange"};
  q.order_by = "cal_date";
  q.equals = {{"exchange", "SSE"}};
  q.limit = 3;
  auto rows = reader->LatestRows(q);
  ASSERT_TRUE(rows) << rows.error().ToString();
  EXPECT_EQ(rows->columns, (std::vector<std::string>{"cal_date", "is_open", "exchange"}));
  EXPECT_EQ(rows->types[0], LogicalType::Date());
  ASSERT_EQ(rows->rows.size(), 3u);
  EXPECT_EQ(rows->rows[0][0], DateOf(2024, 2, 19));
  EXPECT_EQ(rows->rows[1][0], DateOf(2024, 2, 9));
  EXPECT_EQ(rows->rows[1][1], Value::Int32(0));
  EXPECT_EQ(rows->rows[2][0], DateOf(2024, 2, 8));
  q.equals = {{"exchange", "SSE' OR '1'='1"}};
  rows = reader->LatestRows(q);
  ASSERT_TRUE(rows);
  EXPECT_TRUE(rows->rows.empty());
  q.equals.clear();
  q.limit = 100;
  rows = reader->LatestRows(q);
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->rows.size(), 5u);
  EXPECT_EQ(rows->rows[0][2], Value::String("SZSE"));
  q.columns.push_back("no_such");
  auto missing = reader->LatestRows(q);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("has no column \"no_such\""), std::string::npos)
      << missing.error().message();
}

// Reconcile and verify: the table's columns with their recorded types, and every row of a filter and a day
// range, typed; the append mode's bookkeeping column is listed but never asked for.
TEST_F(SqliteReaderTest, DescribeAndScanRowsWithinADayRange) {
  Write("trade_cal", CalendarSchema(),
        {Cal("SSE", 8, 1), Cal("SSE", 9, 0), Cal("SSE", 19, 1), Cal("SZSE", 20, 1), Cal("SSE", 7, 1)});
  auto reader = Open();
  auto columns = reader->Describe("trade_cal");
  ASSERT_TRUE(columns) << columns.error().ToString();
  EXPECT_EQ(columns->at("cal_date"), LogicalType::Date());
  EXPECT_EQ(columns->at("is_open"), LogicalType::Int32());
  ScanQuery q;
  q.dataset = "trade_cal";
  q.columns = {"cal_date", "is_open"};
  q.equals = {{"exchange", "SSE"}};
  q.range_column = "cal_date";
  q.min = "20240208";
  q.max = "2024-02-19";
  std::vector<std::vector<Value>> seen;
  auto types = reader->ScanRows(q, [&](std::vector<Value>& row) { seen.push_back(row); });
  ASSERT_TRUE(types) << types.error().ToString();
  EXPECT_EQ(*types, (std::vector<LogicalType>{LogicalType::Date(), LogicalType::Int32()}));
  std::sort(seen.begin(), seen.end(), [](const auto& a, const auto& b) { return a[0].ToString() < b[0].ToString(); });
  EXPECT_EQ(seen, (std::vector<std::vector<Value>>{{DateOf(2024, 2, 8), Value::Int32(1)},
                                                   {DateOf(2024, 2, 9), Value::Int32(0)},
                                                   {DateOf(2024, 2, 19), Value::Int32(1)}}));
  q.columns.push_back("no_such");
  auto missing = reader->ScanRows(q, [](std::vector<Value>&) {});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("has no column"), std::string::npos);
  auto unsynced = reader->Describe("daily");
  ASSERT_FALSE(unsynced);
  EXPECT_EQ(unsynced.error().kind(), core::ErrorKind::kConfig);
}

TEST_F(SqliteReaderTest, AVersionedTableReadsAsItsCurrentRowsOrAsOfATime) {
  auto write = [&](int64_t run, const std::vector<Row>& rows) {
    SqliteSink sink;
    BindContext ctx;
    ctx.storage_name = "warehouse";
    ctx.dataset = "trade_cal";
    ctx.schema = CalendarSchema();
    ctx.primary_key = {"exchange", "cal_date"};
    ctx.mode = WriteMode::kHistory;
    ctx.options.Set("path", "db/data.db");
    ctx.project_dir = tmp_.path();
    core::ColumnBatch batch = MakeBatch(ctx.schema, rows);
    RunSink(sink, ctx, run, {{"u1", &batch}});
  };
  write(1, {Cal("SSE", 8, 1), Cal("SSE", 9, 1)});
  auto reader = Open();
  // The first version's time, read back from the table.
  std::string first;
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((tmp_.path() / "db" / "data.db").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT max(_valid_from) FROM trade_cal", -1, &stmt, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    first = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    sqlite3_close(db);
  }
  write(2, {Cal("SSE", 8, 1), Cal("SSE", 9, 0)});  // the 9th revised

  auto columns = reader->Describe("trade_cal");
  ASSERT_TRUE(columns) << columns.error().ToString();
  EXPECT_EQ(columns->size(), 4u);  // no _valid_from, _valid_to, _ds_unit
  auto scan = [&](std::optional<std::string> as_of) {
    ScanQuery q;
    q.dataset = "trade_cal";
    q.columns = {"cal_date", "is_open"};
    q.as_of = std::move(as_of);
    std::vector<std::vector<Value>> seen;
    auto types = reader->ScanRows(q, [&](std::vector<Value>& row) { seen.push_back(row); });
    EXPECT_TRUE(types) << types.error().ToString();
    std::sort(seen.begin(), seen.end(), [](const auto& a, const auto& b) { return a[0].ToString() < b[0].ToString(); });
    return seen;
  };
  using Seen = std::vector<std::vector<Value>>;
  EXPECT_EQ(scan(std::nullopt), (Seen{{DateOf(2024, 2, 8), Value::Int32(1)}, {DateOf(2024, 2, 9), Value::Int32(0)}}));
  EXPECT_EQ(scan(first), (Seen{{DateOf(2024, 2, 8), Value::Int32(1)}, {DateOf(2024, 2, 9), Value::Int32(1)}}));
  EXPECT_EQ(scan("2000-01-01"), Seen{});
  // Every other read sees the current rows only.
  ReadQuery open{"trade_cal", "cal_date", {{"is_open", "1"}}, std::nullopt, std::nullopt};
  auto days = reader->DistinctValues(open);
  ASSERT_TRUE(days) << days.error().ToString();
  EXPECT_EQ(*days, (std::vector<Value>{DateOf(2024, 2, 8)}));
  auto spans = reader->KeySpans({"trade_cal", "exchange", "cal_date", std::nullopt, std::nullopt});
  ASSERT_TRUE(spans) << spans.error().ToString();
  EXPECT_EQ(spans->at(0).days, 2);
  // A time that is not one, and a table that keeps no history, are refused.
  ScanQuery bad;
  bad.dataset = "trade_cal";
  bad.columns = {"cal_date"};
  bad.as_of = "yesterday";
  EXPECT_EQ(reader->ScanRows(bad, [](std::vector<Value>&) {}).error().kind(), core::ErrorKind::kInvalidInput);
  Write("plain", CalendarSchema(), {Cal("SSE", 8, 1)});
  bad.dataset = "plain";
  bad.as_of = first;
  auto refused = reader->ScanRows(bad, [](std::vector<Value>&) {});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("keeps no history"), std::string::npos) << refused.error().message();
}

TEST_F(SqliteReaderTest, OpenDaysWithFiltersAndDateBounds) {
  Write("trade_cal", CalendarSchema(),
        {Cal("SSE", 8, 1), Cal("SSE", 9, 0), Cal("SSE", 19, 1), Cal("SSE", 20, 1), Cal("SZSE", 7, 1), Cal("SSE", 7, 1),
         Cal("SSE", 7, 1)});
  auto reader = Open();
  ReadQuery q;
  q.dataset = "trade_cal";
  q.column = "cal_date";
  q.equals = {{"exchange", "SSE"}, {"is_open", "1"}};
  q.min = "20240208";  // config spelling; stored as ISO text
  q.max = "2024-02-19";
  auto days = reader->DistinctValues(q);
  ASSERT_TRUE(days) << days.error().ToString();
  EXPECT_EQ(*days, (std::vector<Value>{DateOf(2024, 2, 8), DateOf(2024, 2, 19)}));
  q.min.reset();
  q.max.reset();
  days = reader->DistinctValues(q);
  ASSERT_TRUE(days);
  EXPECT_EQ(days->size(), 4u);  // 7 (twice), 8, 19, 20 of SSE
  EXPECT_EQ(days->front(), DateOf(2024, 2, 7));

  auto newest = reader->MaxValue("trade_cal", "cal_date");
  ASSERT_TRUE(newest);
  EXPECT_EQ(*newest, DateOf(2024, 2, 20));
  auto exchanges = reader->DistinctValues({"trade_cal", "exchange", {}, std::nullopt, std::nullopt});
  ASSERT_TRUE(exchanges);
  EXPECT_EQ(*exchanges, (std::vector<Value>{Value::String("SSE"), Value::String("SZSE")}));
}

TEST_F(SqliteReaderTest, NothingWrittenYet) {
  auto reader = Open();
  auto max = reader->MaxValue("daily", "trade_date");
  ASSERT_TRUE(max);
  EXPECT_FALSE(max->has_value());
  auto values = reader->DistinctValues({"trade_cal", "cal_date", {}, std::nullopt, std::nullopt});
  ASSERT_FALSE(values);
  EXPECT_EQ(values.error().kind(), core::ErrorKind::kConfig);
  EXPECT_NE(values.error().message().find("has no table \"trade_cal\" yet; run the plan that syncs dataset "
                                          "'trade_cal' first"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(tmp_.path() / "db" / "data.db"));  // a reader never creates the database

  Write("trade_cal", CalendarSchema(), {Cal("SSE", 8, 1)});
  max = reader->MaxValue("daily", "trade_date");
  ASSERT_TRUE(max);
  EXPECT_FALSE(max->has_value());
  auto bad = reader->DistinctValues({"trade_cal", "cal_day", {}, std::nullopt, std::nullopt});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("has no column \"cal_day\""), std::string::npos);
}

TEST_F(SqliteReaderTest, HostileNamesAreQuotedAndValuesBound) {
  std::string dataset = "x\"; DROP TABLE trade_cal; --";
  std::string column = "code\" FROM sqlite_schema; --";
  Write("trade_cal", CalendarSchema(), {Cal("SSE", 8, 1)}, "p_");
  Write(dataset, MakeSchema({{column, LogicalType::String()}}), {{Value::String("a'b")}, {Value::String("c")}}, "p_");
  auto reader = Open("p_");
  auto values = reader->DistinctValues({dataset, column, {{column, "a'b"}}, std::nullopt, std::nullopt});
  ASSERT_TRUE(values) << values.error().ToString();
  EXPECT_EQ(*values, (std::vector<Value>{Value::String("a'b")}));
  auto cal = reader->DistinctValues({"trade_cal", "cal_date", {}, std::nullopt, std::nullopt});
  ASSERT_TRUE(cal);
  EXPECT_EQ(cal->size(), 1u);
}

TEST(SqliteReaderRegistryTest, TheSqliteSinkOffersAReader) {
  SinkRegistry registry;
  RegisterSqliteSink(registry);
  ASSERT_TRUE(registry.Find("sqlite")->open_reader);
}

}  // namespace
}  // namespace datasync::storage::testing
