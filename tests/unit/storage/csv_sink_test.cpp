// CSV specifics the compliance suite cannot see through a parser: the exact bytes (quoting only where
// RFC 4180 needs it, NULL vs empty string, number and date text, line endings, BOM) and option checks.
#include "storage/csv/csv_sink.hpp"

#include <gtest/gtest.h>

#include <cfloat>
#include <climits>
#include <cmath>
#include <fstream>
#include <sstream>

#include "sink_test_support.hpp"
#include "storage/csv/csv_format.hpp"

namespace datasync::storage::testing {
namespace {

using core::ErrorKind;
using core::LogicalType;
using core::Value;

std::string Encode(const csv::CsvSettings& settings, const core::SchemaPtr& schema, const std::vector<Row>& rows) {
  csv::CsvFormat format(settings);
  auto batch = MakeBatch(schema, rows);
  auto writer = format.NewWriter(*schema);
  std::string out;
  EXPECT_TRUE(writer->Begin(out));
  std::vector<uint32_t> all(rows.size());
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  EXPECT_TRUE(writer->WriteRows(batch, all, out));
  EXPECT_TRUE(writer->End(out));
  return out;
}

TEST(CsvFormatTest, QuotesOnlyWhereNeededAndWritesCanonicalText) {
  auto schema = MakeSchema({{"s", LogicalType::String()},
                            {"n", LogicalType::Int64()},
                            {"f", LogicalType::Float64()},
                            {"d", LogicalType::Date()},
                            {"t", LogicalType::Timestamp()},
                            {"m", LogicalType::Decimal(8, 3)},
                            {"b", LogicalType::Bool()}});
  auto null = [](LogicalType t) { return Value::Null(t); };
  std::vector<Row> rows = {
      {Value::String("plain"), Value::Int64(1), Value::Float64(0.1), DateOf(2024, 1, 2), TsOf(2024, 1, 2, 9, 30, 0),
       Dec(1500, 8, 3), Value::Bool(true)},
      {Value::String("a,b"), Value::Int64(-2), Value::Float64(-0.0), null(LogicalType::Date()),
       TsOf(2024, 1, 2, 9, 30, 0, 1), Dec(-1, 8, 3), Value::Bool(false)},
      {Value::String("say \"hi\""), null(LogicalType::Int64()), Value::Float64(std::nan("")), DateOf(1900, 1, 1),
       null(LogicalType::Timestamp()), Dec(0, 8, 3), null(LogicalType::Bool())},
      {Value::String(""), Value::Int64(INT64_MIN), Value::Float64(INFINITY), DateOf(2099, 12, 31),
       TsOf(1969, 12, 31, 23, 59, 59, 999999), null(LogicalType::Decimal(8, 3)), Value::Bool(true)},
      {null(LogicalType::String()), Value::Int64(INT64_MAX), Value::Float64(-INFINITY), DateOf(2024, 2, 29),
       TsOf(2024, 1, 1, 0, 0, 0), Dec(99999999, 8, 3), Value::Bool(false)},
      {Value::String("line\nbreak"), Value::Int64(0), Value::Float64(1e300), DateOf(2024, 1, 2),
       TsOf(2024, 1, 2, 0, 0, 0), Dec(-12345, 8, 3), Value::Bool(true)},
      {Value::String("cr\ronly"), Value::Int64(0), Value::Float64(4.9406564584124654e-324), DateOf(2024, 1, 2),
       TsOf(2024, 1, 2, 0, 0, 0), Dec(5, 8, 3), Value::Bool(true)},
      {Value::String(" spaces\tand tab "), Value::Int64(0), Value::Float64(123456789012345680.0), DateOf(2024, 1, 2),
       TsOf(2024, 1, 2, 0, 0, 0), Dec(5, 8, 3), Value::Bool(true)},
  };
  std::string expected =
      "s,n,f,d,t,m,b\n"
      "plain,1,0.1,2024-01-02,2024-01-02 09:30:00,1.500,true\n"
      "\"a,b\",-2,-0,,2024-01-02 09:30:00.000001,-0.001,false\n"
      "\"say \"\"hi\"\"\",,NaN,1900-01-01,,0.000,\n"
      "\"\",-9223372036854775808,Infinity,2099-12-31,1969-12-31 23:59:59.999999,,true\n"
      ",9223372036854775807,-Infinity,2024-02-29,2024-01-01 00:00:00,99999.999,false\n"
      "\"line\nbreak\",0,1e+300,2024-01-02,2024-01-02 00:00:00,-12.345,true\n"
      "\"cr\ronly\",0,5e-324,2024-01-02,2024-01-02 00:00:00,0.005,true\n"
      " spaces\tand tab ,0,123456789012345680,2024-01-02,2024-01-02 00:00:00,0.005,true\n";
  EXPECT_EQ(Encode(csv::CsvSettings{}, schema, rows), expected);
}

TEST(CsvFormatTest, DelimiterCrlfBomAndNullMarker) {
  auto schema =
      MakeSchema({{"a;b", LogicalType::String()}, {"q\"", LogicalType::String()}, {"n", LogicalType::Int32()}});
  csv::CsvSettings settings;
  settings.delimiter = ';';
  settings.crlf = true;
  settings.bom = true;
  settings.null_marker = "\\N";
  std::vector<Row> rows = {
      {Value::String("x,y"), Value::String("\\N"), Value::Null(LogicalType::Int32())},
      {Value::String(""), Value::Null(LogicalType::String()), Value::Int32(-7)},
      {Value::String("semi;colon"), Value::String("crlf\r\ninside"), Value::Int32(0)},
  };
  EXPECT_EQ(Encode(settings, schema, rows),
            "\xEF\xBB\xBF\"a;b\";\"q\"\"\";n\r\n"
            "x,y;\"\\N\";\\N\r\n"
            ";\\N;-7\r\n"
            "\"semi;colon\";\"crlf\r\ninside\";0\r\n");
}

// Found by the csv_roundtrip fuzz target: a number, date or bool whose text holds the delimiter, or equals
// the null marker, was written bare and read back as two fields or as NULL. Such cells are quoted like text.
TEST(CsvFormatTest, NonTextValuesThatClashWithTheDelimiterOrNullMarkerAreQuoted) {
  auto schema = MakeSchema({{"n", LogicalType::Int32()},
                            {"d", LogicalType::Date()},
                            {"t", LogicalType::Timestamp()},
                            {"f", LogicalType::Float64()}});
  std::vector<Row> rows = {{Value::Int32(-5), DateOf(2024, 1, 2), TsOf(2024, 1, 2, 9, 30, 0), Value::Float64(1.5)},
                           {Value::Null(LogicalType::Int32()), Value::Null(LogicalType::Date()),
                            Value::Null(LogicalType::Timestamp()), Value::Null(LogicalType::Float64())}};
  csv::CsvSettings dash;
  dash.delimiter = '-';
  dash.header = false;
  EXPECT_EQ(Encode(dash, schema, rows), "\"-5\"-\"2024-01-02\"-\"2024-01-02 09:30:00\"-1.5\n---\n");
  csv::CsvSettings space;
  space.delimiter = ' ';
  space.header = false;
  EXPECT_EQ(Encode(space, schema, rows), "-5 2024-01-02 \"2024-01-02 09:30:00\" 1.5\n   \n");
  csv::CsvSettings one_is_null;
  one_is_null.null_marker = "1.5";
  one_is_null.header = false;
  EXPECT_EQ(Encode(one_is_null, schema, rows), "-5,2024-01-02,2024-01-02 09:30:00,\"1.5\"\n1.5,1.5,1.5,1.5\n");
  // Every row reads back, typed, through the independent reader.
  std::vector<std::vector<CsvField>> records;
  std::string error;
  ASSERT_TRUE(ParseCsv(Encode(dash, schema, rows), '-', records, error)) << error;
  ASSERT_EQ(records.size(), 2u);
  ASSERT_EQ(records[0].size(), 4u);
  EXPECT_EQ(ParseTyped(records[0][0].text, LogicalType::Int32()), Value::Int32(-5));
  EXPECT_EQ(ParseTyped(records[0][2].text, LogicalType::Timestamp()), TsOf(2024, 1, 2, 9, 30, 0));
}

TEST(CsvFormatTest, WithoutHeader) {
  auto schema = MakeSchema({{"a", LogicalType::Int32()}});
  csv::CsvSettings settings;
  settings.header = false;
  EXPECT_EQ(Encode(settings, schema, {{Value::Int32(1)}, {Value::Int32(2)}}), "1\n2\n");
  EXPECT_EQ(Encode(settings, schema, {}), "");
}

TEST(CsvFormatTest, SettingsFromOptions) {
  auto parse = [](std::vector<std::pair<std::string, std::string>> kv) {
    core::Options o;
    for (auto& [k, v] : kv) o.Set(k, v);
    return csv::CsvSettingsFromOptions(o);
  };
  auto tab = parse({{"delimiter", "\\t"}});
  ASSERT_TRUE(tab);
  EXPECT_EQ(tab->delimiter, '\t');
  EXPECT_EQ(parse({{"delimiter", "tab"}})->delimiter, '\t');
  EXPECT_TRUE(parse({{"line_ending", "crlf"}})->crlf);
  for (const auto& bad : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {{"delimiter", ",,"}},
           {{"delimiter", ""}},
           {{"delimiter", "\""}},
           {{"delimiter", "\n"}},
           {{"delimiter", "，"}},
           {{"null_marker", "a,b"}},
           {{"null_marker", "\"NULL\""}},
           {{"line_ending", "cr"}},
       }) {
    auto r = parse(bad);
    ASSERT_FALSE(r) << bad[0].first << "=" << bad[0].second;
    EXPECT_EQ(r.error().kind(), ErrorKind::kConfig);
  }
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(CsvSinkTest, WritesOnePartFilePerUnitWithTheConfiguredBytes) {
  TempDir tmp;
  auto schema = MakeSchema({{"code", LogicalType::String()}, {"close", LogicalType::Float64()}});
  auto batch = MakeBatch(schema, {{Value::String("平安银行"), Value::Float64(10.5)}});
  BindContext ctx;
  ctx.storage_name = "csv_test";
  ctx.dataset = "daily";
  ctx.schema = schema;
  ctx.mode = WriteMode::kAppend;
  ctx.options.Set("path", tmp.path().string());
  ctx.options.Set("line_ending", std::string("crlf"));
  ctx.options.Set("bom", true);
  CsvSink sink;
  RunSink(sink, ctx, 1, {{"20240102", &batch}});
  EXPECT_EQ(ListTree(tmp.path()), (std::vector<std::string>{"daily/_schema.json", "daily/part-20240102.csv"}));
  EXPECT_EQ(Slurp(tmp.path() / "daily/part-20240102.csv"),
            "\xEF\xBB\xBF"
            "code,close\r\n平安银行,10.5\r\n");
}

TEST(CsvSinkTest, BadOptionsFailBind) {
  TempDir tmp;
  BindContext ctx;
  ctx.dataset = "daily";
  ctx.schema = MakeSchema({{"a", LogicalType::Int32()}});
  ctx.mode = WriteMode::kAppend;
  ctx.options.Set("path", tmp.path().string());
  ctx.options.Set("delimiter", std::string("::"));
  CsvSink sink;
  auto st = sink.Bind(ctx);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kConfig);
  EXPECT_NE(st.error().message().find("delimiter"), std::string::npos);
}

TEST(CsvSinkTest, OptionTableHasDefaultsForEveryOptionalKey) {
  for (const auto& spec : CsvSinkOptions()) {
    if (spec.required) continue;
    if (spec.name == "partition_by" || spec.name == "null_marker") continue;  // empty is the default
    EXPECT_FALSE(spec.default_value.empty()) << spec.name;
  }
  EXPECT_NE(core::FindOption(CsvSinkOptions(), "delimiter"), nullptr);
  EXPECT_NE(core::FindOption(CsvSinkOptions(), "partition_granularity"), nullptr);
}

}  // namespace
}  // namespace datasync::storage::testing
