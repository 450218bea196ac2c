// SQLite specifics: declared types and keys, the hidden unit column and its index, recorded logical
// types, error classification (busy, constraint), additive migrations and what they record, and the
// replace swap keeping views usable.
#include "storage/sqlite/sqlite_sink.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "sink_test_support.hpp"

namespace datasync::storage::testing {
namespace {

using core::ErrorKind;
using core::LogicalType;
using core::Value;

// Runs a query on its own connection and returns every row as text ("NULL" for NULL).
std::vector<std::vector<std::string>> Query(const fs::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  std::vector<std::vector<std::string>> rows;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sqlite3_errmsg(db) << " in " << sql;
    sqlite3_close(db);
    return rows;
  }
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      auto text = sqlite3_column_text(stmt, i);
      row.push_back(text ? reinterpret_cast<const char*>(text) : "NULL");
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

using Rows = std::vector<std::vector<std::string>>;

class SqliteSinkTest : public ::testing::Test {
 protected:
  fs::path db() const { return tmp_.path() / "data.db"; }
  BindContext Ctx(const std::string& dataset, core::SchemaPtr schema, WriteMode mode = WriteMode::kAppend,
                  std::vector<std::string> pk = {}) {
    BindContext ctx;
    ctx.storage_name = "local_db";
    ctx.dataset = dataset;
    ctx.schema = std::move(schema);
    ctx.mode = mode;
    ctx.primary_key = std::move(pk);
    ctx.options.Set("path", db().string());
    return ctx;
  }
  TempDir tmp_;
};

core::SchemaPtr DailySchema() {
  return MakeSchema({{"ts_code", LogicalType::String()},
                     {"trade_date", LogicalType::Date()},
                     {"open", LogicalType::Float64()},
                     {"vol", LogicalType::Int64()},
                     {"suspended", LogicalType::Bool()},
                     {"amount", LogicalType::Decimal(18, 3)},
                     {"updated", LogicalType::Timestamp()},
                     {"rank", LogicalType::Int32()}});
}

Row Daily(const std::string& code, int day, double open) {
  return {Value::String(code), DateOf(2024, 1, day), Value::Float64(open),         Value::Int64(100),
          Value::Bool(false),  Dec(12345, 18, 3),    TsOf(2024, 1, day, 15, 0, 0), Value::Int32(1)};
}

TEST_F(SqliteSinkTest, DeclaresSqliteTypesAndThePrimaryKey) {
  SqliteSink sink;
  RunSink(sink, Ctx("daily", DailySchema(), WriteMode::kUpsert, {"ts_code", "trade_date"}), 1, {});
  EXPECT_EQ(Query(db(), "SELECT name, type, pk FROM pragma_table_info('daily')"), (Rows{{"ts_code", "TEXT", "1"},
                                                                                        {"trade_date", "TEXT", "2"},
                                                                                        {"open", "REAL", "0"},
                                                                                        {"vol", "INTEGER", "0"},
                                                                                        {"suspended", "INTEGER", "0"},
                                                                                        {"amount", "TEXT", "0"},
                                                                                        {"updated", "TEXT", "0"},
                                                                                        {"rank", "INTEGER", "0"}}));
  EXPECT_EQ(Query(db(),
                  "SELECT column_name, logical_type FROM _datasync_columns WHERE table_name = 'daily' "
                  "ORDER BY rowid"),
            (Rows{{"ts_code", "string"},
                  {"trade_date", "date"},
                  {"open", "float64"},
                  {"vol", "int64"},
                  {"suspended", "bool"},
                  {"amount", "decimal(18,3)"},
                  {"updated", "timestamp"},
                  {"rank", "int32"}}));
  EXPECT_EQ(Query(db(), "PRAGMA journal_mode"), (Rows{{"wal"}}));
}

TEST_F(SqliteSinkTest, AppendKeepsAnIndexedUnitColumn) {
  auto batch = MakeBatch(DailySchema(), {Daily("A", 2, 1.5)});
  SqliteSink sink;
  RunSink(sink, Ctx("daily", DailySchema()), 1, {{"task-7", &batch}});
  EXPECT_EQ(Query(db(), "SELECT ts_code, trade_date, amount, updated, _ds_unit FROM daily"),
            (Rows{{"A", "2024-01-02", "12.345", "2024-01-02 15:00:00", "task-7"}}));
  EXPECT_EQ(Query(db(), "SELECT name FROM pragma_index_list('daily') WHERE name = 'daily__ds_unit'"),
            (Rows{{"daily__ds_unit"}}));
  EXPECT_EQ(Query(db(), "SELECT count(*) FROM pragma_table_info('daily') WHERE pk > 0"), (Rows{{"0"}}));
}

TEST_F(SqliteSinkTest, UpsertUpdatesEveryNonKeyColumn) {
  auto schema = DailySchema();
  auto v1 = MakeBatch(schema, {Daily("A", 2, 1.5), Daily("A", 3, 1.6)});
  Row changed = Daily("A", 2, 9.5);
  changed[3] = Value::Int64(999);
  changed[4] = Value::Null(LogicalType::Bool());
  auto v2 = MakeBatch(schema, {changed});
  SqliteSink first, second;
  auto ctx = Ctx("daily", schema, WriteMode::kUpsert, {"ts_code", "trade_date"});
  RunSink(first, ctx, 1, {{"u1", &v1}});
  RunSink(second, ctx, 2, {{"u2", &v2}});
  EXPECT_EQ(Query(db(), "SELECT trade_date, open, vol, suspended FROM daily ORDER BY trade_date"),
            (Rows{{"2024-01-02", "9.5", "999", "NULL"}, {"2024-01-03", "1.6", "100", "0"}}));
  EXPECT_EQ(Query(db(), "SELECT count(*) FROM pragma_table_info('daily') WHERE name = '_ds_unit'"), (Rows{{"0"}}));
}

TEST_F(SqliteSinkTest, BusyDatabaseIsTransient) {
  SqliteSink sink;
  auto ctx = Ctx("daily", DailySchema());
  ctx.options.Set("busy_timeout_ms", int64_t{50});
  ASSERT_TRUE(sink.Bind(ctx));
  ASSERT_TRUE(sink.Migrate());
  ASSERT_TRUE(sink.Open(RunContext{1}));
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto batch = MakeBatch(DailySchema(), {Daily("A", 2, 1)});
  auto st = sink.Write(batch, "u");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kTransient);
  EXPECT_TRUE(st.error().code().starts_with("SQLITE_BUSY")) << st.error().code();
  EXPECT_NE(st.error().message().find("local_db"), std::string::npos) << st.error().message();
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  // Once the lock is gone the same write goes through.
  ASSERT_TRUE(sink.Write(batch, "u"));
  ASSERT_TRUE(sink.Commit());
  ASSERT_TRUE(sink.Close());
  EXPECT_EQ(Query(db(), "SELECT count(*) FROM daily"), (Rows{{"1"}}));
}

TEST_F(SqliteSinkTest, ConstraintViolationNamesTheTableAndKeyAndDiscardsTheTransaction) {
  auto schema = DailySchema();
  auto a = MakeBatch(schema, {Daily("A", 2, 1)});
  auto b = MakeBatch(schema, {Daily("B", 2, 2), Daily("A", 2, 3)});
  SqliteSink sink;
  ASSERT_TRUE(sink.Bind(Ctx("daily", schema, WriteMode::kAppend, {"ts_code", "trade_date"})));
  ASSERT_TRUE(sink.Migrate());
  ASSERT_TRUE(sink.Open(RunContext{1}));
  ASSERT_TRUE(sink.Write(a, "task-a"));
  auto st = sink.Write(b, "task-b");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidInput);
  EXPECT_NE(st.error().message().find("\"daily\""), std::string::npos) << st.error().message();
  EXPECT_NE(st.error().message().find("ts_code=A, trade_date=2024-01-02"), std::string::npos) << st.error().message();
  EXPECT_TRUE(st.error().code().starts_with("SQLITE_CONSTRAINT")) << st.error().code();
  // The failed Write discarded the whole uncommitted transaction, so nothing half-written can be
  // committed; the caller writes the good unit again.
  ASSERT_TRUE(sink.Commit());
  EXPECT_EQ(Query(db(), "SELECT count(*) FROM daily"), (Rows{{"0"}}));
  ASSERT_TRUE(sink.Write(a, "task-a"));
  ASSERT_TRUE(sink.Commit());
  ASSERT_TRUE(sink.Close());
  EXPECT_EQ(Query(db(), "SELECT ts_code, _ds_unit FROM daily"), (Rows{{"A", "task-a"}}));
}

