// The sink compliance suite's scenarios (CONVENTIONS "Tests" 3): every sink goes through them, created
// through the SinkRegistry, and what it stored is read back by an independent reader and compared cell by
// cell with what was written. Which sinks run them, and against what, is up to the binary
// (sink_compliance.hpp).
#include "sink_compliance.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cfloat>
#include <climits>
#include <cmath>

namespace datasync::storage::testing {

using core::Value;

std::string ParamName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name;
  for (char c : info.param) name.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return name;
}

std::vector<Row> AllTypesRowsFor(const ValueDomain& domain) {
  auto dec = [](int64_t u) { return Dec(u, 12, 2); };
  std::vector<Row> rows = {
      {Value::Int64(1), Value::Bool(true), Value::Int32(INT32_MIN), Value::Int64(INT64_MIN), Value::Float64(-0.0),
       Value::String("plain"), DateOf(1900, 1, 1), TsOf(2024, 1, 2, 9, 30, 0, 123456), dec(-999999999999)},
      {Value::Int64(2), Value::Bool(false), Value::Int32(INT32_MAX), Value::Int64(INT64_MAX), Value::Float64(1e300),
       Value::String(""), DateOf(2099, 12, 31), TsOf(1970, 1, 1, 0, 0, 0), dec(-5)},
      {Value::Int64(3), Value::Bool(true), Value::Int32(0), Value::Int64(0), Value::Float64(4.9406564584124654e-324),
       Value::String("x"), DateOf(1970, 1, 1), TsOf(1969, 12, 31, 23, 59, 59, 999999), dec(0)},
      {Value::Int64(4), Value::Bool(false), Value::Int32(-1), Value::Int64(-1), Value::Float64(std::nan("")),
       Value::String("nan row"), DateOf(2000, 2, 29), TsOf(2099, 12, 31, 23, 59, 59, 1), dec(999999999999)},
      {Value::Int64(5), Value::Bool(true), Value::Int32(1), Value::Int64(1), Value::Float64(INFINITY),
       Value::String("inf"), DateOf(2024, 1, 2), TsOf(2024, 1, 2, 15, 0, 0), dec(1)},
      {Value::Int64(6), Value::Bool(false), Value::Int32(2), Value::Int64(1LL << 53), Value::Float64(-INFINITY),
       Value::String("-inf"), DateOf(2024, 1, 3), TsOf(1900, 1, 1, 0, 0, 0, 1), dec(-1)},
      {Value::Int64(7), Value::Bool(true), Value::Int32(3), Value::Int64((1LL << 53) + 1), Value::Float64(0.1),
       Value::String("0.1"), DateOf(2024, 1, 4), TsOf(2024, 1, 4, 0, 0, 0, 500000), dec(1234)},
      {Value::Int64(8), Value::Bool(false), Value::Int32(4), Value::Int64(4), Value::Float64(DBL_MIN),
       Value::String("dbl min"), DateOf(2024, 1, 5), TsOf(2024, 1, 5, 0, 0, 0), dec(-1234)},
      {Value::Int64(9), Value::Bool(true), Value::Int32(5), Value::Int64(5), Value::Float64(DBL_MAX),
       Value::String("dbl max"), DateOf(2024, 1, 6), TsOf(2024, 1, 6, 0, 0, 0), dec(10)},
      {Value::Int64(10), Value::Bool(false), Value::Int32(6), Value::Int64(6), Value::Float64(-123.456e-7),
       Value::String("negative"), DateOf(2024, 1, 7), TsOf(2024, 1, 7, 0, 0, 0), dec(-100)},
  };
  // Out-of-domain dates and timestamps move to the nearest value the store holds (whole seconds, 1970 on).
  for (auto& row : rows) {
    auto& day = std::get<int32_t>(row[6].v);
    if (!domain.dates_before_1970 && day < 0) day = -day;
    auto& micros = std::get<int64_t>(row[7].v);
    if (!domain.sub_second_timestamps) micros = (micros < 0 ? -micros : micros) / 1000000 * 1000000;
  }
  return rows;
}

