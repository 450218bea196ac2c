// What the database sinks do beyond the compliance suite: the native types they declare, schema migration
// (additive steps applied, destructive ones held until ApplyMigration), the storage's templates, lost
// connections, credentials, and each dialect's own limits. Against the real servers, like the suite.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <thread>

#include "db_test_support.hpp"
#include "storage/schema_migrator.hpp"

namespace datasync::storage::testing {
namespace {

using core::ErrorKind;
using core::LogicalType;
using core::Value;

class DatabaseSinkTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    registry_ = BuiltinSinks();
    server_ = ConnectServer(kind());
    ASSERT_NE(server_, nullptr);
    ASSERT_FALSE(HasFailure());
    ns_ = TestNamespace();
    server_->DropNamespace(ns_);
  }
  void TearDown() override {
    if (server_) server_->DropNamespace(ns_);
  }

  std::string kind() const { return GetParam(); }
  bool is(const char* k) const { return kind() == k; }
  std::unique_ptr<Sink> NewSink() { return registry_.Find(kind())->create(); }
  SchemaMigrator& Migrator(Sink& sink) { return *dynamic_cast<SchemaMigrator*>(&sink); }

  BindContext Ctx(const std::string& dataset, core::SchemaPtr schema, WriteMode mode = WriteMode::kUpsert,
                  std::vector<std::string> pk = {"k"}) {
    BindContext ctx;
    ctx.storage_name = "db";
    ctx.dataset = dataset;
    ctx.schema = std::move(schema);
    ctx.primary_key = std::move(pk);
    ctx.mode = mode;
    server_->SetOptions(ctx.options, ns_);
    return ctx;
  }

  void ExpectRows(const std::string& table, const core::Schema& schema, const std::vector<Row>& expected) {
    StoredData got = server_->Read(ns_, table, schema);
    EXPECT_TRUE(got.exists) << table;
    EXPECT_EQ(CompareRows(expected, got.rows, FloatRules{}), "");
  }

  std::vector<std::string> ColumnNames(const std::string& table) {
    std::vector<std::string> out;
    for (const auto& [name, type] : server_->Columns(ns_, table)) out.push_back(name);
    return out;
  }
  std::string NativeType(const std::string& table, const std::string& column) {
    for (const auto& [name, type] : server_->Columns(ns_, table)) {
      if (name == column) return type;
    }
    return "";
  }

  SinkRegistry registry_;
  std::unique_ptr<DbServer> server_;
  std::string ns_;
};

core::SchemaPtr TypedSchema() {
  return MakeSchema({{"k", LogicalType::Int64()},
                     {"b", LogicalType::Bool()},
                     {"i", LogicalType::Int32()},
                     {"f", LogicalType::Float64()},
                     {"s", LogicalType::String()},
                     {"d", LogicalType::Date()},
                     {"t", LogicalType::Timestamp()},
                     {"m", LogicalType::Decimal(12, 2)}});
}

TEST_P(DatabaseSinkTest, DeclaresNativeTypesAndTheKey) {
  auto sink = NewSink();
  BindContext ctx = Ctx("typed", TypedSchema());
  ctx.date_key = "d";
  RunSink(*sink, ctx, 1, {});
  std::vector<std::pair<std::string, std::string>> want;
  if (is("postgres")) {
    want = {{"k", "bigint"},
            {"b", "boolean"},
            {"i", "integer"},
            {"f", "double precision"},
            {"s", "text"},
            {"d", "date"},
            {"t", "timestamp without time zone"},
            {"m", "numeric(12,2)"}};
    auto key = server_->Query(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND "
        "a.attnum = ANY (i.indkey) WHERE i.indrelid = '" +
        ns_ + ".typed'::regclass AND i.indisprimary");
    ASSERT_EQ(key.size(), 1u);
    EXPECT_EQ(key[0][0], "k");
  } else if (is("mysql")) {
    want = {{"k", "bigint(20)"}, {"b", "tinyint(1)"}, {"i", "int(11)"},     {"f", "double"},
            {"s", "longtext"},   {"d", "date"},       {"t", "datetime(6)"}, {"m", "decimal(12,2)"}};
    auto engine =
        server_->Query("SELECT ENGINE, TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + ns_ +
                       "' AND TABLE_NAME = 'typed'");
    ASSERT_EQ(engine.size(), 1u);
    EXPECT_EQ(engine[0][0], "InnoDB");
    EXPECT_EQ(engine[0][1], "utf8mb4_nopad_bin");
  } else {
    want = {{"k", "Int64"},
            {"b", "Nullable(UInt8)"},
            {"i", "Nullable(Int32)"},
            {"f", "Nullable(Float64)"},
            {"s", "Nullable(String)"},
            {"d", "Date"},
            {"t", "Nullable(DateTime('UTC'))"},
            {"m", "Nullable(Decimal(12, 2))"},
            {"_ds_version", "UInt64"}};
    auto engine =
        server_->Query("SELECT engine_full FROM system.tables WHERE database = '" + ns_ + "' AND name = 'typed'");
    ASSERT_EQ(engine.size(), 1u);
    EXPECT_EQ(engine[0][0],
              "ReplacingMergeTree(_ds_version) PARTITION BY toYYYYMM(d) ORDER BY k SETTINGS index_granularity = 8192");
  }
  EXPECT_EQ(server_->Columns(ns_, "typed"), want);
}