TEST_F(SqliteSinkTest, AnUpsertGroupGoesInAtCommitInKeyOrderAndTheLastWriteOfAKeyWins) {
  auto schema = DailySchema();
  // Two units of one commit, as a backfill by date writes them (day by day), and a key both write.
  auto day2 = MakeBatch(schema, {Daily("B", 2, 1), Daily("A", 2, 2)});
  auto day3 = MakeBatch(schema, {Daily("B", 3, 3), Daily("A", 3, 4), Daily("B", 2, 5)});
  SqliteSink sink;
  ASSERT_TRUE(sink.Bind(Ctx("daily", schema, WriteMode::kUpsert, {"ts_code", "trade_date"})));
  ASSERT_TRUE(sink.Migrate());
  ASSERT_TRUE(sink.Open(RunContext{1}));
  ASSERT_TRUE(sink.Write(day2, "d2"));
  ASSERT_TRUE(sink.Write(day3, "d3"));
  // Held until Commit: another connection sees nothing yet (not even an open write).
  EXPECT_EQ(Query(db(), "SELECT count(*) FROM daily"), (Rows{{"0"}}));
  ASSERT_TRUE(sink.Commit());
  EXPECT_EQ(sink.stats().rows_written, 5);
  EXPECT_GT(sink.stats().bytes_written, 0);
  ASSERT_TRUE(sink.Close());
  // rowid order is insertion order: by key, B's day 2 written last (5, not 1).
  EXPECT_EQ(Query(db(), "SELECT ts_code, trade_date, open FROM daily ORDER BY rowid"),
            (Rows{{"A", "2024-01-02", "2.0"},
                  {"A", "2024-01-03", "4.0"},
                  {"B", "2024-01-02", "5.0"},
                  {"B", "2024-01-03", "3.0"}}));
}