namespace {

using core::ErrorKind;
using core::Field;
using core::LogicalType;

core::SchemaPtr AllTypesSchema() {
  return MakeSchema({
      {"id", LogicalType::Int64()},
      {"b", LogicalType::Bool()},
      {"i", LogicalType::Int32()},
      {"l", LogicalType::Int64()},
      {"f", LogicalType::Float64()},
      {"s", LogicalType::String()},
      {"d", LogicalType::Date()},
      {"t", LogicalType::Timestamp()},
      {"m", LogicalType::Decimal(12, 2)},
  });
}

TEST_P(SinkComplianceTest, RegistryEntryDeclaresItsOptions) {
  EXPECT_EQ(info_->id, Id());
  EXPECT_FALSE(info_->description.empty());
  const core::OptionSpec* required = core::FindOption(info_->options, target_->required_option());
  ASSERT_NE(required, nullptr) << target_->required_option();
  EXPECT_TRUE(required->required);
  for (const auto& spec : info_->options) EXPECT_FALSE(spec.description.empty()) << spec.name;
  SinkCapabilities caps = NewSink()->capabilities();
  EXPECT_TRUE(caps.append);
  EXPECT_TRUE(caps.idempotent_units);
  EXPECT_TRUE(caps.replace);
  EXPECT_TRUE(caps.schema_evolution);
}

TEST_P(SinkComplianceTest, MissingPathIsAConfigError) {
  auto sink = NewSink();
  BindContext ctx = Ctx("daily", AllTypesSchema());
  ctx.options = core::Options();
  auto st = sink->Bind(ctx);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kConfig);
  EXPECT_NE(st.error().message().find(target_->required_option()), std::string::npos) << st.error().message();
}

TEST_P(SinkComplianceTest, EmptyBatchCreatesAnEmptyDataset) {
  auto schema = AllTypesSchema();
  auto empty = MakeBatch(schema, {});
  auto sink = NewSink();
  RunSink(*sink, Ctx("daily", schema), 1, {{"u1", &empty}});
  StoredData got = Reader()->Read("daily", *schema);
  EXPECT_TRUE(got.exists);
  EXPECT_TRUE(got.rows.empty());
  EXPECT_EQ(sink->stats().rows_written, 0);
  EXPECT_EQ(sink->stats().commits, 1);
}

TEST_P(SinkComplianceTest, EmptyRewriteOfAUnitRemovesItsRows) {
  auto schema = AllTypesSchema();
  auto full = MakeBatch(schema, AllTypesRows());
  auto empty = MakeBatch(schema, {});
  auto first = NewSink();
  RunSink(*first, Ctx("daily", schema), 1, {{"u1", &full}});
  ExpectStored("daily", *schema, AllTypesRows());
  auto second = NewSink();
  RunSink(*second, Ctx("daily", schema), 2, {{"u1", &empty}});
  ExpectStored("daily", *schema, {});
}

TEST_P(SinkComplianceTest, EveryLogicalTypeRoundTrips) {
  auto schema = AllTypesSchema();
  auto batch = MakeBatch(schema, AllTypesRows());
  auto sink = NewSink();
  RunSink(*sink, Ctx("all_types", schema), 1, {{"u1", &batch}});
  ExpectStored("all_types", *schema, AllTypesRows());
  EXPECT_EQ(sink->stats().rows_written, 10);
  EXPECT_GT(sink->stats().bytes_written, 0);
  ExpectCleanTree();
}