core::SchemaPtr DailyV1() {
  return MakeSchema({{"ts_code", LogicalType::String()},
                     {"trade_date", LogicalType::Date()},
                     {"close", LogicalType::Float64()},
                     {"vol", LogicalType::Int64()}});
}
core::SchemaPtr DailyV2() {
  return MakeSchema({{"ts_code", LogicalType::String()},
                     {"trade_date", LogicalType::Date()},
                     {"close", LogicalType::Float64()},
                     {"vol", LogicalType::Float64()},
                     {"vwap", LogicalType::Float64()}});
}

TEST_P(DatabaseSinkTest, TheSimulatorsSchemaChangeMigratesWithOldRowsIntact) {
  std::vector<std::string> pk = {"ts_code", "trade_date"};
  std::vector<Row> v1 = {{Value::String("000001.SZ"), DateOf(2024, 1, 2), Value::Float64(10.55), Value::Int64(123456)},
                         {Value::String("600000.SH"), DateOf(2024, 1, 2), Value::Float64(7.01), Value::Int64(9)}};
  auto b1 = MakeBatch(DailyV1(), v1);
  auto first = NewSink();
  BindContext c1 = Ctx("daily", DailyV1(), WriteMode::kUpsert, pk);
  c1.date_key = "trade_date";
  RunSink(*first, c1, 1, {{"t1", &b1}});

  std::vector<Row> v2 = {{Value::String("000001.SZ"), DateOf(2024, 1, 3), Value::Float64(10.6), Value::Float64(1234.56),
                          Value::Float64(10.58)}};
  auto b2 = MakeBatch(DailyV2(), v2);
  auto second = NewSink();
  BindContext c2 = Ctx("daily", DailyV2(), WriteMode::kUpsert, pk);
  c2.date_key = "trade_date";
  RunSink(*second, c2, 2, {{"t2", &b2}});
  const MigrationPlan& applied = Migrator(*second).last_migration();
  ASSERT_EQ(applied.steps.size(), 2u);
  EXPECT_EQ(applied.steps[0].change.kind, ChangeKind::kAddColumn);
  EXPECT_EQ(applied.steps[0].change.column, "vwap");
  EXPECT_EQ(applied.steps[1].change.kind, ChangeKind::kWidenColumn);
  EXPECT_EQ(applied.steps[1].change.column, "vol");
  EXPECT_FALSE(applied.has_held());
  EXPECT_EQ(NativeType("daily", "vol"), is("postgres") ? "double precision"
                                        : is("mysql")  ? "double"
                                                       : "Nullable(Float64)");

  auto null_f = Value::Null(LogicalType::Float64());
  ExpectRows("daily", *DailyV2(),
             {{Value::String("000001.SZ"), DateOf(2024, 1, 2), Value::Float64(10.55), Value::Float64(123456), null_f},
              {Value::String("600000.SH"), DateOf(2024, 1, 2), Value::Float64(7.01), Value::Float64(9), null_f},
              v2[0]});
  // A third run with the same schema finds nothing to do.
  auto third = NewSink();
  RunSink(*third, c2, 3, {});
  EXPECT_TRUE(Migrator(*third).last_migration().empty());
}

// A decimal(18,4) column that the vendor widens to decimal(34,12) (Nasdaq Data Link's BigDecimal) is a
// widening each database applies in place, keeping the old rows' values exactly.
TEST_P(DatabaseSinkTest, ADecimalWidenedTo34DigitsMigratesWithOldRowsIntact) {
  auto v1 = MakeSchema({{"k", LogicalType::String()}, {"rev", LogicalType::Decimal(18, 4)}});
  auto v2 = MakeSchema({{"k", LogicalType::String()}, {"rev", LogicalType::Decimal(34, 12)}});
  std::vector<std::string> pk = {"k"};
  auto b1 = MakeBatch(v1, {{Value::String("a"), DecOf("-99999999999999.9999", 18, 4)},
                           {Value::String("b"), Value::Null(LogicalType::Decimal(18, 4))}});
  auto first = NewSink();
  RunSink(*first, Ctx("wide", v1, WriteMode::kUpsert, pk), 1, {{"t1", &b1}});
  std::vector<Row> v2_rows = {{Value::String("c"), DecOf("-1234567890123456789012.123456789012", 34, 12)}};
  auto b2 = MakeBatch(v2, v2_rows);
  auto second = NewSink();
  RunSink(*second, Ctx("wide", v2, WriteMode::kUpsert, pk), 2, {{"t2", &b2}});
  const MigrationPlan& applied = Migrator(*second).last_migration();
  ASSERT_EQ(applied.steps.size(), 1u);
  EXPECT_EQ(applied.steps[0].change.kind, ChangeKind::kWidenColumn);
  EXPECT_EQ(applied.steps[0].change.column, "rev");
  EXPECT_FALSE(applied.has_held());
  EXPECT_EQ(NativeType("wide", "rev"), is("postgres") ? "numeric(34,12)"
                                       : is("mysql")  ? "decimal(34,12)"
                                                      : "Nullable(Decimal(34, 12))");
  ExpectRows("wide", *v2,
             {{Value::String("a"), DecOf("-99999999999999.9999", 34, 12)},
              {Value::String("b"), Value::Null(LogicalType::Decimal(34, 12))},
              v2_rows[0]});
}