TEST_F(SqliteSinkTest, AHeldUpsertKeepsTheCallersSharedBatchNotACopy) {
  auto schema = DailySchema();
  auto shared = std::make_shared<const core::ColumnBatch>(MakeBatch(schema, {Daily("A", 2, 1), Daily("B", 2, 2)}));
  SqliteSink sink;
  ASSERT_TRUE(sink.Bind(Ctx("daily", schema, WriteMode::kUpsert, {"ts_code", "trade_date"})));
  ASSERT_TRUE(sink.Migrate());
  ASSERT_TRUE(sink.Open(RunContext{1}));
  ASSERT_TRUE(sink.Write(shared, "d2"));
  EXPECT_EQ(shared.use_count(), 2);  // the sink holds the same batch until Commit
  ASSERT_TRUE(sink.Commit());
  EXPECT_EQ(shared.use_count(), 1);
  ASSERT_TRUE(sink.Close());
  EXPECT_EQ(Query(db(), "SELECT count(*) FROM daily"), (Rows{{"2"}}));
}

TEST_F(SqliteSinkTest, RowsAnUpsertRefusesAtCommitFailTheCommitWithTheirKeyAndLeaveNothing) {
  auto schema = DailySchema();
  // The user's own table with a rule the vendor's rows may break.
  Query(db(),
        "CREATE TABLE daily (ts_code TEXT, trade_date TEXT, open REAL CHECK (open >= 0), vol INTEGER, "
        "suspended INTEGER, amount TEXT, updated TEXT, rank INTEGER, PRIMARY KEY (ts_code, trade_date))");
  auto good = MakeBatch(schema, {Daily("A", 2, 1)});
  auto bad = MakeBatch(schema, {Daily("B", 2, -1)});
  SqliteSink sink;
  ASSERT_TRUE(sink.Bind(Ctx("daily", schema, WriteMode::kUpsert, {"ts_code", "trade_date"})));
  ASSERT_TRUE(sink.Migrate());
  ASSERT_TRUE(sink.Open(RunContext{1}));
  ASSERT_TRUE(sink.Write(good, "a"));
  ASSERT_TRUE(sink.Write(bad, "b"));
  auto st = sink.Commit();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidInput);
  EXPECT_NE(st.error().message().find("ts_code=B, trade_date=2024-01-02"), std::string::npos) << st.error().message();
  ASSERT_TRUE(sink.Abort());
  EXPECT_EQ(Query(db(), "SELECT count(*) FROM daily"), (Rows{{"0"}}));
  // The good unit alone goes through (what the writer pool does next).
  ASSERT_TRUE(sink.Write(good, "a"));
  ASSERT_TRUE(sink.Commit());
  ASSERT_TRUE(sink.Close());
  EXPECT_EQ(Query(db(), "SELECT ts_code FROM daily"), (Rows{{"A"}}));
}