// Nasdaq Data Link's BigDecimal(34,12): 22 integer digits and 12 decimals, more than a double or an int64
// holds; every sink stores the exact digits (as text where the format has no wider decimal).
TEST_P(SinkComplianceTest, WideDecimalsRoundTripExactly) {
  auto schema = MakeSchema({{"id", LogicalType::Int64()},
                            {"revenue", LogicalType::Decimal(34, 12)},
                            {"max38", LogicalType::Decimal(38, 0)},
                            {"px", LogicalType::Decimal(18, 4)}});
  auto null34 = Value::Null(LogicalType::Decimal(34, 12));
  std::vector<Row> rows = {
      {Value::Int64(1), DecOf("1234567890123456789012.123456789012", 34, 12),
       DecOf("99999999999999999999999999999999999999", 38, 0), DecOf("99999999999999.9999", 18, 4)},
      {Value::Int64(2), DecOf("-1234567890123456789012.123456789012", 34, 12),
       DecOf("-99999999999999999999999999999999999999", 38, 0), DecOf("-99999999999999.9999", 18, 4)},
      {Value::Int64(3), null34, Value::Null(LogicalType::Decimal(38, 0)), Value::Null(LogicalType::Decimal(18, 4))},
      {Value::Int64(4), DecOf("1234.567800000000", 34, 12), DecOf("0", 38, 0), DecOf("0.0001", 18, 4)},
      {Value::Int64(5), DecOf("-0.000000000001", 34, 12), DecOf("-1", 38, 0), DecOf("-0.0001", 18, 4)},
      {Value::Int64(6), DecOf("9999999999999999999999.999999999999", 34, 12),
       DecOf("18446744073709551616", 38, 0), DecOf("922337203685.4775", 18, 4)},
      {Value::Int64(7), DecOf("0", 34, 12), DecOf("-9223372036854775809", 38, 0), DecOf("0", 18, 4)},
  };
  auto batch = MakeBatch(schema, rows);
  auto sink = NewSink();
  RunSink(*sink, Ctx("fundamentals", schema), 1, {{"u1", &batch}});
  ExpectStored("fundamentals", *schema, rows);
  EXPECT_EQ(sink->stats().rows_written, 7);
  ExpectCleanTree();
}

TEST_P(SinkComplianceTest, NullsInEveryColumn) {
  auto schema = AllTypesSchema();
  std::vector<Row> rows;
  Row all_null;
  for (const auto& f : schema->fields()) all_null.push_back(Value::Null(f.type));
  all_null[0] = Value::Int64(100);
  rows.push_back(all_null);
  // Each column NULL once among otherwise valid rows, so the bitmap is exercised at every position.
  for (size_t c = 1; c < schema->size(); ++c) {
    Row r = AllTypesRows()[c % 10];
    r[0] = Value::Int64(static_cast<int64_t>(200 + c));
    r[c] = Value::Null(schema->field(c).type);
    rows.push_back(r);
  }
  auto batch = MakeBatch(schema, rows);
  auto sink = NewSink();
  RunSink(*sink, Ctx("nulls", schema), 1, {{"u1", &batch}});
  ExpectStored("nulls", *schema, rows);
}

core::SchemaPtr TextSchema() {
  return MakeSchema({{"id", LogicalType::Int64()}, {"text", LogicalType::String()}, {"n", LogicalType::Int32()}});
}

std::vector<Row> TextRows(const std::vector<std::string>& texts) {
  std::vector<Row> rows;
  for (size_t i = 0; i < texts.size(); ++i) {
    rows.push_back(
        {Value::Int64(static_cast<int64_t>(i)), Value::String(texts[i]), Value::Int32(static_cast<int32_t>(i))});
  }
  return rows;
}

TEST_P(SinkComplianceTest, UnicodeText) {
  auto schema = TextSchema();
  auto rows = TextRows({
      "平安银行",
      "贵州茅台 600519.SH",
      "😀🚀 emoji",
      "e\u0301 combining acute",
      "\u0915\u094D\u0937 devanagari",
      "Ελληνικά",
      "שלום RTL",
      "\uFEFFleading BOM",
      "ＦＵＬＬＷＩＤＴＨ，逗号",
      "\u200Bzero width",
  });
  auto batch = MakeBatch(schema, rows);
  auto sink = NewSink();
  RunSink(*sink, Ctx("unicode", schema), 1, {{"u1", &batch}});
  ExpectStored("unicode", *schema, rows);
}

TEST_P(SinkComplianceTest, VeryLongStrings) {
  std::string pattern = "abc,\"quoted\";\r\n平安\t";
  auto mib = [&](char tag) {
    std::string s(1, tag);
    while (s.size() < (size_t{1} << 20)) s += pattern;
    return s;
  };
  auto schema = TextSchema();
  auto rows = TextRows({mib('a'), mib('b'), "short", mib('c')});
  auto batch = MakeBatch(schema, rows);
  auto sink = NewSink();
  if (Id() == "xlsx") {
    // An Excel cell holds at most 32767 characters: the write fails for the data, naming the limit.
    ASSERT_TRUE(sink->Bind(Ctx("long", schema)) && sink->Migrate() && sink->Open(RunContext{1}));
    auto st = sink->Write(batch, "u1");
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidInput);
    EXPECT_NE(st.error().message().find("32767"), std::string::npos) << st.error().message();
    return;
  }
  RunSink(*sink, Ctx("long", schema), 1, {{"u1", &batch}});
  ExpectStored("long", *schema, rows);
}