TEST_P(DatabaseSinkTest, ADroppedColumnIsHeldUntilApplied) {
  auto v1 = MakeSchema({{"k", LogicalType::String()}, {"a", LogicalType::Int64()}, {"gone", LogicalType::String()}});
  auto v2 = MakeSchema({{"k", LogicalType::String()}, {"a", LogicalType::Int64()}});
  auto b1 = MakeBatch(v1, {{Value::String("x"), Value::Int64(1), Value::String("old")}});
  auto b2 = MakeBatch(v2, {{Value::String("y"), Value::Int64(2)}});
  auto first = NewSink();
  RunSink(*first, Ctx("t", v1), 1, {{"u1", &b1}});
  auto second = NewSink();
  RunSink(*second, Ctx("t", v2), 2, {{"u2", &b2}});
  const MigrationPlan& last = Migrator(*second).last_migration();
  ASSERT_EQ(last.steps.size(), 1u);
  EXPECT_TRUE(last.steps[0].held());
  EXPECT_EQ(last.steps[0].change.kind, ChangeKind::kDropColumn);
  ExpectRows("t", *v1,
             {{Value::String("x"), Value::Int64(1), Value::String("old")},
              {Value::String("y"), Value::Int64(2), Value::Null(LogicalType::String())}});

  auto migrator = NewSink();
  ASSERT_TRUE(migrator->Bind(Ctx("t", v2)));
  auto plan = Migrator(*migrator).PlanMigration();
  ASSERT_TRUE(plan) << plan.error().ToString();
  ASSERT_EQ(plan->steps.size(), 1u);
  EXPECT_NE(plan->Script(true).find("DROP COLUMN"), std::string::npos) << plan->Script(true);
  EXPECT_EQ(plan->Script(false), "");
  auto applied = Migrator(*migrator).ApplyMigration(true);
  ASSERT_TRUE(applied) << applied.error().ToString();
  EXPECT_EQ(applied->steps.size(), 1u);
  ASSERT_TRUE(migrator->Close());
  auto names = ColumnNames("t");
  EXPECT_EQ(std::count(names.begin(), names.end(), "gone"), 0);
  ExpectRows("t", *v2, {{Value::String("x"), Value::Int64(1)}, {Value::String("y"), Value::Int64(2)}});
}

TEST_P(DatabaseSinkTest, ARenameBlocksWritesUntilApplied) {
  auto v1 = MakeSchema({{"k", LogicalType::String()}, {"close_px", LogicalType::Float64()}});
  auto v2 = MakeSchema({{"k", LogicalType::String()}, {"close", LogicalType::Float64()}});
  auto b1 = MakeBatch(v1, {{Value::String("x"), Value::Float64(1.25)}});
  auto first = NewSink();
  RunSink(*first, Ctx("r", v1), 1, {{"u1", &b1}});

  auto blocked = NewSink();
  ASSERT_TRUE(blocked->Bind(Ctx("r", v2)));
  auto st = blocked->Migrate();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kConfig);
  EXPECT_NE(st.error().message().find("datasync migrate db"), std::string::npos) << st.error().message();
  EXPECT_NE(st.error().message().find("rename \"close_px\" to \"close\""), std::string::npos) << st.error().message();

  auto migrator = NewSink();
  ASSERT_TRUE(migrator->Bind(Ctx("r", v2)));
  auto applied = Migrator(*migrator).ApplyMigration(true);
  ASSERT_TRUE(applied) << applied.error().ToString();
  ASSERT_EQ(applied->steps.size(), 1u);
  EXPECT_EQ(applied->steps[0].change.kind, ChangeKind::kRenameColumn);
  ASSERT_TRUE(migrator->Close());

  auto b2 = MakeBatch(v2, {{Value::String("y"), Value::Float64(2.5)}});
  auto after = NewSink();
  RunSink(*after, Ctx("r", v2), 2, {{"u2", &b2}});
  // ClickHouse 18.16 has no RENAME COLUMN: the new column reads the old one through its DEFAULT.
  ExpectRows("r", *v2, {{Value::String("x"), Value::Float64(1.25)}, {Value::String("y"), Value::Float64(2.5)}});
}

TEST_P(DatabaseSinkTest, ANarrowerTypeIsHeldWhileWritesGoOn) {
  auto v1 = MakeSchema({{"k", LogicalType::String()}, {"v", LogicalType::Float64()}});
  auto v2 = MakeSchema({{"k", LogicalType::String()}, {"v", LogicalType::Int64()}});
  auto b2 = MakeBatch(v2, {{Value::String("y"), Value::Int64(5)}});
  auto first = NewSink();
  RunSink(*first, Ctx("n", v1), 1, {});
  auto second = NewSink();
  RunSink(*second, Ctx("n", v2), 2, {{"u", &b2}});
  const MigrationPlan& last = Migrator(*second).last_migration();
  ASSERT_EQ(last.steps.size(), 1u);
  EXPECT_EQ(last.steps[0].change.kind, ChangeKind::kNarrowColumn);
  ExpectRows("n", *v2, {{Value::String("y"), Value::Int64(5)}});

  auto v3 = MakeSchema({{"k", LogicalType::String()}, {"v", LogicalType::Date()}});
  auto blocked = NewSink();
  ASSERT_TRUE(blocked->Bind(Ctx("n", v3)));
  auto st = blocked->Migrate();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kConfig);
}