TEST_F(SqliteSinkTest, AddedColumnsAndTypeChangesAreRecordedNotFatal) {
  auto v1 = MakeSchema({{"code", LogicalType::String()}, {"x", LogicalType::Int64()}, {"old", LogicalType::String()}});
  auto v2 = MakeSchema({{"code", LogicalType::String()}, {"x", LogicalType::Float64()}, {"y", LogicalType::Date()}});
  auto b1 = MakeBatch(v1, {{Value::String("A"), Value::Int64(1), Value::String("o")}});
  auto b2 = MakeBatch(v2, {{Value::String("B"), Value::Float64(2.5), DateOf(2024, 1, 2)}});
  SqliteSink first;
  RunSink(first, Ctx("t", v1), 1, {{"u1", &b1}});
  EXPECT_EQ(first.migration_notes(), (std::vector<std::string>{"created table \"t\""}));
  SqliteSink second;
  RunSink(second, Ctx("t", v2), 2, {{"u2", &b2}});
  const auto& notes = second.migration_notes();
  ASSERT_EQ(notes.size(), 4u) << ::testing::PrintToString(notes);
  EXPECT_NE(notes[0].find("\"x\" is declared INTEGER"), std::string::npos) << notes[0];
  EXPECT_EQ(notes[1], "added column \"y\" TEXT");
  EXPECT_NE(notes[2].find("\"old\" is no longer in the dataset"), std::string::npos) << notes[2];
  EXPECT_NE(notes[3].find("\"x\" changes from int64 to float64"), std::string::npos) << notes[3];
  EXPECT_EQ(Query(db(), "SELECT code, x, typeof(x), old, y FROM t ORDER BY code"),
            (Rows{{"A", "1", "integer", "o", "NULL"}, {"B", "2.5", "real", "NULL", "2024-01-02"}}));
  EXPECT_EQ(Query(db(), "SELECT logical_type FROM _datasync_columns WHERE table_name = 't' AND column_name = 'x'"),
            (Rows{{"float64"}}));
}

TEST_F(SqliteSinkTest, ChangingThePrimaryKeyIsAConfigError) {
  auto schema = DailySchema();
  SqliteSink first;
  RunSink(first, Ctx("daily", schema, WriteMode::kUpsert, {"ts_code", "trade_date"}), 1, {});
  SqliteSink second;
  ASSERT_TRUE(second.Bind(Ctx("daily", schema, WriteMode::kUpsert, {"ts_code"})));
  auto st = second.Migrate();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kConfig);
  EXPECT_NE(st.error().message().find("primary key"), std::string::npos) << st.error().message();
  // The same key in another order is the same key.
  SqliteSink third;
  RunSink(third, Ctx("daily", schema, WriteMode::kUpsert, {"trade_date", "ts_code"}), 2, {});
}

TEST_F(SqliteSinkTest, UpsertOntoATableWithoutKeyAddsAUniqueIndex) {
  auto schema = DailySchema();
  auto a = MakeBatch(schema, {Daily("A", 2, 1)});
  auto a_again = MakeBatch(schema, {Daily("A", 2, 5)});
  SqliteSink append;
  RunSink(append, Ctx("daily", schema), 1, {{"u1", &a}});
  SqliteSink upsert;
  RunSink(upsert, Ctx("daily", schema, WriteMode::kUpsert, {"ts_code", "trade_date"}), 2, {{"u2", &a_again}});
  // The upsert took the row over, tag included (the table has _ds_unit from the append run).
  EXPECT_EQ(Query(db(), "SELECT ts_code, open, _ds_unit FROM daily"), (Rows{{"A", "5.0", "u2"}}));
  EXPECT_EQ(Query(db(), "SELECT name FROM pragma_index_list('daily') WHERE \"unique\" = 1"), (Rows{{"daily__pk"}}));

  // With duplicate keys already in the table the index cannot exist: say so instead of failing later.
  SqliteSink dup_append;
  RunSink(dup_append, Ctx("dups", schema), 1, {{"u1", &a}, {"u2", &a}});
  SqliteSink dup_upsert;
  ASSERT_TRUE(dup_upsert.Bind(Ctx("dups", schema, WriteMode::kUpsert, {"ts_code", "trade_date"})));
  auto st = dup_upsert.Migrate();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kConfig);
}