TEST_P(SinkComplianceTest, DelimitersQuotesAndControlCharacters) {
  auto schema = TextSchema();
  auto rows = TextRows({
      ",",
      ";",
      "\"",
      "a\"b",
      "\"\"",
      "\"starts and ends\"",
      "line1\nline2",
      "cr\rmiddle",
      "crlf\r\nend",
      "\n",
      "\ttab",
      "\x01\x02\x1f\x7f",
      " leading",
      "trailing ",
      "\\backslash\\",
      "NULL",
      "null",
      "\\N",
      "NaN",
      "",
      "a,b,\"c\"\n,d",
      "'single'",
      "`tick`",
      "<tag>&amp;",
      "{\"json\":1}",
  });
  auto batch = MakeBatch(schema, rows);
  auto sink = NewSink();
  RunSink(*sink, Ctx("special", schema), 1, {{"u1", &batch}});
  ExpectStored("special", *schema, rows);
}

core::SchemaPtr KeyedSchema() {
  return MakeSchema({{"code", LogicalType::String()},
                     {"day", LogicalType::Date()},
                     {"close", LogicalType::Float64()},
                     {"vol", LogicalType::Int64()}});
}

Row Keyed(const std::string& code, int day, double close, int64_t vol) {
  return {Value::String(code), DateOf(2024, 1, day), Value::Float64(close), Value::Int64(vol)};
}

TEST_P(SinkComplianceTest, RewritingAUnitReplacesItsRowsInTheSameAndLaterRuns) {
  auto schema = KeyedSchema();
  std::vector<Row> a1 = {Keyed("000001.SZ", 2, 10.5, 100), Keyed("000001.SZ", 3, 10.6, 110),
                         Keyed("000001.SZ", 4, 10.7, 120), Keyed("000002.SZ", 2, 20.0, 200)};
  std::vector<Row> a2 = {Keyed("000001.SZ", 2, 11.5, 101), Keyed("000001.SZ", 3, 11.6, 111)};
  std::vector<Row> a3 = {Keyed("000001.SZ", 2, 12.5, 102)};
  std::vector<Row> b = {Keyed("600000.SH", 2, 7.0, 700)};
  auto ba1 = MakeBatch(schema, a1), ba2 = MakeBatch(schema, a2), ba3 = MakeBatch(schema, a3), bb = MakeBatch(schema, b);

  auto sink = NewSink();
  ASSERT_TRUE(sink->Bind(Ctx("daily", schema)));
  ASSERT_TRUE(sink->Migrate());
  ASSERT_TRUE(sink->Open(RunContext{1}));
  ASSERT_TRUE(sink->Write(ba1, "task-a"));
  ASSERT_TRUE(sink->Commit());
  ASSERT_TRUE(sink->Write(bb, "task-b"));
  ASSERT_TRUE(sink->Commit());
  ExpectStored("daily", *schema, {a1[0], a1[1], a1[2], a1[3], b[0]});
  // The same task again in the same run, with changed values and fewer rows.
  ASSERT_TRUE(sink->Write(ba2, "task-a"));
  ASSERT_TRUE(sink->Commit());
  ExpectStored("daily", *schema, {a2[0], a2[1], b[0]});
  ASSERT_TRUE(sink->Finish());
  ASSERT_TRUE(sink->Close());

  // And in a later run, through a new sink.
  auto later = NewSink();
  RunSink(*later, Ctx("daily", schema), 2, {{"task-a", &ba3}});
  ExpectStored("daily", *schema, {a3[0], b[0]});
  ExpectCleanTree();
}