TEST_P(DatabaseSinkTest, StorageTemplatesShapeTheTable) {
  auto schema = MakeSchema({{"k", LogicalType::String()}, {"v", LogicalType::Int64()}});
  BindContext ctx = Ctx("daily", schema, WriteMode::kAppend, {"k"});
  ctx.options.Set("table_name", std::string("ds_{dataset}_v1"));
  if (is("postgres")) {
    ctx.options.Set("create_table_template",
                    std::string("CREATE TABLE {table} ({columns}{key_clause}) WITH (fillfactor = 70)"));
  } else if (is("mysql")) {
    ctx.options.Set("create_table_template",
                    std::string("CREATE TABLE {table} ({columns}{key_clause}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 "
                                "COMMENT='made by datasync'"));
  } else {
    ctx.options.Set("engine", std::string("MergeTree"));
    ctx.options.Set("order_by", std::string("(k)"));
    ctx.options.Set("partition_by", std::string(""));
    ctx.options.Set("table_settings", std::string("index_granularity = 1024"));
  }
  ctx.options.Set("add_column_template", std::string("ALTER TABLE {table} ADD COLUMN {column} {type}; SELECT 1"));
  auto batch = MakeBatch(schema, {{Value::String("a"), Value::Int64(1)}});
  auto sink = NewSink();
  RunSink(*sink, ctx, 1, {{"u", &batch}});
  ExpectRows("ds_daily_v1", *schema, {{Value::String("a"), Value::Int64(1)}});
  if (is("postgres")) {
    auto opts = server_->Query(
        "SELECT array_to_string(reloptions, ',') FROM pg_class c JOIN pg_namespace n ON n.oid = "
        "c.relnamespace WHERE n.nspname = '" +
        ns_ + "' AND c.relname = 'ds_daily_v1'");
    ASSERT_EQ(opts.size(), 1u);
    EXPECT_EQ(opts[0][0], "fillfactor=70");
  } else if (is("mysql")) {
    auto comment = server_->Query("SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + ns_ +
                                  "' AND TABLE_NAME = 'ds_daily_v1'");
    ASSERT_EQ(comment.size(), 1u);
    EXPECT_EQ(comment[0][0], "made by datasync");
  } else {
    auto engine =
        server_->Query("SELECT engine_full FROM system.tables WHERE database = '" + ns_ + "' AND name = 'ds_daily_v1'");
    ASSERT_EQ(engine.size(), 1u);
    EXPECT_EQ(engine[0][0], "MergeTree ORDER BY k SETTINGS index_granularity = 1024");
  }
  // A later column goes through the overridden add template (two statements).
  auto wider = MakeSchema({{"k", LogicalType::String()}, {"v", LogicalType::Int64()}, {"w", LogicalType::String()}});
  BindContext ctx2 = ctx;
  ctx2.schema = wider;
  auto later = NewSink();
  RunSink(*later, ctx2, 2, {});
  ASSERT_EQ(Migrator(*later).last_migration().steps.size(), 1u);
  EXPECT_EQ(Migrator(*later).last_migration().steps[0].statements.size(), 2u);
  EXPECT_EQ(ColumnNames("ds_daily_v1").back(), "w");
}

TEST_P(DatabaseSinkTest, PlanningChangesNothingAndApplyingCreatesTheNamespace) {
  auto schema = MakeSchema({{"k", LogicalType::String()}, {"v", LogicalType::Int64()}});
  auto sink = NewSink();
  ASSERT_TRUE(sink->Bind(Ctx("fresh", schema)));
  auto plan = Migrator(*sink).PlanMigration();
  ASSERT_TRUE(plan) << plan.error().ToString();
  ASSERT_EQ(plan->steps.size(), 1u);
  EXPECT_EQ(plan->steps[0].change.kind, ChangeKind::kCreateTable);
  EXPECT_FALSE(plan->has_held());
  // `datasync migrate --dry-run` must not even create the schema or database.
  EXPECT_FALSE(server_->NamespaceExists(ns_));
  auto applied = Migrator(*sink).ApplyMigration(true);
  ASSERT_TRUE(applied) << applied.error().ToString();
  EXPECT_EQ(applied->steps.size(), 1u);
  ASSERT_TRUE(sink->Close());
  EXPECT_TRUE(server_->NamespaceExists(ns_));
  EXPECT_EQ(ColumnNames("fresh").front(), "k");
}