TEST_F(SqliteSinkTest, HistoryKeepsEveryVersionAndAddsNoneForAnUnchangedRow) {
  auto schema = DailySchema();
  auto ctx = Ctx("daily", schema, WriteMode::kHistory, {"ts_code", "trade_date"});
  Row with_null = Daily("C", 2, 3.0);
  with_null[4] = Value::Null(LogicalType::Bool());
  auto v1 = MakeBatch(schema, {Daily("A", 2, 1.5), Daily("B", 2, 2.5), with_null});
  SqliteSink first;
  RunSink(first, ctx, 1, {{"day-2", &v1}});
  EXPECT_EQ(Query(db(), "SELECT count(*), count(_valid_to), count(DISTINCT _valid_from) FROM daily"),
            (Rows{{"3", "0", "1"}}));
  // No primary key: versions repeat the key; the unique index is on (key, _valid_from).
  EXPECT_EQ(Query(db(), "SELECT count(*) FROM pragma_table_info('daily') WHERE pk > 0"), (Rows{{"0"}}));
  EXPECT_EQ(Query(db(),
                  "SELECT name FROM pragma_index_info((SELECT name FROM pragma_index_list('daily') WHERE "
                  "\"unique\" = 1)) ORDER BY seqno"),
            (Rows{{"ts_code"}, {"trade_date"}, {"_valid_from"}}));

  // The same answer again (a NULL included) adds nothing; a changed row and a vanished one are closed, the
  // change is a new version, and a row of another unit with the key of ours is left alone.
  SqliteSink same;
  RunSink(same, ctx, 2, {{"day-2", &v1}});
  EXPECT_EQ(Query(db(), "SELECT count(*), count(_valid_to) FROM daily"), (Rows{{"3", "0"}}));
  auto v2 = MakeBatch(schema, {Daily("A", 2, 9.5), with_null});
  auto other = MakeBatch(schema, {Daily("D", 3, 4.0)});
  SqliteSink second;
  RunSink(second, ctx, 3, {{"day-2", &v2}, {"day-3", &other}});
  EXPECT_EQ(Query(db(), "SELECT ts_code, open, _ds_unit, _valid_to IS NULL FROM daily ORDER BY ts_code, _valid_from"),
            (Rows{{"A", "1.5", "day-2", "0"},
                  {"A", "9.5", "day-2", "1"},
                  {"B", "2.5", "day-2", "0"},
                  {"C", "3.0", "day-2", "1"},
                  {"D", "4.0", "day-3", "1"}}));
  // The closing time of the old versions is the new version's start; the latest view has the current rows.
  EXPECT_EQ(Query(db(), "SELECT count(DISTINCT _valid_to) FROM daily WHERE _valid_to IS NOT NULL"), (Rows{{"1"}}));
  EXPECT_EQ(Query(db(),
                  "SELECT count(*) FROM daily o JOIN daily n ON n.ts_code = o.ts_code AND n._valid_from = "
                  "o._valid_to"),
            (Rows{{"1"}}));
  EXPECT_EQ(Query(db(), "SELECT ts_code, open FROM daily_latest ORDER BY ts_code"),
            (Rows{{"A", "9.5"}, {"C", "3.0"}, {"D", "4.0"}}));
  // The input table of each run is gone.
  EXPECT_EQ(Query(db(), "SELECT count(*) FROM sqlite_schema WHERE name LIKE '\\_ds\\_in\\_%' ESCAPE '\\'"),
            (Rows{{"0"}}));
}

TEST_F(SqliteSinkTest, AVersionedTableAndAPlainOneAreNotMixedUp) {
  auto schema = DailySchema();
  SqliteSink plain;
  RunSink(plain, Ctx("daily", schema, WriteMode::kUpsert, {"ts_code", "trade_date"}), 1, {});
  SqliteSink history;
  ASSERT_TRUE(history.Bind(Ctx("daily", schema, WriteMode::kHistory, {"ts_code", "trade_date"})));
  auto st = history.Migrate();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kConfig);
  EXPECT_NE(st.error().message().find("needs a table of its own"), std::string::npos) << st.error().message();

  SqliteSink versioned;
  RunSink(versioned, Ctx("bars", schema, WriteMode::kHistory, {"ts_code", "trade_date"}), 1, {});
  for (auto mode : {WriteMode::kUpsert, WriteMode::kAppend}) {
    SqliteSink other;
    ASSERT_TRUE(other.Bind(Ctx("bars", schema, mode, {"ts_code", "trade_date"})));
    auto refused = other.Migrate();
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message().find("keeps history"), std::string::npos) << refused.error().message();
  }
  // History needs a key, and a field may not take a version column's name.
  SqliteSink keyless;
  EXPECT_EQ(keyless.Bind(Ctx("x", schema, WriteMode::kHistory)).error().kind(), ErrorKind::kConfig);
  SqliteSink clash;
  auto bad = clash.Bind(Ctx("y", MakeSchema({{"k", LogicalType::String()}, {"_valid_to", LogicalType::String()}}),
                            WriteMode::kHistory, {"k"}));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("reserved"), std::string::npos) << bad.error().message();
}