TEST_P(SinkComplianceTest, SeveralBatchesOfOneUnitBeforeACommitAllCount) {
  auto schema = KeyedSchema();
  std::vector<Row> p1 = {Keyed("000001.SZ", 2, 1, 1)}, p2 = {Keyed("000001.SZ", 3, 2, 2)};
  auto b1 = MakeBatch(schema, p1), b2 = MakeBatch(schema, p2);
  auto sink = NewSink();
  RunSink(*sink, Ctx("paged", schema), 1, {{"task-a", &b1}, {"task-a", &b2}});
  ExpectStored("paged", *schema, {p1[0], p2[0]});
}

TEST_P(SinkComplianceTest, UpsertRerunWithChangedValuesLeavesNoDuplicates) {
  auto schema = KeyedSchema();
  std::vector<std::string> pk = {"code", "day"};
  std::vector<Row> v1 = {Keyed("000001.SZ", 2, 10.5, 100), Keyed("000001.SZ", 3, 10.6, 110)};
  std::vector<Row> v2 = {Keyed("000001.SZ", 2, 99.5, 900), Keyed("000001.SZ", 3, 99.6, 910)};
  auto b1 = MakeBatch(schema, v1), b2 = MakeBatch(schema, v2);
  auto first = NewSink();
  RunSink(*first, Ctx("daily", schema, WriteMode::kUpsert, pk), 1, {{"task-a", &b1}});
  auto second = NewSink();
  RunSink(*second, Ctx("daily", schema, WriteMode::kUpsert, pk), 2, {{"task-a", &b2}});
  ExpectStored("daily", *schema, v2);
}

TEST_P(SinkComplianceTest, OverlappingKeysAcrossUnits) {
  auto schema = KeyedSchema();
  std::vector<std::string> pk = {"code", "day"};
  std::vector<Row> a = {Keyed("000001.SZ", 2, 1.0, 1), Keyed("000001.SZ", 3, 2.0, 2)};
  std::vector<Row> b = {Keyed("000001.SZ", 3, 3.0, 3), Keyed("000001.SZ", 4, 4.0, 4)};
  auto ba = MakeBatch(schema, a), bb = MakeBatch(schema, b);
  auto sink = NewSink();
  RunSink(*sink, Ctx("daily", schema, WriteMode::kUpsert, pk), 1, {{"task-a", &ba}, {"task-b", &bb}});
  if (sink->capabilities().upsert) {
    // Key-level upsert: the later unit wins the shared key.
    ExpectStored("daily", *schema, {a[0], b[0], b[1]});
  } else {
    // Part files replace whole units, not keys: both units keep their rows (plans whose tasks partition
    // the keys are what idempotent_units serves).
    ExpectStored("daily", *schema, {a[0], a[1], b[0], b[1]});
  }
}

TEST_P(SinkComplianceTest, AbortLeavesNothing) {
  auto schema = KeyedSchema();
  std::vector<Row> kept = {Keyed("000001.SZ", 2, 1, 1)};
  std::vector<Row> dropped = {Keyed("000002.SZ", 2, 2, 2), Keyed("000003.SZ", 2, 3, 3)};
  auto bk = MakeBatch(schema, kept), bd = MakeBatch(schema, dropped);
  auto sink = NewSink();
  ASSERT_TRUE(sink->Bind(Ctx("daily", schema)));
  ASSERT_TRUE(sink->Migrate());
  ASSERT_TRUE(sink->Open(RunContext{1}));
  ASSERT_TRUE(sink->Write(bd, "task-d"));
  ASSERT_TRUE(sink->Abort());
  ExpectStored("daily", *schema, {});
  ASSERT_TRUE(sink->Write(bk, "task-k"));
  ASSERT_TRUE(sink->Commit());
  ASSERT_TRUE(sink->Write(bd, "task-d"));
  ASSERT_TRUE(sink->Abort());
  ASSERT_TRUE(sink->Close());
  ExpectStored("daily", *schema, kept);
  EXPECT_EQ(sink->stats().rows_written, 1);
  ExpectCleanTree();
}