TEST_P(DatabaseSinkTest, TemplateMistakesAreConfigErrorsBeforeAnyConnection) {
  auto schema = MakeSchema({{"k", LogicalType::String()}});
  for (auto [option, text] : {std::pair{"table_name", "{datset}"},
                              {"add_column_template", "ALTER {tabel}"},
                              {"create_table_template", "CREATE {table} ({colums})"}}) {
    BindContext ctx = Ctx("d", schema);
    // Nothing listens on port 1: Bind must fail on the template, not on the connection.
    std::string url = is("postgres") ? "postgres://u@127.0.0.1:1/d"
                      : is("mysql")  ? "mysql://u@127.0.0.1:1/d"
                                     : "clickhouse://u@127.0.0.1:1/d";
    ctx.options.Set("url", url);
    ctx.options.Set(option, std::string(text));
    auto st = NewSink()->Bind(ctx);
    ASSERT_FALSE(st) << option;
    EXPECT_EQ(st.error().kind(), ErrorKind::kConfig) << st.error().ToString();
    EXPECT_NE(st.error().message().find("unknown placeholder"), std::string::npos) << st.error().message();
  }
}

TEST_P(DatabaseSinkTest, AWrongPasswordIsAPermissionErrorThatNeverShowsIt) {
  auto schema = MakeSchema({{"k", LogicalType::String()}});
  BindContext ctx = Ctx("d", schema);
  std::string url = ctx.options.GetString("url");
  auto at = url.find('@');
  auto colon = url.rfind(':', at);
  url = url.substr(0, colon) + ":Wr0ng-Passw0rd-xyz" + url.substr(at);
  ctx.options.Set("url", url);
  // ClickHouse checks credentials only on a request, so look at Migrate's answer too.
  auto sink = NewSink();
  auto bound = sink->Bind(ctx);
  core::Status migrated = bound ? sink->Migrate() : bound;
  ASSERT_FALSE(migrated);
  EXPECT_EQ(migrated.error().kind(), ErrorKind::kPermission) << migrated.error().ToString();
  EXPECT_EQ(migrated.error().message().find("Wr0ng-Passw0rd-xyz"), std::string::npos) << migrated.error().message();
}

TEST_P(DatabaseSinkTest, UnitsRewrittenInOneGroupAndRepeatedKeysInOneBatch) {
  auto schema = MakeSchema({{"k", LogicalType::String()}, {"v", LogicalType::Int64()}});
  // The vendor repeats a key inside one answer: the last row wins, as in SQLite.
  auto batch = MakeBatch(schema, {{Value::String("a"), Value::Int64(1)},
                                  {Value::String("b"), Value::Int64(2)},
                                  {Value::String("a"), Value::Int64(3)}});
  auto sink = NewSink();
  RunSink(*sink, Ctx("dup", schema), 1, {{"u", &batch}});
  ExpectRows("dup", *schema, {{Value::String("a"), Value::Int64(3)}, {Value::String("b"), Value::Int64(2)}});
  // A key-only dataset upserts too (nothing to update).
  auto keys = MakeSchema({{"k", LogicalType::String()}});
  auto kb = MakeBatch(keys, {{Value::String("a")}, {Value::String("a")}});
  auto key_sink = NewSink();
  RunSink(*key_sink, Ctx("keys", keys), 1, {{"u", &kb}, {"v", &kb}});
  ExpectRows("keys", *keys, {{Value::String("a")}});
}

// Issue 17 §7: what replace runs that are over left on the server (a cancelled run's staging table, the old
// table of an interrupted rename swap) is dropped; a run that is not over keeps its staging table, and
// tables that only look alike stay.
TEST_P(DatabaseSinkTest, SweepStagingDropsTheLeftoversOfRunsThatAreOverOnly) {
  auto schema = MakeSchema({{"k", LogicalType::String()}, {"v", LogicalType::Int64()}});
  auto row = [&](const char* k, int64_t v) { return MakeBatch(schema, {{Value::String(k), Value::Int64(v)}}); };
  auto a = row("a", 1), b = row("b", 2), c = row("c", 3);
  for (auto [run, batch] : {std::pair{5, &a}, std::pair{7, &b}}) {  // 5 was cancelled, 7 is paused
    auto left = NewSink();
    ASSERT_TRUE(left->Bind(Ctx("kv", schema, WriteMode::kReplace)));
    ASSERT_TRUE(left->Migrate());
    ASSERT_TRUE(left->Open(RunContext{run}));
    ASSERT_TRUE(left->Write(*batch, "u" + std::to_string(run)));
    ASSERT_TRUE(left->Commit());
    ASSERT_TRUE(left->Close());
  }
  std::string prefix;  // _ds_stage_<hash of kv>_
  for (const auto& t : server_->Tables(ns_)) {
    if (t.starts_with("_ds_stage_") && t.ends_with("_5")) prefix = t.substr(0, t.size() - 1);
  }
  ASSERT_FALSE(prefix.empty()) << "no staging table of run 5";
  std::string old_prefix = "_ds_old_" + prefix.substr(std::string("_ds_stage_").size());
  std::string column = is("clickhouse") ? " (k Int64) ENGINE = Memory" : " (k INTEGER)";
  for (const std::string& t : {old_prefix + "4", prefix + "x", std::string("_ds_stage_000000000000_5")}) {
    ASSERT_TRUE(server_->Exec("CREATE TABLE " + server_->Qualified(ns_, t) + column));
  }

  auto sink = NewSink();
  ASSERT_TRUE(sink->Bind(Ctx("kv", schema, WriteMode::kReplace)));
  ASSERT_TRUE(sink->Migrate());
  auto swept = sink->SweepStaging([](int64_t run) { return run == 4 || run == 5; });
  ASSERT_TRUE(swept) << swept.error().ToString();
  std::sort(swept->begin(), swept->end());
  EXPECT_EQ(*swept, (std::vector<std::string>{old_prefix + "4", prefix + "5"}));
  ASSERT_TRUE(sink->Open(RunContext{6}));
  ASSERT_TRUE(sink->Write(c, "u6"));
  ASSERT_TRUE(sink->Commit());
  ASSERT_TRUE(sink->Finish());
  ASSERT_TRUE(sink->Close());
  auto tables = server_->Tables(ns_);
  std::sort(tables.begin(), tables.end());
  std::vector<std::string> expected = {std::string("_datasync_runs"), "_ds_stage_000000000000_5", prefix + "7",
                                       prefix + "x", "kv"};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(tables, expected);
  ExpectRows("kv", *schema, {{Value::String("c"), Value::Int64(3)}});

  // Retrying run 5 now would publish a staging table without the unit it had done: refused.
  auto retry = NewSink();
  ASSERT_TRUE(retry->Bind(Ctx("kv", schema, WriteMode::kReplace)));
  ASSERT_TRUE(retry->Migrate());
  auto refused = retry->Open(RunContext{.run_id = 5, .has_done_units = true});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), ErrorKind::kConflict);
  (void)retry->Close();
}