TEST_F(SqliteSinkTest, ReplaceKeepsViewsOnTheTableWorking) {
  auto schema = DailySchema();
  auto old_rows = MakeBatch(schema, {Daily("OLD", 2, 1)});
  auto new_rows = MakeBatch(schema, {Daily("NEW", 2, 2), Daily("NEW", 3, 3)});
  SqliteSink first;
  RunSink(first, Ctx("daily", schema), 1, {{"u", &old_rows}});
  Query(db(), "CREATE VIEW daily_codes AS SELECT DISTINCT ts_code FROM daily");
  SqliteSink replace;
  ASSERT_TRUE(replace.Bind(Ctx("daily", schema, WriteMode::kReplace)));
  ASSERT_TRUE(replace.Migrate());
  ASSERT_TRUE(replace.Open(RunContext{12}));
  ASSERT_TRUE(replace.Write(new_rows, "u"));
  ASSERT_TRUE(replace.Commit());
  EXPECT_EQ(Query(db(), "SELECT count(*) FROM \"daily__staging_12\""), (Rows{{"2"}}));
  ASSERT_TRUE(replace.Finish());
  ASSERT_TRUE(replace.Close());
  EXPECT_EQ(Query(db(), "SELECT * FROM daily_codes"), (Rows{{"NEW"}}));
  EXPECT_EQ(Query(db(), "SELECT name FROM sqlite_schema WHERE name LIKE '%staging%'"), Rows{});
  EXPECT_EQ(Query(db(), "SELECT name FROM pragma_index_list('daily')"), (Rows{{"daily__ds_unit"}}));
  EXPECT_EQ(Query(db(), "SELECT table_name, run_id FROM _datasync_runs"), (Rows{{"daily", "12"}}));
}

// Issue 17 §7: the staging tables of replace runs that are over are dropped; a run that is not over keeps
// its own, and tables that only look alike stay.
TEST_F(SqliteSinkTest, SweepStagingDropsTheStagingTablesOfRunsThatAreOverOnly) {
  auto schema = DailySchema();
  auto a = MakeBatch(schema, {Daily("A", 2, 1)});
  auto b = MakeBatch(schema, {Daily("B", 2, 2)});
  auto c = MakeBatch(schema, {Daily("C", 2, 3)});
  for (auto [run, batch] : {std::pair{5, &a}, std::pair{7, &b}}) {  // 5 was cancelled, 7 is paused
    SqliteSink left;
    ASSERT_TRUE(left.Bind(Ctx("daily", schema, WriteMode::kReplace, {"ts_code", "trade_date"})));
    ASSERT_TRUE(left.Migrate());
    ASSERT_TRUE(left.Open(RunContext{run}));
    ASSERT_TRUE(left.Write(*batch, "u" + std::to_string(run)));
    ASSERT_TRUE(left.Commit());
    ASSERT_TRUE(left.Close());
  }
  Query(db(), "CREATE TABLE \"daily__staging_x\" (k TEXT)");  // not a run id
  Query(db(), "CREATE TABLE \"other__staging_5\" (k TEXT)");  // another table's

  SqliteSink sink;
  ASSERT_TRUE(sink.Bind(Ctx("daily", schema, WriteMode::kReplace, {"ts_code", "trade_date"})));
  ASSERT_TRUE(sink.Migrate());
  auto swept = sink.SweepStaging([](int64_t run) { return run == 5; });
  ASSERT_TRUE(swept) << swept.error().ToString();
  EXPECT_EQ(*swept, (std::vector<std::string>{"daily__staging_5"}));
  ASSERT_TRUE(sink.Open(RunContext{6}));
  ASSERT_TRUE(sink.Write(c, "u6"));
  ASSERT_TRUE(sink.Commit());
  ASSERT_TRUE(sink.Finish());
  ASSERT_TRUE(sink.Close());
  EXPECT_EQ(Query(db(), "SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE '%staging%' ORDER BY name"),
            (Rows{{"daily__staging_7"}, {"daily__staging_x"}, {"other__staging_5"}}));
  EXPECT_EQ(Query(db(), "SELECT ts_code FROM daily"), (Rows{{"C"}}));

  // Retrying run 5 now would publish a staging table without the unit it had done: refused.
  SqliteSink retry;
  ASSERT_TRUE(retry.Bind(Ctx("daily", schema, WriteMode::kReplace, {"ts_code", "trade_date"})));
  ASSERT_TRUE(retry.Migrate());
  auto refused = retry.Open(RunContext{.run_id = 5, .has_done_units = true});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), ErrorKind::kConflict);
  EXPECT_NE(refused.error().message().find("start a new run"), std::string::npos) << refused.error().message();
  // A dataset whose table would look like a staging table is refused.
  SqliteSink lookalike;
  auto st = lookalike.Bind(Ctx("daily__staging_9", schema));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kConfig);
}