TEST_P(SinkComplianceTest, DestroyingASinkWithoutCommitLeavesNoPartialData) {
  auto schema = KeyedSchema();
  std::vector<Row> kept = {Keyed("000001.SZ", 2, 1, 1)};
  std::vector<Row> lost = {Keyed("000002.SZ", 2, 2, 2)};
  auto bk = MakeBatch(schema, kept), bl = MakeBatch(schema, lost);
  {
    auto sink = NewSink();
    ASSERT_TRUE(sink->Bind(Ctx("daily", schema)));
    ASSERT_TRUE(sink->Migrate());
    ASSERT_TRUE(sink->Open(RunContext{1}));
    ASSERT_TRUE(sink->Write(bk, "task-k"));
    ASSERT_TRUE(sink->Commit());
    ASSERT_TRUE(sink->Write(bl, "task-l"));
    ASSERT_TRUE(sink->Write(bk, "task-k"));  // an uncommitted rewrite must not touch the committed unit
  }
  ExpectStored("daily", *schema, kept);
  auto reopened = NewSink();
  RunSink(*reopened, Ctx("daily", schema), 2, {});
  ExpectStored("daily", *schema, kept);
  ExpectCleanTree();
}

TEST_P(SinkComplianceTest, ProcessKilledMidWriteLeavesNoPartialData) {
  auto schema = TextSchema();
  std::vector<Row> kept = TextRows({"committed"});
  auto bk = MakeBatch(schema, kept);
  auto first = NewSink();
  RunSink(*first, Ctx("crash", schema), 1, {{"task-k", &bk}});
  // Enough bytes that file sinks have flushed part of the unit into a temp file before the "crash" (in
  // cells short enough for Excel).
  std::vector<std::string> big(140, std::string(30000, 'x'));
  auto bb = MakeBatch(schema, TextRows(big));
  BindContext ctx = Ctx("crash", schema);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto sink = NewSink();
    bool ok = sink->Bind(ctx) && sink->Migrate() && sink->Open(RunContext{2}) && sink->Write(bb, "task-big") &&
              sink->Write(bk, "task-k");
    _exit(ok ? 0 : 1);  // no destructors, no cleanup: as abrupt as a kill
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << "the child could not write";
  ExpectStored("crash", *schema, kept);
  auto reopened = NewSink();
  RunSink(*reopened, Ctx("crash", schema), 3, {});
  ExpectStored("crash", *schema, kept);
  ExpectCleanTree();
}

TEST_P(SinkComplianceTest, SchemaEvolutionAddsColumns) {
  auto v1 = MakeSchema({{"code", LogicalType::String()}, {"close", LogicalType::Float64()}});
  auto v2 = MakeSchema({{"code", LogicalType::String()},
                        {"close", LogicalType::Float64()},
                        {"turnover", LogicalType::Decimal(18, 4)},
                        {"list_date", LogicalType::Date()}});
  std::vector<Row> old_rows = {{Value::String("A"), Value::Float64(1.5)}, {Value::String("B"), Value::Float64(2.5)}};
  std::vector<Row> new_rows = {{Value::String("C"), Value::Float64(3.5), Dec(123456789, 18, 4), DateOf(1991, 4, 3)}};
  auto b1 = MakeBatch(v1, old_rows), b2 = MakeBatch(v2, new_rows);
  auto first = NewSink();
  RunSink(*first, Ctx("stock_basic", v1), 1, {{"task-1", &b1}});
  auto second = NewSink();
  RunSink(*second, Ctx("stock_basic", v2), 2, {{"task-2", &b2}});
  std::vector<Row> expected = {{Value::String("A"), Value::Float64(1.5), Value::Null(LogicalType::Decimal(18, 4)),
                                Value::Null(LogicalType::Date())},
                               {Value::String("B"), Value::Float64(2.5), Value::Null(LogicalType::Decimal(18, 4)),
                                Value::Null(LogicalType::Date())},
                               new_rows[0]};
  ExpectStored("stock_basic", *v2, expected);
  // The old schema still reads the old columns of every row.
  ExpectStored("stock_basic", *v1, {old_rows[0], old_rows[1], {Value::String("C"), Value::Float64(3.5)}});
}