INSTANTIATE_TEST_SUITE_P(DatabaseSinks, DatabaseSinkTest, ::testing::ValuesIn(ServerSinkIds()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// --- lost connections (the servers that keep a session; ClickHouse's HTTP has none to lose) --------------

using LostConnectionTest = DatabaseSinkTest;

TEST_P(LostConnectionTest, ALostConnectionIsTransientAndTheNextWriteReconnects) {
  auto schema = MakeSchema({{"k", LogicalType::String()}, {"v", LogicalType::Int64()}});
  auto b1 = MakeBatch(schema, {{Value::String("a"), Value::Int64(1)}});
  auto b2 = MakeBatch(schema, {{Value::String("b"), Value::Int64(2)}, {Value::String("c"), Value::Int64(3)}});
  auto sink = NewSink();
  ASSERT_TRUE(sink->Bind(Ctx("lost", schema, WriteMode::kAppend, {})));
  ASSERT_TRUE(sink->Migrate());
  ASSERT_TRUE(sink->Open(RunContext{1}));
  ASSERT_TRUE(sink->Write(b1, "u1"));
  ASSERT_TRUE(sink->Commit());
  ASSERT_TRUE(sink->Write(b2, "u2"));
  // The server ends the session under the open transaction, as a restart or a failover would.
  if (is("postgres")) {
    server_->Query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query LIKE "
        "'%" +
        ns_ + "%'");
  } else {
    for (const auto& row : server_->Query("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '" + ns_ + "'")) {
      server_->Exec("KILL CONNECTION " + row[0].value_or("0"), true);
    }
  }
  auto st = sink->Commit();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kTransient) << st.error().ToString();
  ASSERT_TRUE(sink->Abort());
  // The engine writes the group again: the sink reconnects by itself.
  auto again = sink->Write(b2, "u2");
  ASSERT_TRUE(again) << again.error().ToString();
  ASSERT_TRUE(sink->Commit());
  ASSERT_TRUE(sink->Finish());
  ASSERT_TRUE(sink->Close());
  ExpectRows("lost", *schema,
             {{Value::String("a"), Value::Int64(1)},
              {Value::String("b"), Value::Int64(2)},
              {Value::String("c"), Value::Int64(3)}});
}

INSTANTIATE_TEST_SUITE_P(SessionDatabases, LostConnectionTest, ::testing::ValuesIn(BuiltIds({"postgres", "mysql"})),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// --- one dialect's own rules ------------------------------------------------------------------------------

using ClickHouseSinkTest = DatabaseSinkTest;

TEST_P(ClickHouseSinkTest, ValuesOutsideItsTypesAreRefusedNotStoredWrong) {
  auto schema = MakeSchema({{"k", LogicalType::String()}, {"d", LogicalType::Date()}, {"t", LogicalType::Timestamp()}});
  auto ok = MakeBatch(schema, {{Value::String("a"), DateOf(2024, 1, 2), TsOf(2024, 1, 2, 9, 30, 0)}});
  auto sink = NewSink();
  ASSERT_TRUE(sink->Bind(Ctx("limits", schema)));
  ASSERT_TRUE(sink->Migrate());
  ASSERT_TRUE(sink->Open(RunContext{1}));
  for (const Row& bad :
       std::vector<Row>{{Value::String("b"), DateOf(1969, 12, 31), TsOf(2024, 1, 2, 9, 30, 0)},
                        {Value::String("c"), DateOf(2024, 1, 2), TsOf(2024, 1, 2, 9, 30, 0, 1)},
                        {Value::Null(LogicalType::String()), DateOf(2024, 1, 2), TsOf(2024, 1, 2, 0, 0, 0)}}) {
    auto batch = MakeBatch(schema, {bad});
    auto st = sink->Write(batch, "bad");
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidInput) << st.error().ToString();
  }
  ASSERT_TRUE(sink->Write(ok, "good"));
  ASSERT_TRUE(sink->Commit());
  ASSERT_TRUE(sink->Close());
  ExpectRows("limits", *schema, {{Value::String("a"), DateOf(2024, 1, 2), TsOf(2024, 1, 2, 9, 30, 0)}});
}