TEST_F(SqliteSinkTest, NamesAreCheckedInBind) {
  struct Case {
    std::string dataset;
    core::SchemaPtr schema;
    std::string message;
  };
  for (const auto& c : std::vector<Case>{
           {"sqlite_master", DailySchema(), "reserved"},
           {"SQLITE_x", DailySchema(), "reserved"},
           {"t", MakeSchema({{"Code", LogicalType::String()}, {"code", LogicalType::String()}}), "letter case"},
           {"t", MakeSchema({{"_DS_UNIT", LogicalType::String()}}), "reserved"},
           {"t", MakeSchema({{std::string("a\0b", 3), LogicalType::String()}}), "NUL"},
           {"t", MakeSchema({}), "no fields"},
       }) {
    SqliteSink sink;
    auto st = sink.Bind(Ctx(c.dataset, c.schema));
    ASSERT_FALSE(st) << c.dataset;
    EXPECT_EQ(st.error().kind(), ErrorKind::kConfig);
    EXPECT_NE(st.error().message().find(c.message), std::string::npos) << st.error().message();
  }
}

TEST_F(SqliteSinkTest, TablePrefixAndPragmaOptions) {
  auto ctx = Ctx("daily", DailySchema());
  ctx.options.Set("table_prefix", std::string("ts_"));
  ctx.options.Set("journal_mode", std::string("delete"));
  ctx.options.Set("synchronous", std::string("full"));
  auto batch = MakeBatch(DailySchema(), {Daily("A", 2, 1)});
  SqliteSink sink;
  RunSink(sink, ctx, 1, {{"u", &batch}});
  EXPECT_EQ(sink.table_name(), "ts_daily");
  EXPECT_EQ(Query(db(), "SELECT count(*) FROM ts_daily"), (Rows{{"1"}}));
  EXPECT_EQ(Query(db(), "PRAGMA journal_mode"), (Rows{{"delete"}}));
  EXPECT_TRUE(CheckSqliteSinkOptions(ctx.options).empty());
  ctx.options.Set("cache_mb", int64_t{0});
  auto problems = CheckSqliteSinkOptions(ctx.options);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].key, "cache_mb");
  auto got = NewSqliteReader(db(), "ts_")->Read("daily", *DailySchema());
  EXPECT_EQ(got.rows.size(), 1u);

  auto bad = Ctx("daily", DailySchema());
  bad.options.Set("journal_mode", std::string("wal; DROP TABLE x"));
  SqliteSink refused;
  auto st = refused.Bind(bad);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kConfig);
}

TEST_F(SqliteSinkTest, RelativePathResolvesAgainstTheProjectAndFoldersAreCreated) {
  auto ctx = Ctx("daily", DailySchema());
  ctx.project_dir = tmp_.path();
  ctx.options.Set("path", std::string("nested/dir/data.db"));
  SqliteSink sink;
  RunSink(sink, ctx, 1, {});
  EXPECT_EQ(sink.db_path(), tmp_.path() / "nested/dir/data.db");
  EXPECT_TRUE(fs::exists(tmp_.path() / "nested/dir/data.db"));
}