TEST_P(SinkComplianceTest, HostileDatasetAndColumnNames) {
  auto schema = MakeSchema({
      {"\"quoted\"", LogicalType::Int64()},
      {"back`tick", LogicalType::String()},
      {"semi;colon", LogicalType::String()},
      {"with space", LogicalType::Float64()},
      {"中文列", LogicalType::String()},
      {"select", LogicalType::Int32()},
      {"order", LogicalType::Date()},
      {"../x", LogicalType::String()},
      {"a,b", LogicalType::Bool()},
      {"new\nline", LogicalType::Decimal(10, 3)},
  });
  std::vector<Row> rows = {{Value::Int64(1), Value::String("`"), Value::String(";"), Value::Float64(1.25),
                            Value::String("值"), Value::Int32(7), DateOf(2024, 5, 6), Value::String("../../etc"),
                            Value::Bool(true), Dec(-1500, 10, 3)}};
  auto batch = MakeBatch(schema, rows);
  // A bystander dataset that an injected DROP would destroy.
  auto bystander_schema = TextSchema();
  auto bystander_rows = TextRows({"still here"});
  auto bystander = MakeBatch(bystander_schema, bystander_rows);
  auto keep = NewSink();
  RunSink(*keep, Ctx("other", bystander_schema), 1, {{"u", &bystander}});

  for (std::string dataset : {"../x", "x\"; DROP TABLE \"other\"; --", "select", "order by", "平安 银行`", "a/b\\c",
                              "..", ".hidden", "CON"}) {
    SCOPED_TRACE(dataset);
    auto sink = NewSink();
    RunSink(*sink, Ctx(dataset, schema), 1, {{"../unit/1", &batch}});
    ExpectStored(dataset, *schema, rows);
  }
  ExpectStored("other", *bystander_schema, bystander_rows);
  ExpectCleanTree();
  // Nothing escaped: the temp folder holds only the root.
  for (const auto& entry : fs::directory_iterator(tmp_.path())) EXPECT_EQ(entry.path().filename(), "root");
}

TEST_P(SinkComplianceTest, LifecycleMisuseIsAnInternalError) {
  auto schema = KeyedSchema();
  auto batch = MakeBatch(schema, {Keyed("A", 2, 1, 1)});
  auto sink = NewSink();
  auto st = sink->Write(batch, "u");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kInternal);
  ASSERT_TRUE(sink->Bind(Ctx("daily", schema)));
  st = sink->Write(batch, "u");  // before Open
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kInternal);
  st = sink->Commit();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kInternal);
  EXPECT_EQ(sink->Bind(Ctx("daily", schema)).error().kind(), ErrorKind::kInternal);
  ASSERT_TRUE(sink->HealthCheck());
  ASSERT_TRUE(sink->Migrate());
  EXPECT_EQ(sink->Migrate().error().kind(), ErrorKind::kInternal);
  ASSERT_TRUE(sink->Open(RunContext{1}));
  // A batch of another schema is a bug in the caller.
  auto other = MakeBatch(TextSchema(), TextRows({"x"}));
  EXPECT_EQ(sink->Write(other, "u").error().kind(), ErrorKind::kInternal);
  ASSERT_TRUE(sink->Close());
  EXPECT_EQ(sink->Write(batch, "u").error().kind(), ErrorKind::kInternal);
  EXPECT_EQ(sink->Finish().error().kind(), ErrorKind::kInternal);
  ExpectStored("daily", *schema, {});
}

TEST_P(SinkComplianceTest, ModeChecksHappenInBind) {
  auto schema = KeyedSchema();
  auto sink = NewSink();
  auto st = sink->Bind(Ctx("daily", schema, WriteMode::kUpsert, {}));
  if (sink->capabilities().upsert) {
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().kind(), ErrorKind::kConfig);
    EXPECT_NE(st.error().message().find("primary key"), std::string::npos) << st.error().message();
  } else {
    // Unit-idempotent sinks serve upsert plans without a key (Sink::Bind).
    EXPECT_TRUE(st) << st.error().ToString();
  }
  auto bad_key = NewSink();
  st = bad_key->Bind(Ctx("daily", schema, WriteMode::kUpsert, {"no_such_field"}));
  if (bad_key->capabilities().upsert) {
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().kind(), ErrorKind::kConfig);
  }
  auto dup = NewSink();
  st = dup->Bind(Ctx("daily", MakeSchema({{"a", LogicalType::Int64()}, {"a", LogicalType::String()}})));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kConfig);
}