TEST_P(ClickHouseSinkTest, UpsertsLeaveOneRowPerKeyOnceMerged) {
  auto schema = MakeSchema({{"k", LogicalType::String()}, {"v", LogicalType::Int64()}});
  auto b1 = MakeBatch(schema, {{Value::String("a"), Value::Int64(1)}, {Value::String("b"), Value::Int64(2)}});
  auto b2 = MakeBatch(schema, {{Value::String("a"), Value::Int64(10)}});
  for (int run = 1; run <= 3; ++run) {
    auto sink = NewSink();
    RunSink(*sink, Ctx("merged", schema), run, {{"u1", &b1}, {"u2", &b2}});
  }
  server_->Exec("OPTIMIZE TABLE " + server_->Qualified(ns_, "merged") + " FINAL");
  // Without FINAL: the merge itself left one row per key, the newest.
  auto rows = server_->Query("SELECT k, v FROM " + server_->Qualified(ns_, "merged") + " ORDER BY k");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (DbRow{"a", "10"}));
  EXPECT_EQ(rows[1], (DbRow{"b", "2"}));
}

INSTANTIATE_TEST_SUITE_P(ClickHouse, ClickHouseSinkTest, ::testing::ValuesIn(BuiltIds({"clickhouse"})),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

using PostgresSinkTest = DatabaseSinkTest;

TEST_P(PostgresSinkTest, AReRunLeavesUnchangedRowsUnwrittenAndUpdatesTheChangedOnes) {
  auto schema = MakeSchema({{"k", LogicalType::String()}, {"v", LogicalType::Float64()}});
  auto first =
      MakeBatch(schema, {{Value::String("a"), Value::Float64(1.5)}, {Value::String("b"), Value::Float64(2.5)}});
  auto again =
      MakeBatch(schema, {{Value::String("a"), Value::Float64(1.5)}, {Value::String("b"), Value::Float64(9.5)}});
  auto xmins = [&] {
    std::map<std::string, std::string> out;
    for (const auto& r : server_->Query("SELECT k, xmin::text FROM " + server_->Qualified(ns_, "rerun"))) {
      out[r[0].value_or("")] = r[1].value_or("");
    }
    return out;
  };
  auto sink = NewSink();
  RunSink(*sink, Ctx("rerun", schema), 1, {{"u", &first}});
  auto before = xmins();
  auto rerun = NewSink();
  RunSink(*rerun, Ctx("rerun", schema), 2, {{"u", &again}});
  auto after = xmins();
  // The row version of "a" is the one the first run wrote; "b" got a new one.
  EXPECT_EQ(after["a"], before["a"]);
  EXPECT_NE(after["b"], before["b"]);
  ExpectRows("rerun", *schema, {{Value::String("a"), Value::Float64(1.5)}, {Value::String("b"), Value::Float64(9.5)}});
}

// Another session holds the table with an exclusive lock, so the sink's write waits on the server: for its
// statement_timeout, or until Interrupt.
class TableLock {
 public:
  TableLock(DbServer& server, const std::string& table) : server_(server) {
    server_.Exec("BEGIN");
    server_.Exec("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
  }
  ~TableLock() { Release(); }
  void Release() {
    if (held_) server_.Exec("ROLLBACK");
    held_ = false;
  }

 private:
  DbServer& server_;
  bool held_ = true;
};

TEST_P(PostgresSinkTest, AStatementPastTheStatementTimeoutIsTransientAndTheNextWriteGoesThrough) {
  auto schema = MakeSchema({{"k", LogicalType::String()}, {"v", LogicalType::Int64()}});
  auto batch = MakeBatch(schema, {{Value::String("a"), Value::Int64(1)}});
  BindContext ctx = Ctx("slow", schema);
  ctx.options.Set("statement_timeout_secs", int64_t{1});
  ctx.options.Set("io_timeout_secs", int64_t{60});
  auto sink = NewSink();
  ASSERT_TRUE(sink->Bind(ctx));
  ASSERT_TRUE(sink->Migrate());
  ASSERT_TRUE(sink->Open(RunContext{1}));
  core::Status st = core::Ok();
  {
    TableLock lock(*server_, server_->Qualified(ns_, "slow"));
    st = sink->Write(batch, "u1");
  }
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kTransient) << st.error().ToString();
  EXPECT_EQ(st.error().code(), "57014") << st.error().ToString();
  EXPECT_NE(st.error().message().find("statement timeout"), std::string::npos) << st.error().ToString();
  auto again = sink->Write(batch, "u1");
  ASSERT_TRUE(again) << again.error().ToString();
  ASSERT_TRUE(sink->Commit());
  ASSERT_TRUE(sink->Close());
  ExpectRows("slow", *schema, {{Value::String("a"), Value::Int64(1)}});
}

TEST_P(PostgresSinkTest, InterruptEndsAWriteTheServerHoldsAndTheSinkOnlyCloses) {
  auto schema = MakeSchema({{"k", LogicalType::String()}, {"v", LogicalType::Int64()}});
  auto batch = MakeBatch(schema, {{Value::String("a"), Value::Int64(1)}});
  BindContext ctx = Ctx("held", schema);
  ctx.options.Set("statement_timeout_secs", int64_t{0});  // nothing but the interrupt ends the wait
  auto sink = NewSink();
  ASSERT_TRUE(sink->Bind(ctx));
  ASSERT_TRUE(sink->Migrate());
  ASSERT_TRUE(sink->Open(RunContext{1}));
  TableLock lock(*server_, server_->Qualified(ns_, "held"));
  std::atomic<bool> done{false};
  core::Status st = core::Ok();
  std::thread writing([&] {
    st = sink->Write(batch, "u1");
    done = true;
  });
  auto wait_for = [](const std::function<bool()>& pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!pred() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return pred();
  };
  bool waiting = wait_for([&] {
    // The lock's session is inside its transaction, where pg_stat_activity is a snapshot taken at its first
    // read (stats_fetch_consistency): without clearing it, a first poll made before the write reached the
    // lock (a loaded machine) would be all any later poll sees.
    server_->Exec("SELECT pg_stat_clear_snapshot()");
    return done.load() || !server_
                ->Query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%" + ns_ + "%'")
                .empty();
  });
  sink->Interrupt();
  bool ended = wait_for([&] { return done.load(); });
  lock.Release();  // lets a write the interrupt did not end finish, so the test fails instead of hanging
  writing.join();
  ASSERT_TRUE(waiting) << "the sink's write never waited for the lock";
  // A write that ended before it ever waited failed for another reason (say which) or wrote past the lock.
  ASSERT_TRUE(st || st.error().message().find("interrupted") != std::string::npos)
      << "the write ended on its own before the interrupt: " << st.error().ToString();
  ASSERT_TRUE(ended) << "Interrupt did not end a write the server held";
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kTransient) << st.error().ToString();
  EXPECT_NE(st.error().message().find("interrupted (datasync is stopping)"), std::string::npos)
      << st.error().ToString();
  auto later = sink->Write(batch, "u2");
  ASSERT_FALSE(later) << "an interrupted sink writes nothing more";
  ASSERT_TRUE(sink->Close());
  EXPECT_EQ(server_->Query("SELECT count(*) FROM " + server_->Qualified(ns_, "held"))[0][0].value_or(""), "0");
}