// A file as the sink wrote it before it became a dialect of the database-sink base (its layout, SQL written
// by hand here): the table with the hidden unit column and its "<table>__ds_unit" index, the logical types
// in _datasync_columns, and the staging table "<table>__staging_<run>" that a crashed replace run left. The
// sink appends to it without duplicating a rewritten unit, resumes the crashed run's staging table, and a
// reader sees the rows typed.
TEST_F(SqliteSinkTest, AppendsToAndResumesAFileInTheEarlierLayout) {
  const std::string columns =
      "(\"ts_code\" TEXT, \"trade_date\" TEXT, \"open\" REAL, \"vol\" INTEGER, \"suspended\" INTEGER, "
      "\"amount\" TEXT, \"updated\" TEXT, \"rank\" INTEGER, \"_ds_unit\" TEXT)";
  auto row = [](const std::string& table, const std::string& code, int day, const std::string& unit) {
    return "INSERT INTO \"" + table + "\" VALUES ('" + code + "', '2024-01-0" + std::to_string(day) +
           "', 1.5, 100, 0, '12.345', '2024-01-0" + std::to_string(day) + " 15:00:00', 1, '" + unit + "');";
  };
  std::string setup =
      "PRAGMA journal_mode=wal;"
      "CREATE TABLE \"_datasync_columns\" (table_name TEXT NOT NULL, column_name TEXT NOT NULL, logical_type TEXT "
      "NOT NULL, PRIMARY KEY (table_name, column_name));"
      "CREATE TABLE \"_datasync_runs\" (table_name TEXT NOT NULL, run_id INTEGER NOT NULL, published_at TEXT NOT "
      "NULL, PRIMARY KEY (table_name, run_id));"
      "CREATE TABLE \"daily\" " +
      columns +
      ";"
      "CREATE INDEX \"daily__ds_unit\" ON \"daily\" (\"_ds_unit\");"
      "CREATE TABLE \"daily__staging_7\" " +
      columns +
      ";"
      "CREATE INDEX \"daily__staging_7__ds_unit\" ON \"daily__staging_7\" (\"_ds_unit\");" +
      row("daily", "A", 2, "u1") + row("daily", "B", 2, "u1") + row("daily", "C", 3, "u2") +
      row("daily__staging_7", "S", 4, "s1");
  auto schema = DailySchema();
  for (const auto& f : schema->fields()) {
    setup += "INSERT INTO \"_datasync_columns\" VALUES ('daily', '" + f.name + "', '" + f.type.ToString() + "');";
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &raw), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(raw, setup.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
  sqlite3_close(raw);
  ASSERT_EQ(Query(db(), "SELECT count(*) FROM daily"), (Rows{{"3"}}));

  // Append: unit u1 is written again (one row now), u2 stays, u3 is new.
  auto u1 = MakeBatch(schema, {Daily("A", 2, 9.5)});
  auto u3 = MakeBatch(schema, {Daily("D", 5, 2.5)});
  SqliteSink append;
  RunSink(append, Ctx("daily", schema), 5, {{"u1", &u1}, {"u3", &u3}});
  EXPECT_EQ(append.migration_notes(), std::vector<std::string>{});
  EXPECT_EQ(
      Query(db(), "SELECT ts_code, trade_date, open, _ds_unit FROM daily ORDER BY ts_code"),
      (Rows{{"A", "2024-01-02", "9.5", "u1"}, {"C", "2024-01-03", "1.5", "u2"}, {"D", "2024-01-05", "2.5", "u3"}}));
  EXPECT_EQ(Query(db(), "SELECT name FROM pragma_index_list('daily')"), (Rows{{"daily__ds_unit"}}));

  // Replace, resuming run 7: the crashed attempt's staging table keeps its rows and gets this attempt's.
  auto r1 = MakeBatch(schema, {Daily("R", 6, 3.5)});
  SqliteSink replace;
  RunSink(replace, Ctx("daily", schema, WriteMode::kReplace), 7, {{"r1", &r1}});
  EXPECT_EQ(Query(db(), "SELECT ts_code, _ds_unit FROM daily ORDER BY ts_code"), (Rows{{"R", "r1"}, {"S", "s1"}}));
  EXPECT_EQ(Query(db(), "SELECT name FROM sqlite_schema WHERE name LIKE '%staging%'"), Rows{});
  EXPECT_EQ(Query(db(), "SELECT name FROM pragma_index_list('daily')"), (Rows{{"daily__ds_unit"}}));
  EXPECT_EQ(Query(db(), "SELECT table_name, run_id FROM _datasync_runs"), (Rows{{"daily", "7"}}));

  auto got = NewSqliteReader(db())->Read("daily", *schema);
  ASSERT_TRUE(got.exists);
  EXPECT_EQ(CompareRows({Daily("R", 6, 3.5), Daily("S", 4, 1.5)}, got.rows, FloatRules{}), "");
}

}  // namespace
}  // namespace datasync::storage::testing