TEST_P(SinkComplianceTest, ReplacePublishesOnlyAtFinish) {
  auto schema = KeyedSchema();
  std::vector<Row> old_rows = {Keyed("OLD", 2, 1, 1), Keyed("OLD", 3, 2, 2)};
  std::vector<Row> new_a = {Keyed("NEW", 2, 3, 3)}, new_b = {Keyed("NEW", 3, 4, 4)};
  auto bo = MakeBatch(schema, old_rows), ba = MakeBatch(schema, new_a), bb = MakeBatch(schema, new_b);
  auto first = NewSink();
  RunSink(*first, Ctx("daily", schema), 1, {{"task-old", &bo}});

  auto sink = NewSink();
  ASSERT_TRUE(sink->Bind(Ctx("daily", schema, WriteMode::kReplace)));
  ASSERT_TRUE(sink->Migrate());
  ASSERT_TRUE(sink->Open(RunContext{7}));
  ASSERT_TRUE(sink->Write(ba, "task-a"));
  ASSERT_TRUE(sink->Commit());
  ASSERT_TRUE(sink->Write(bb, "task-b"));
  ASSERT_TRUE(sink->Commit());
  ExpectStored("daily", *schema, old_rows);  // readers keep the old data until Finish
  auto st = sink->Finish();
  ASSERT_TRUE(st) << st.error().ToString();
  ASSERT_TRUE(sink->Close());
  ExpectStored("daily", *schema, {new_a[0], new_b[0]});
  ExpectCleanTree();
  for (const auto& f : ListTree(root())) EXPECT_EQ(f.find("staging"), std::string::npos) << f;
}

TEST_P(SinkComplianceTest, ReplaceRestartedWithTheSameRunKeepsFillingItsStaging) {
  auto schema = KeyedSchema();
  std::vector<Row> old_rows = {Keyed("OLD", 2, 1, 1)};
  std::vector<Row> new_a = {Keyed("NEW", 2, 3, 3)}, new_b = {Keyed("NEW", 3, 4, 4)};
  auto bo = MakeBatch(schema, old_rows), ba = MakeBatch(schema, new_a), bb = MakeBatch(schema, new_b);
  auto first = NewSink();
  RunSink(*first, Ctx("daily", schema), 1, {{"task-old", &bo}});
  {
    auto crashed = NewSink();
    ASSERT_TRUE(crashed->Bind(Ctx("daily", schema, WriteMode::kReplace)));
    ASSERT_TRUE(crashed->Migrate());
    ASSERT_TRUE(crashed->Open(RunContext{8}));
    ASSERT_TRUE(crashed->Write(ba, "task-a"));
    ASSERT_TRUE(crashed->Commit());
    ASSERT_TRUE(crashed->Write(bb, "task-b"));  // never committed
  }
  ExpectStored("daily", *schema, old_rows);
  auto resumed = NewSink();
  RunSink(*resumed, Ctx("daily", schema, WriteMode::kReplace), 8, {{"task-b", &bb}});
  ExpectStored("daily", *schema, {new_a[0], new_b[0]});
  // The engine may repeat Finish after a crash that followed the publish: the data must survive it.
  auto repeated = NewSink();
  RunSink(*repeated, Ctx("daily", schema, WriteMode::kReplace), 8, {});
  ExpectStored("daily", *schema, {new_a[0], new_b[0]});
  // A different run starts from nothing.
  auto next = NewSink();
  RunSink(*next, Ctx("daily", schema, WriteMode::kReplace), 9, {{"task-old", &bo}});
  ExpectStored("daily", *schema, old_rows);
}

TEST_P(SinkComplianceTest, ReplaceIntoADatasetThatDoesNotExistYet) {
  auto schema = KeyedSchema();
  std::vector<Row> rows = {Keyed("A", 2, 1, 1)};
  auto batch = MakeBatch(schema, rows);
  auto sink = NewSink();
  RunSink(*sink, Ctx("fresh", schema, WriteMode::kReplace), 3, {{"task-a", &batch}});
  ExpectStored("fresh", *schema, rows);
}

}  // namespace
}  // namespace datasync::storage::testing