INSTANTIATE_TEST_SUITE_P(Postgres, PostgresSinkTest, ::testing::ValuesIn(BuiltIds({"postgres"})),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

using MySqlSinkTest = DatabaseSinkTest;

TEST_P(MySqlSinkTest, TheInsertMethodStoresWhatLoadDataStores) {
  auto schema = TypedSchema();
  std::vector<Row> rows = {
      {Value::Int64(1), Value::Bool(true), Value::Int32(-5), Value::Float64(0.1), Value::String("it's \\ a\ttab\n"),
       DateOf(1900, 1, 1), TsOf(2024, 1, 2, 9, 30, 0, 123456), Dec(-12345, 12, 2)},
      {Value::Int64(2), Value::Null(LogicalType::Bool()), Value::Int32(7), Value::Float64(std::nan("")),
       Value::String("\\N"), DateOf(2099, 12, 31), Value::Null(LogicalType::Timestamp()), Dec(0, 12, 2)}};
  auto batch = MakeBatch(schema, rows);
  for (const char* method : {"insert", "load_data"}) {
    BindContext ctx = Ctx(std::string("via_") + method, schema);
    ctx.options.Set("load_method", std::string(method));
    ctx.options.Set("insert_batch_bytes", int64_t{65536});
    auto sink = NewSink();
    RunSink(*sink, ctx, 1, {{"u", &batch}, {"v", &batch}});
    FloatRules nan_as_null;
    nan_as_null.nan_as_null = true;
    StoredData got = server_->Read(ns_, ctx.dataset, *schema);
    EXPECT_EQ(CompareRows(Normalize(rows, nan_as_null), got.rows, nan_as_null), "") << method;
  }
}

TEST_P(MySqlSinkTest, ALongerKeyVarcharWidensTheColumn) {
  auto schema = MakeSchema({{"k", LogicalType::String()}, {"v", LogicalType::Int64()}});
  BindContext ctx = Ctx("keys", schema);
  ctx.options.Set("key_varchar_length", int64_t{20});
  auto first = NewSink();
  RunSink(*first, ctx, 1, {});
  EXPECT_EQ(NativeType("keys", "k"), "varchar(20)");
  ctx.options.Set("key_varchar_length", int64_t{64});
  auto second = NewSink();
  RunSink(*second, ctx, 2, {});
  EXPECT_EQ(NativeType("keys", "k"), "varchar(64)");
  ASSERT_EQ(Migrator(*second).last_migration().steps.size(), 1u);
  EXPECT_EQ(Migrator(*second).last_migration().steps[0].change.kind, ChangeKind::kWidenColumn);
}

INSTANTIATE_TEST_SUITE_P(MySql, MySqlSinkTest, ::testing::ValuesIn(BuiltIds({"mysql"})),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace datasync::storage::testing
